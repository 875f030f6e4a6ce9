"""Commands on relationships between entities: record, correct, cite, retract."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, cast

from django.core.exceptions import ValidationError

from events import store
from events.store import NewEvent
from timeline import domain
from timeline.models import Relationship
from timeline.selectors import entity_resolve
from timeline.services.writing import append_and_read, current_row
from timeline.shapes import (
    RelationshipChanges,
    RelationshipCitedData,
    RelationshipCorrectedData,
    RelationshipRecordedData,
    RelationshipRetractedData,
)
from timeline.taxonomy import RelationType
from timeline.validation import (
    clean_choice,
    clean_citation,
    clean_date,
    clean_new_citation,
    clean_text,
    event_metadata,
    prior_event,
    raise_if,
)


def _subsidiary_chain_reaches(start: str, goal: str) -> bool:
    """Whether `start` is, through current "subsidiary of" relationships, a subsidiary of `goal` (or is it)."""
    seen: set[str] = set()
    frontier = {start}
    while frontier:
        if goal in frontier:
            return True
        seen |= frontier
        parents = Relationship.objects.filter(
            relation=RelationType.SUBSIDIARY_OF, status="current", source_id__in=frontier
        ).values_list("target_id", flat=True)
        frontier = set(parents) - seen
    return False


def relationship_record(
    *,
    source: str,
    relation: str,
    target: str,
    date: str = "",
    note: str = "",
    citations: Sequence[Mapping[str, Any]] = (),
    actor: str | None = None,
    reason: str = "",
    event_id: uuid.UUID | None = None,
    request_hash: str = "",
) -> Relationship:
    """Record "source relation target" (HiSilicon subsidiary of Huawei), dated in EDTF, with graded citations."""
    if (stored := prior_event(event_id, request_hash, stream_ok=lambda s: s.startswith("relationship-"))) is not None:
        relationship = Relationship.objects.get(pk=stored.stream.removeprefix("relationship-"))
        relationship.replayed = True
        return relationship
    errors: dict[str, list[str]] = {}
    relation = clean_choice(relation, "relation", RelationType.values, errors)
    ends = {}
    for field, value in (("source", source), ("target", target)):
        entity = entity_resolve(str(value or ""))
        if entity is None:
            errors.setdefault(field, []).append(f"unknown entity '{value}'.")
        else:
            ends[field] = str(entity.pk)
    if len(ends) == 2 and ends["source"] == ends["target"]:
        errors.setdefault("target", []).append("An entity cannot be related to itself.")
    elif (
        len(ends) == 2
        and relation == RelationType.SUBSIDIARY_OF
        and _subsidiary_chain_reaches(ends["target"], ends["source"])
    ):
        errors.setdefault("target", []).append(
            f"'{ends['target']}' is already a subsidiary of '{ends['source']}': that would be a cycle."
        )
    when = clean_date(date, "date", errors) if str(date or "").strip() else ""
    note = clean_text(note, "note", errors, required=False, limit=2000)
    cleaned = [clean_citation(c, errors, prefix=f"citations[{i}].") for i, c in enumerate(citations)]
    if len(ends) == 2 and not errors:
        duplicate = Relationship.objects.filter(
            source_id=ends["source"], target_id=ends["target"], relation=relation, edtf=when, status="current"
        )
        if duplicate.exists():
            errors.setdefault("target", []).append("this relationship is recorded already.")
    raise_if(errors)
    event_id = event_id or uuid.uuid4()
    relationship_id = str(uuid.uuid5(event_id, "relationship"))
    data: RelationshipRecordedData = {
        "id": relationship_id,
        "source": ends["source"],
        "relation": relation,
        "target": ends["target"],
        "date": when,
        "note": note,
        "citations": cleaned,
    }
    store.append(
        domain.relationship_stream(relationship_id),
        [
            NewEvent(
                domain.RELATIONSHIP_RECORDED,
                data,
                event_id=event_id,
                metadata=event_metadata(actor, reason, request_hash),
            )
        ],
        expected_version=0,
    )
    return Relationship.objects.get(pk=relationship_id)


def _replayed(relationship: Relationship, event_id: uuid.UUID | None, request_hash: str) -> Relationship | None:
    """The relationship, marked replayed, if this command was already recorded under `event_id` (a retry);
    checked before validation, which a retry would fail (its change is already made)."""
    stream = domain.relationship_stream(str(relationship.pk))
    if prior_event(event_id, request_hash, stream_ok=lambda s: s == stream) is None:
        return None
    relationship.replayed = True
    return relationship


def _append_relationship(relationship: Relationship, event: NewEvent, expected_version: int | None) -> Relationship:
    stream = domain.relationship_stream(str(relationship.pk))
    return append_and_read(Relationship, stream, str(relationship.pk), [event], expected_version)


def relationship_correct(
    *,
    relationship_id: uuid.UUID | str,
    changes: Mapping[str, Any],
    expected_version: int | None,
    actor: str | None = None,
    reason: str = "",
    event_id: uuid.UUID | None = None,
    request_hash: str = "",
) -> Relationship:
    """Correct a relationship's type, date or note; the earlier version stays in its stream."""
    relationship = current_row(Relationship, relationship_id)
    if (replay := _replayed(relationship, event_id, request_hash)) is not None:
        return replay
    errors: dict[str, list[str]] = {}
    for field in sorted(set(changes) - {"relation", "date", "note"}):
        errors.setdefault(field, []).append(f"'{field}' cannot be corrected; record another relationship.")
    cleaned: dict[str, str] = {}
    if "relation" in changes:
        cleaned["relation"] = clean_choice(changes["relation"], "relation", RelationType.values, errors)
        if cleaned["relation"] == RelationType.SUBSIDIARY_OF and _subsidiary_chain_reaches(
            str(relationship.target_id), str(relationship.source_id)
        ):
            errors.setdefault("relation", []).append("that would make a cycle of 'subsidiary of'.")
    if "date" in changes:
        cleaned["date"] = clean_date(changes["date"], "date", errors) if str(changes["date"] or "").strip() else ""
    if "note" in changes:
        cleaned["note"] = clean_text(changes["note"], "note", errors, required=False, limit=2000)
    raise_if(errors)
    real = {field: value for field, value in cleaned.items() if relationship.snapshot.get(field) != value}
    if not real:
        raise ValidationError({"changes": ["Nothing to change: every value equals the current one."]})
    event = NewEvent(
        domain.RELATIONSHIP_CORRECTED,
        RelationshipCorrectedData(changes=cast(RelationshipChanges, real)),
        event_id=event_id or uuid.uuid4(),
        metadata=event_metadata(actor, reason, request_hash),
    )
    return _append_relationship(relationship, event, expected_version)


