"""Reads interop needs beside timeline's selectors: what the STIX and MISP mappings know about entities,
relationships and developments that a timeline row does not carry (entity profiles, when a stream began and
last changed, when a link between developments was recorded).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db.models import Max, Min, Q

from events.models import StoredEvent
from timeline.domain import DEVELOPMENT_LINKED, development_stream, entity_stream, relationship_stream
from timeline.models import Development, Entity, Relationship
from timeline.shapes import CitationData


@dataclass(frozen=True)
class EntityFacts:
    id: str
    name: str
    entity_type: str
    aliases: tuple[str, ...] = field(default=())
    country: str = ""  # ISO 3166-1 alpha-2
    description: str = ""
    identifiers: tuple[tuple[str, str], ...] = ()  # (scheme, value): wikidata, lei, entity_list
    version: int = 0
    created: datetime | None = None
    modified: datetime | None = None


@dataclass(frozen=True)
class RelationshipFacts:
    """A relationship between two entities, read "source relation target", with its date and citations."""

    id: str
    source: str
    relation: str
    target: str
    date: str  # EDTF, or "" when undated
    date_lower: dt.date | None
    date_upper: dt.date | None
    note: str
    citations: tuple[CitationData, ...]
    status: str
    version: int
    created: datetime | None = None
    modified: datetime | None = None


def _stream_times(streams: dict[str, str]) -> dict[str, tuple[datetime, datetime]]:
    """stream → owner id, as owner id → (first, last) recorded_at of its stream's events, in one query."""
    if not streams:
        return {}
    return {
        streams[row["stream"]]: (row["first"], row["last"])
        for row in StoredEvent.objects.filter(stream__in=streams)
        .values("stream")
        .annotate(first=Min("recorded_at"), last=Max("recorded_at"))
    }


def entity_facts(entity_ids: Iterable[str]) -> dict[str, EntityFacts]:
    """Each entity's profile and the times its stream began and last changed, in three queries."""
    wanted = set(entity_ids)
    if not wanted:
        return {}
    entities = Entity.objects.filter(pk__in=wanted).prefetch_related("aliases")
    times = _stream_times({entity_stream(entity_id): entity_id for entity_id in wanted})
    return {
        entity.pk: EntityFacts(
            id=entity.pk,
            name=entity.name,
            entity_type=entity.entity_type,
            aliases=tuple(alias.name for alias in entity.aliases.all() if alias.name != entity.name),
            country=entity.country,
            description=entity.description,
            identifiers=tuple(sorted((str(k), str(v)) for k, v in (entity.identifiers or {}).items() if v)),
            version=entity.version,
            created=times.get(entity.pk, (None, None))[0],
            modified=times.get(entity.pk, (None, None))[1],
        )
        for entity in entities
    }


def with_stream_times(entities: Iterable[tuple[EntityFacts, int]]) -> list[EntityFacts]:
    """Entities as a reader was shown them (each with the log position of its version): `created` when its stream
    began, `modified` when that version was recorded. Two queries."""
    entities = list(entities)
    began = _stream_times({entity_stream(facts.id): facts.id for facts, _ in entities})
    positions = {position for _, position in entities}
    recorded = dict(StoredEvent.objects.filter(position__in=positions).values_list("position", "recorded_at"))
    return [
        replace(
            facts,
            created=began.get(facts.id, (None, None))[0],
            modified=recorded.get(position) or began.get(facts.id, (None, None))[1],
        )
        for facts, position in entities
    ]


def _relationship_facts(rows: Iterable[Relationship]) -> list[RelationshipFacts]:
    rows = list(rows)
    times = _stream_times({relationship_stream(str(row.pk)): str(row.pk) for row in rows})
    return [
        RelationshipFacts(
            id=str(row.pk),
            source=row.source_id,
            relation=row.relation,
            target=row.target_id,
            date=row.edtf,
            date_lower=row.date_lower,
            date_upper=row.date_upper,
            note=str(row.snapshot.get("note", "")),
            citations=tuple(row.snapshot.get("citations", [])),
            status=row.status,
            version=row.version,
            created=times.get(str(row.pk), (None, None))[0],
            modified=times.get(str(row.pk), (None, None))[1],
        )
        for row in rows
    ]


def relationships_touching(entity_ids: Iterable[str]) -> list[RelationshipFacts]:
    """The current relationships with either end among these entities (a bundle keeps those with both ends)."""
    wanted = list(set(entity_ids))
    if not wanted:
        return []
    rows = Relationship.objects.filter(Q(source_id__in=wanted) | Q(target_id__in=wanted), status="current")
    return _relationship_facts(rows.order_by("pk"))


def relationships_get(relationship_ids: Iterable[str]) -> list[RelationshipFacts]:
    return _relationship_facts(Relationship.objects.filter(pk__in=set(relationship_ids)).order_by("pk"))


def link_recorded_times(development_ids: Iterable[str]) -> dict[str, datetime]:
    """Link id → when it was recorded, for the links these developments made (their DevelopmentLinked events)."""
    streams = [development_stream(development_id) for development_id in set(development_ids)]
    if not streams:
        return {}
    events = StoredEvent.objects.filter(stream__in=streams, event_type=DEVELOPMENT_LINKED)
    return {str(data["link"]["id"]): recorded for data, recorded in events.values_list("data", "recorded_at")}


def development_recorded_times(development_ids: Iterable[str]) -> dict[str, datetime]:
    """When each development was first recorded (its STIX `created`), whatever version a row shows."""
    ids = set(development_ids)
    if not ids:
        return {}
    return {
        str(pk): recorded for pk, recorded in Development.objects.filter(pk__in=ids).values_list("id", "recorded_at")
    }
