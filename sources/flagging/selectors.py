"""Reads for the learned flagger: the current model, its training history, the labelled examples to train on.

The current model is the one named by the latest accepted `FlaggerTrained` event on the "flagger" stream; before
any, it is the model shipped with the code (built from seed.jsonl by `train_flagger --seed-only --output`), so a
fresh install flags well before any decision. Models are loaded by sha256 and cached in the process: every worker
reading the same event scores with the same bytes, and a worker never reloads a model it holds already.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from events.models import StoredEvent
from sources.flagging.combined import SCORE_SCALE, CurrentModel
from sources.flagging.learned import Example, LearnedModel, model_from_bytes, model_sha256
from sources.models import FlaggerModel, FlaggerSettings, Item
from sources.review.services import (
    CANDIDATE_ATTACHED,
    CANDIDATE_EVENTS,
    CANDIDATE_PROMOTED,
    CANDIDATE_REJECTED,
)
from sources.selectors import flag_thresholds
from timeline.models import Development

logger = logging.getLogger(__name__)

FLAGGER_STREAM = "flagger"
FLAGGER_TRAINED = "FlaggerTrained"
FLAGGING_DIR = Path(__file__).resolve().parent
SHIPPED_MODEL = FLAGGING_DIR / "seed_model.bin"
SHIPPED_MODEL_SHA = FLAGGING_DIR / "seed_model.sha256"
TRAINING_DIR = FLAGGING_DIR.parent / "training"

_loaded: dict[str, LearnedModel] = {}


def _cached(sha256: str, blob_of: Any) -> LearnedModel:
    model = _loaded.get(sha256)
    if model is None:
        model = model_from_bytes(bytes(blob_of()), sha256=sha256)
        _loaded[sha256] = model
    return model


def flagger_model_load(sha256: str) -> LearnedModel:
    """The stored model of that name, its sha256 verified before it is used."""
    return _cached(sha256, lambda: FlaggerModel.objects.values_list("blob", flat=True).get(pk=sha256))


def shipped_model() -> CurrentModel | None:
    """The model that ships with the code, or None when its file is missing or does not match its sha256."""
    try:
        expected = SHIPPED_MODEL_SHA.read_text().split()[0]
        return CurrentModel(expected, _cached(expected, SHIPPED_MODEL.read_bytes))
    except (OSError, IndexError, ValueError) as error:
        logger.warning("the shipped flagger model cannot be used (%s); flagging with the rules alone", error)
        return None


def flagger_latest_accepted() -> StoredEvent | None:
    return (
        StoredEvent.objects.filter(stream=FLAGGER_STREAM, event_type=FLAGGER_TRAINED, data__accepted=True)
        .order_by("-position")
        .first()
    )


def flagger_current() -> CurrentModel | None:
    """The model to score with now (None: the learned flagger is switched off, or there is none to use)."""
    if not settings.FLAGGER_ENABLED:
        return None
    accepted = flagger_latest_accepted()
    if accepted is None:
        return shipped_model()
    sha256 = accepted.data["sha256"]
    try:
        return CurrentModel(sha256, flagger_model_load(sha256))
    except (FlaggerModel.DoesNotExist, ValueError) as error:
        logger.error("the current flagger model %s cannot be loaded (%s); using the shipped one", sha256[:12], error)
        return shipped_model()


def flag_score_threshold() -> float:
    """The score (0-10) at which an item is flagged now: the current model's threshold on the score's scale, or the
    rules' threshold when no model scores."""
    current = flagger_current()
    if current is None:
        return flag_thresholds()["threshold"]
    return current.model.threshold * SCORE_SCALE


def flagger_target_precision() -> float:
    row = FlaggerSettings.objects.order_by("pk").first()
    return row.target_precision if row is not None else FlaggerSettings._meta.get_field("target_precision").default


def flagger_history(limit: int = 20) -> list[StoredEvent]:
    return list(
        StoredEvent.objects.filter(stream=FLAGGER_STREAM, event_type=FLAGGER_TRAINED).order_by("-position")[:limit]
    )


def flagger_decisions_since_training() -> int:
    """Decisions recorded after those the latest training (accepted or not) has seen."""
    latest = StoredEvent.objects.filter(stream=FLAGGER_STREAM, event_type=FLAGGER_TRAINED).order_by("-position").first()
    through = int(latest.data.get("decisions_through", 0)) if latest is not None else 0
    return StoredEvent.objects.filter(event_type__in=CANDIDATE_EVENTS, position__gt=through).count()


@dataclass(frozen=True)
class DecisionExamples:
    examples: list[Example]
    through: int  # the position of the last decision event read


def flagger_decision_examples() -> DecisionExamples:
    """Every candidate's latest decision as a labelled example: promote and attach are relevant (with the
    development's category and kind), reject is not relevant; a snooze says nothing and is skipped."""
    latest: dict[Any, StoredEvent] = {}
    through = 0
    for event in StoredEvent.objects.filter(event_type__in=CANDIDATE_EVENTS).order_by("position").iterator():
        latest[event.data.get("candidate_id") or event.stream] = event
        through = event.position
    decided = [event for event in latest.values() if event.event_type != "CandidateSnoozed"]
    item_ids = [event.data.get("item_id") for event in decided]
    summaries = dict(Item.objects.filter(pk__in=[i for i in item_ids if i]).values_list("pk", "summary"))
    development_ids = [event.data["development_id"] for event in decided if event.data.get("development_id")]
    developments = {
        str(pk): (category, kind)
        for pk, category, kind in Development.objects.filter(pk__in=development_ids).values_list(
            "pk", "category", "kind"
        )
    }
    examples = []
    for event in decided:
        title = str(event.data.get("item_title") or "")
        if not title:
            continue
        summary = summaries.get(event.data.get("item_id"), "")
        if event.event_type == CANDIDATE_REJECTED:
            examples.append(Example(title, summary, relevant=False, origin="decision"))
        elif event.event_type in (CANDIDATE_PROMOTED, CANDIDATE_ATTACHED):
            category, kind = developments.get(str(event.data.get("development_id")), ("", ""))
            if category:
                examples.append(Example(title, summary, relevant=True, category=category, kind=kind, origin="decision"))
    return DecisionExamples(examples, through)


def labelled_file(path: Path, *, split: str | None = None) -> list[Example]:
    """Examples from one of sources/training's JSON Lines files (`split`: only that part of shifted.jsonl)."""
    examples = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            if split is not None and row.get("split") != split:
                continue
            examples.append(
                Example(
                    row["title"],
                    row.get("summary") or "",
                    relevant=bool(row["relevant"]),
                    category=row.get("category") or "",
                    kind=row.get("kind") or "",
                    origin=path.stem,
                )
            )
    return examples


def seed_examples() -> list[Example]:
    return labelled_file(TRAINING_DIR / "seed.jsonl")


def evaluation_examples() -> list[Example]:
    """The project's own evaluation set: what the gate measures. Never trained or tuned on."""
    return labelled_file(TRAINING_DIR / "eval.jsonl")


def shipped_model_sha() -> str:
    return model_sha256(SHIPPED_MODEL.read_bytes()) if SHIPPED_MODEL.exists() else ""
