"""Commands on developments and their citations: record, revise, retract, restore, merge."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from django.core.exceptions import ValidationError

from events import store
from events.models import StoredEvent
from events.shapes import EventMetadata
from events.store import NewEvent
from timeline import domain, projected_rows
from timeline.models import Citation, Development
from timeline.services.writing import append_and_read, current_row
from timeline.shapes import (
    CitationAddedData,
    CitationData,
    CitationRemovedData,
    DevelopmentChanges,
    DevelopmentMergedData,
    DevelopmentRecordedData,
    DevelopmentRevisedData,
    DuplicateAbsorbedData,
    StatusChangedData,
)
from timeline.taxonomy import Category, Kind
from timeline.validation import (
    clean_choice,
    clean_citation,
    clean_date,
    clean_entities,
    clean_media,
    clean_new_citation,
    clean_tags,
    clean_text,
    event_metadata,
    is_uuid,
    raise_if,
)


def current_development(development_id: uuid.UUID | str) -> Development:
    return current_row(Development, development_id)


def replay_of(event_id: uuid.UUID | None, request_hash: str = "") -> Development | None:
    """A retried command (same event id) answers with the development it changed, without re-validating
    against a state it has itself moved on; the same id with another request is refused, as the store does."""
    if event_id is None:
        return None
    stored = StoredEvent.objects.filter(event_id=event_id).only("stream", "event_type", "data", "metadata").first()
    if stored is None or not stored.stream.startswith("development-"):
        return None
    if not store.same_request(stored.metadata, {"request_hash": request_hash}):
        raise store.IdempotencyConflictError(f"event id {event_id} was first used for another request")
    development_id = stored.data["into"] if stored.event_type == domain.DEVELOPMENT_MERGED else stored.stream
    development = Development.objects.get(pk=development_id.removeprefix("development-"))
    development.replayed = True
    return development


def append_development(
    development_id: str,
    events: Sequence[NewEvent],
    expected_version: int | None,
    assumed_version: int | None = None,
) -> Development:
    """Append to a development's stream; `assumed_version`: the version of the development the command read
    (without an expected version, where the store guesses the stream is)."""
    return append_and_read(
        Development,
        domain.development_stream(development_id),
        development_id,
        events,
        expected_version,
        assumed_version,
    )


def development_record(
    *,
    title: str,
    date: str,
    category: str,
    kind: str,
    summary: str = "",
    entities: Sequence[str] = (),
    tags: Sequence[str] = (),
    disputed: bool = False,
    media: Mapping[str, str] | None = None,
    citations: Sequence[Mapping[str, Any]] = (),
    actor: str | None = None,
    reason: str = "",
    event_id: uuid.UUID | None = None,
    request_hash: str = "",
) -> Development:
    """Record a new development with its first citations. A repeated `event_id` returns the first result."""
    errors: dict[str, list[str]] = {}
    development_id, events = _recorded_events(
        {
            "title": title,
            "date": date,
            "category": category,
            "kind": kind,
            "summary": summary,
            "entities": entities,
            "tags": tags,
            "disputed": disputed,
            "media": media,
            "citations": citations,
        },
        errors,
        event_id=event_id or uuid.uuid4(),
        metadata=event_metadata(actor, reason, request_hash),
    )
    raise_if(errors)
    return append_development(development_id, events, expected_version=0)


def development_id_for(event_id: uuid.UUID) -> str:
    """The id development_record gives the development it records with `event_id`."""
    return str(uuid.uuid5(event_id, "development"))


def _recorded_events(
    fields: Mapping[str, Any],
    errors: dict[str, list[str]],
    *,
    event_id: uuid.UUID,
    metadata: EventMetadata,
    prefix: str = "",
    known_entities: dict[str, str | None] | None = None,
) -> tuple[str, list[NewEvent]]:
    """A new development's stream id and events (DevelopmentRecorded, then CitationAdded), errors collected."""
    title = clean_text(fields.get("title"), f"{prefix}title", errors, required=True, limit=300)
    summary = clean_text(fields.get("summary", ""), f"{prefix}summary", errors, required=False, limit=10000)
    date = clean_date(fields.get("date"), f"{prefix}date", errors)
    category = clean_choice(fields.get("category"), f"{prefix}category", Category.values, errors)
    kind = clean_choice(fields.get("kind"), f"{prefix}kind", Kind.values, errors)
    cleaned_entities = clean_entities(fields.get("entities") or (), errors, known_entities)
    cleaned_tags = clean_tags(fields.get("tags") or (), errors)
    cleaned_media = clean_media(fields.get("media"), errors)
    citations = fields.get("citations") or ()
    cleaned_citations = [clean_citation(c, errors, prefix=f"{prefix}citations[{i}].") for i, c in enumerate(citations)]
    # The development id follows from the event id, so a retried request lands on the same stream.
    development_id = development_id_for(event_id)
    # In the order the log has always stored them, the id last.
    data: DevelopmentRecordedData = {
        "title": title,
        "summary": summary,
        "date": date,
        "category": category,
        "kind": kind,
        "entities": cleaned_entities,
        "tags": cleaned_tags,
        "disputed": bool(fields.get("disputed", False)),
        "media": cleaned_media,
        "id": development_id,
    }
    events = [NewEvent(domain.DEVELOPMENT_RECORDED, data, event_id=event_id, metadata=metadata)]
    events += [
        NewEvent(
            domain.CITATION_ADDED,
            CitationAddedData(citation=citation),
            event_id=uuid.uuid5(event_id, f"citation-{index}"),
            metadata=metadata,
        )
        for index, citation in enumerate(cleaned_citations)
    ]
    return development_id, events


