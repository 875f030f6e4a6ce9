"""STIX 2.1 out for developments: each a `report`, in bundles streamed chunk by chunk with the entities it names
(interop.stix_entities: `identity` or `location`), the relationships between those entities and the links
between developments (`relationship` objects).

Ids are deterministic (interop.stix_common), so the same development has the same STIX id in every export.
What STIX has no property for is carried in custom properties named `x_timeline_*` (see the README's STIX
section): the EDTF date with its precision, the category and kind, and each citation with its Admiralty
grading. Citations are also `external_references`, so any STIX reader shows them; the grading is kept in
`x_timeline_citations` (external references may not carry custom properties) and the best credibility is
mapped to `confidence` with the STIX 2.1 Admiralty Credibility scale.

The JSON is written here with the standard library rather than through the `stix2` objects: a bundle of
100,000 reports is streamed in constant memory, and the tests hold every bundle to `stix2` and
`stix2-validator`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from interop import selectors
from interop.stix_common import (
    BATCH,
    SPEC_VERSION,
    bundle_chunks_of,
    cited,
    day_timestamp,
    producer_id,
    stix_id,
    timestamp,
)
from interop.stix_entities import entity_object, facts_stix_id, link_object, relationship_object
from timeline.domain import development_stream
from timeline.models import Development, DevelopmentColumns
from timeline.shapes import CitationData, LinkData


@dataclass(frozen=True)
class DevelopmentRecord:
    """What the STIX and MISP mappings read from one development, current or as of a position."""

    id: str
    title: str
    summary: str
    date: str
    display_date: str
    date_lower: dt.date
    date_upper: dt.date
    precision: str
    category: str
    kind: str
    entity_ids: tuple[str, ...]
    tags: tuple[str, ...]
    citations: tuple[CitationData, ...]
    status: str
    disputed: bool
    merged_into: str | None
    version: int
    modified: datetime
    url: str = ""
    links: tuple[LinkData, ...] = ()  # its own links to other developments


def record_from_model(row: DevelopmentColumns, *, base_url: str = "") -> DevelopmentRecord:
    """A record from a Development or a DevelopmentVersion (their columns and snapshot read alike)."""
    snapshot = row.snapshot
    development_id = str(snapshot["id"])
    modified = getattr(row, "valid_from_time", None) or row.updated_at  # type: ignore[attr-defined]
    return DevelopmentRecord(
        id=development_id,
        title=row.title,
        summary=row.summary,
        date=row.edtf,
        display_date=row.display_date,
        date_lower=row.date_lower,
        date_upper=row.date_upper,
        precision=row.precision,
        category=row.category,
        kind=row.kind,
        entity_ids=tuple(snapshot.get("entities", [])),
        tags=tuple(snapshot.get("tags", [])),
        citations=tuple(snapshot.get("citations", [])),
        status=row.status,
        disputed=row.disputed,
        merged_into=snapshot.get("merged_into"),
        version=row.version,
        modified=modified,
        url=f"{base_url}/api/developments/{development_id}/" if base_url else "",
        links=tuple(snapshot.get("links", [])),
    )


def all_records(*, base_url: str = "") -> Iterator[DevelopmentRecord]:
    """Every development, current state, retracted and merged ones included (as revoked), read in chunks."""
    rows = Development.objects.order_by("recorded_position").iterator(chunk_size=BATCH)
    return (record_from_model(row, base_url=base_url) for row in rows)


def development_stix_id(development_id: str) -> str:
    return stix_id("report", development_stream(development_id))


def _date_parts(record: DevelopmentRecord) -> dict[str, str]:
    """The EDTF date as given (which carries its own precision: "2023-10", "2024-36", "2022-07~"), its precision
    named, its display form and its bounds."""
    return {
        "x_timeline_date": record.date,
        "x_timeline_date_precision": record.precision,
        "x_timeline_date_display": record.display_date,
        "x_timeline_date_lower": record.date_lower.isoformat(),
        "x_timeline_date_upper": record.date_upper.isoformat(),
    }


def report_object(record: DevelopmentRecord, created: datetime, refs: list[str]) -> dict[str, Any]:
    """The development's report; `refs` are the STIX ids of the entities it names."""
    modified = max(record.modified, created)
    obj: dict[str, Any] = {
        "type": "report",
        "spec_version": SPEC_VERSION,
        "id": development_stix_id(record.id),
        "created_by_ref": producer_id(),
        "created": timestamp(created),
        "modified": timestamp(modified),
        "name": record.title,
        "report_types": ["timeline-development"],
        # When it happened (the lower bound of its date); the precision is in x_timeline_date_precision.
        "published": day_timestamp(record.date_lower),
        # A report must refer to something: one that names no entity refers to its creator, the service.
        "object_refs": refs or [producer_id()],
        "labels": [f"category:{record.category}", f"kind:{record.kind}", *(f"tag:{tag}" for tag in record.tags)],
        **_date_parts(record),
        "x_timeline_development_id": record.id,
        "x_timeline_category": record.category,
        "x_timeline_kind": record.kind,
        "x_timeline_status": record.status,
        "x_timeline_disputed": record.disputed,
        "x_timeline_version": record.version,
    }
    if record.summary:
        obj["description"] = record.summary
    if record.url:
        obj["external_references"] = [
            {"source_name": "intelligence-timeline", "url": record.url, "external_id": record.id}
        ]
    cited(obj, record.citations)
    if record.disputed:
        obj["labels"].append("disputed")
    if record.status in ("retracted", "merged"):
        # STIX's word for "no longer to be relied on"; a merged development points at the one it became.
        obj["revoked"] = True
        if record.merged_into:
            obj["x_timeline_merged_into"] = development_stix_id(record.merged_into)
    return obj


