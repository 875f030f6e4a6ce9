"""Reads of entities: resolving a name, labels, listings, history, relationships and the graph."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When

from events import registry, store
from timeline import domain
from timeline.models import (
    Development,
    DevelopmentEntity,
    Entity,
    EntityAlias,
    Relationship,
)
from timeline.search import several_statements_a_message
from timeline.shapes import EntityState, RelationshipState


def normalize_name(name: str) -> str:
    return " ".join(name.casefold().split())


def entity_resolve(term: str) -> Entity | None:
    """An entity by id, name or alias in any language, case-insensitively."""
    term = term.strip()
    if not term:
        return None
    # One round trip: an id match wins over an alias match; among aliases, the lowest id (as before).
    named = EntityAlias.objects.filter(entity=OuterRef("pk"), normalized=normalize_name(term))
    return (
        Entity.objects.filter(Q(pk=term) | Q(Exists(named)))
        .annotate(by_alias=Case(When(pk=term, then=Value(0)), default=Value(1)))
        .order_by("by_alias", "pk")
        .first()
    )


def entity_ids_resolve(terms: Iterable[str]) -> dict[str, str | None]:
    """The id of the entity entity_resolve finds for each term (None: none), for all of them in one query: a
    command naming several entities resolves them in one round trip rather than one each."""
    stripped = {term: term.strip() for term in terms}
    wanted = {value for value in stripped.values() if value}
    if not wanted:
        return dict.fromkeys(stripped)
    normalized = {value: normalize_name(value) for value in wanted}
    ids: set[str] = set()
    by_alias: dict[str, str] = {}
    for entity_id, alias in _candidates(wanted, set(normalized.values())):
        ids.add(entity_id)
        if alias is not None and (alias not in by_alias or entity_id < by_alias[alias]):
            by_alias[alias] = entity_id
    # As entity_resolve: an id match wins over an alias match; among aliases, the lowest id.
    found = {value: value if value in ids else by_alias.get(normalized[value]) for value in wanted}
    return {term: found.get(value) for term, value in stripped.items()}


def _candidates(ids: set[str], names: set[str]) -> Iterable[tuple[str, str | None]]:
    """Each entity whose id is in `ids` or one of whose normalized aliases is in `names`, with the aliases that
    matched (every alias of one matched by id; an id matched with no alias, with None). On PostgreSQL one statement
    written once, with two array parameters: every recorded development resolves its entities, and the ORM's
    building of this query cost a command more CPU than PostgreSQL spent answering it."""
    if connection.vendor != "postgresql":
        matched = Entity.objects.filter(Q(pk__in=ids) | Q(aliases__normalized__in=names))
        return matched.values_list("pk", "aliases__normalized")
    with connection.cursor() as cursor:
        cursor.execute(_candidates_sql(), [sorted(ids), sorted(names)])
        rows: list[tuple[str, str | None]] = cursor.fetchall()
    return rows


@functools.cache
def _candidates_sql() -> str:
    """PostgreSQL: _candidates' statement (the tables' names do not change while the process runs)."""
    quote = connection.ops.quote_name
    entity, alias = Entity._meta, EntityAlias._meta
    pk = quote(str(entity.get_field("id").column))
    owner = quote(str(alias.get_field("entity").column))
    normalized = quote(str(alias.get_field("normalized").column))
    return (
        f"SELECT e.{pk}, a.{normalized} FROM {quote(entity.db_table)} AS e"
        f" LEFT OUTER JOIN {quote(alias.db_table)} AS a ON a.{owner} = e.{pk}"
        f" WHERE e.{pk} = ANY(%s::text[]) OR a.{normalized} = ANY(%s::text[])"
    )


def entity_names(entity_ids: Iterable[str], as_of: int | None = None) -> dict[str, str]:
    """Entity id → name, in one query (a page of rows names its entities by id in their snapshots): the current
    name, or with `as_of` the name at that log position, so that a past answer reads as it did then and its ETag
    (which counts only positions up to as_of) stays true when an entity is renamed later."""
    wanted = set(entity_ids)
    if not wanted:
        return {}
    if as_of is not None and connection.vendor == "postgresql" and several_statements_a_message():
        return _names_at_with_current(wanted, as_of)
    then = _names_at(wanted, as_of) if as_of is not None else {}
    # An entity registered after as_of has no name then (a row cannot name it, but be safe): the current one.
    missing = wanted - then.keys()
    if not missing:
        return then
    return then | _current_names(missing)


def _current_names(entity_ids: set[str]) -> dict[str, str]:
    """The entities' names now. On PostgreSQL one array parameter, in SQL written once: a page names a hundred
    or more entities, and the ORM prepared and bound each id of an IN list on its own, which cost a search page
    more CPU than PostgreSQL spent answering."""
    if connection.vendor != "postgresql":
        return dict(Entity.objects.filter(pk__in=entity_ids).values_list("pk", "name"))
    with connection.cursor() as cursor:
        cursor.execute(_current_names_sql(), [sorted(entity_ids)])
        return dict(cursor.fetchall())


def _current_names_sql() -> str:
    """PostgreSQL: the (id, name) of the entities whose ids the one parameter, a text array, lists."""
    quote = connection.ops.quote_name
    columns = {field.attname: quote(str(field.column)) for field in Entity._meta.concrete_fields}
    pk, name = columns["id"], columns["name"]
    return f"SELECT {pk}, {name} FROM {quote(Entity._meta.db_table)} WHERE {pk} = ANY(%s::text[])"


def _names_from(streams: dict[str, str], events: Iterable[tuple[str, str, Mapping[str, Any]]]) -> dict[str, str]:
    """The names entities had after `events` of their own streams ((stream, event_type, data), in log order);
    `streams` maps each stream to its entity's id."""
    states: dict[str, EntityState] = {}
    for stream, event_type, data in events:
        states[stream] = domain.evolve_entity(states.get(stream), event_type, data)
    return {streams[stream]: state["name"] for stream, state in states.items()}


