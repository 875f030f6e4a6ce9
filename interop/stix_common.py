"""STIX 2.1 vocabulary shared by the development, entity and relationship mappings: deterministic ids, timestamps,
the service's own identity, citations as external references and their Admiralty grading.

Ids are uuid5 of a stream id under one namespace, so the same development, entity or relationship has the same
STIX id in every export and a consumer such as OpenCTI updates its copy instead of duplicating it.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

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
# STIX 2.1 Appendix A, "Admiralty Credibility": credibility 1-5 as a confidence; 6 (cannot be judged) has none.
ADMIRALTY_CONFIDENCE = {"1": 90, "2": 70, "3": 50, "4": 30, "5": 10}
# How many developments (or entities) are read and mapped at a time: a bundle of any size streams through.
BATCH = 500


def stix_id(object_type: str, stream: str) -> str:
    return f"{object_type}--{uuid.uuid5(NAMESPACE, stream)}"


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


def cited(obj: dict[str, Any], citations: Iterable[CitationData]) -> dict[str, Any]:
    """The object with its citations as external references, in full in x_timeline_citations, and the best
    credibility as its confidence. STIX allows no empty lists, so an uncited object gets none of these."""
    citations = list(citations)
    if citations:
        obj["x_timeline_citations"] = [citation_property(citation) for citation in citations]
        obj["external_references"] = [*obj.get("external_references", []), *map(external_reference, citations)]
    credibilities = [c.get("credibility", "") for c in citations if c.get("credibility") in ADMIRALTY_CONFIDENCE]
    if credibilities:
        obj["confidence"] = ADMIRALTY_CONFIDENCE[min(credibilities)]
    return obj


def bundle_id(scope: str) -> str:
    """A bundle's id: the same for the same scope (e.g. a timeline at a log position)."""
    return stix_id("bundle", scope)


def bundle_chunks_of(objects: Iterable[dict[str, Any]], *, scope: str) -> Iterator[str]:
    """A STIX bundle as JSON text, one object at a time, the producer identity first."""
    yield json.dumps({"type": "bundle", "id": bundle_id(scope)})[:-1] + ', "objects": ['
    yield json.dumps(producer_identity(), ensure_ascii=False)
    for obj in objects:
        yield ",\n" + json.dumps(obj, ensure_ascii=False)
    yield "]}"