def developments_record_many(
    *,
    developments: Sequence[tuple[uuid.UUID, Mapping[str, Any]]],
    actor: str | None = None,
    reason: str = "",
) -> list[str]:
    """Record many new developments in one append, all or none: what an import of thousands of rows needs
    (one lock and one projection pass instead of one per development). Each item is (event id, the fields
    development_record takes); errors are keyed "[index].field". Returns the new developments' ids."""
    errors: dict[str, list[str]] = {}
    metadata = event_metadata(actor, reason)
    batches: list[tuple[str, Sequence[NewEvent], int | None]] = []
    ids = []
    known_entities: dict[str, str | None] = {}
    for index, (event_id, fields) in enumerate(developments):
        development_id, events = _recorded_events(
            fields, errors, event_id=event_id, metadata=metadata, prefix=f"[{index}].", known_entities=known_entities
        )
        batches.append((domain.development_stream(development_id), events, 0))
        ids.append(development_id)
    raise_if(errors)
    store.append_many(batches)
    return ids


def development_revise(
    *,
    development_id: uuid.UUID | str,
    changes: Mapping[str, Any],
    expected_version: int | None,
    actor: str | None = None,
    reason: str = "",
    event_id: uuid.UUID | None = None,
    request_hash: str = "",
) -> Development:
    """Change some fields; only the fields that really change are recorded."""

    def revise(development: Development) -> Development:
        state = development.snapshot
        errors: dict[str, list[str]] = {}
        unknown = set(changes) - set(domain.REVISABLE_FIELDS)
        for field in sorted(unknown):
            errors.setdefault(field, []).append(f"'{field}' cannot be revised.")
        cleaners: dict[str, Callable[[Any], Any]] = {
            "title": lambda v: clean_text(v, "title", errors, required=True, limit=300),
            "summary": lambda v: clean_text(v, "summary", errors, required=False, limit=10000),
            "date": lambda v: clean_date(v, "date", errors),
            "category": lambda v: clean_choice(v, "category", Category.values, errors),
            "kind": lambda v: clean_choice(v, "kind", Kind.values, errors),
            "entities": lambda v: clean_entities(v or [], errors),
            "tags": lambda v: clean_tags(v or [], errors),
            "disputed": bool,
            "media": lambda v: clean_media(v, errors),
        }
        cleaned = {field: cleaners[field](value) for field, value in changes.items() if field in cleaners}
        raise_if(errors)
        # Every key is a revisable field and every value comes from that field's cleaner.
        real_changes = cast(
            DevelopmentChanges, {field: value for field, value in cleaned.items() if state.get(field) != value}
        )
        if not real_changes:
            raise ValidationError({"changes": ["Nothing to change: every value equals the current one."]})
        event = NewEvent(
            domain.DEVELOPMENT_REVISED,
            DevelopmentRevisedData(changes=real_changes),
            event_id=event_id or uuid.uuid4(),
            metadata=event_metadata(actor, reason, request_hash),
        )
        return append_development(str(development.pk), [event], expected_version, development.version)

    return _command(development_id, expected_version, event_id, request_hash, revise)


