"""Analysts' decisions on candidates: promote, attach, reject, snooze. Each is an event, and the row follows.

Every decision appends one event to the candidate's stream `candidate-<id>` (CandidatePromoted, CandidateAttached,
CandidateRejected, CandidateSnoozed) with the analyst and the reason in its metadata and the event's recorded
time; the Candidate row's status is then updated in the same transaction. The event also carries the item's
title, link and source, so the decision stays readable after ingestion data (disposable) is gone.

Promote and attach are idempotent: their event ids (and the development or citation they create) are derived
from the candidate, so a double submit records once and answers with the same development. A candidate that was
decided already (promoted, attached or rejected) refuses any other decision with a ValidationError.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from events import store
from events.models import StoredEvent
from events.store import NewEvent
from sources.models import Candidate, CandidateStatus
from timeline import services as timeline_services
from timeline.models import Development

CANDIDATE_PROMOTED = "CandidatePromoted"
CANDIDATE_ATTACHED = "CandidateAttached"
CANDIDATE_REJECTED = "CandidateRejected"
CANDIDATE_SNOOZED = "CandidateSnoozed"
CANDIDATE_EVENTS = (CANDIDATE_PROMOTED, CANDIDATE_ATTACHED, CANDIDATE_REJECTED, CANDIDATE_SNOOZED)

OPEN_STATUSES = (CandidateStatus.NEW, CandidateStatus.SNOOZED)
# What a development's public history says of a change made from the review queue. The analyst's own reason is
# a decision reason: it stays on the candidate's (staff-only) decision event, as does which candidate it was.
PUBLIC_REASON = "from the review queue"
_NAMESPACE = uuid.UUID("5b1f3c52-7a8e-4d0e-9a57-2f0c1c6e8d41")


def candidate_stream(candidate_id: int) -> str:
    return f"candidate-{candidate_id}"


def decision_event_id(candidate: Candidate, decision: str) -> uuid.UUID:
    """The id of a one-time decision on this candidate. The creation time is part of it, so a candidate id
    handed out again after ingestion data was wiped does not replay an old decision."""
    return uuid.uuid5(_NAMESPACE, f"candidate:{candidate.pk}:{candidate.created_at.isoformat()}:{decision}")


def _locked(candidate_id: int) -> Candidate:
    try:
        return Candidate.objects.select_for_update().select_related("item", "item__source").get(pk=candidate_id)
    except Candidate.DoesNotExist as error:
        raise ValidationError({"candidate": [f"no candidate {candidate_id}"]}) from error


def _require_open(candidate: Candidate) -> None:
    if candidate.status not in OPEN_STATUSES:
        raise ValidationError({"candidate": [f"this candidate was {candidate.get_status_display().lower()} already."]})


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Give a reason: it is kept with the decision."]})
    if len(reason) > 2000:
        raise ValidationError({"reason": ["At most 2000 characters."]})
    return reason


def _require_current(development_id: uuid.UUID | str) -> None:
    try:
        status = Development.objects.filter(pk=development_id).values_list("status", flat=True).first()
    except (ValueError, ValidationError):
        status = None
    if status is None:
        raise ValidationError({"development": [f"no development {development_id}"]})
    if status != "current":
        raise ValidationError({"development": [f"the development is {status}, not current."]})


def _about(candidate: Candidate) -> dict[str, Any]:
    item = candidate.item
    return {
        "candidate_id": candidate.pk,
        "item_id": item.pk,
        "item_title": item.title[:500],
        "item_link": item.link,
        "source": str(item.source)[:200],
        "score": candidate.score,
    }


def _decide(
    candidate: Candidate,
    event_type: str,
    data: Mapping[str, Any],
    *,
    actor: str | None,
    reason: str,
    event_id: uuid.UUID,
    status: str,
    **row: Any,
) -> None:
    stream = candidate_stream(candidate.pk)
    store.append(
        stream,
        [
            NewEvent(
                event_type,
                {**_about(candidate), **data},
                event_id=event_id,
                metadata={"actor": actor or None, "reason": reason or ""},
            )
        ],
        expected_version=store.stream_version(stream),
    )
    candidate.status = status
    for field, value in row.items():
        setattr(candidate, field, value)
    candidate.save(update_fields=["status", "updated_at", *row])


def _replayed_development(event_id: uuid.UUID) -> Development | None:
    stored = StoredEvent.objects.filter(event_id=event_id).only("data").first()
    if stored is None:
        return None
    return Development.objects.get(pk=stored.data["development_id"])


def candidate_promote(
    *,
    candidate_id: int,
    development: Mapping[str, Any],
    citation: Mapping[str, Any],
    actor: str | None,
    reason: str = "",
) -> Development:
    """Record a development from the candidate (its item cited and graded) and mark the candidate promoted.

    `development` holds development_record's fields (title, summary, date, category, kind, entities, tags,
    disputed, media). Raises ValidationError with the development's field errors, or citation errors keyed
    "citations[0].<field>".
    """
    with transaction.atomic():
        candidate = _locked(candidate_id)
        event_id = decision_event_id(candidate, "promote")
        if (replayed := _replayed_development(event_id)) is not None:
            return replayed
        _require_open(candidate)
        recorded = timeline_services.development_record(
            **development,
            citations=[citation],
            actor=actor,
            reason=PUBLIC_REASON,
            event_id=uuid.uuid5(event_id, "development"),
        )
        _decide(
            candidate,
            CANDIDATE_PROMOTED,
            {"development_id": str(recorded.pk)},
            actor=actor,
            reason=reason,
            event_id=event_id,
            status=CandidateStatus.PROMOTED,
            development_id=recorded.pk,
        )
    return recorded


def candidate_attach(
    *,
    candidate_id: int,
    development_id: uuid.UUID | str,
    citation: Mapping[str, Any],
    actor: str | None,
    reason: str = "",
) -> Development:
    """Cite the candidate's item on an existing (current) development and mark the candidate attached.

    Citation errors come keyed by the citation's field names (title, url, reliability ...)."""
    with transaction.atomic():
        candidate = _locked(candidate_id)
        event_id = decision_event_id(candidate, "attach")
        if (replayed := _replayed_development(event_id)) is not None:
            return replayed
        _require_open(candidate)
        _require_current(development_id)
        development = timeline_services.citation_add(
            development_id=development_id,
            citation=citation,
            actor=actor,
            reason=PUBLIC_REASON,
            event_id=uuid.uuid5(event_id, "citation"),
        )
        _decide(
            candidate,
            CANDIDATE_ATTACHED,
            {"development_id": str(development.pk)},
            actor=actor,
            reason=reason,
            event_id=event_id,
            status=CandidateStatus.ATTACHED,
            development_id=development.pk,
        )
    return development


