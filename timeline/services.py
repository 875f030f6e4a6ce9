"""Commands on the timeline: each validates its input, then appends events (the only caller of append).

Every service takes keyword-only arguments, raises django.core.exceptions.ValidationError with field errors
on bad input (writing nothing), and events.store.ConcurrencyError when `expected_version` is stale.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from events import store
from events.models import StoredEvent
from events.shapes import EventMetadata
from events.store import NewEvent
from timeline import domain
from timeline.dates import FuzzyDateError, parse_fuzzy_date
from timeline.models import Citation, Development, Entity, NamedTimeline, Relationship
from timeline.selectors import entity_resolve, filters_from_mapping
from timeline.shapes import (
    AliasData,
    CitationAddedData,
    CitationData,
    CitationRemovedData,
    DevelopmentChanges,
    DevelopmentLinkedData,
    DevelopmentMergedData,
    DevelopmentRecordedData,
    DevelopmentRevisedData,
    DevelopmentUnlinkedData,
    DuplicateAbsorbedData,
    EntityMergedData,
    EntityRegisteredData,
    EntityRevisedData,
    EntityUnmergedData,
    LinkData,
    Media,
    RelationshipChanges,
    RelationshipCitedData,
    RelationshipCorrectedData,
    RelationshipRecordedData,
    RelationshipRetractedData,
    SavedFilters,
    StatusChangedData,
    TimelineDefinedData,
)
from timeline.taxonomy import CREDIBILITY, RELIABILITY, Category, EntityType, Kind, LinkRelation, RelationType

_http_url = URLValidator(schemes=["http", "https"])
_slug = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TIMELINE_FILTER_KEYS = {"category", "kind", "entity", "tag", "from", "to", "q", "disputed", "min_reliability"}


def _metadata(actor: str | None, reason: str, request_hash: str = "") -> EventMetadata:
    """Who and why; and, for a request sent with an Idempotency-Key, a hash of it, so that the key reused for
    another request can be told from a retry (api.views.base.ApiView.request_hash)."""
    metadata: EventMetadata = {"actor": actor or None, "reason": reason or ""}
    if request_hash:
        metadata["request_hash"] = request_hash
    return metadata


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _clean_text(value: object, field: str, errors: dict[str, list[str]], *, required: bool, limit: int) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors.setdefault(field, []).append("This field is required and may not be blank.")
    elif len(text) > limit:
        errors.setdefault(field, []).append(f"At most {limit} characters.")
    return text


def _clean_choice(value: object, field: str, choices: Iterable[str], errors: dict[str, list[str]]) -> str:
    allowed = list(choices)
    if value not in allowed:
        errors.setdefault(field, []).append(f"'{value}' is not one of: {', '.join(allowed)}.")
    return str(value)


def _clean_date(value: object, field: str, errors: dict[str, list[str]]) -> str:
    try:
        return parse_fuzzy_date(str(value or "")).edtf
    except FuzzyDateError as error:
        errors.setdefault(field, []).append(str(error))
        return ""


def _clean_entities(
    values: Iterable[str], errors: dict[str, list[str]], known: dict[str, str | None] | None = None
) -> list[str]:
    """Entities by id, name or alias; each must be registered. `known` remembers terms already resolved (a batch
    names the same few entities thousands of times: one query each, not one per mention)."""
    resolved: list[str] = []
    known = {} if known is None else known
    for value in values:
        term = str(value)
        if term not in known:
            entity = entity_resolve(term)
            known[term] = entity.id if entity is not None else None
        if (entity_id := known[term]) is None:
            errors.setdefault("entities", []).append(f"unknown entity '{value}'.")
        elif entity_id not in resolved:
            resolved.append(entity_id)
    return resolved


def _clean_tags(values: Iterable[str], errors: dict[str, list[str]]) -> list[str]:
    tags: list[str] = []
    for value in values:
        tag = str(value).strip().lower()
        if not _slug.match(tag):
            errors.setdefault("tags", []).append(f"'{value}' is not a tag (lowercase words joined by '-').")
        elif tag not in tags:
            tags.append(tag)
    return tags


def _clean_media(value: Any, errors: dict[str, list[str]]) -> Media | None:
    if not value:
        return None
    if not isinstance(value, Mapping) or not value.get("url"):
        errors.setdefault("media", []).append("media needs a url (and optionally caption and credit).")
        return None
    try:
        _http_url(str(value["url"]))
    except ValidationError:
        errors.setdefault("media", []).append("media url must be an http(s) URL.")
    return {
        "url": str(value.get("url") or ""),
        "caption": str(value.get("caption") or ""),
        "credit": str(value.get("credit") or ""),
    }


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def clean_citation(fields: Mapping[str, Any], errors: dict[str, list[str]], prefix: str = "") -> CitationData:
    """A validated citation with a fresh id (or the one given)."""
    # Filled key by key in the order the event stores them; every key is set before it is returned.
    citation = cast(CitationData, {"id": str(fields.get("id") or uuid.uuid4())})
    if not _is_uuid(citation["id"]):
        errors.setdefault(f"{prefix}id", []).append("A citation id must be a UUID.")
    citation["title"] = _clean_text(fields.get("title"), f"{prefix}title", errors, required=True, limit=500)
    url = str(fields.get("url") or "").strip()
    if url:
        try:
            _http_url(url)
        except ValidationError:
            errors.setdefault(f"{prefix}url", []).append("A citation URL must be an http or https URL.")
    citation["url"] = url

    def text(field: str, limit: int) -> str:
        return _clean_text(fields.get(field), f"{prefix}{field}", errors, required=False, limit=limit)

    citation["publisher"] = text("publisher", 200)
    citation["author"] = text("author", 200)
    citation["locator"] = text("locator", 200)
    citation["excerpt"] = text("excerpt", 5000)
    citation["claim"] = text("claim", 5000)
    citation["grading_note"] = text("grading_note", 5000)
    published = str(fields.get("published") or "").strip()
    citation["published"] = _clean_date(published, f"{prefix}published", errors) if published else ""
    citation["reliability"] = _clean_choice(
        str(fields.get("reliability") or "").upper(), f"{prefix}reliability", RELIABILITY, errors
    )
    citation["credibility"] = _clean_choice(
        str(fields.get("credibility") or ""), f"{prefix}credibility", CREDIBILITY, errors
    )
    return citation


def _current(development_id: uuid.UUID | str) -> Development:
    try:
        return Development.objects.get(pk=development_id)
    except (Development.DoesNotExist, ValidationError, ValueError) as error:
        raise ValidationError({"development": [f"no development {development_id}"]}) from error


def _replay_of(event_id: uuid.UUID | None, request_hash: str = "") -> Development | None:
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


def _append_development(development_id: str, events: Sequence[NewEvent], expected_version: int | None) -> Development:
    recorded = store.append(domain.development_stream(development_id), events, expected_version=expected_version)
    development = Development.objects.get(pk=development_id)
    development.replayed = all(event.replayed for event in recorded)
    return development


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
        metadata=_metadata(actor, reason, request_hash),
    )
    _raise_if(errors)
    return _append_development(development_id, events, expected_version=0)


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
    title = _clean_text(fields.get("title"), f"{prefix}title", errors, required=True, limit=300)
    summary = _clean_text(fields.get("summary", ""), f"{prefix}summary", errors, required=False, limit=10000)
    date = _clean_date(fields.get("date"), f"{prefix}date", errors)
    category = _clean_choice(fields.get("category"), f"{prefix}category", Category.values, errors)
    kind = _clean_choice(fields.get("kind"), f"{prefix}kind", Kind.values, errors)
    cleaned_entities = _clean_entities(fields.get("entities") or (), errors, known_entities)
    cleaned_tags = _clean_tags(fields.get("tags") or (), errors)
    cleaned_media = _clean_media(fields.get("media"), errors)
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
    metadata = _metadata(actor, reason)
    batches: list[tuple[str, Sequence[NewEvent], int | None]] = []
    ids = []
    known_entities: dict[str, str | None] = {}
    for index, (event_id, fields) in enumerate(developments):
        development_id, events = _recorded_events(
            fields, errors, event_id=event_id, metadata=metadata, prefix=f"[{index}].", known_entities=known_entities
        )
        batches.append((domain.development_stream(development_id), events, 0))
        ids.append(development_id)
    _raise_if(errors)
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
    # The state is read before looking for a retry: a concurrent first attempt that commits in between is then
    # found as a retry, instead of leaving this one with "nothing to change" against the state it made.
    development = _current(development_id)
    if (replayed := _replay_of(event_id, request_hash)) is not None:
        return replayed
    state = development.snapshot
    errors: dict[str, list[str]] = {}
    unknown = set(changes) - set(domain.REVISABLE_FIELDS)
    for field in sorted(unknown):
        errors.setdefault(field, []).append(f"'{field}' cannot be revised.")
    cleaners: dict[str, Callable[[Any], Any]] = {
        "title": lambda v: _clean_text(v, "title", errors, required=True, limit=300),
        "summary": lambda v: _clean_text(v, "summary", errors, required=False, limit=10000),
        "date": lambda v: _clean_date(v, "date", errors),
        "category": lambda v: _clean_choice(v, "category", Category.values, errors),
        "kind": lambda v: _clean_choice(v, "kind", Kind.values, errors),
        "entities": lambda v: _clean_entities(v or [], errors),
        "tags": lambda v: _clean_tags(v or [], errors),
        "disputed": bool,
        "media": lambda v: _clean_media(v, errors),
    }
    cleaned = {field: cleaners[field](value) for field, value in changes.items() if field in cleaners}
    _raise_if(errors)
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
        metadata=_metadata(actor, reason, request_hash),
    )
    return _append_development(str(development.pk), [event], expected_version)


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
    development = _current(development_id)  # before the retry check, as in development_revise
    if (replayed := _replay_of(event_id, request_hash)) is not None:
        return replayed
    errors: dict[str, list[str]] = {}
    reason = _clean_text(reason, "reason", errors, required=True, limit=2000)
    if development.status != required_status:
        errors.setdefault("status", []).append(f"the development is {development.status}, not {required_status}.")
    _raise_if(errors)
    event = NewEvent(
        event_type,
        StatusChangedData(reason=reason),
        event_id=event_id or uuid.uuid4(),
        metadata=_metadata(actor, reason, request_hash),
    )
    return _append_development(str(development.pk), [event], expected_version)


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
    development = _current(development_id)  # before the retry check, as in development_revise
    if (replayed := _replay_of(event_id, request_hash)) is not None:
        return replayed
    errors: dict[str, list[str]] = {}
    event_id = event_id or uuid.uuid4()
    cleaned = clean_citation({**citation, "id": citation.get("id") or uuid.uuid5(event_id, "citation")}, errors)
    if any(c["id"] == cleaned["id"] for c in development.snapshot["citations"]):
        errors.setdefault("id", []).append("the development already has this citation.")
    elif _is_uuid(cleaned["id"]) and Citation.objects.filter(pk=cleaned["id"]).exists():
        errors.setdefault("id", []).append("another development has a citation with this id.")
    _raise_if(errors)
    metadata = _metadata(actor, reason, request_hash)
    event = NewEvent(domain.CITATION_ADDED, CitationAddedData(citation=cleaned), event_id=event_id, metadata=metadata)
    return _append_development(str(development.pk), [event], expected_version)


def citation_remove(
    *,
    development_id: uuid.UUID | str,
    citation_id: uuid.UUID | str,
    reason: str,
    expected_version: int | None = None,
    actor: str | None = None,
    event_id: uuid.UUID | None = None,
) -> Development:
    if (replayed := _replay_of(event_id)) is not None:
        return replayed
    development = _current(development_id)
    errors: dict[str, list[str]] = {}
    reason = _clean_text(reason, "reason", errors, required=True, limit=2000)
    if not any(c["id"] == str(citation_id) for c in development.snapshot["citations"]):
        errors.setdefault("citation_id", []).append(f"the development has no citation {citation_id}.")
    _raise_if(errors)
    event = NewEvent(
        domain.CITATION_REMOVED,
        CitationRemovedData(citation_id=str(citation_id), reason=reason),
        event_id=event_id or uuid.uuid4(),
        metadata=_metadata(actor, reason),
    )
    return _append_development(str(development.pk), [event], expected_version)


def development_merge(
    *,
    duplicate_id: uuid.UUID | str,
    into_id: uuid.UUID | str,
    reason: str = "",
    actor: str | None = None,
    event_id: uuid.UUID | None = None,
) -> Development:
    """Fold a duplicate into another development: its citations and entities move over, in one transaction."""
    if (replayed := _replay_of(event_id)) is not None:
        return replayed
    if str(duplicate_id) == str(into_id):
        raise ValidationError({"into": ["A development cannot be merged into itself."]})
    duplicate = _current(duplicate_id)
    target = _current(into_id)
    if duplicate.pk == target.pk:  # the same development under another spelling of its id
        raise ValidationError({"into": ["A development cannot be merged into itself."]})
    errors: dict[str, list[str]] = {}
    if duplicate.status != "current":
        errors.setdefault("duplicate", []).append(f"the duplicate is {duplicate.status}, not current.")
    if target.status != "current":
        errors.setdefault("into", []).append(f"the development to merge into is {target.status}, not current.")
    _raise_if(errors)
    event_id = event_id or uuid.uuid4()
    metadata = _metadata(actor, reason)
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


def development_link(
    *,
    development_id: uuid.UUID | str,
    relation: str,
    target_id: uuid.UUID | str,
    note: str = "",
    expected_version: int | None = None,
    actor: str | None = None,
    reason: str = "",
    event_id: uuid.UUID | None = None,
    request_hash: str = "",
) -> Development:
    """Link a development to another ("the October 2023 rule amends the October 2022 rule"), on its own stream."""
    development = _current(development_id)  # before the retry check, as in development_revise
    if (replayed := _replay_of(event_id, request_hash)) is not None:
        return replayed
    errors: dict[str, list[str]] = {}
    relation = _clean_choice(relation, "relation", LinkRelation.values, errors)
    note = _clean_text(note, "note", errors, required=False, limit=2000)
    target = Development.objects.filter(pk=target_id).first() if _is_uuid(target_id) else None
    if target is None:
        errors.setdefault("target", []).append(f"no development {target_id}.")
    elif target.pk == development.pk:
        errors.setdefault("target", []).append("A development cannot be linked to itself.")
    elif any(
        link["relation"] == relation and link["target"] == str(target.pk)
        for link in development.snapshot.get("links", [])
    ):
        errors.setdefault("target", []).append(f"the development already {relation.replace('_', ' ')} it.")
    _raise_if(errors)
    assert target is not None
    event_id = event_id or uuid.uuid4()
    link: LinkData = {
        "id": str(uuid.uuid5(event_id, "link")),
        "relation": relation,
        "target": str(target.pk),
        "note": note,
    }
    event = NewEvent(
        domain.DEVELOPMENT_LINKED,
        DevelopmentLinkedData(link=link),
        event_id=event_id,
        metadata=_metadata(actor, reason, request_hash),
    )
    return _append_development(str(development.pk), [event], expected_version)


def development_unlink(
    *,
    development_id: uuid.UUID | str,
    link_id: uuid.UUID | str,
    reason: str,
    expected_version: int | None = None,
    actor: str | None = None,
    event_id: uuid.UUID | None = None,
    request_hash: str = "",
) -> Development:
    """Remove a link the development made; the log keeps it, and `as_of` answers before now still show it."""
    development = _current(development_id)
    if (replayed := _replay_of(event_id, request_hash)) is not None:
        return replayed
    errors: dict[str, list[str]] = {}
    reason = _clean_text(reason, "reason", errors, required=True, limit=2000)
    if not any(link["id"] == str(link_id) for link in development.snapshot.get("links", [])):
        errors.setdefault("link_id", []).append(f"the development has no link {link_id}.")
    _raise_if(errors)
    event = NewEvent(
        domain.DEVELOPMENT_UNLINKED,
        DevelopmentUnlinkedData(link_id=str(link_id), reason=reason),
        event_id=event_id or uuid.uuid4(),
        metadata=_metadata(actor, reason, request_hash),
    )
    return _append_development(str(development.pk), [event], expected_version)


_country = re.compile(r"^[A-Z]{2}$")
_identifier_patterns = {
    "wikidata": re.compile(r"^Q[1-9][0-9]*$"),
    "lei": re.compile(r"^[A-Z0-9]{18}[0-9]{2}$"),
    "entity_list": re.compile(r"^.{1,300}$"),
}


def _clean_entity_fields(fields: Mapping[str, Any], errors: dict[str, list[str]], *, entity_id: str) -> dict[str, Any]:
    """The profile fields given (name, entity_type, aliases, country, description, identifiers), checked."""
    cleaned: dict[str, Any] = {}
    if "name" in fields:
        cleaned["name"] = _clean_text(fields["name"], "name", errors, required=True, limit=200)
    if "entity_type" in fields:
        cleaned["entity_type"] = _clean_choice(fields["entity_type"], "entity_type", EntityType.values, errors)
    if "country" in fields:
        country = str(fields["country"] or "").strip().upper()
        if country and not _country.match(country):
            errors.setdefault("country", []).append("a country is a two-letter ISO 3166 code, e.g. CN.")
        cleaned["country"] = country
    if "description" in fields:
        cleaned["description"] = _clean_text(fields["description"], "description", errors, required=False, limit=2000)
    if "identifiers" in fields:
        given = fields["identifiers"] or {}
        identifiers: dict[str, str] = {}
        if not isinstance(given, Mapping):
            errors.setdefault("identifiers", []).append("identifiers are {wikidata, lei, entity_list}.")
            given = {}
        for key, value in given.items():
            text = str(value or "").strip()
            pattern = _identifier_patterns.get(str(key))
            if pattern is None:
                errors.setdefault("identifiers", []).append(f"'{key}' is not one of: wikidata, lei, entity_list.")
            elif text and not pattern.match(text):
                errors.setdefault("identifiers", []).append(f"'{text}' is not a {key} identifier.")
            elif text:
                identifiers[str(key)] = text
        cleaned["identifiers"] = identifiers
    if "aliases" in fields:
        aliases: list[AliasData] = []
        for alias in fields["aliases"] or []:
            alias_name = str(alias.get("name") or "").strip()
            if not alias_name:
                errors.setdefault("aliases", []).append("an alias needs a name.")
            aliases.append({"name": alias_name, "lang": str(alias.get("lang") or "")})
        cleaned["aliases"] = aliases
    return cleaned


def entity_register(
    *,
    entity_id: str,
    name: str,
    entity_type: str,
    aliases: Sequence[Mapping[str, str]] = (),
    country: str = "",
    description: str = "",
    identifiers: Mapping[str, str] | None = None,
    actor: str | None = None,
    reason: str = "",
    event_id: uuid.UUID | None = None,
    request_hash: str = "",
) -> Entity:
    """Register an entity under a slug id, with aliases in any language (深度求索 for DeepSeek)."""
    if event_id is not None and (stored := StoredEvent.objects.filter(event_id=event_id).first()) is not None:
        if stored.stream != domain.entity_stream(entity_id) or not store.same_request(
            stored.metadata, {"request_hash": request_hash}
        ):
            raise store.IdempotencyConflictError(f"event id {event_id} was first used for another request")
        return Entity.objects.get(pk=entity_id)
    errors: dict[str, list[str]] = {}
    if not _slug.match(entity_id or ""):
        errors.setdefault("entity_id", []).append("an entity id is lowercase words joined by '-'.")
    elif Entity.objects.filter(pk=entity_id).exists():
        errors.setdefault("entity_id", []).append(f"an entity '{entity_id}' is registered already.")
    fields = {"name": name, "entity_type": entity_type, "aliases": list(aliases)}
    profile = {"country": country, "description": description, "identifiers": dict(identifiers or {})}
    cleaned = _clean_entity_fields({**fields, **profile}, errors, entity_id=entity_id)
    _raise_if(errors)
    # Entities registered without a profile keep the shape earlier releases stored.
    data = EntityRegisteredData(
        id=entity_id, name=cleaned["name"], entity_type=cleaned["entity_type"], aliases=cleaned["aliases"]
    )
    for key in ("country", "description", "identifiers"):
        if cleaned[key]:
            data[key] = cleaned[key]
    store.append(
        domain.entity_stream(entity_id),
        [
            NewEvent(
                domain.ENTITY_REGISTERED,
                data,
                event_id=event_id or uuid.uuid4(),
                metadata=_metadata(actor, reason, request_hash),
            )
        ],
        expected_version=0,
    )
    return Entity.objects.get(pk=entity_id)


def entity_revise(
    *,
    entity_id: str,
    changes: Mapping[str, Any],
    expected_version: int | None,
    actor: str | None = None,
    reason: str = "",
    event_id: uuid.UUID | None = None,
    request_hash: str = "",
) -> Entity:
    """Change an entity's profile: its name to show, type, other names, country, description, identifiers."""
    entity = Entity.objects.filter(pk=entity_id).first()
    if entity is None:
        raise ValidationError({"entity": [f"no entity {entity_id}"]})
    if event_id is not None and (stored := StoredEvent.objects.filter(event_id=event_id).first()) is not None:
        if not store.same_request(stored.metadata, {"request_hash": request_hash}):
            raise store.IdempotencyConflictError(f"event id {event_id} was first used for another request")
        return entity
    errors: dict[str, list[str]] = {}
    for field in sorted(set(changes) - set(domain.ENTITY_FIELDS)):
        errors.setdefault(field, []).append(f"'{field}' cannot be revised.")
    cleaned = _clean_entity_fields(changes, errors, entity_id=entity_id)
    _raise_if(errors)
    state = entity.snapshot
    real = {field: value for field, value in cleaned.items() if state.get(field) != value}
    if not real:
        raise ValidationError({"changes": ["Nothing to change: every value equals the current one."]})
    # Only ENTITY_FIELDS, each cleaned to its shape.
    data = cast(EntityRevisedData, {"id": entity_id, **real})
    store.append(
        domain.entity_stream(entity_id),
        [
            NewEvent(
                domain.ENTITY_REVISED,
                data,
                event_id=event_id or uuid.uuid4(),
                metadata=_metadata(actor, reason, request_hash),
            )
        ],
        expected_version=expected_version,
    )
    return Entity.objects.get(pk=entity_id)


