"""The whole-log rebuild of the timeline's read models on PostgreSQL: the rows computed in one pass over the log,
written with COPY and set-based statements (events.maintenance.rebuild_projections calls it through the
registry's bulk rebuilder; elsewhere it replays the log through the projectors).

Every row is the one the projectors leave, computed with their own helpers (timeline.projections,
timeline.search): one pass in log order evolves each development's state and emits the history row of each
event, closed by the next one, and keeps only the last state of everything else (developments, citations, entity
links, entities, relationships, timelines, links), which is what the projectors' rows hold after the last event.
The write is bulk: the read models emptied with TRUNCATE, their secondary indexes, unique and foreign-key
constraints dropped and made again once the rows are in (one build each instead of an update per row; the
foreign keys checked by one join each), and the search vectors computed once per distinct text rather than per
document. All of it in the caller's transaction: a failure anywhere leaves the read models as they were. The
search documents, whose indexes cost most, are loaded and indexed over connections of their own into a new table
that the transaction swaps in (timeline.rebuild_search), unless the table holds what the swap would not keep.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import orjson
from django.db import connection, models

from events.bulk import copy_values, insert_rows, insert_values
from events.store import RecordedEvent
from timeline import domain, projected_rows, search
from timeline.models import (
    Citation,
    Development,
    DevelopmentEntity,
    DevelopmentLink,
    DevelopmentVersion,
    DevelopmentVersionEntity,
    Entity,
    EntityAlias,
    NamedTimeline,
    Relationship,
    SearchDocument,
)
from timeline.projections import (
    DEVELOPMENT_COLUMN_NAMES,
    VERSION_ATTNAMES,
    DevelopmentColumnValues,
    alias_rows,
    citation_row,
    development_columns,
    entity_values,
    history_values,
    link_row,
    relationship_values,
)
from timeline.rebuild_search import ParallelDocuments, parallel_documents
from timeline.shapes import DevelopmentState, DevelopmentUnlinkedData, EntityState, RelationshipState

# The read models of the six projectors timeline.apps registers, which this rebuild stands for.
PROJECTOR_NAMES = frozenset({"entities", "developments", "search", "development_links", "relationships", "timelines"})
READ_MODELS: tuple[type[models.Model], ...] = (
    Entity,
    EntityAlias,
    Development,
    DevelopmentVersion,
    DevelopmentVersionEntity,
    Citation,
    DevelopmentEntity,
    SearchDocument,
    DevelopmentLink,
    Relationship,
    NamedTimeline,
)
# Events read and computed per round; the history rows they close are sent in one COPY.
CHUNK = 20_000

_VALID_TO_POSITION = VERSION_ATTNAMES.index("valid_to_position")
_VALID_TO_TIME = VERSION_ATTNAMES.index("valid_to_time")
_DOCUMENT = VERSION_ATTNAMES.index("document_id")

_DEVELOPMENT_NAMES = (
    "id",
    "recorded_at",
    "recorded_position",
    "updated_at",
    "last_position",
    "merged_into_id",
    *DEVELOPMENT_COLUMN_NAMES,
)

# The stored events, their JSON as text for orjson (several times faster than the driver's json loads).
_LOG_SQL = (
    "SELECT position, event_id, stream, version, event_type, schema_version, data::text, metadata::text, "
    "recorded_at, hash FROM events_storedevent WHERE position <= %s ORDER BY position"
)

# The trigger of migration 0005 that fills a search document's tsvector: the bulk load computes the same vector
# (below) once per distinct text, with it off.
_VECTOR_TRIGGER = "timeline_searchdocument_vector"
# Each text's two parts of that trigger's vector, the trigger's own expressions ('english', then 'simple'), computed
# once per distinct text and concatenated per document in the trigger's order (title, entities, body, citations),
# one part after the other as it does: not each text's two first, since `||` is not associative once a lexeme passes
# the 256 positions it holds (the positions it drops can hold the left operand's last one, by which the right
# operand is shifted), nor once positions pass 16,383 (clamped).
_PART = "setweight(to_tsvector('english', x), '{w}') AS en, setweight(to_tsvector('simple', x), '{w}') AS si"
# The documents staged with their texts as ids of rebuild_texts, each distinct text sent and parsed once.
_STAGE_SQL = """
    CREATE TEMPORARY TABLE rebuild_texts (id integer PRIMARY KEY, x text NOT NULL) ON COMMIT DROP;
    CREATE TEMPORARY TABLE rebuild_documents (
        version_id bigint, development_id uuid, is_current boolean, category varchar(20),
        title integer, body integer, citations integer, entities integer
    ) ON COMMIT DROP
