"""TAXII 2.1, read-only: the documents of discovery, the API root, the collections and their objects.

One collection per named timeline plus "all" (every development, retracted and merged ones as revoked reports).
A collection's objects are its developments' reports, each page also carrying the entities those reports
refer to (identities and locations), the current relationships between those entities, and the links between
the collection's developments (`relationship` objects), so a page can be read on its own. Objects are added in
log order: each development and what it brings is (re)added when its latest version was recorded (`date_added`
is that time, `version` the object's STIX `modified`), and the paging cursor (`next`) is the log position of
the last development on the page, so paging stays exact while new developments are recorded.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from django.db.models import QuerySet

from interop import stix, stix_common
from timeline import selectors
from timeline.domain import timeline_stream
from timeline.models import Development
from timeline.selectors import TimelineFilters

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
ALL_COLLECTION = "all"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# What a TAXII client may post: nothing (the server is read-only), so only a small bound to advertise.
MAX_CONTENT_LENGTH = 10 * 1024 * 1024


class TaxiiError(ValueError):
    """A bad TAXII request: answered as a TAXII error message with this HTTP status."""

    def __init__(self, status: int, title: str, description: str = "") -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.description = description

    def document(self) -> dict[str, Any]:
        return {"title": self.title, "description": self.description, "http_status": str(self.status)}


@dataclass(frozen=True)
class Collection:
    id: str
    slug: str  # "" for the collection of everything
    title: str
    description: str

    def document(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "can_read": True,
            "can_write": False,
            "media_types": [stix_common.STIX_MEDIA_TYPE],
        }


@dataclass(frozen=True)
class Query:
    """The filters and the page a client asked for (TAXII 2.1 section 3.4 and 5.4)."""

    added_after: datetime | None = None
    types: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()
    limit: int = DEFAULT_LIMIT
    after_position: int = 0


@dataclass(frozen=True)
class Page:
    objects: list[dict[str, Any]]
    date_added: list[str]
    more: bool
    next: str | None

    def envelope(self) -> dict[str, Any]:
        document: dict[str, Any] = {"more": self.more}
        if self.next:
            document["next"] = self.next
        if self.objects:
            document["objects"] = self.objects
        return document

    def manifest(self) -> dict[str, Any]:
        document: dict[str, Any] = {"more": self.more}
        if self.next:
            document["next"] = self.next
        if self.objects:
            document["objects"] = [
                {
                    "id": obj["id"],
                    "date_added": added,
                    "version": obj["modified"],
                    "media_type": stix_common.STIX_MEDIA_TYPE,
                }
                for obj, added in zip(self.objects, self.date_added, strict=True)
            ]
        return document


def added_timestamp(value: datetime) -> str:
    """date_added to the microsecond, as stored: a client that asks added_after the last date_added it saw must
    not get that object again (to the millisecond, a later microsecond would still be "after")."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def discovery(api_root_url: str) -> dict[str, Any]:
    return {
        "title": "Intelligence timeline TAXII server",
        "description": "Developments of the AI and semiconductor competition as STIX 2.1, read-only.",
        "default": api_root_url,
        "api_roots": [api_root_url],
    }


def api_root() -> dict[str, Any]:
    return {
        "title": "Intelligence timeline",
        "description": "One collection per named timeline, and one of every development.",
        "versions": [TAXII_MEDIA_TYPE],
        "max_content_length": MAX_CONTENT_LENGTH,
    }


def collection_id(slug: str) -> str:
    stream = timeline_stream(slug) if slug else "taxii-collection-all"
    return str(uuid.uuid5(stix_common.NAMESPACE, stream))


def collections() -> list[Collection]:
    found = [Collection(collection_id(""), "", "All developments", "Every development the service has recorded.")]
    for named in selectors.named_timelines():
        found.append(Collection(collection_id(named.slug), named.slug, named.title, named.description))
    return found


def collection_get(collection: str) -> Collection:
    for candidate in collections():
        if candidate.id == collection:
            return candidate
    raise TaxiiError(404, "No such collection", f"There is no collection {collection}.")


def parse_query(params: Any) -> Query:
    """A Query from the request's parameters; a bad one is a 400 naming the parameter."""
    added_after = None
    if raw := params.get("added_after"):
        try:
            added_after = datetime.fromisoformat(raw)
        except ValueError as error:
            raise TaxiiError(400, "Bad added_after", "added_after is a STIX timestamp.") from error
        if added_after.tzinfo is None:
            raise TaxiiError(400, "Bad added_after", "added_after must say its time zone (Z).")
    try:
        limit = int(params.get("limit") or DEFAULT_LIMIT)
        after_position = int(params.get("next") or 0)
    except ValueError as error:
        raise TaxiiError(400, "Bad limit or next", "limit and next are whole numbers.") from error
    if limit < 1:
        raise TaxiiError(400, "Bad limit", "limit is at least 1.")

    def listed(name: str) -> frozenset[str]:
        return frozenset(value for raw in params.getlist(name) for value in raw.split(",") if value)

    return Query(
        added_after=added_after,
        types=listed("match[type]"),
        ids=listed("match[id]"),
        limit=min(limit, MAX_LIMIT),
        after_position=after_position,
    )


def _developments(collection: Collection) -> QuerySet[Development]:
    if not collection.slug:
        return Development.objects.all()
    rows = selectors.timeline_developments_at(
        TimelineFilters(timeline=collection.slug, include_retracted=True), None, prefetch=False
    )
    # Without as_of the selector answers current rows; its type also covers the history rows of an as_of read.
    return cast("QuerySet[Development]", rows)


def _wanted(obj: dict[str, Any], query: Query) -> bool:
    return (not query.types or obj["type"] in query.types) and (not query.ids or obj["id"] in query.ids)


def objects_page(collection: Collection, query: Query) -> Page:
    """One page of the collection's objects in the order they were added (log order)."""
    rows = _developments(collection).filter(last_position__gt=query.after_position)
    if query.added_after is not None:
        rows = rows.filter(updated_at__gt=query.added_after)
    # Read one row more than the limit allows, to know whether there is more.
    batch = list(rows.order_by("last_position")[: query.limit + 1])
    page_rows, more = batch[: query.limit], len(batch) > query.limit
    objects, added = _objects_of(collection, page_rows, query)
    next_cursor = str(page_rows[-1].last_position) if more and page_rows else None
    return Page(objects=objects, date_added=added, more=more, next=next_cursor)


def _linked_within(collection: Collection, rows: list[Development]) -> set[str] | None:
    """The developments the rows link to that are in the collection (None: all are, it holds every one)."""
    if not collection.slug:
        return None
    targets = {link["target"] for row in rows for link in row.snapshot.get("links", [])}
    if not targets:
        return set()
    return {str(pk) for pk in _developments(collection).filter(pk__in=targets).values_list("pk", flat=True)}


def _objects_of(
    collection: Collection, rows: list[Development], query: Query
) -> tuple[list[dict[str, Any]], list[str]]:
    """The page's objects: each development's report with the entities, relationships and links it brings, all
    added when the development was (re)added."""
    added_at = {str(row.pk): added_timestamp(row.updated_at) for row in rows}
    records = (stix.record_from_model(row) for row in rows)
    objects: list[dict[str, Any]] = []
    added: list[str] = []
    for development_id, obj in stix.grouped_objects(records, development_ids=_linked_within(collection, rows)):
        if _wanted(obj, query):
            objects.append(obj)
            added.append(added_at[development_id])
    return objects, added