def _entity_for(entity_id: str, field: str, errors: dict[str, list[str]]) -> Entity | None:
    entity = Entity.objects.filter(pk=entity_id).first()
    if entity is None:
        errors.setdefault(field, []).append(f"no entity {entity_id}.")
    return entity


def _append_entity(entity_id: str, event: NewEvent, expected_version: int | None) -> Entity:
    store.append(domain.entity_stream(entity_id), [event], expected_version=expected_version)
    return Entity.objects.get(pk=entity_id)


def entity_merge(
    *,
    entity_id: str,
    into_id: str,
    expected_version: int | None = None,
    actor: str | None = None,
    reason: str = "",
    event_id: uuid.UUID | None = None,
    request_hash: str = "",
) -> Entity:
    """Mark an entity as the same actor as another: a filter by the other then finds its developments too.
    Nothing is moved, so `entity_unmerge` undoes it exactly."""
    errors: dict[str, list[str]] = {}
    entity = _entity_for(entity_id, "entity", errors)
    into = _entity_for(into_id, "into", errors)
    if entity is not None and into is not None:
        if entity.pk == into.pk:
            errors.setdefault("into", []).append("An entity cannot be merged into itself.")
        elif entity.merged_into_id:
            errors.setdefault("entity", []).append(f"'{entity.pk}' is merged into '{entity.merged_into_id}' already.")
        elif into.merged_into_id:
            errors.setdefault("into", []).append(
                f"'{into.pk}' is itself merged into '{into.merged_into_id}': merge into that one."
            )
        elif Entity.objects.filter(merged_into=entity).exists():
            errors.setdefault("entity", []).append(f"other entities are merged into '{entity.pk}': unmerge them first.")
    _raise_if(errors)
    assert entity is not None and into is not None
    event = NewEvent(
        domain.ENTITY_MERGED,
        EntityMergedData(id=entity.pk, into=into.pk),
        event_id=event_id or uuid.uuid4(),
        metadata=_metadata(actor, reason, request_hash),
    )
    return _append_entity(entity.pk, event, expected_version)


