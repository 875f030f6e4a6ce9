"""Checks shared by the timeline services: each cleans one value, adding to `errors` what is wrong with it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from events import store
from events.models import StoredEvent
from events.shapes import EventMetadata
from timeline.dates import FuzzyDateError, parse_fuzzy_date
from timeline.selectors import entity_ids_resolve
from timeline.shapes import CitationData, Media
from timeline.taxonomy import CREDIBILITY, RELIABILITY

_http_url = URLValidator(schemes=["http", "https"])
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def event_metadata(actor: str | None, reason: str, request_hash: str = "") -> EventMetadata:
    """Who and why; and, for a request sent with an Idempotency-Key, a hash of it, so that the key reused for
    another request can be told from a retry (api.views.base.ApiView.request_hash)."""
    metadata: EventMetadata = {"actor": actor or None, "reason": reason or ""}
    if request_hash:
        metadata["request_hash"] = request_hash
    return metadata


def raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def clean_text(value: object, field: str, errors: dict[str, list[str]], *, required: bool, limit: int) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors.setdefault(field, []).append("This field is required and may not be blank.")
    elif len(text) > limit:
        errors.setdefault(field, []).append(f"At most {limit} characters.")
    return text


def clean_choice(value: object, field: str, choices: Iterable[str], errors: dict[str, list[str]]) -> str:
    allowed = list(choices)
    if value not in allowed:
        errors.setdefault(field, []).append(f"'{value}' is not one of: {', '.join(allowed)}.")
    return str(value)


def clean_date(value: object, field: str, errors: dict[str, list[str]]) -> str:
    try:
        return parse_fuzzy_date(str(value or "")).edtf
    except FuzzyDateError as error:
        errors.setdefault(field, []).append(str(error))
        return ""


def clean_entities(
    values: Iterable[str], errors: dict[str, list[str]], known: dict[str, str | None] | None = None
) -> list[str]:
    """Entities by id, name or alias; each must be registered. `known` remembers terms already resolved (a batch
    names the same few entities thousands of times: one query each, not one per mention)."""
    resolved: list[str] = []
    known = {} if known is None else known
    values = list(values)
    if unknown := [str(value) for value in values if str(value) not in known]:
        known.update(entity_ids_resolve(unknown))
    for value in values:
        if (entity_id := known[str(value)]) is None:
            errors.setdefault("entities", []).append(f"unknown entity '{value}'.")
        elif entity_id not in resolved:
            resolved.append(entity_id)
    return resolved


def clean_tags(values: Iterable[str], errors: dict[str, list[str]]) -> list[str]:
    tags: list[str] = []
    for value in values:
        tag = str(value).strip().lower()
        if not SLUG.match(tag):
            errors.setdefault("tags", []).append(f"'{value}' is not a tag (lowercase words joined by '-').")
        elif tag not in tags:
            tags.append(tag)
    return tags


def clean_media(value: Any, errors: dict[str, list[str]]) -> Media | None:
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


def is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def clean_citation(fields: Mapping[str, Any], errors: dict[str, list[str]], prefix: str = "") -> CitationData:
    """A validated citation with a fresh id (or the one given)."""
    # Filled key by key in the order the event stores them; every key is set before it is returned.
    citation = cast(CitationData, {"id": str(fields.get("id") or uuid.uuid4())})
    if not is_uuid(citation["id"]):
        errors.setdefault(f"{prefix}id", []).append("A citation id must be a UUID.")
    citation["title"] = clean_text(fields.get("title"), f"{prefix}title", errors, required=True, limit=500)
    url = str(fields.get("url") or "").strip()
    if url:
        try:
            _http_url(url)
        except ValidationError:
            errors.setdefault(f"{prefix}url", []).append("A citation URL must be an http or https URL.")
    citation["url"] = url

    def text(field: str, limit: int) -> str:
        return clean_text(fields.get(field), f"{prefix}{field}", errors, required=False, limit=limit)

    citation["publisher"] = text("publisher", 200)
    citation["author"] = text("author", 200)
    citation["locator"] = text("locator", 200)
    citation["excerpt"] = text("excerpt", 5000)
    citation["claim"] = text("claim", 5000)
    citation["grading_note"] = text("grading_note", 5000)
    published = str(fields.get("published") or "").strip()
    citation["published"] = clean_date(published, f"{prefix}published", errors) if published else ""
    citation["reliability"] = clean_choice(
        str(fields.get("reliability") or "").upper(), f"{prefix}reliability", RELIABILITY, errors
    )
    citation["credibility"] = clean_choice(
        str(fields.get("credibility") or ""), f"{prefix}credibility", CREDIBILITY, errors
    )
    return citation


def clean_new_citation(citation: Mapping[str, Any], event_id: uuid.UUID, errors: dict[str, list[str]]) -> CitationData:
    """A citation a command adds to a development or a relationship. Without an id of its own it takes one
    derived from the command's event id, so a retried command adds the same citation, never a second."""
    return clean_citation({**citation, "id": citation.get("id") or uuid.uuid5(event_id, "citation")}, errors)


def prior_event(
    event_id: uuid.UUID | None, request_hash: str, *, stream_ok: Callable[[str], bool] = lambda _: True
) -> StoredEvent | None:
    """The event a retried command already recorded under `event_id`, or None for a first attempt. The id used
    for another request (another request hash, or a stream `stream_ok` refuses) is refused, as the store does."""
    if event_id is None or (stored := StoredEvent.objects.filter(event_id=event_id).first()) is None:
        return None
    if not stream_ok(stored.stream) or not store.same_request(stored.metadata, {"request_hash": request_hash}):
        raise store.IdempotencyConflictError(f"event id {event_id} was first used for another request")
    return stored