def candidate_reject(*, candidate_id: int, reason: str, actor: str | None) -> Candidate:
    """Reject the candidate: it leaves the queue for good, with the reason on the record."""
    reason = _require_reason(reason)
    with transaction.atomic():
        candidate = _locked(candidate_id)
        event_id = decision_event_id(candidate, "reject")
        if StoredEvent.objects.filter(event_id=event_id).exists():
            return candidate
        _require_open(candidate)
        _decide(
            candidate,
            CANDIDATE_REJECTED,
            {},
            actor=actor,
            reason=reason,
            event_id=event_id,
            status=CandidateStatus.REJECTED,
        )
    return candidate


def candidates_reject(*, candidate_ids: Sequence[int], reason: str, actor: str | None) -> int:
    """Reject many candidates with one reason; those decided already are skipped. Returns how many were rejected."""
    reason = _require_reason(reason)
    rejected = 0
    with transaction.atomic():
        candidates = (
            Candidate.objects.select_for_update()
            .select_related("item", "item__source")
            .filter(pk__in=list(candidate_ids), status__in=OPEN_STATUSES)
            .order_by("pk")
        )
        for candidate in candidates:
            _decide(
                candidate,
                CANDIDATE_REJECTED,
                {"bulk": True},
                actor=actor,
                reason=reason,
                event_id=decision_event_id(candidate, "reject"),
                status=CandidateStatus.REJECTED,
            )
            rejected += 1
    return rejected


def candidate_snooze(
    *,
    candidate_id: int,
    until: datetime,
    actor: str | None,
    reason: str = "",
    event_id: uuid.UUID | None = None,
) -> Candidate:
    """Put the candidate aside until `until`; it comes back to the queue then. `event_id` is the form's token."""
    if timezone.is_naive(until) or until <= timezone.now():
        raise ValidationError({"until": ["Snooze until a time in the future (with a time zone)."]})
    with transaction.atomic():
        candidate = _locked(candidate_id)
        if event_id is not None and StoredEvent.objects.filter(event_id=event_id).exists():
            return candidate
        _require_open(candidate)
        _decide(
            candidate,
            CANDIDATE_SNOOZED,
            {"until": until.isoformat()},
            actor=actor,
            reason=reason,
            event_id=event_id or uuid.uuid4(),
            status=CandidateStatus.SNOOZED,
            snoozed_until=until,
        )
    return candidate