def entity_unmerge(
    *,
    entity_id: str,
    reason: str,
    expected_version: int | None = None,
    actor: str | None = None,
    event_id: uuid.UUID | None = None,
    request_hash: str = "",
) -> Entity:
    """Undo a merge: the entity is an actor of its own again, with the developments it always kept."""
    errors: dict[str, list[str]] = {}
    entity = _entity_for(entity_id, "entity", errors)
    reason = _clean_text(reason, "reason", errors, required=True, limit=2000)
    if entity is not None and not entity.merged_into_id:
        errors.setdefault("entity", []).append(f"'{entity.pk}' is not merged.")
    _raise_if(errors)
    assert entity is not None
    event = NewEvent(
        domain.ENTITY_UNMERGED,
        EntityUnmergedData(id=entity.pk, reason=reason),
        event_id=event_id or uuid.uuid4(),
        metadata=_metadata(actor, reason, request_hash),
    )
    return _append_entity(entity.pk, event, expected_version)


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
    if event_id is not None and (stored := StoredEvent.objects.filter(event_id=event_id).first()) is not None:
        if not stored.stream.startswith("relationship-") or not store.same_request(
            stored.metadata, {"request_hash": request_hash}
        ):
            raise store.IdempotencyConflictError(f"event id {event_id} was first used for another request")
        relationship = Relationship.objects.get(pk=stored.stream.removeprefix("relationship-"))
        relationship.replayed = True
        return relationship
    errors: dict[str, list[str]] = {}
    relation = _clean_choice(relation, "relation", RelationType.values, errors)
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
    when = _clean_date(date, "date", errors) if str(date or "").strip() else ""
    note = _clean_text(note, "note", errors, required=False, limit=2000)
    cleaned = [clean_citation(c, errors, prefix=f"citations[{i}].") for i, c in enumerate(citations)]
    if len(ends) == 2 and not errors:
        duplicate = Relationship.objects.filter(
            source_id=ends["source"], target_id=ends["target"], relation=relation, edtf=when, status="current"
        )
        if duplicate.exists():
            errors.setdefault("target", []).append("this relationship is recorded already.")
    _raise_if(errors)
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
                metadata=_metadata(actor, reason, request_hash),
            )
        ],
        expected_version=0,
    )
    return Relationship.objects.get(pk=relationship_id)


