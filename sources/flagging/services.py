"""Writes for the learned flagger: train a model, gate it, store it and record it as a `FlaggerTrained` event.

A training run gathers every analyst decision (sources.flagging.selectors.flagger_decision_examples) plus the
shipped seed set and any labelled feed given, fits a model (sources.flagging.learned), and measures both it and
the current model on the project's evaluation set (sources/training/eval.jsonl, never trained on). The new model
replaces the current one only when its precision and its recall there are each no lower than the current
model's minus FLAGGER_GATE_TOLERANCE; either way the event records the figures and why. Bad training data raises
TrainingError before anything is written, so the current model stays.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from django.conf import settings
from django.db import transaction

from events import store
from events.store import ConcurrencyError, NewEvent
from sources.feeds.parsing import parse_feed
from sources.flagging.combined import CurrentModel, ItemText, flag_items
from sources.flagging.learned import (
    CurvePoint,
    Example,
    Figures,
    LearnedModel,
    TrainingError,
    model_sha256,
)
from sources.flagging.rules import RuleSet
from sources.flagging.scoring import flag_text
from sources.flagging.selectors import (
    FLAGGER_STREAM,
    FLAGGER_TRAINED,
    evaluation_examples,
    flagger_current,
    flagger_decision_examples,
    flagger_decisions_since_training,
    flagger_target_precision,
    seed_examples,
)
from sources.flagging.training import model_train
from sources.models import FlaggerModel, FlaggerSettings
from sources.selectors import watchlist_rules


class EvalFigures(TypedDict):
    precision: float
    recall: float
    category_accuracy: float
    items: int


class GateResult(TypedDict):
    new: EvalFigures
    current: EvalFigures | None
    current_sha256: str
    tolerance: float


class FlaggerTrainedData(TypedDict):
    sha256: str
    size: int
    training_hash: str
    training_items: int
    training_relevant: int
    training_sources: dict[str, int]
    cross_validated: Figures
    target_precision: float
    threshold: float
    curve: list[CurvePoint]
    gate: GateResult
    accepted: bool
    reason: str
    previous_sha256: str
    changes: dict[str, float]
    decisions_through: int


@dataclass(frozen=True)
class TrainingOutcome:
    data: FlaggerTrainedData
    recorded: bool  # False: the model is the current one already (nothing new to record)
    blob: bytes


def model_evaluate(model: LearnedModel, examples: Sequence[Example], rules: RuleSet) -> EvalFigures:
    """Precision and recall of the flag, and category accuracy on the relevant items flagged."""
    current = CurrentModel("evaluation", model)
    results = flag_items([ItemText(e.title, e.summary) for e in examples], rules=rules, current=current)
    true = sum(1 for e, r in zip(examples, results, strict=True) if e.relevant and r.flagged)
    flagged = sum(1 for r in results if r.flagged)
    relevant = sum(1 for e in examples if e.relevant)
    right = sum(
        1 for e, r in zip(examples, results, strict=True) if e.relevant and r.flagged and r.category == e.category
    )
    return {
        "precision": round(true / flagged, 4) if flagged else 0.0,
        "recall": round(true / relevant, 4) if relevant else 0.0,
        "category_accuracy": round(right / true, 4) if true else 0.0,
        "items": len(examples),
    }


def gate_decide(new: EvalFigures, current: EvalFigures | None, tolerance: float) -> tuple[bool, str]:
    """Accept a model no worse than the current one on the evaluation set (each figure within `tolerance`)."""
    if current is None:
        return True, "no current model to compare with"
    worse = [
        f"{name} {new[name]:.3f} < current {current[name]:.3f} - {tolerance}"
        for name in ("precision", "recall")
        if new[name] < current[name] - tolerance
    ]
    if worse:
        return False, "kept out: worse on the evaluation set: " + "; ".join(worse)
    return True, "no worse than the current model on the evaluation set"


def labelled_feed_examples(body: bytes, labels: dict[str, Any]) -> list[Example]:
    """A feed's entries labelled by a labels file shaped like /work/shared/flagging/dev-labels.json
    ({"items": [{"guid", "link", "relevant", "category"}]}). Entries without a label are left out."""
    by_key: dict[str, dict[str, Any]] = {}
    for label in labels.get("items", []):
        for key in ("guid", "link"):
            if label.get(key):
                by_key[str(label[key])] = label
    examples = []
    for entry in parse_feed(body).entries:
        label = by_key.get(entry.guid) or by_key.get(entry.link)
        if label is None:
            continue
        relevant = bool(label.get("relevant"))
        category = str(label.get("category") or "") if relevant else ""
        examples.append(Example(entry.title, entry.summary, relevant, category, str(label.get("kind") or ""), "feed"))
    return examples


def flagger_train(
    *,
    extra: Sequence[Example] = (),
    use_seed: bool = True,
    use_decisions: bool = True,
    record: bool = True,
    actor: str | None = None,
) -> TrainingOutcome:
    """Train on decisions + seed + `extra`, gate, and (with `record`) store the model and append FlaggerTrained.

    Raises TrainingError (one line) when the data cannot make a useful model; nothing is written then."""
    decisions = flagger_decision_examples() if use_decisions else None
    examples: list[Example] = [*(seed_examples() if use_seed else []), *extra]
    if decisions is not None:
        examples.extend(decisions.examples)
    rules = watchlist_rules()
    rule_results = [flag_text(title=e.title, summary=e.summary, rules=rules) for e in examples]
    target = flagger_target_precision()
    trained = model_train(
        examples, target_precision=target, min_items=settings.FLAGGER_MIN_TRAINING_ITEMS, rule_results=rule_results
    )
    blob = trained.model.to_bytes()
    sha256 = model_sha256(blob)
    evaluation = evaluation_examples()
    current = flagger_current()
    new_figures = model_evaluate(trained.model, evaluation, rules)
    current_figures = model_evaluate(current.model, evaluation, rules) if current is not None else None
    tolerance = settings.FLAGGER_GATE_TOLERANCE
    accepted, reason = gate_decide(new_figures, current_figures, tolerance)
    sources: dict[str, int] = {}
    for example in examples:
        sources[example.origin] = sources.get(example.origin, 0) + 1
    previous_threshold = current.model.threshold if current is not None else 0.0
    previous_cv = current.model.meta.get("cross_validated", {}) if current is not None else {}
    changes = {
        "threshold": round(trained.model.threshold - previous_threshold, 4),
        "eval_precision": round(new_figures["precision"] - (current_figures or new_figures)["precision"], 4),
        "eval_recall": round(new_figures["recall"] - (current_figures or new_figures)["recall"], 4),
        "training_items": trained.figures["items"] - int(previous_cv.get("items", 0)),
    }
    data: FlaggerTrainedData = {
        "sha256": sha256,
        "size": len(blob),
        "training_hash": trained.training_hash,
        "training_items": trained.figures["items"],
        "training_relevant": trained.figures["relevant"],
        "training_sources": dict(sorted(sources.items())),
        "cross_validated": trained.figures,
        "target_precision": target,
        "threshold": round(trained.model.threshold, 4),
        "curve": trained.curve,
        "gate": {
            "new": new_figures,
            "current": current_figures,
            "current_sha256": current.sha256 if current is not None else "",
            "tolerance": tolerance,
        },
        "accepted": accepted,
        "reason": reason,
        "previous_sha256": current.sha256 if current is not None else "",
        "changes": changes,
        "decisions_through": decisions.through if decisions is not None else 0,
    }
    if current is not None and current.sha256 == sha256:
        return TrainingOutcome(data, recorded=False, blob=blob)
    if record:
        _record(data, blob, actor=actor)
    return TrainingOutcome(data, recorded=record, blob=blob)


def _record(data: FlaggerTrainedData, blob: bytes, *, actor: str | None) -> None:
    with transaction.atomic():
        FlaggerModel.objects.get_or_create(sha256=data["sha256"], defaults={"blob": blob, "size": len(blob)})
        store.append(
            FLAGGER_STREAM,
            [NewEvent(FLAGGER_TRAINED, json.loads(json.dumps(data)), event_id=uuid.uuid4(), metadata={"actor": actor})],
            expected_version=store.stream_version(FLAGGER_STREAM),
        )


def flagger_retrain(*, only_if_due: bool) -> str:
    """Retrain on everything (with `only_if_due`, only once FLAGGER_RETRAIN_AFTER_DECISIONS new decisions are in);
    a one-line summary of what happened, for the task's log."""
    if only_if_due:
        waiting = flagger_decisions_since_training()
        if waiting < settings.FLAGGER_RETRAIN_AFTER_DECISIONS:
            return f"not due: {waiting} of {settings.FLAGGER_RETRAIN_AFTER_DECISIONS} new decisions"
    try:
        outcome = flagger_train(actor="retrain task")
    except TrainingError as error:
        return f"not trained: {error}"
    except ConcurrencyError:
        return "not recorded: another training was recorded at the same moment"
    data = outcome.data
    if not outcome.recorded:
        return f"unchanged: {data['sha256'][:12]} is the current model already"
    verdict = "accepted" if data["accepted"] else "kept out"
    return f"model {data['sha256'][:12]} {verdict}: {data['reason']}"


def flagger_settings_update(*, target_precision: float) -> FlaggerSettings:
    """Set the precision the next training's threshold must reach. ValidationError naming the field when it is out of
    the field's bounds (0.5-0.999: below, a flag is a coin toss; 1.0 can never be promised)."""
    row, _ = FlaggerSettings.objects.get_or_create(pk=1)
    row.target_precision = target_precision
    row.full_clean()
    row.save(update_fields=["target_precision", "updated_at"])
    return row


__all__ = ["TrainingError", "flagger_settings_update", "flagger_train", "labelled_feed_examples", "model_evaluate"]