def relationship_cite(
    *,
    relationship_id: uuid.UUID | str,
    citation: Mapping[str, Any],
    expected_version: int | None = None,
    actor: str | None = None,
    reason: str = "",
    event_id: uuid.UUID | None = None,
    request_hash: str = "",
) -> Relationship:
    relationship = current_row(Relationship, relationship_id)
    if (replay := _replayed(relationship, event_id, request_hash)) is not None:
        return replay
    errors: dict[str, list[str]] = {}
    event_id = event_id or uuid.uuid4()
    cleaned = clean_new_citation(citation, event_id, errors)
    if any(c["id"] == cleaned["id"] for c in relationship.snapshot["citations"]):
        errors.setdefault("id", []).append("the relationship already has this citation.")
    raise_if(errors)
    event = NewEvent(
        domain.RELATIONSHIP_CITED,
        RelationshipCitedData(citation=cleaned),
        event_id=event_id,
        metadata=event_metadata(actor, reason, request_hash),
    )
    return _append_relationship(relationship, event, expected_version)


def relationship_retract(
    *,
    relationship_id: uuid.UUID | str,
    reason: str,
    expected_version: int | None = None,
    actor: str | None = None,
    event_id: uuid.UUID | None = None,
    request_hash: str = "",
) -> Relationship:
    """Withdraw a relationship: it leaves the entity's page and graph, and stays in the log."""
    relationship = current_row(Relationship, relationship_id)
    if (replay := _replayed(relationship, event_id, request_hash)) is not None:
        return replay
    errors: dict[str, list[str]] = {}
    reason = clean_text(reason, "reason", errors, required=True, limit=2000)
    if relationship.status != "current":
        errors.setdefault("status", []).append(f"the relationship is {relationship.status}, not current.")
    raise_if(errors)
    event = NewEvent(
        domain.RELATIONSHIP_RETRACTED,
        RelationshipRetractedData(reason=reason),
        event_id=event_id or uuid.uuid4(),
        metadata=event_metadata(actor, reason, request_hash),
    )
    return _append_relationship(relationship, event, expected_version)