def _current_relationship(relationship_id: uuid.UUID | str) -> Relationship:
    try:
        return Relationship.objects.get(pk=relationship_id)
    except (Relationship.DoesNotExist, ValidationError, ValueError) as error:
        raise ValidationError({"relationship": [f"no relationship {relationship_id}"]}) from error


def _append_relationship(relationship: Relationship, event: NewEvent, expected_version: int | None) -> Relationship:
    recorded = store.append(
        domain.relationship_stream(str(relationship.pk)), [event], expected_version=expected_version
    )
    fresh = Relationship.objects.get(pk=relationship.pk)
    fresh.replayed = all(e.replayed for e in recorded)
    return fresh


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
    relationship = _current_relationship(relationship_id)
    errors: dict[str, list[str]] = {}
    for field in sorted(set(changes) - {"relation", "date", "note"}):
        errors.setdefault(field, []).append(f"'{field}' cannot be corrected; record another relationship.")
    cleaned: dict[str, str] = {}
    if "relation" in changes:
        cleaned["relation"] = _clean_choice(changes["relation"], "relation", RelationType.values, errors)
        if cleaned["relation"] == RelationType.SUBSIDIARY_OF and _subsidiary_chain_reaches(
            str(relationship.target_id), str(relationship.source_id)
        ):
            errors.setdefault("relation", []).append("that would make a cycle of 'subsidiary of'.")
    if "date" in changes:
        cleaned["date"] = _clean_date(changes["date"], "date", errors) if str(changes["date"] or "").strip() else ""
    if "note" in changes:
        cleaned["note"] = _clean_text(changes["note"], "note", errors, required=False, limit=2000)
    _raise_if(errors)
    real = {field: value for field, value in cleaned.items() if relationship.snapshot.get(field) != value}
    if not real:
        raise ValidationError({"changes": ["Nothing to change: every value equals the current one."]})
    event = NewEvent(
        domain.RELATIONSHIP_CORRECTED,
        RelationshipCorrectedData(changes=cast(RelationshipChanges, real)),
        event_id=event_id or uuid.uuid4(),
        metadata=_metadata(actor, reason, request_hash),
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
    relationship = _current_relationship(relationship_id)
    errors: dict[str, list[str]] = {}
    event_id = event_id or uuid.uuid4()
    cleaned = clean_citation({**citation, "id": citation.get("id") or uuid.uuid5(event_id, "citation")}, errors)
    if any(c["id"] == cleaned["id"] for c in relationship.snapshot["citations"]):
        errors.setdefault("id", []).append("the relationship already has this citation.")
    _raise_if(errors)
    event = NewEvent(
        domain.RELATIONSHIP_CITED,
        RelationshipCitedData(citation=cleaned),
        event_id=event_id,
        metadata=_metadata(actor, reason, request_hash),
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
    relationship = _current_relationship(relationship_id)
    errors: dict[str, list[str]] = {}
    reason = _clean_text(reason, "reason", errors, required=True, limit=2000)
    if relationship.status != "current":
        errors.setdefault("status", []).append(f"the relationship is {relationship.status}, not current.")
    _raise_if(errors)
    event = NewEvent(
        domain.RELATIONSHIP_RETRACTED,
        RelationshipRetractedData(reason=reason),
        event_id=event_id or uuid.uuid4(),
        metadata=_metadata(actor, reason, request_hash),
    )
    return _append_relationship(relationship, event, expected_version)


def _clean_timeline_filters(filters: Mapping[str, Any], errors: dict[str, list[str]]) -> SavedFilters:
    """The filters as given, once checked: a SavedFilters unless `errors` says why not."""
    unknown = set(filters) - TIMELINE_FILTER_KEYS
    if unknown:
        errors.setdefault("filters", []).append(f"unknown filter keys: {', '.join(sorted(unknown))}.")
    # Values too: a saved filter the selector cannot answer would break every later read of the timeline.
    try:
        saved = filters_from_mapping(dict(filters))
    except (ValueError, TypeError) as error:
        errors.setdefault("filters", []).append(f"'from' and 'to' must be ISO dates (YYYY-MM-DD): {error}.")
        return cast(SavedFilters, dict(filters))
    if saved.disputed is not None and not isinstance(saved.disputed, bool):
        errors.setdefault("filters", []).append("'disputed' must be true or false.")
    for value in [c for c in saved.categories if c not in Category.values] + [
        k for k in saved.kinds if k not in Kind.values
    ]:
        errors.setdefault("filters", []).append(f"'{value}' is not a category or kind.")
    if saved.min_reliability and saved.min_reliability.upper() not in RELIABILITY:
        errors.setdefault("filters", []).append("'min_reliability' must be one of A-F.")
    return cast(SavedFilters, dict(filters))


def timeline_define(
    *,
    slug: str,
    title: str,
    description: str = "",
    filters: Mapping[str, Any] | None = None,
    pinned: Sequence[uuid.UUID | str] = (),
    expected_version: int | None = None,
    actor: str | None = None,
    reason: str = "",
    event_id: uuid.UUID | None = None,
) -> NamedTimeline:
    """Define a named timeline, or redefine it (TimelineRevised) when it exists already."""
    errors: dict[str, list[str]] = {}
    if not _slug.match(slug or ""):
        errors.setdefault("slug", []).append("a slug is lowercase words joined by '-'.")
    data: TimelineDefinedData = {
        "slug": slug,
        "title": _clean_text(title, "title", errors, required=True, limit=300),
        "description": _clean_text(description, "description", errors, required=False, limit=5000),
        "filters": _clean_timeline_filters(filters or {}, errors),
        "pinned": [str(p) for p in pinned],
    }
    pinned_ids = [p for p in data["pinned"] if _is_uuid(p)]
    existing = set(map(str, Development.objects.filter(pk__in=pinned_ids).values_list("pk", flat=True)))
    for missing in [p for p in data["pinned"] if p not in existing]:
        errors.setdefault("pinned", []).append(f"no development {missing}.")
    _raise_if(errors)
    stream = domain.timeline_stream(slug)
    exists = NamedTimeline.objects.filter(slug=slug).exists()
    event_type = domain.TIMELINE_REVISED if exists else domain.TIMELINE_DEFINED
    store.append(
        stream,
        [NewEvent(event_type, data, event_id=event_id or uuid.uuid4(), metadata=_metadata(actor, reason))],
        expected_version=expected_version if exists else 0,
    )
    return NamedTimeline.objects.get(slug=slug)
