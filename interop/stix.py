"""STIX 2.1 out: developments as `report` objects, entities as `identity`, in bundles streamed chunk by chunk.

Ids are deterministic (uuid5 of the stream id under one namespace), so the same development or entity has the
same STIX id in every export and a consumer such as OpenCTI updates its copy instead of duplicating it.

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
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from interop import selectors
from timeline.domain import development_stream, entity_stream
from timeline.models import Development, DevelopmentColumns
from timeline.shapes import CitationData
from timeline.taxonomy import CREDIBILITY, RELIABILITY

SPEC_VERSION = "2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
# Fixed for ever: changing it changes every id we have ever exported.
NAMESPACE = uuid.UUID("0d5b8f8e-2f0c-5a4e-9c1e-7b1f3c2d9a64")
PRODUCER_STREAM = "service-intelligence-timeline"
PRODUCER_NAME = "Intelligence timeline"
# The producer identity's own timestamps: constant, so the identity object never looks changed.
PRODUCER_CREATED = datetime(2025, 1, 1, tzinfo=UTC)
# Each entity type as an identity class (STIX identity-class-ov); governments and agencies also get the
# "government" sector. No entity type is a place today; a location type would map to a `location` here.
IDENTITY_CLASSES = {
    "company": "organization",
    "agency": "organization",
    "government": "organization",
    "fab": "organization",
    "person": "individual",
    "product": "system",
    "other": "unknown",
}
GOVERNMENT_TYPES = {"agency", "government"}
# STIX 2.1 Appendix A, "Admiralty Credibility": credibility 1-5 as a confidence; 6 (cannot be judged) has none.
ADMIRALTY_CONFIDENCE = {"1": 90, "2": 70, "3": 50, "4": 30, "5": 10}
BATCH = 500


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
    )


def all_records(*, base_url: str = "") -> Iterator[DevelopmentRecord]:
    """Every development, current state, retracted and merged ones included (as revoked), read in chunks."""
    rows = Development.objects.order_by("recorded_position").iterator(chunk_size=BATCH)
    return (record_from_model(row, base_url=base_url) for row in rows)


def stix_id(object_type: str, stream: str) -> str:
    return f"{object_type}--{uuid.uuid5(NAMESPACE, stream)}"


def development_stix_id(development_id: str) -> str:
    return stix_id("report", development_stream(development_id))


def entity_stix_id(entity_id: str) -> str:
    return stix_id("identity", entity_stream(entity_id))


def producer_id() -> str:
    return stix_id("identity", PRODUCER_STREAM)


def timestamp(value: datetime) -> str:
    """A STIX timestamp in UTC to the millisecond, as the spec asks of created and modified."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def day_timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def producer_identity() -> dict[str, Any]:
    """The service itself, named as the creator of everything it exports."""
    return {
        "type": "identity",
        "spec_version": SPEC_VERSION,
        "id": producer_id(),
        "created": timestamp(PRODUCER_CREATED),
        "modified": timestamp(PRODUCER_CREATED),
        "name": PRODUCER_NAME,
        "identity_class": "system",
    }


def entity_object(entity: selectors.EntityFacts) -> dict[str, Any]:
    created = entity.created or PRODUCER_CREATED
    obj: dict[str, Any] = {
        "type": "identity",
        "spec_version": SPEC_VERSION,
        "id": entity_stix_id(entity.id),
        "created_by_ref": producer_id(),
        "created": timestamp(created),
        "modified": timestamp(entity.modified or created),
        "name": entity.name,
        "identity_class": IDENTITY_CLASSES.get(entity.entity_type, "unknown"),
        "x_timeline_entity_id": entity.id,
        "x_timeline_entity_type": entity.entity_type,
    }
    if entity.entity_type in GOVERNMENT_TYPES:
        obj["sectors"] = ["government-national"]
    if entity.aliases:
        obj["x_timeline_aliases"] = list(entity.aliases)
    return obj


def grading_text(citation: CitationData) -> str:
    reliability, credibility = citation.get("reliability", ""), citation.get("credibility", "")
    described = f"{RELIABILITY.get(reliability, '?')}; {CREDIBILITY.get(credibility, '?')}"
    return f"Admiralty {reliability}{credibility} ({described})"