def _command(
    development_id: uuid.UUID | str,
    expected_version: int | None,
    event_id: uuid.UUID | None,
    request_hash: str,
    command: Callable[[Development], Development],
) -> Development:
    """Run `command` on the development, unless `event_id` was recorded already (a retry: its answer).

    With an expected version whose row this process projected and keeps (timeline.projected_rows), the command
    decides on that row, not on one read back: a committed version never changes, and the append accepts the
    event only if the stream is still at that version, when the row is the current one. A refusal (bad input, a
    conflict) may come from a state the stream has moved on from, so the command is then decided again on the row
    read now, and answers exactly as it would have without the kept row.
    """
    if (
        expected_version is not None
        and (kept := projected_rows.committed(str(development_id), expected_version)) is not None
    ):
        if (replayed := replay_of(event_id, request_hash)) is not None:
            return replayed
        try:
            return command(kept.row)
        except (ValidationError, store.ConcurrencyError):
            pass  # decided on the current row below
    # The state is read before looking for a retry: a concurrent first attempt that commits in between is then
    # found as a retry, instead of leaving this one with "nothing to change" against the state it made.
    development = current_development(development_id)
    if (replayed := replay_of(event_id, request_hash)) is not None:
        return replayed
    return command(development)


def _status_change(
    event_type: str,
    *,
    development_id: uuid.UUID | str,
    reason: str,
    expected_version: int | None,
    actor: str | None,
    event_id: uuid.UUID | None,
    request_hash: str = "",
    required_status: str,
) -> Development:
    def change(development: Development) -> Development:
        errors: dict[str, list[str]] = {}
        cleaned = clean_text(reason, "reason", errors, required=True, limit=2000)
        if development.status != required_status:
            errors.setdefault("status", []).append(f"the development is {development.status}, not {required_status}.")
        raise_if(errors)
        event = NewEvent(
            event_type,
            StatusChangedData(reason=cleaned),
            event_id=event_id or uuid.uuid4(),
            metadata=event_metadata(actor, cleaned, request_hash),
        )
        return append_development(str(development.pk), [event], expected_version, development.version)

    return _command(development_id, expected_version, event_id, request_hash, change)


def development_retract(
    *,
    development_id: uuid.UUID | str,
    reason: str,
    expected_version: int | None = None,
    actor: str | None = None,
    event_id: uuid.UUID | None = None,
    request_hash: str = "",
) -> Development:
    """Withdraw a development from timelines; it stays in the log and in `as_of` answers before now."""
    return _status_change(
        domain.DEVELOPMENT_RETRACTED,
        development_id=development_id,
        reason=reason,
        expected_version=expected_version,
        actor=actor,
        event_id=event_id,
        request_hash=request_hash,
        required_status="current",
    )


def development_restore(
    *,
    development_id: uuid.UUID | str,
    reason: str,
    expected_version: int | None = None,
    actor: str | None = None,
    event_id: uuid.UUID | None = None,
) -> Development:
    return _status_change(
        domain.DEVELOPMENT_RESTORED,
        development_id=development_id,
        reason=reason,
        expected_version=expected_version,
        actor=actor,
        event_id=event_id,
        required_status="retracted",
    )