"""
# A field's distinct texts, each with its two parts of the vector.
_CTE = (
    "{name} AS MATERIALIZED "
    "(SELECT id, x, {part} FROM rebuild_texts WHERE id IN (SELECT {column} FROM rebuild_documents))"
)
_DOCUMENTS_SQL = """
    WITH
        {ctes}
    INSERT INTO {{table}} (
        version_id, development_id, is_current, title, body, citations, entities, category, document
    )
    SELECT d.version_id, d.development_id, d.is_current, t.x, b.x, c.x, e.x, d.category,
        t.en || t.si || e.en || e.si || b.en || b.si || c.en || c.si
    FROM rebuild_documents AS d
        JOIN t ON t.id = d.title JOIN e ON e.id = d.entities JOIN b ON b.id = d.body JOIN c ON c.id = d.citations
    ORDER BY d.version_id
""".format(
    ctes=",\n        ".join(
        _CTE.format(name=name, column=column, part=_PART.format(w=weight))
        for name, column, weight in (
            ("t", "title", "A"),
            ("e", "entities", "B"),
            ("b", "body", "C"),
            ("c", "citations", "D"),
        )
    )
)


class BulkRebuilder:
    """registry.BulkRebuilder for the timeline's projectors, on PostgreSQL when this role owns the read models
    (their indexes and constraints are dropped and made again)."""

    projector_names = PROJECTOR_NAMES

    def available(self) -> bool:
        if connection.vendor != "postgresql":
            return False
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT bool_and(pg_has_role(relowner, 'USAGE')) FROM pg_class WHERE oid = ANY(%s::regclass[])",
                [[model._meta.db_table for model in READ_MODELS]],
            )
            (owner,) = cursor.fetchone()
        return bool(owner)

    def rebuild(self, upto: int) -> int:
        return rebuild(upto)


def rebuild(upto: int) -> int:
    """Empty the read models and build them from the events at positions up to `upto`, in the caller's
    transaction; answer how many events were read."""
    # As the replay's reset: rows kept from earlier appends must not outlive the read models they came from.
    projected_rows.forget()
    replay = _Replay()
    with parallel_documents() as documents:
        # The documents' own table, when they are built beside this transaction, is swapped in whole.
        swapped = frozenset({SearchDocument._meta.db_table}) if documents is not None else frozenset()
        with _bulk_load(swapped), _no_cycle_collection():
            for events in _log(upto):
                copy_values(DevelopmentVersion, VERSION_ATTNAMES, replay.feed(events))
            copy_values(DevelopmentVersion, VERSION_ATTNAMES, replay.open_rows())
            replay.write(documents)
        if documents is not None:
            documents.swap()
    return replay.count


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The pass keeps every development's state and every search document's texts alive, millions of objects
    and no cycles: the collector's full passes over them, which the allocations keep triggering, cost more than
    the rebuild's own work, and find nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _log(upto: int) -> Iterator[list[RecordedEvent]]:
    """The events up to `upto` in position order, CHUNK at a time, through one server-side cursor (a named one:
    the COPY of each chunk's rows runs between its fetches, on the same connection and transaction)."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(_LOG_SQL, [upto])
        while rows := cursor.fetchmany(CHUNK):
            yield [
                RecordedEvent.from_values(
                    position, event_id, stream, version, event_type, schema_version, _json(data), _json(meta), at, sha
                )
                for position, event_id, stream, version, event_type, schema_version, data, meta, at, sha in rows
            ]


def _json(text: str) -> Any:
    """orjson's parse; json's for what orjson refuses (integers beyond 64 bits)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


@dataclass
class _Development:
    """What the pass keeps of one development: its state, its open history row and what its rows need."""

    state: DevelopmentState
    open_row: list[Any]
    recorded_at: datetime
    recorded_position: int
    last: RecordedEvent
    columns: DevelopmentColumnValues
    # citation id → the position of the event with which it (last) entered the state: its added_position
    added_at: dict[str, int] = field(default_factory=dict)


@dataclass
class _Document:
    """A search document a history row writes; its entity names are filled in once the entities are known."""

    version_id: int
    development_id: str
    title: str
    body: str
    citations: str
    entity_ids: list[str]
    category: str


class _Replay:
    """The read models' rows, computed from the events fed in log order."""

    def __init__(self) -> None:
        self.count = 0
        self.developments: dict[str, _Development] = {}
        self.documents: list[_Document] = []
        self.version_entities: list[tuple[int, str]] = []
        self.entities: dict[str, tuple[EntityState, RecordedEvent]] = {}
        # Positions of each entity's registration and last revision: which names a document holds (_names).
        self.registered_at: dict[str, int] = {}
        self.revised_at: dict[str, int] = {}
        self.relationships: dict[str, tuple[RelationshipState, RecordedEvent]] = {}
        self.timelines: dict[str, NamedTimeline] = {}
        self.links: dict[str, DevelopmentLink] = {}

    def feed(self, events: Sequence[RecordedEvent]) -> list[list[Any]]:
        """Take the next events; answer the history rows they closed (each development's last stays open)."""
        closed: list[list[Any]] = []
        for event in events:
            event_type = event.event_type
            if event_type in domain.DEVELOPMENT_EVENTS:
                self._development(event, closed)
            elif event_type in domain.ENTITY_EVENTS:
                self._entity(event)
            elif event_type in domain.RELATIONSHIP_EVENTS:
                relationship_id = event.stream.removeprefix("relationship-")
                before = self.relationships.get(relationship_id)
                state = domain.evolve_relationship(before[0] if before else None, event_type, event.data)
                self.relationships[relationship_id] = (state, event)
            elif event_type in domain.TIMELINE_EVENTS:
                slug = domain.timeline_definition(event.data)["slug"]
                row = self.timelines.setdefault(slug, NamedTimeline(slug=slug))
                # update_or_create's defaults: these fields set, the others as they were.
                for name, value in domain.timeline_changes(event.data).items():
                    setattr(row, name, value)
                row.version, row.last_position = event.version, event.position
        self.count += len(events)
        return closed

    def _development(self, event: RecordedEvent, closed: list[list[Any]]) -> None:
        development_id = event.stream.removeprefix("development-")
        known = self.developments.get(development_id)
        before = known.state if known is not None else None
        after = domain.evolve(before, event.event_type, event.data)
        columns = development_columns(after, event.version)
        previous = known.open_row if known is not None else None
        row = history_values(event, development_id, before, columns, previous[_DOCUMENT] if previous else None)
        self.version_entities += [(event.position, entity_id) for entity_id in after["entities"]]
        if row[_DOCUMENT] == event.position:
            self.documents.append(
                _Document(
                    event.position,
                    development_id,
                    after["title"],
                    after["summary"],
                    search.citation_text(after.get("citations", [])),
                    list(after.get("entities", [])),
                    after["category"],
                )
            )
        if known is None:
            known = _Development(after, row, event.recorded_at, event.position, event, columns)
            self.developments[development_id] = known
        else:
            assert previous is not None
            previous[_VALID_TO_POSITION] = event.position
            previous[_VALID_TO_TIME] = event.recorded_at
            closed.append(previous)
            known.state, known.open_row, known.last, known.columns = after, row, event, columns
        old = {c["id"] for c in before["citations"]} if before else set()
        for citation in after["citations"]:
            if citation["id"] not in old:
                known.added_at[citation["id"]] = event.position
        if event.event_type == domain.DEVELOPMENT_LINKED:
            link = link_row(event)
            self.links[str(link.pk)] = link
        elif event.event_type == domain.DEVELOPMENT_UNLINKED:
            self.links.pop(str(cast(DevelopmentUnlinkedData, event.data)["link_id"]), None)

    def _entity(self, event: RecordedEvent) -> None:
        entity_id = str(event.data["id"])
        before = self.entities.get(entity_id)
        state = domain.evolve_entity(before[0] if before else None, event.event_type, event.data)
        self.entities[entity_id] = (state, event)
        if event.event_type == domain.ENTITY_REGISTERED:
            self.registered_at.setdefault(entity_id, event.position)
        elif event.event_type == domain.ENTITY_REVISED:
            self.revised_at[entity_id] = event.position

    def open_rows(self) -> Iterator[list[Any]]:
        """Each development's last history row, open (valid_to None), once the log is read."""
        return (development.open_row for development in self.developments.values())

    def write(self, documents: ParallelDocuments | None) -> None:
        """Every read model but the history rows (copied as the log was read); the search documents first, into
        `documents`' table when given (loaded and indexed by its connections while this one writes the rest)."""
        insert_rows(Entity, (Entity(pk=key, **entity_values(*value)) for key, value in self.entities.items()))
        insert_rows(EntityAlias, (row for key, (state, _) in self.entities.items() for row in alias_rows(key, state)))
        if documents is not None:
            # Once the aliases are in: the documents' entity names are read from them, in their table's order.
            self._write_documents(documents)
        copy_values(Development, _DEVELOPMENT_NAMES, self._development_rows())
        insert_rows(
            Citation,
            (
                citation_row(development_id, citation, development.added_at[citation["id"]])
                for development_id, development in self.developments.items()
                for citation in development.state["citations"]
            ),
        )
        insert_values(
            DevelopmentEntity,
            ("development_id", "entity_id"),
            (
                (development_id, entity_id)
                for development_id, development in self.developments.items()
                for entity_id in sorted(set(development.state["entities"]))
            ),
        )
        insert_rows(DevelopmentLink, sorted(self.links.values(), key=lambda link: link.position))
        insert_rows(
            Relationship,
            (Relationship(pk=key, **relationship_values(*value)) for key, value in self.relationships.items()),
        )
        insert_rows(NamedTimeline, self.timelines.values())
        # A history row links the entities of its state, as apply_batch writes them.
        insert_values(DevelopmentVersionEntity, ("version_id", "entity_id"), self.version_entities)
        if documents is None:
            self._write_documents(None)

    def _development_rows(self) -> Iterator[tuple[object, ...]]:
        for development_id, development in self.developments.items():
            columns = development.columns
            yield (
                development_id,
                development.recorded_at,
                development.recorded_position,
                development.last.recorded_at,
                development.last.position,
                development.state["merged_into"],
                *(columns[name] for name in DEVELOPMENT_COLUMN_NAMES),  # type: ignore[literal-required]
            )

    def _write_documents(self, documents: ParallelDocuments | None) -> None:
        current = {key: development.open_row[_DOCUMENT] for key, development in self.developments.items()}
        # The names as the aliases' table orders them (by the database's collation), as the projector reads them.
        names = search.entity_texts(self.entities)
        texts: dict[str, int] = {}
        entities: dict[tuple[str, ...], int] = {}
        rows = []
        for document in self.documents:
            named = tuple(self._named(document))
            if (entities_id := entities.get(named)) is None:
                entities_id = entities[named] = texts.setdefault(search.entities_text(named, names), len(texts))
            rows.append(
                (
                    document.version_id,
                    document.development_id,
                    current[document.development_id] == document.version_id,
                    document.category,
                    texts.setdefault(document.title, len(texts)),
                    texts.setdefault(document.body, len(texts)),
                    texts.setdefault(document.citations, len(texts)),
                    entities_id,
                )
            )
        columns = "version_id, development_id, is_current, category, title, body, citations, entities"
        copies = [
            ("COPY rebuild_texts (x, id) FROM STDIN", texts.items()),
            (f"COPY rebuild_documents ({columns}) FROM STDIN", rows),
        ]
        if documents is not None:
            # A table of its own, without the trigger (made again at the swap).
            insert = _DOCUMENTS_SQL.format(table=documents.table)
            documents.load(_STAGE_SQL, copies, ["ANALYZE rebuild_texts, rebuild_documents", insert])
            return
        with connection.cursor() as cursor:
            cursor.execute(_STAGE_SQL)
            for sql, values in copies:
                with cursor.cursor.copy(sql) as copy:
                    for row in values:
                        copy.write_row(row)
            cursor.execute("ANALYZE rebuild_texts, rebuild_documents")
            cursor.execute(f"ALTER TABLE timeline_searchdocument DISABLE TRIGGER {_VECTOR_TRIGGER}")
            cursor.execute(_DOCUMENTS_SQL.format(table="timeline_searchdocument"))
            cursor.execute(f"ALTER TABLE timeline_searchdocument ENABLE TRIGGER {_VECTOR_TRIGGER}")
            cursor.execute("DROP TABLE rebuild_documents, rebuild_texts")

    def _named(self, document: _Document) -> list[str]:
        """The document's entities whose names the search projector wrote in it: an entity registered by then,
        or by the last revision of one of its entities, which wrote the names of all of them anew. Names are
        always the entity's last ones: a revision rewrites every document that names the entity."""
        written = max([document.version_id, *(self.revised_at.get(e, 0) for e in document.entity_ids)])
        return [e for e in document.entity_ids if self.registered_at.get(e, written + 1) <= written]


@dataclass(frozen=True)
class _Definition:
    table: str
    name: str
    sql: str


@contextmanager
def _bulk_load(swapped: frozenset[str]) -> Iterator[None]:
    """The read models emptied, without their secondary indexes, unique and foreign-key constraints while the
    block loads them; made again after it (the foreign keys checked then, by one join each), except on the
    `swapped` tables, which a table built beside this transaction replaces whole (timeline.rebuild_search)."""
    tables = [model._meta.db_table for model in READ_MODELS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u') ORDER BY contype, conname",
            [tables],
        )
        constraints = cursor.fetchall()
        foreign = [_Definition(table, name, sql) for table, name, sql, kind in constraints if kind == "f"]
        unique = [_Definition(table, name, sql) for table, name, sql, kind in constraints if kind == "u"]
        cursor.execute(
            "SELECT indrelid::regclass::text, indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = indexrelid) ORDER BY 2",
            [tables],
        )
        indexes = [_Definition(*row) for row in cursor.fetchall()]
        if foreign:
            # Rows written earlier in this transaction have their (deferred) checks still queued, and a table
            # with queued checks can be neither altered nor emptied: run them now.
            names = ", ".join(f'"{constraint.name}"' for constraint in foreign)
            cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")
        for constraint in [*foreign, *unique]:
            cursor.execute(f'ALTER TABLE {constraint.table} DROP CONSTRAINT "{constraint.name}"')
        for index in indexes:
            cursor.execute(f"DROP INDEX {index.name}")
        cursor.execute(f"TRUNCATE {', '.join(tables)}")
    yield
    with connection.cursor() as cursor:
        # The index builds sort in memory rather than on disk; LOCAL: for this transaction only.
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for index in indexes:
            if index.table not in swapped:
                cursor.execute(index.sql)
        for constraint in [*unique, *foreign]:
            if constraint.table not in swapped:
                cursor.execute(f'ALTER TABLE {constraint.table} ADD CONSTRAINT "{constraint.name}" {constraint.sql}')
