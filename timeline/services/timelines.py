"""Named timelines: a saved set of filters and pinned developments."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, cast

from events import store
from events.store import NewEvent
from timeline import domain
from timeline.models import Development, NamedTimeline
from timeline.selectors import filters_from_mapping
from timeline.shapes import SavedFilters, TimelineDefinedData
from timeline.taxonomy import RELIABILITY, Category, Kind
from timeline.validation import SLUG, clean_text, event_metadata, is_uuid, raise_if

TIMELINE_FILTER_KEYS = {"category", "kind", "entity", "tag", "from", "to", "q", "disputed", "min_reliability"}


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
    if not SLUG.match(slug or ""):
        errors.setdefault("slug", []).append("a slug is lowercase words joined by '-'.")
    data: TimelineDefinedData = {
        "slug": slug,
        "title": clean_text(title, "title", errors, required=True, limit=300),
        "description": clean_text(description, "description", errors, required=False, limit=5000),
        "filters": _clean_timeline_filters(filters or {}, errors),
        "pinned": [str(p) for p in pinned],
    }
    pinned_ids = [p for p in data["pinned"] if is_uuid(p)]
    existing = set(map(str, Development.objects.filter(pk__in=pinned_ids).values_list("pk", flat=True)))
    for missing in [p for p in data["pinned"] if p not in existing]:
        errors.setdefault("pinned", []).append(f"no development {missing}.")
    raise_if(errors)
    stream = domain.timeline_stream(slug)
    exists = NamedTimeline.objects.filter(slug=slug).exists()
    event_type = domain.TIMELINE_REVISED if exists else domain.TIMELINE_DEFINED
    store.append(
        stream,
        [NewEvent(event_type, data, event_id=event_id or uuid.uuid4(), metadata=event_metadata(actor, reason))],
        expected_version=expected_version if exists else 0,
    )
    return NamedTimeline.objects.get(slug=slug)