def citation_add(
    *,
    development_id: uuid.UUID | str,
    citation: Mapping[str, Any],
    expected_version: int | None = None,
    actor: str | None = None,
    reason: str = "",
    event_id: uuid.UUID | None = None,
    request_hash: str = "",
) -> Development:
    new_event_id = event_id or uuid.uuid4()

    def add(development: Development) -> Development:
        errors: dict[str, list[str]] = {}
        cleaned = clean_new_citation(citation, new_event_id, errors)
        if any(c["id"] == cleaned["id"] for c in development.snapshot["citations"]):
            errors.setdefault("id", []).append("the development already has this citation.")
        elif is_uuid(cleaned["id"]) and Citation.objects.filter(pk=cleaned["id"]).exists():
            errors.setdefault("id", []).append("another development has a citation with this id.")
        raise_if(errors)
        metadata = event_metadata(actor, reason, request_hash)
        data = CitationAddedData(citation=cleaned)
        event = NewEvent(domain.CITATION_ADDED, data, event_id=new_event_id, metadata=metadata)
        return append_development(str(development.pk), [event], expected_version, development.version)

    return _command(development_id, expected_version, event_id, request_hash, add)


def citation_remove(
    *,
    development_id: uuid.UUID | str,
    citation_id: uuid.UUID | str,
    reason: str,
    expected_version: int | None = None,
    actor: str | None = None,
    event_id: uuid.UUID | None = None,
) -> Development:
    if (replayed := replay_of(event_id)) is not None:
        return replayed
    development = current_development(development_id)
    errors: dict[str, list[str]] = {}
    reason = clean_text(reason, "reason", errors, required=True, limit=2000)
    if not any(c["id"] == str(citation_id) for c in development.snapshot["citations"]):
        errors.setdefault("citation_id", []).append(f"the development has no citation {citation_id}.")
    raise_if(errors)
    event = NewEvent(
        domain.CITATION_REMOVED,
        CitationRemovedData(citation_id=str(citation_id), reason=reason),
        event_id=event_id or uuid.uuid4(),
        metadata=event_metadata(actor, reason),
    )
    return append_development(str(development.pk), [event], expected_version, development.version)


def development_merge(
    *,
    duplicate_id: uuid.UUID | str,
    into_id: uuid.UUID | str,
    reason: str = "",
    actor: str | None = None,
    event_id: uuid.UUID | None = None,
) -> Development:
    """Fold a duplicate into another development: its citations and entities move over, in one transaction."""
    if (replayed := replay_of(event_id)) is not None:
        return replayed
    if str(duplicate_id) == str(into_id):
        raise ValidationError({"into": ["A development cannot be merged into itself."]})
    duplicate = current_development(duplicate_id)
    target = current_development(into_id)
    if duplicate.pk == target.pk:  # the same development under another spelling of its id
        raise ValidationError({"into": ["A development cannot be merged into itself."]})
    errors: dict[str, list[str]] = {}
    if duplicate.status != "current":
        errors.setdefault("duplicate", []).append(f"the duplicate is {duplicate.status}, not current.")
    if target.status != "current":
        errors.setdefault("into", []).append(f"the development to merge into is {target.status}, not current.")
    raise_if(errors)
    event_id = event_id or uuid.uuid4()
    metadata = event_metadata(actor, reason)
    known = {c["id"] for c in target.snapshot["citations"]}
    moved: list[CitationData] = [
        {**c, "id": str(uuid.uuid5(uuid.UUID(str(target.pk)), c["id"]))}
        for c in duplicate.snapshot["citations"]
        if str(uuid.uuid5(uuid.UUID(str(target.pk)), c["id"])) not in known
    ]
    store.append_many(
        [
            (
                domain.development_stream(str(duplicate.pk)),
                [
                    NewEvent(
                        domain.DEVELOPMENT_MERGED,
                        DevelopmentMergedData(into=str(target.pk)),
                        event_id=event_id,
                        metadata=metadata,
                    )
                ],
                duplicate.version,
            ),
            (
                domain.development_stream(str(target.pk)),
                [
                    NewEvent(
                        domain.DUPLICATE_ABSORBED,
                        DuplicateAbsorbedData(
                            duplicate_id=str(duplicate.pk),
                            citations=moved,
                            entities=duplicate.snapshot["entities"],
                        ),
                        event_id=uuid.uuid5(event_id, "absorbed"),
                        metadata=metadata,
                    )
                ],
                target.version,
            ),
        ]
    )
    return Development.objects.get(pk=target.pk)