def external_reference(citation: CitationData) -> dict[str, str]:
    reference = {
        "source_name": citation.get("publisher") or citation.get("title") or "source",
        "description": f"{citation.get('title', '')}. {grading_text(citation)}",
    }
    if citation.get("url"):
        reference["url"] = citation["url"]
    if citation.get("id"):
        reference["external_id"] = citation["id"]
    return reference


def citation_property(citation: CitationData) -> dict[str, str]:
    """A citation in full, grading included, as x_timeline_citations keeps it (the round-trip of the grading)."""
    fields = ("id", "url", "title", "publisher", "author", "published", "excerpt", "locator", "claim")
    kept = {name: str(citation.get(name) or "") for name in fields if citation.get(name)}
    kept["reliability"] = citation.get("reliability", "")
    kept["credibility"] = citation.get("credibility", "")
    kept["grading"] = f"{kept['reliability']}{kept['credibility']}"
    if citation.get("grading_note"):
        kept["grading_note"] = citation["grading_note"]
    return kept


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


def report_object(record: DevelopmentRecord, created: datetime) -> dict[str, Any]:
    refs = [entity_stix_id(entity_id) for entity_id in record.entity_ids]
    references: list[dict[str, str]] = []
    if record.url:
        references.append({"source_name": "intelligence-timeline", "url": record.url, "external_id": record.id})
    references += [external_reference(citation) for citation in record.citations]
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
    if record.citations:  # STIX allows no empty lists
        obj["x_timeline_citations"] = [citation_property(citation) for citation in record.citations]
    if record.summary:
        obj["description"] = record.summary
    if references:
        obj["external_references"] = references
    credibilities = [c.get("credibility", "") for c in record.citations if c.get("credibility") in ADMIRALTY_CONFIDENCE]
    if credibilities:
        obj["confidence"] = ADMIRALTY_CONFIDENCE[min(credibilities)]
    if record.disputed:
        obj["labels"].append("disputed")
    if record.status in ("retracted", "merged"):
        # STIX's word for "no longer to be relied on"; a merged development points at the one it became.
        obj["revoked"] = True
        if record.merged_into:
            obj["x_timeline_merged_into"] = development_stix_id(record.merged_into)
    return obj


def objects_for(
    records: Iterable[DevelopmentRecord], seen_entities: set[str] | None = None
) -> Iterator[dict[str, Any]]:
    """Reports for the records, each preceded by the identities it refers to that were not yet given.

    Reads the entities' and developments' facts a batch at a time, so any number of records streams through.
    """
    seen = seen_entities if seen_entities is not None else set()
    iterator = iter(records)
    while batch := list(islice(iterator, BATCH)):
        wanted = {entity_id for record in batch for entity_id in record.entity_ids} - seen
        facts = selectors.entity_facts(wanted)
        created = selectors.development_recorded_times(record.id for record in batch)
        for record in batch:
            for entity_id in record.entity_ids:
                if entity_id not in seen and entity_id in facts:
                    seen.add(entity_id)
                    yield entity_object(facts[entity_id])
            yield report_object(record, created.get(record.id, record.modified))


def bundle_id(scope: str) -> str:
    """A bundle's id: the same for the same scope (e.g. a timeline at a log position)."""
    return stix_id("bundle", scope)


def bundle_chunks(records: Iterable[DevelopmentRecord], *, scope: str) -> Iterator[str]:
    """A STIX bundle as JSON text, one object at a time: the producer identity, then entities and reports."""
    yield json.dumps({"type": "bundle", "id": bundle_id(scope)})[:-1] + ', "objects": ['
    yield json.dumps(producer_identity(), ensure_ascii=False)
    for obj in objects_for(records):
        yield ",\n" + json.dumps(obj, ensure_ascii=False)
    yield "]}"


def bundle_text(records: Iterable[DevelopmentRecord], *, scope: str) -> str:
    return "".join(bundle_chunks(records, scope=scope))