def _names_at(entity_ids: set[str], position: int) -> dict[str, str]:
    """The names the entities had at `position`, replayed from their own streams (a few events each)."""
    from events.models import StoredEvent

    streams = {domain.entity_stream(entity_id): entity_id for entity_id in entity_ids}
    rows = StoredEvent.objects.filter(stream__in=streams, position__lte=position).order_by("position")
    events = (store.RecordedEvent.from_row(row) for row in rows)
    return _names_from(streams, ((event.stream, event.event_type, event.data) for event in events))


def _names_at_with_current(entity_ids: set[str], position: int) -> dict[str, str]:
    """PostgreSQL: entity_names(entity_ids, as_of=position) in one round trip. The events _names_at replays (only
    the columns a replay reads) and the current names of every entity, for those without events by then, go as
    two statements in one message: an as_of search page waited for the server twice here, and built a model for
    every event."""
    from events.models import StoredEvent

    streams = {domain.entity_stream(entity_id): entity_id for entity_id in entity_ids}
    sql = (
        f"SELECT stream, event_type, schema_version, data FROM {connection.ops.quote_name(StoredEvent._meta.db_table)}"
        " WHERE stream = ANY(%s::text[]) AND position <= %s ORDER BY position; " + _current_names_sql()
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [sorted(streams), position, sorted(entity_ids)])
        read = cursor.fetchall()
        cursor.nextset()
        current: dict[str, str] = dict(cursor.fetchall())
    # The backend hands jsonb over as text, which the model field would decode.
    upcast = (
        (
            stream,
            event_type,
            registry.upcast(event_type, version, json.loads(data) if isinstance(data, str) else data)[1],
        )
        for stream, event_type, version, data in read
    )
    then = _names_from(streams, upcast)
    # An entity registered after `position` has no name then: the current one, as entity_names gives it.
    return {**{entity_id: current[entity_id] for entity_id in entity_ids - then.keys() if entity_id in current}, **then}


@dataclass(frozen=True)
class OtherName:
    name: str
    lang: str  # a language tag, e.g. zh


@dataclass(frozen=True)
class EntityLabel:
    """An entity as a reader sees it: its name and its names in other languages, e.g. DeepSeek (深度求索)."""

    name: str
    other_names: tuple[OtherName, ...] = ()


