"""A MISP feed of the developments: manifest.json, one event JSON per development, hashes.csv.

Each development is a MISP event: its title is the event's info, its date the lower bound of its date (the EDTF
date itself, with its precision, is a text attribute), its category and kind are tags of the service's own
`timeline` machine-tag namespace, and each citation is a `link` attribute (a `text` one without a URL) tagged
with the `admiralty-scale` taxonomy: source-reliability a-f and information-credibility 1-6. Event ids are the
developments' own UUIDs and attribute ids uuid5 of the stream id, so a MISP instance that pulls the feed again
updates events instead of duplicating them. Retracted and merged developments stay in the feed, tagged with
their status, so a consumer learns it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from interop import selectors, stix, stix_common
from interop.stix import DevelopmentRecord
from timeline import selectors as timeline_selectors
from timeline.domain import development_stream
from timeline.shapes import CitationData

ORG_NAME = stix_common.PRODUCER_NAME
ORG_UUID = str(uuid.uuid5(stix_common.NAMESPACE, stix_common.PRODUCER_STREAM))
# MISP's codes: analysis 2 = completed, threat level 4 = undefined, distribution 3 = all communities.
ANALYSIS_COMPLETED = "2"
THREAT_LEVEL_UNDEFINED = "4"
DISTRIBUTION_ALL = "3"


@dataclass(frozen=True)
class Attribute:
    """One MISP attribute as the feed writes it."""

    uuid: str
    type: str
    category: str
    value: str
    comment: str
    tags: tuple[str, ...] = ()

    def document(self, timestamp: str) -> dict[str, Any]:
        return {
            "uuid": self.uuid,
            "type": self.type,
            "category": self.category,
            "value": self.value,
            "comment": self.comment,
            "to_ids": False,
            "distribution": "5",  # inherit the event's
            "timestamp": timestamp,
            "Tag": [{"name": tag} for tag in self.tags],
        }


def event_uuid(development_id: str) -> str:
    """The development's own id, a UUID already and the same in every export, so the feed can find it again."""
    return development_id


def _attribute_uuid(development_id: str, what: str) -> str:
    return str(uuid.uuid5(stix_common.NAMESPACE, f"misp-attribute/{development_stream(development_id)}/{what}"))


def admiralty_tags(citation: CitationData) -> tuple[str, ...]:
    """The admiralty-scale taxonomy's machine tags for a citation's grading (values in lower case, as MISP's)."""
    tags = []
    if reliability := citation.get("reliability", ""):
        tags.append(f'admiralty-scale:source-reliability="{reliability.lower()}"')
    if credibility := citation.get("credibility", ""):
        tags.append(f'admiralty-scale:information-credibility="{credibility}"')
    return tuple(tags)


def event_tags(record: DevelopmentRecord) -> list[str]:
    tags = [f'timeline:category="{record.category}"', f'timeline:kind="{record.kind}"']
    tags += [f'timeline:tag="{tag}"' for tag in record.tags]
    if record.disputed:
        tags.append('timeline:status="disputed"')
    if record.status != "current":
        tags.append(f'timeline:status="{record.status}"')
    return tags


def attributes(record: DevelopmentRecord, entity_names: dict[str, str]) -> list[Attribute]:
    found = [
        Attribute(
            _attribute_uuid(record.id, "date"),
            "text",
            "Other",
            record.date,
            f"When it happened (EDTF, precision: {record.precision}; shown as {record.display_date})",
        )
    ]
    if record.summary:
        found.append(Attribute(_attribute_uuid(record.id, "summary"), "text", "Other", record.summary, "Summary"))
    for entity_id in record.entity_ids:
        name = entity_names.get(entity_id, entity_id)
        found.append(
            Attribute(_attribute_uuid(record.id, f"entity/{entity_id}"), "text", "Attribution", name, "Entity")
        )
    for citation in record.citations:
        described = " — ".join(part for part in (citation.get("title", ""), citation.get("publisher", "")) if part)
        found.append(
            Attribute(
                _attribute_uuid(record.id, f"citation/{citation.get('id', '')}"),
                "link" if citation.get("url") else "text",
                "External analysis",
                citation.get("url") or citation.get("title", ""),
                f"{described} [{citation.get('reliability', '')}{citation.get('credibility', '')}]",
                admiralty_tags(citation),
            )
        )
    return found


def _epoch(record: DevelopmentRecord) -> str:
    return str(int(record.modified.timestamp()))


def event_document(record: DevelopmentRecord, entity_names: dict[str, str]) -> dict[str, Any]:
    timestamp = _epoch(record)
    return {
        "Event": {
            "uuid": event_uuid(record.id),
            "info": record.title,
            "date": record.date_lower.isoformat(),
            "analysis": ANALYSIS_COMPLETED,
            "threat_level_id": THREAT_LEVEL_UNDEFINED,
            "distribution": DISTRIBUTION_ALL,
            "published": True,
            "timestamp": timestamp,
            "publish_timestamp": timestamp,
            "Orgc": {"name": ORG_NAME, "uuid": ORG_UUID},
            "Tag": [{"name": tag} for tag in event_tags(record)],
            "Attribute": [attribute.document(timestamp) for attribute in attributes(record, entity_names)],
        }
    }


def manifest_entry(record: DevelopmentRecord) -> dict[str, Any]:
    return {
        "info": record.title,
        "date": record.date_lower.isoformat(),
        "analysis": ANALYSIS_COMPLETED,
        "threat_level_id": THREAT_LEVEL_UNDEFINED,
        "timestamp": _epoch(record),
        "Orgc": {"name": ORG_NAME, "uuid": ORG_UUID},
        "Tag": [{"name": tag} for tag in event_tags(record)],
    }


def with_entity_names(records: Iterable[DevelopmentRecord]) -> Iterator[tuple[DevelopmentRecord, dict[str, str]]]:
    """Each record with the names of its entities, read a batch at a time."""
    iterator = iter(records)
    while batch := list(islice(iterator, stix_common.BATCH)):
        facts = selectors.entity_facts({entity_id for record in batch for entity_id in record.entity_ids})
        names = {entity_id: fact.name for entity_id, fact in facts.items()}
        for record in batch:
            yield record, names


def manifest(records: Iterable[DevelopmentRecord]) -> dict[str, Any]:
    return {event_uuid(record.id): manifest_entry(record) for record in records}


def hashes_csv(records: Iterable[DevelopmentRecord]) -> str:
    """hashes.csv: the md5 of each attribute value and the event it is in, which MISP uses for lookups."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for record, names in with_entity_names(records):
        for attribute in attributes(record, names):
            digest = hashlib.md5(attribute.value.encode("utf-8"), usedforsecurity=False).hexdigest()
            writer.writerow([digest, event_uuid(record.id)])
    return out.getvalue()


def event_for(event: str) -> dict[str, Any] | None:
    """The event document with this uuid, or None."""
    try:
        row = timeline_selectors.development_get(str(uuid.UUID(event)))
    except ValueError:
        return None
    if row is None:
        return None
    record = stix.record_from_model(row)
    names = {entity_id: fact.name for entity_id, fact in selectors.entity_facts(record.entity_ids).items()}
    return event_document(record, names)