def grouped_objects(
    records: Iterable[DevelopmentRecord], *, development_ids: Collection[str] | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each record's objects, tagged with its development id: the entities it names that were not yet given, the
    current relationships between entities given so far that these complete, its report, and its links to
    developments in the bundle (`development_ids`; None when the bundle holds every development).

    Reads the entities', relationships' and developments' facts a batch at a time, so any number of records
    streams through; what it keeps is one STIX id per entity given.
    """
    ends: dict[str, str] = {}  # entity id -> its STIX id, for the entities given so far
    iterator = iter(records)
    while batch := list(islice(iterator, BATCH)):
        facts = selectors.entity_facts({entity_id for record in batch for entity_id in record.entity_ids} - ends.keys())
        waiting = selectors.relationships_touching(facts)
        created = selectors.development_recorded_times(record.id for record in batch)
        linked = selectors.link_recorded_times(record.id for record in batch if record.links)
        for record in batch:
            for entity_id in record.entity_ids:
                if entity_id not in ends and entity_id in facts:
                    ends[entity_id] = facts_stix_id(facts[entity_id])
                    yield record.id, entity_object(facts[entity_id])
            for relationship in [r for r in waiting if {r.source, r.target} <= ends.keys()]:
                waiting.remove(relationship)
                yield record.id, relationship_object(relationship, ends)
            first = created.get(record.id, record.modified)
            refs = [ends[entity_id] for entity_id in record.entity_ids if entity_id in ends]
            yield record.id, report_object(record, first, refs)
            for link in record.links:
                if development_ids is None or link["target"] in development_ids:
                    yield record.id, link_object(record.id, link, linked.get(link["id"], first))


def objects_for(
    records: Iterable[DevelopmentRecord], *, development_ids: Collection[str] | None = None
) -> Iterator[dict[str, Any]]:
    return (obj for _, obj in grouped_objects(records, development_ids=development_ids))


def bundle_chunks(
    records: Iterable[DevelopmentRecord], *, scope: str, development_ids: Collection[str] | None = None
) -> Iterator[str]:
    """A STIX bundle as JSON text, one object at a time: the producer identity, then what each record brings."""
    return bundle_chunks_of(objects_for(records, development_ids=development_ids), scope=scope)


def bundle_text(
    records: Iterable[DevelopmentRecord], *, scope: str, development_ids: Collection[str] | None = None
) -> str:
    return "".join(bundle_chunks(records, scope=scope, development_ids=development_ids))
