"""The learned model's cheap scoring paths give exactly what the plain ones gave, so its answers do not change: the
fast tf-idf transform (sources.flagging.ngrams) against sklearn's, on the shipped model's vectorizers, on freshly
fitted ones and end to end through LearnedModel.score; the stacking, the heads' logits, the explanations.
No database."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from sources.flagging import combined
from sources.flagging.learned import (
    TOP_CONTRIBUTIONS,
    Entries,
    LearnedModel,
    Scored,
    _by_group_then_push,
    char_texts,
    char_vectorizer,
    entries_product,
    item_text,
    word_vectorizer,
)
from sources.flagging.ngrams import CharTfidf, KeyTable, WordTfidf, fast_transform, hstack
from sources.flagging.rules import default_rules
from sources.flagging.scoring import FlagResult, flag_text
from sources.flagging.selectors import shipped_model

# Written for this test: the kinds of text feeds carry, and the odd ones.
TEXTS = [
    "Regulators add nine chip firms to the Entity List\nThe rule, published Tuesday, bars exports of 7nm tools.",
    "",
    "   ",
    "\t\n\r\x0b\x0c",
    "!!! ??? ... --- ,,, ;;; ::: (((( )))) [[]] {{}} /// \\\\ ''' \"\"\"",
    "A",
    "a b c d e f g",
    "one-letter words between others: export a controls, chip s export, the x entity list",
    "I/O, R&D, U.S.-China, GPT-4o, H100s; 10,000 GPUs (approx.) -- $2.5bn!",
    "某公司宣布采购一万块图形处理器，用于训练大型语言模型。",
    "芯片 出口 管制 新规：实体清单 再 增加 十二 家 企业",
    "Mixed 中英文 text: 光刻机 lithography 出口 export",
    "ÉCOLE Über straße İstanbul ǅemal ﬁnance",  # lower() changes the length of some of these
    "tabs\tand  double  spaces\u00a0and\u2003em spaces\u3000ideographic space",
    "emoji 🚀🚀 rocket 🤖 and a lone surrogate \ud800 here",
    "snake_case_words and __dunder__ and _ underscores _",
    "e\u0301clair cafe\u0301 combining accents",
    "ＦＵＬＬＷＩＤＴＨ　ｌｅｔｔｅｒｓ and ①②③ digits ٣٤٥",
    "x" * 700,
    "word " * 150,
    "The Commerce Department tightened controls on advanced computing chips and chip-making tools. " * 8,
]


def _model() -> LearnedModel:
    current = shipped_model()
    assert current is not None
    return current.model


def _same(fast: sp.csr_matrix, slow: sp.csr_matrix) -> None:
    slow = sp.csr_matrix(slow)
    assert fast.shape == slow.shape
    assert np.allclose(fast.toarray(), slow.toarray(), rtol=0, atol=0)
    # The same layout and the same floats, bit for bit: the model's sums then come out the same too.
    assert np.array_equal(fast.indptr, slow.indptr)
    assert np.array_equal(fast.indices, slow.indices)
    assert np.array_equal(fast.data, slow.data)


@pytest.fixture(scope="module")
def shipped() -> tuple[TfidfVectorizer, TfidfVectorizer]:
    return _model().vectorizers()


def test_the_shipped_models_vectorizers_take_the_fast_path(shipped: tuple[TfidfVectorizer, TfidfVectorizer]) -> None:
    word, char = shipped
    assert isinstance(fast_transform(word).__self__, WordTfidf)  # type: ignore[attr-defined]
    assert isinstance(fast_transform(char).__self__, CharTfidf)  # type: ignore[attr-defined]


@pytest.mark.parametrize("batch", [TEXTS, TEXTS[::-1], TEXTS[:1], TEXTS[1:2], [TEXTS[8], "", TEXTS[0], ""]])
def test_the_shipped_models_features_are_sklearns(
    shipped: tuple[TfidfVectorizer, TfidfVectorizer], batch: list[str]
) -> None:
    word, char = shipped
    _same(fast_transform(word)(batch), word.transform(batch))
    _same(fast_transform(char)(batch), char.transform(batch))
    cut = char_texts(batch)
    _same(fast_transform(char)(cut), char.transform(cut))


def test_freshly_fitted_vectorizers_give_sklearns_features() -> None:
    training = [f"{text} {number}" for number, text in enumerate(TEXTS * 3)]
    for vectorizer in (word_vectorizer(), char_vectorizer()):
        vectorizer.fit(training)
        _same(fast_transform(vectorizer)(TEXTS), vectorizer.transform(TEXTS))
    # Other settings the fast path covers: raw counts, no norm, n-grams from 1 or up to 3, a short range.
    for vectorizer in (
        TfidfVectorizer(analyzer="word", ngram_range=(1, 3), norm=None, use_idf=False),
        TfidfVectorizer(analyzer="word", ngram_range=(2, 2), lowercase=False),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3)),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), sublinear_tf=True, lowercase=False),
    ):
        vectorizer.fit(training)
        _same(fast_transform(vectorizer)(TEXTS), vectorizer.transform(TEXTS))


def test_configurations_it_cannot_reproduce_go_to_sklearn() -> None:
    for vectorizer in (
        TfidfVectorizer(analyzer="char", ngram_range=(2, 4)),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(4, 5)),
        TfidfVectorizer(analyzer="word", binary=True),
        TfidfVectorizer(analyzer="word", stop_words=["the"]),
    ):
        vectorizer.fit(TEXTS)
        transform = fast_transform(vectorizer)
        assert transform == vectorizer.transform
        _same(sp.csr_matrix(transform(TEXTS)), vectorizer.transform(TEXTS))


def test_the_key_table_finds_every_key_it_holds_and_no_other() -> None:
    rng = np.random.default_rng(7)
    # Keys as the character n-grams make them (16 bits a character, up to four), the smallest and largest too.
    extremes = np.array([0, 1, 2**64 - 2], dtype=np.uint64)
    keys = np.unique(np.concatenate([rng.integers(0, 2**62, 6000, dtype=np.uint64), extremes]))
    columns = rng.permutation(len(keys)).astype(np.int64)
    table = KeyTable(keys, columns)
    first, _second = table.homes(keys)
    assert (table.keys[first] != keys).any()  # some keys sit in their second home: both are read
    assert np.array_equal(table.find(keys), columns)
    assert np.array_equal(table.find(keys[::-1]), columns[::-1])
    others = np.setdiff1d(rng.integers(0, 2**62, 20000, dtype=np.uint64), keys)
    empty_slot_key = np.array([2**64 - 1], dtype=np.uint64)  # four unknown characters: in no vocabulary
    assert (table.find(np.concatenate([others, empty_slot_key])) == -1).all()
    mixed = np.concatenate([others[:50], keys[:50], empty_slot_key, keys[-50:]])
    assert np.array_equal(table.find(mixed), np.concatenate([[-1] * 50, columns[:50], [-1], columns[-50:]]))
    nothing = KeyTable(np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64))
    assert nothing.empty and (nothing.find(keys) == -1).all()


def test_the_shipped_model_answers_the_same_as_with_sklearns_transform() -> None:
    model = _model()
    items = [(text[:80], text) for text in TEXTS]
    texts = [item_text(title, summary) for title, summary in items]
    results = [flag_text(title=title, summary=summary, rules=default_rules()) for title, summary in items]
    fast = model.score(texts, results)
    word, char = model.vectorizers()
    model._transforms = (word.transform, char.transform)
    try:
        slow = model.score(texts, results)
    finally:
        model._transforms = None
    assert fast == slow


def test_stacking_gives_scipys_matrix() -> None:
    word, char = _model().vectorizers()
    signals = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [2.5, 0.0, -1.0]] * 7)[: len(TEXTS)]
    blocks = [word.transform(TEXTS), char.transform(TEXTS), sp.csr_matrix(signals)]
    _same(hstack(blocks), sp.hstack(blocks, format="csr"))
    _same(hstack([*blocks[:2], signals]), sp.hstack(blocks, format="csr"))  # the signals as the dense rows they are
    empty = [sp.csr_matrix((2, 5)), sp.csr_matrix(np.array([[0.0, 3.0], [1.0, 0.0]]))]
    _same(hstack(empty), sp.hstack(empty, format="csr"))


def test_the_heads_laid_out_coefficients_give_the_same_logits() -> None:
    model = _model()
    texts = [item_text(text[:80], text) for text in TEXTS]
    results = [flag_text(title=text[:80], summary=text, rules=default_rules()) for text in TEXTS]
    features = model.features(texts, results)
    for head in (model.category, model.kind):
        assert np.array_equal(features @ head.coef_columns, features @ head.coef.T)


def test_one_product_for_the_three_models_gives_each_models_own_logits() -> None:
    model = _model()
    texts = [item_text(text[:80], text) for text in TEXTS]
    results = [flag_text(title=text[:80], summary=text, rules=default_rules()) for text in TEXTS]
    features = model.features(texts, results)
    scored = model.score(texts, results)
    assert [answer.probability for answer in scored] == model.probabilities(features).tolist()
    for head, name in ((model.category, "category"), (model.kind, "kind")):
        classes, confidences = head.predict(features)
        assert [getattr(answer, name) for answer in scored] == classes
        assert [getattr(answer, f"{name}_confidence") for answer in scored] == confidences
    # Bit for bit on many more rows than the texts give: random rows of the features' width and density.
    rng = np.random.default_rng(3)
    rows = sp.random(5000, features.shape[1], density=0.02, format="csr", random_state=rng)
    rows.data = rng.standard_normal(rows.nnz)
    products = np.asarray(rows @ model._coefficients)
    split = 1 + len(model.category.classes)
    assert np.array_equal(products[:, 0], np.asarray(rows @ model.relevance_coef).ravel())
    assert np.array_equal(products[:, 1:split], np.asarray(rows @ model.category.coef_columns))
    assert np.array_equal(products[:, split:], np.asarray(rows @ model.kind.coef_columns))


def test_the_product_block_by_block_is_the_stacked_matrixs_product() -> None:
    model = _model()
    texts = [item_text(text[:80], text) for text in TEXTS]
    results = [flag_text(title=text[:80], summary=text, rules=default_rules()) for text in TEXTS]
    coefficients = model._coefficients
    stacked = np.asarray(model.features(texts, results) @ coefficients)
    assert np.array_equal(entries_product(model.entries(texts, results), coefficients), stacked)
    # Bit for bit on many more rows: random sparse blocks and a dense one, of the model's widths.
    rng = np.random.default_rng(5)
    words, chars = len(model.word_vocabulary), len(model.char_vocabulary)
    blocks: list[sp.csr_matrix | np.ndarray] = []
    for width, density in ((words, 0.01), (chars, 0.02)):
        block = sp.random(3000, width, density=density, format="csr", random_state=rng)
        block.data = rng.standard_normal(block.nnz)
        blocks.append(block)
    dense = rng.standard_normal((3000, coefficients.shape[0] - words - chars)) * (rng.random((3000, 1)) < 0.5)
    blocks.append(dense)
    entries = [Entries.of(blocks[0], 0), Entries.of(blocks[1], words), Entries.of(dense, words + chars)]
    assert np.array_equal(entries_product(entries, coefficients), np.asarray(hstack(blocks) @ coefficients))


@pytest.mark.parametrize("extra", [-1, 1])
def test_coefficients_of_another_width_than_the_features_are_refused(extra: int) -> None:
    # As scipy's product refused them: a stored model whose columns no longer fit the features (a rule signal added
    # or dropped since) must not be scored, nor its coefficients read past their end.
    model = _model()
    texts = [item_text(TEXTS[0][:80], TEXTS[0])]
    results = [flag_text(title=TEXTS[0][:80], summary=TEXTS[0], rules=default_rules())]
    coefficients = model._coefficients
    other = np.zeros((coefficients.shape[0] + extra, coefficients.shape[1]))
    with pytest.raises(ValueError, match="dimension mismatch"):
        np.asarray(model.features(texts, results) @ other)
    with pytest.raises(ValueError, match="coefficient rows"):
        entries_product(model.entries(texts, results), other)


def test_sorting_by_group_then_push_keeps_equal_pushes_in_the_entries_order() -> None:
    rng = np.random.default_rng(7)
    for size in (0, 1, 2, 50, 1500):
        # Few distinct pushes, so many are equal within a group (as the character n-grams of one word often are).
        pushes = rng.integers(1, 30, size) / 64.0
        for groups in (np.sort(rng.integers(0, 40, size)), rng.integers(0, 40, size)):
            assert np.array_equal(_by_group_then_push(groups, pushes), np.lexsort((-pushes, groups)))


def _contributions_by_numpy(model: LearnedModel, features: sp.csr_matrix, row: int) -> list[dict[str, Any]]:
    """The explanation as numpy computes it row by row: the reference the plain-Python loop must match."""
    start, end = features.indptr[row], features.indptr[row + 1]
    columns, values = features.indices[start:end], features.data[start:end]
    pushes = values * model.relevance_coef[columns]
    is_text = columns < len(model.word_vocabulary) + len(model.char_vocabulary)
    found: list[dict[str, Any]] = []
    for mask, limit in ((is_text, 5), (~is_text, 100)):
        candidates = np.flatnonzero(mask & (pushes > 0))
        for position in candidates[np.argsort(-pushes[candidates], kind="stable")][:limit]:
            kind, term = model.feature_name(int(columns[position]))
            found.append({"feature": kind, "term": term, "weight": round(float(pushes[position]), 3)})
    return found


def test_flagged_items_are_explained_as_numpy_would() -> None:
    model = _model()
    items = [(text[:80], text) for text in TEXTS] + [
        ("Commerce adds 14 chip toolmakers to the Entity List", "The rule bars exports of 7nm lithography tools."),
        ("Two men charged with smuggling H100 servers to China", "Prosecutors said the GPUs went via a shell firm."),
        ("美国商务部将十二家芯片企业列入实体清单", "新规限制先进计算芯片出口。"),
        ("Lab releases open-weights reasoning model", "The 70B model tops coding benchmarks, its makers said."),
    ]
    texts = [item_text(title, summary) for title, summary in items]
    results = [flag_text(title=title, summary=summary, rules=default_rules()) for title, summary in items]
    features = model.features(texts, results)
    scored = model.score(texts, results)
    flagged = [row for row, answer in enumerate(scored) if answer.flagged]
    assert len(flagged) >= 3
    assert TOP_CONTRIBUTIONS == 5
    for row, answer in enumerate(scored):
        expected = _contributions_by_numpy(model, features, row) if answer.flagged else []
        assert answer.contributions == expected


def test_a_flag_the_model_merges_keeps_every_field_the_model_does_not_decide() -> None:
    # combined._merge builds its answer field by field (dataclasses.replace cost more): a field added to
    # FlagResult later must not silently fall back to its default there.
    rules_result = FlagResult(
        flagged=True,
        score=5.0,
        topic=1.5,
        action=2.5,
        penalty=0.5,
        category="government",
        kind="rule_release",
        entities=[{"id": "bis", "name": "BIS"}],
        date="2024-12-02",
        reasons=[{"rule": "export control", "role": "action", "weight": 2.5, "match": "Entity List", "field": "title"}],
    )
    scored = Scored(
        probability=0.9, flagged=True, category="government", category_confidence=0.9, kind="", kind_confidence=0.0
    )
    item = combined.ItemText(title="BIS adds 140 entities to the Entity List on 2 December 2024")
    merged = combined._merge(item, rules_result, scored, "f" * 64, 0.4)
    decided_by_the_model = {"flagged", "score", "category", "kind", "date", "reasons", "probability", "model"}
    for each in fields(FlagResult):
        if each.name not in decided_by_the_model:
            assert getattr(merged, each.name) == getattr(rules_result, each.name), each.name
    assert set(decided_by_the_model) <= {each.name for each in fields(FlagResult)}
    assert merged.model == "f" * 64 and merged.probability == 0.9 and merged.reasons[0] == rules_result.reasons[0]