def entity_labels(entity_ids: Iterable[str]) -> dict[str, EntityLabel]:
    """Entity id → its name and its aliases in languages other than the site's (LANGUAGE_CODE), in the order they
    were registered; two queries for a whole page. Aliases without a language are spellings, not other names."""
    names = entity_names(entity_ids)
    if not names:
        return {}
    site = _primary_language(settings.LANGUAGE_CODE)
    others: dict[str, list[OtherName]] = {}
    aliases = EntityAlias.objects.filter(entity_id__in=list(names)).exclude(lang="").order_by("entity_id", "pk")
    for entity_id, name, lang in aliases.values_list("entity_id", "name", "lang"):
        if _primary_language(lang) != site and name != names[entity_id]:
            others.setdefault(entity_id, []).append(OtherName(name, lang))
    return {pk: EntityLabel(name, tuple(others.get(pk, ()))) for pk, name in names.items()}


def _primary_language(tag: str) -> str:
    return tag.replace("_", "-").split("-")[0].casefold()


LISTING_KINDS = ("entity_listing", "entity_delisting")


@dataclass(frozen=True)
class ListingChange:
    """A development that put the entity on the Entity List or took it off."""

    development_id: str
    kind: str  # entity_listing or entity_delisting
    date: str  # EDTF
    title: str


@dataclass(frozen=True)
class ListingStatus:
    """The entity's Entity List status as its current listing and delisting developments say, latest last."""

    listed: bool
    changes: tuple[ListingChange, ...]


def entity_listing_status(entity_id: str) -> ListingStatus:
    rows = (
        Development.objects.filter(status="current", kind__in=LISTING_KINDS, entity_links__entity_id=entity_id)
        .order_by("date_lower", "date_upper", "recorded_position")
        .values_list("pk", "kind", "edtf", "title")
    )
    changes = tuple(ListingChange(str(pk), kind, edtf, title) for pk, kind, edtf, title in rows)
    return ListingStatus(listed=bool(changes) and changes[-1].kind == "entity_listing", changes=changes)


def _listed_entity_ids() -> set[str]:
    """The entities whose latest current listing development lists them."""
    latest: dict[str, str] = {}
    rows = (
        DevelopmentEntity.objects.filter(development__status="current", development__kind__in=LISTING_KINDS)
        .order_by("development__date_lower", "development__date_upper", "development__recorded_position")
        .values_list("entity_id", "development__kind")
    )
    for entity_id, kind in rows:
        latest[entity_id] = kind
    return {entity_id for entity_id, kind in latest.items() if kind == "entity_listing"}


def entities_filtered(
    *, text: str = "", entity_type: str = "", country: str = "", listed: bool | None = None
) -> QuerySet[Entity]:
    """Entities by any of their names in any language (`text`, a part of a name), type, country, listing."""
    entities = Entity.objects.all()
    if text:
        named = EntityAlias.objects.filter(entity=OuterRef("pk"), normalized__contains=normalize_name(text))
        entities = entities.filter(Exists(named))
    if entity_type:
        entities = entities.filter(entity_type=entity_type)
    if country:
        entities = entities.filter(country=country.upper())
    if listed is not None:
        ids = _listed_entity_ids()
        entities = entities.filter(pk__in=ids) if listed else entities.exclude(pk__in=ids)
    return entities.prefetch_related("aliases").order_by("name", "pk")


def entity_get(entity_id: str) -> Entity | None:
    return Entity.objects.filter(pk=entity_id).prefetch_related("aliases").first()


@dataclass(frozen=True)
class EntityVersion:
    """One version of an entity: what its event left, and when."""

    version: int
    position: int
    recorded_at: datetime
    event_type: str
    state: EntityState
    reason: str
    actor: str


def entity_history(entity_id: str, position: int | None = None) -> list[EntityVersion]:
    """The entity's versions, replayed from its own stream (a few events each), up to `position` if given."""
    versions: list[EntityVersion] = []
    state: EntityState | None = None
    for event in store.read_stream(domain.entity_stream(entity_id)):
        if position is not None and event.position > position:
            break
        state = domain.evolve_entity(state, event.event_type, event.data)
        versions.append(
            EntityVersion(
                version=event.version,
                position=event.position,
                recorded_at=event.recorded_at,
                event_type=event.event_type,
                state=state,
                reason=str(event.metadata.get("reason") or ""),
                actor=str(event.metadata.get("actor") or ""),
            )
        )
    return versions


