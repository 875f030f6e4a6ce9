"""Training the learned flagger: fit on labelled examples, cross-validate, pick the threshold for a target precision.

Pure (no database), deterministic: the examples are put in one canonical order and every estimator has a fixed
random state, so the same training data gives a byte-identical model (sources.flagging.learned stores it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_curve
from sklearn.model_selection import StratifiedKFold

from sources.flagging import learned
from sources.flagging.learned import (
    RANDOM_STATE,
    RELEVANCE_C,
    CurvePoint,
    Example,
    Figures,
    LearnedModel,
    Memory,
    TrainingError,
    char_vectorizer,
    example_weight,
    fit_head,
    is_chinese,
    item_text,
    rule_signals,
    text_blocks,
    training_lexicon,
    unit_rows,
    word_vectorizer,
)
from sources.flagging.lexicon import Lexicon
from sources.flagging.scoring import FlagResult

FOLDS = 5  # cross-validation folds for the figures and the threshold


@dataclass
class Trained:
    model: LearnedModel
    figures: Figures
    curve: list[CurvePoint]
    training_hash: str
    target_precision: float


def training_set_hash(examples: Sequence[Example]) -> str:
    digest = hashlib.sha256()
    for example in examples:
        line: list[object] = [example.title, example.summary, example.relevant, example.category, example.kind]
        if example_weight(example) != 1.0:  # the same text as a decision trains a different model
            line.append(example_weight(example))
        digest.update(json.dumps(line, ensure_ascii=False).encode() + b"\n")
    return digest.hexdigest()


def training_problem(examples: Sequence[Example], *, min_items: int) -> str | None:
    """Why these examples cannot train a model, in one line, or None."""
    relevant = sum(1 for example in examples if example.relevant)
    if len(examples) < min_items:
        return f"only {len(examples)} labelled items; at least {min_items} are needed"
    if relevant == 0 or relevant == len(examples):
        return f"all {len(examples)} items are {'relevant' if relevant else 'not relevant'}: both kinds are needed"
    if min(relevant, len(examples) - relevant) < FOLDS:
        return f"fewer than {FOLDS} items of one class: cross-validation needs more"
    chinese = sum(1 for example in examples if is_chinese(example.title))
    if chinese == 0 or chinese == len(examples):
        return f"all {len(examples)} items are in {'Chinese' if chinese else 'English'}: both languages are needed"
    return None


def _canonical(examples: Sequence[Example]) -> list[Example]:
    """Sorted and de-duplicated on the text (the last label of a text wins), so the input order cannot matter."""
    by_text: dict[tuple[str, str], Example] = {}
    for example in examples:
        by_text[(example.title, example.summary)] = example
    return [by_text[key] for key in sorted(by_text)]


def _fit(
    texts: list[str],
    results: list[FlagResult],
    examples: list[Example],
    threshold: float,
    *,
    lexicon: Lexicon | None,
    with_kind: bool = True,
) -> tuple[LearnedModel, sp.csr_matrix]:
    word, char = word_vectorizer(), char_vectorizer()
    blocks = text_blocks(word.fit_transform, char.fit_transform, texts, lexicon)
    decided = np.array([i for i, example in enumerate(examples) if example.origin != "seed"], dtype=np.int64)
    memory = None
    if learned.MEMORY_FEATURES and len(decided):
        # Over the character n-grams: they carry names and Chinese, where word n-grams add mostly common words.
        char_features = sp.csr_matrix(blocks[1])
        memory = Memory(unit_rows(char_features[decided]), np.array([examples[i].relevant for i in decided]))
        blocks.append(memory.columns(char_features, own_rows=decided))
    features = sp.hstack([sp.csr_matrix(block) for block in [*blocks, rule_signals(results)]], format="csr")
    labels = np.array([1 if example.relevant else 0 for example in examples])
    weights = np.array([example_weight(example) for example in examples])
    relevance = LogisticRegression(
        C=RELEVANCE_C, class_weight="balanced", solver="liblinear", random_state=RANDOM_STATE, max_iter=1000
    )
    relevance.fit(features, labels, sample_weight=weights)
    relevant_rows = [i for i, example in enumerate(examples) if example.relevant]
    relevant_features = features[relevant_rows]
    dense = features.shape[1] - blocks[0].shape[1] - blocks[1].shape[1]
    category = fit_head(
        relevant_features, [examples[i].category for i in relevant_rows], weights[relevant_rows], dense=dense
    )
    kind_rows = [i for i in relevant_rows if examples[i].kind] if with_kind else []
    kind = fit_head(features[kind_rows], [examples[i].kind for i in kind_rows], weights[kind_rows], dense=dense)
    word_terms = sorted(word.vocabulary_, key=word.vocabulary_.__getitem__)
    char_terms = sorted(char.vocabulary_, key=char.vocabulary_.__getitem__)
    model = LearnedModel(
        word_vocabulary=word_terms,
        word_idf=np.asarray(word.idf_),
        char_vocabulary=char_terms,
        char_idf=np.asarray(char.idf_),
        relevance_coef=np.asarray(relevance.coef_[0]),
        relevance_intercept=float(relevance.intercept_[0]),
        category=category,
        kind=kind,
        threshold=threshold,
        lexicon=lexicon,
        memory=memory,
    )
    return model, features


def threshold_for(labels: np.ndarray, probabilities: np.ndarray, target_precision: float) -> float:
    """The threshold with the best recall among those reaching the target precision (else the most precise)."""
    precision, recall, thresholds = precision_recall_curve(labels, probabilities)
    best: tuple[float, float] | None = None
    for p, r, t in zip(precision[:-1], recall[:-1], thresholds, strict=True):
        if p >= target_precision and (best is None or r > best[0] or (r == best[0] and t < best[1])):
            best = (float(r), float(t))
    if best is not None:
        return best[1]
    return float(thresholds[int(np.argmax(precision[:-1]))])


def curve_points(labels: np.ndarray, probabilities: np.ndarray, steps: int = 19) -> list[CurvePoint]:
    """Precision and recall at thresholds 0.05, 0.10 ... 0.95: what the editors choose a target from."""
    points: list[CurvePoint] = []
    for step in range(1, steps + 1):
        threshold = round(step / (steps + 1), 2)
        flagged = probabilities >= threshold
        true = int(np.sum(flagged & (labels == 1)))
        precision = true / int(np.sum(flagged)) if np.any(flagged) else 1.0
        recall = true / int(np.sum(labels == 1)) if np.any(labels == 1) else 0.0
        points.append({"threshold": threshold, "precision": round(precision, 4), "recall": round(recall, 4)})
    return points


def model_train(
    examples: Sequence[Example],
    *,
    target_precision: float,
    min_items: int,
    rule_results: Sequence[FlagResult],
) -> Trained:
    """Fit on `examples` (their rule results in the same order); cross-validate to report figures and pick the
    threshold. Raises TrainingError with a one-line reason for data that cannot make a useful model."""
    problem = training_problem(examples, min_items=min_items)
    if problem:
        raise TrainingError(problem)
    results_by_text = {
        (example.title, example.summary): result for example, result in zip(examples, rule_results, strict=True)
    }
    ordered = _canonical(examples)
    results = [results_by_text[(example.title, example.summary)] for example in ordered]
    texts = [item_text(example.title, example.summary) for example in ordered]
    lexicon = training_lexicon()
    labels = np.array([1 if example.relevant else 0 for example in ordered])
    problem = training_problem(ordered, min_items=min_items)
    if problem:
        raise TrainingError(problem)

    # Cross-validated probabilities: each item scored by a model that never saw it (vocabulary included).
    out_of_fold = np.zeros(len(ordered))
    category_right = category_total = 0
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=RANDOM_STATE)
    for train_rows, test_rows in folds.split(np.zeros(len(ordered)), labels):
        fold_model, _ = _fit(
            [texts[i] for i in train_rows],
            [results[i] for i in train_rows],
            [ordered[i] for i in train_rows],
            threshold=0.5,
            lexicon=lexicon,
            with_kind=False,  # cross-validation reports relevance and category only
        )
        test_features = fold_model.features([texts[i] for i in test_rows], [results[i] for i in test_rows])
        out_of_fold[test_rows] = fold_model.probabilities(test_features)
        relevant_test = [n for n, i in enumerate(test_rows) if ordered[i].relevant]
        if relevant_test:
            predicted, _ = fold_model.category.predict(test_features[relevant_test])
            for n, guess in zip(relevant_test, predicted, strict=True):
                category_total += 1
                category_right += int(guess == ordered[test_rows[n]].category)
    threshold = threshold_for(labels, out_of_fold, target_precision)
    flagged = out_of_fold >= threshold
    true = int(np.sum(flagged & (labels == 1)))
    figures: Figures = {
        "precision": round(true / int(np.sum(flagged)), 4) if np.any(flagged) else 0.0,
        "recall": round(true / int(np.sum(labels == 1)), 4),
        "category_accuracy": round(category_right / category_total, 4) if category_total else 0.0,
        "items": len(ordered),
        "relevant": int(np.sum(labels == 1)),
    }
    model, _ = _fit(texts, results, ordered, threshold=threshold, lexicon=lexicon)
    training_hash = training_set_hash(ordered)
    curve = curve_points(labels, out_of_fold)
    # The model carries its own figures and curve, so the admin can show them for any model, the shipped one too.
    model.meta = {
        "cross_validated": dict(figures),
        "training_hash": training_hash,
        "target_precision": target_precision,
        "curve": curve,
    }
    return Trained(
        model=model,
        figures=figures,
        curve=curve,
        training_hash=training_hash,
        target_precision=target_precision,
    )
