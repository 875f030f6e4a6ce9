"""Reads interop needs beside timeline's selectors: what the STIX and MISP mappings know about entities and
developments that a timeline row does not carry (entity types and aliases, when a stream began and last changed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Max, Min

from events.models import StoredEvent
from timeline.domain import entity_stream
from timeline.models import Development, Entity


@dataclass(frozen=True)
class EntityFacts:
    id: str
    name: str
    entity_type: str
    aliases: tuple[str, ...] = field(default=())
    created: datetime | None = None
    modified: datetime | None = None


def entity_facts(entity_ids: Iterable[str]) -> dict[str, EntityFacts]:
    """Each entity's name, type, aliases and the times its stream began and last changed, in three queries."""
    wanted = set(entity_ids)
    if not wanted:
        return {}
    entities = Entity.objects.filter(pk__in=wanted).prefetch_related("aliases")
    streams = {entity_stream(entity_id): entity_id for entity_id in wanted}
    times = {
        streams[row["stream"]]: (row["first"], row["last"])
        for row in StoredEvent.objects.filter(stream__in=streams)
        .values("stream")
        .annotate(first=Min("recorded_at"), last=Max("recorded_at"))
    }
    return {
        entity.pk: EntityFacts(
            id=entity.pk,
            name=entity.name,
            entity_type=entity.entity_type,
            aliases=tuple(alias.name for alias in entity.aliases.all()),
            created=times.get(entity.pk, (None, None))[0],
            modified=times.get(entity.pk, (None, None))[1],
        )
        for entity in entities
    }


def development_recorded_times(development_ids: Iterable[str]) -> dict[str, datetime]:
    """When each development was first recorded (its STIX `created`), whatever version a row shows."""
    ids = set(development_ids)
    if not ids:
        return {}
    return {
        str(pk): recorded for pk, recorded in Development.objects.filter(pk__in=ids).values_list("id", "recorded_at")
    }