def entity_as_of(entity_id: str, position: int) -> EntityVersion | None:
    """The entity as it was at log `position`; None if it was not registered yet."""
    versions = entity_history(entity_id, position)
    return versions[-1] if versions else None


def entity_name_clashes(entity_id: str) -> dict[str, list[str]]:
    """The entity's names that other entities answer to as well: name → those entities' ids."""
    mine = EntityAlias.objects.filter(entity_id=entity_id)
    clashes: dict[str, list[str]] = {}
    others = (
        EntityAlias.objects.filter(normalized__in=mine.values("normalized"))
        .exclude(entity_id=entity_id)
        .order_by("entity_id")
        .values_list("name", "entity_id")
    )
    for name, other in others:
        clashes.setdefault(name, []).append(other)
    return clashes


def entity_relationships(entity_id: str) -> list[Relationship]:
    """The entity's current relationships either way, with both ends, by date (undated last)."""
    return list(
        Relationship.objects.filter(Q(source_id=entity_id) | Q(target_id=entity_id), status="current")
        .select_related("source", "target")
        .order_by(F("date_lower").asc(nulls_last=True), "relation", "pk")
    )


@dataclass(frozen=True)
class RelationshipVersion:
    """One version of a relationship: what its event left, and when."""

    version: int
    position: int
    recorded_at: datetime
    event_type: str
    state: RelationshipState
    data: dict[str, Any]
    reason: str
    actor: str


def relationship_history(relationship_id: str) -> list[RelationshipVersion]:
    """The relationship's versions, replayed from its own stream: recorded, corrected, cited, retracted."""
    versions: list[RelationshipVersion] = []
    state: RelationshipState | None = None
    for event in store.read_stream(domain.relationship_stream(relationship_id)):
        state = domain.evolve_relationship(state, event.event_type, event.data)
        versions.append(
            RelationshipVersion(
                version=event.version,
                position=event.position,
                recorded_at=event.recorded_at,
                event_type=event.event_type,
                state=state,
                data=dict(event.data),
                reason=str(event.metadata.get("reason") or ""),
                actor=str(event.metadata.get("actor") or ""),
            )
        )
    return versions


def relationship_get(relationship_id: str) -> Relationship | None:
    try:
        key = uuid.UUID(relationship_id)
    except ValueError:
        return None
    return Relationship.objects.filter(pk=key).select_related("source", "target").first()


@dataclass(frozen=True)
class GraphEdge:
    id: str
    source: str
    relation: str
    target: str
    date: str


@dataclass(frozen=True)
class EntityGraph:
    """The entities within `depth` relationships of one entity (nodes: id → name, type, hops) and the edges."""

    center: str
    nodes: dict[str, tuple[str, str, int]]
    edges: list[GraphEdge]


MAX_GRAPH_DEPTH = 3


def entity_graph(entity_id: str, depth: int) -> EntityGraph:
    """Breadth first over current relationships, one query per hop, either direction."""
    hops = {entity_id: 0}
    edges: dict[str, GraphEdge] = {}
    frontier = {entity_id}
    for hop in range(1, depth + 1):
        if not frontier:
            break
        rows = Relationship.objects.filter(
            Q(source_id__in=frontier) | Q(target_id__in=frontier), status="current"
        ).values_list("pk", "source_id", "relation", "target_id", "edtf")
        reached: set[str] = set()
        for pk, source, relation, target, edtf in rows:
            edges[str(pk)] = GraphEdge(str(pk), source, relation, target, edtf)
            for end in (source, target):
                if end not in hops:
                    hops[end] = hop
                    reached.add(end)
        frontier = reached
    entities = Entity.objects.filter(pk__in=list(hops)).values_list("pk", "name", "entity_type")
    nodes = {pk: (name, entity_type, hops[pk]) for pk, name, entity_type in entities}
    return EntityGraph(entity_id, nodes, sorted(edges.values(), key=lambda e: (e.source, e.relation, e.target, e.id)))
