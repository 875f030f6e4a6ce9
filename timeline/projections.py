"""Projectors that turn timeline events into read models, inside the append's transaction."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any, TypedDict, cast

from django.db import connection
from django.db.models import ForeignKey, Subquery, UUIDField

from events import deferred
from events.bulk import delete_all, insert_rows, insert_values
from events.store import RecordedEvent
from timeline import domain, projected_rows, search
from timeline.dates import FuzzyDateError, parse_fuzzy_date
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
)
from timeline.projected_rows import ProjectedRow
from timeline.selectors import normalize_name
from timeline.shapes import (
    AliasData,
    CitationData,
    DevelopmentLinkedData,
    DevelopmentState,
    DevelopmentUnlinkedData,
    EntityRegisteredData,
    EntityState,
    RelationshipState,
)


def tags_key(tags: list[str]) -> str:
    return "|" + "|".join(tags) + "|" if tags else ""


class DevelopmentColumnValues(TypedDict):
    """The values of DevelopmentColumns for one state, shared by current and history rows."""

    title: str
    summary: str
    edtf: str
    date_lower: date
    date_upper: date
    precision: str
    display_date: str
    category: str
    kind: str
    tags_key: str
    disputed: bool
    status: str
    best_reliability: str
    first_reported: date | None
    version: int
    snapshot: DevelopmentState


def development_columns(state: DevelopmentState, version: int) -> DevelopmentColumnValues:
    """The filterable columns of a development state, shared by current and history rows."""
    when = parse_fuzzy_date(state["date"])
    reliabilities = [c["reliability"] for c in state["citations"]]
    published = [day for c in state["citations"] if (day := _published_lower(c.get("published", "")))]
    return {
        "title": state["title"],
        "summary": state["summary"],
        "edtf": when.edtf,
        "date_lower": when.lower,
        "date_upper": when.upper,
        "precision": when.precision,
        "display_date": when.display,
        "category": state["category"],
        "kind": state["kind"],
        "tags_key": tags_key(state["tags"]),
        "disputed": state["disputed"],
        "status": state["status"],
        "best_reliability": min(reliabilities) if reliabilities else "",
        "first_reported": min(published) if published else None,
        "version": version,
        "snapshot": state,
    }


DEVELOPMENT_COLUMN_NAMES = (
    "title",
    "summary",
    "edtf",
    "date_lower",
    "date_upper",
    "precision",
    "display_date",
    "category",
    "kind",
    "tags_key",
    "disputed",
    "status",
    "best_reliability",
    "first_reported",
    "version",
    "snapshot",
)


def _published_lower(published: str) -> date | None:
    try:
        return parse_fuzzy_date(published).lower if published else None
    except FuzzyDateError:
        return None


def history_row(
    event: RecordedEvent,
    development_id: str,
    before: DevelopmentState | None,
    columns: DevelopmentColumnValues,
    previous: DevelopmentVersion | None,
) -> DevelopmentVersion:
    """The (unsaved) version-history row an event leaves: `apply` saves it at once, `apply_batch` in bulk.

    `previous` is the row it follows (None for a stream's first event): its search document is this row's too
    when the event left the searchable text as it was (the search projector then writes none)."""
    previous_document = previous.document_id if previous is not None else None
    positional: Any = history_values(event, development_id, before, columns, previous_document)
    return DevelopmentVersion(*positional)


def history_values(
    event: RecordedEvent,
    development_id: str,
    before: DevelopmentState | None,
    columns: DevelopmentColumnValues,
    previous_document: int | None,
) -> list[object]:
    """history_row's values, in VERSION_ATTNAMES order, without a model instance (the bulk rebuild's rows).
    `previous_document`: the search document of the row it follows (None for a stream's first event)."""
    after = columns["snapshot"]
    same_text = previous_document is not None and before is not None and search.same_searched_text(before, after)
    values: dict[str, object] = {
        **columns,
        "id": event.position,
        "development_id": development_id,
        "valid_from_position": event.position,
        "valid_to_position": None,
        "valid_from_time": event.recorded_at,
        "valid_to_time": None,
        "event_type": event.event_type,
        "change": domain.describe_change(before, event.event_type, event.data),
        "reason": str(event.metadata.get("reason") or ""),
        "actor": str(event.metadata.get("actor") or ""),
        "document_id": previous_document if same_text else event.position,
    }
    # Positional, in the model's column order: half the cost of keyword arguments, once per event in a rebuild.
    return [values[name] for name in VERSION_ATTNAMES]


# DevelopmentVersion's columns in the order its constructor takes them positionally.
VERSION_ATTNAMES = tuple(field.attname for field in DevelopmentVersion._meta.concrete_fields)


def citation_row(development_id: str, citation: CitationData, position: int) -> Citation:
    """The (unsaved) row of a citation that entered its development's state at log position `position`."""
    return Citation(
        id=citation["id"],
        development_id=development_id,
        published_lower=_published_lower(citation.get("published", "")),
        added_position=position,
        **{field: citation.get(field) or "" for field in domain.CITATION_FIELDS},
    )


def entity_values(state: EntityState, event: RecordedEvent) -> dict[str, object]:
    """The columns of an entity's row after `event` (its state then), but its id."""
    return {
        "name": state["name"],
        "entity_type": state["entity_type"],
        "country": state["country"],
        "description": state["description"],
        "identifiers": state["identifiers"],
        "version": event.version,
        "last_position": event.position,
        "merged_into_id": state.get("merged_into"),
        "snapshot": state,
    }


def alias_rows(entity_id: str, state: EntityState) -> list[EntityAlias]:
    """The (unsaved) alias rows of an entity in `state`: its name and aliases, one per normalized spelling."""
    seen: set[str] = set()
    rows = []
    every_name: list[AliasData] = [{"name": state["name"], "lang": ""}, *state["aliases"]]
    for alias in every_name:
        normalized = normalize_name(alias["name"])
        if normalized and normalized not in seen:
            seen.add(normalized)
            rows.append(
                EntityAlias(entity_id=entity_id, name=alias["name"], normalized=normalized, lang=alias.get("lang", ""))
            )
    return rows


def relationship_values(state: RelationshipState, event: RecordedEvent) -> dict[str, object]:
    """The columns of a relationship's row after `event` (its state then), but its id."""
    when = parse_fuzzy_date(state["date"]) if state["date"] else None
    return {
        "source_id": state["source"],
        "target_id": state["target"],
        "relation": state["relation"],
        "edtf": state["date"],
        "date_lower": when.lower if when else None,
        "date_upper": when.upper if when else None,
        "status": state["status"],
        "version": event.version,
        "last_position": event.position,
        "snapshot": state,
    }


def _close_open_version(
    development_id: str, event: RecordedEvent, known: ProjectedRow | None
) -> DevelopmentVersion | None:
    """Close the development's open history row at `event` and answer it (its id, state and document), or None
    when it has none: one UPDATE ... RETURNING where reading the row and closing it took two statements; a
    deferred UPDATE alone when the row is `known` (the development's committed row this process projected)."""
    fields = DevelopmentVersion._meta
    table = connection.ops.quote_name(fields.db_table)
    snapshot = fields.get_field("snapshot")
    params = [
        event.position,
        fields.get_field("valid_to_time").get_db_prep_save(event.recorded_at, connection),
        fields.get_field("development").get_db_prep_save(development_id, connection),
    ]
    close = (
        f"UPDATE {table} SET valid_to_position = %s, valid_to_time = %s"
        " WHERE development_id = %s AND valid_to_position IS NULL"
    )
    if known is not None:
        # Planned anew as the log grows (deferred.replanned): while the table has a few pages its rows are found
        # by a scan, the plan a connection would keep.
        deferred.execute(deferred.replanned(close, event.position), params, prepare=True)
        closed = known.open_version()
        closed.valid_to_position, closed.valid_to_time = event.position, event.recorded_at
        return closed
    with connection.cursor() as cursor:
        cursor.execute(close + " RETURNING id, snapshot, document_id", params)
        row = cursor.fetchone()
    if row is None:
        return None
    version_id, state, document_id = row
    return DevelopmentVersion(
        id=version_id,
        snapshot=snapshot.from_db_value(state, None, connection),  # type: ignore[arg-type]
        document_id=document_id,
        valid_to_position=event.position,
        valid_to_time=event.recorded_at,
    )


def _update_development(development_id: str, version_id: int, row: Development) -> None:
    """Update the development's row to `row`'s values, its state taken from its history row `version_id` (written
    just before). On PostgreSQL one statement written once: the ORM's building of this UPDATE of twenty columns,
    the state a subquery, cost a revision more CPU than the database spent running it."""
    if connection.vendor != "postgresql":
        state = DevelopmentVersion.objects.filter(pk=version_id).values("snapshot")
        values = {field.attname: getattr(row, field.attname) for field in _UPDATED_FIELDS}
        deferred.update(Development.objects.filter(pk=development_id), **values, snapshot=Subquery(state))
        return
    params = [field.get_db_prep_save(getattr(row, field.attname), connection) for field in _UPDATED_FIELDS]
    key = _DEVELOPMENT_KEY.get_db_prep_value(development_id, connection)
    # Planned anew as the log grows (deferred.replanned; the history row's id is its event's position): while the
    # tables have a few pages both rows are found by a scan, even by key, the plan a connection would keep.
    sql = deferred.replanned(_update_development_sql(), version_id)
    deferred.execute(sql, [*params, version_id, key], prepare=True)


_DEVELOPMENT_KEY = next(field for field in Development._meta.concrete_fields if field.primary_key)
# The columns an event changes on a development's row, but its state (copied from its history row).
_UPDATED_FIELDS = [
    field
    for name in ("updated_at", "last_position", "merged_into", *DEVELOPMENT_COLUMN_NAMES)
    for field in Development._meta.concrete_fields
    if field.name == name != "snapshot"
]


@functools.cache
def _update_development_sql() -> str:
    """PostgreSQL: _update_development's statement (the tables' names do not change while the process runs)."""
    quote = connection.ops.quote_name
    table, history = Development._meta, DevelopmentVersion._meta
    columns = {field.name: quote(str(field.column)) for field in table.concrete_fields}
    history_columns = {field.name: quote(str(field.column)) for field in history.concrete_fields}
    assignments = ", ".join(f"{columns[field.name]} = %s" for field in _UPDATED_FIELDS)
    state = f"SELECT {history_columns['snapshot']} FROM {quote(history.db_table)} WHERE {history_columns['id']} = %s"
    return (
        f"UPDATE {quote(table.db_table)} SET {assignments}, {columns['snapshot']} = ({state})"
        f" WHERE {columns['id']} = %s"
    )


def _known_rows(events: Sequence[RecordedEvent], continued: set[str]) -> dict[str, ProjectedRow]:
    """The continued developments whose committed row this process keeps at the version their first event in
    `events` follows (events.projected_rows): their open history rows need not be read."""
    first_version: dict[str, int] = {}
    for event in events:
        first_version.setdefault(event.stream.removeprefix("development-"), event.version)
    known = {}
    for development_id in continued:
        if (projected := projected_rows.committed(development_id, first_version[development_id] - 1)) is not None:
            known[development_id] = projected
    return known


_DEVELOPMENT_FIELDS = [
    field for field in Development._meta.concrete_fields if isinstance(field, UUIDField | ForeignKey)
]


def _record_rows(rows: list[ProjectedRow]) -> None:
    """Hand the rows an append projected to projected_rows: kept for the next events only in a live append on
    PostgreSQL (events.deferred is on), where a read costs a round trip; a rebuild keeps none."""
    for projected in rows:
        # As a row read from the database is: its values of the fields' Python types (a UUID, not its text),
        # saved, of this database.
        row = projected.row
        for field in _DEVELOPMENT_FIELDS:
            setattr(row, field.attname, field.to_python(getattr(row, field.attname)))
        row._state.adding = False
        row._state.db = connection.alias
    projected_rows.record(rows, keep=deferred.active())


class EntityProjector:
    name = "entities"

    def apply(self, event: RecordedEvent) -> None:
        if event.event_type not in domain.ENTITY_EVENTS:
            return
        entity_id = cast(EntityRegisteredData, event.data)["id"]
        entity = Entity.objects.filter(pk=entity_id).first()
        state = domain.evolve_entity(entity.snapshot if entity else None, event.event_type, event.data)
        Entity.objects.update_or_create(pk=entity_id, defaults=entity_values(state, event))
        EntityAlias.objects.filter(entity_id=entity_id).delete()
        EntityAlias.objects.bulk_create(alias_rows(entity_id, state))

    def reset(self) -> None:
        EntityAlias.objects.all().delete()
        Entity.objects.all().delete()


class DevelopmentProjector:
    name = "developments"

    def __init__(self) -> None:
        # The history rows the last apply or apply_batch wrote, by the id of the event that made each, as they
        # are in the database until the next call: the search projector, which runs next, reads them here.
        self.written: dict[uuid.UUID, DevelopmentVersion] = {}
        # With them, for each development whose open history row the call closed, that row's search document:
        # the development's current one until the call, which the search projector retires by its key.
        self.closed_documents: dict[str, int] = {}

    def apply(self, event: RecordedEvent) -> None:
        self.written, self.closed_documents = {}, {}
        if event.event_type not in domain.DEVELOPMENT_EVENTS:
            return
        development_id = event.stream.removeprefix("development-")
        # A stream's first event has no history row before it: no need to look for one.
        known = None if event.version == 1 else projected_rows.committed(development_id, event.version - 1)
        current = None if event.version == 1 else _close_open_version(development_id, event, known)
        before = current.snapshot if current else None
        after = domain.evolve(before, event.event_type, event.data)
        columns = development_columns(after, event.version)

        version = history_row(event, development_id, before, columns, current)
        development = Development(
            id=development_id,
            recorded_at=event.recorded_at if known is None else known.row.recorded_at,
            recorded_position=event.position if known is None else known.row.recorded_position,
            updated_at=event.recorded_at,
            last_position=event.position,
            merged_into_id=after["merged_into"],
            **columns,
        )
        # Every write below is deferred (events.deferred): none of them needs an answer.
        if current is None:
            insert_rows(Development, [development])
            insert_rows(DevelopmentVersion, [version])
        else:
            # The state goes as orjson's bytes (insert_rows) rather than as an escaped literal in an INSERT, and
            # the development's row takes it from the history row rather than be sent it again: on a
            # long-curated development the state is most of an event's cost.
            insert_rows(DevelopmentVersion, [version])
            _update_development(development_id, version.pk, development)

        self._sync_citations(development, before, after, event.position)
        self._sync_entities(development, before, after)
        self.written = {event.event_id: version}
        self.closed_documents = {development_id: current.document_id} if current is not None else {}
        insert_values(
            DevelopmentVersionEntity, ("version_id", "entity_id"), ((version.id, e) for e in after["entities"])
        )
        # Whole only when its recorded time and position are known: a new development's, or a known one's.
        whole = current is None or known is not None
        _record_rows([ProjectedRow(development, version.document_id)] if whole else [])

    def apply_batch(self, events: Sequence[RecordedEvent]) -> None:
        """The same rows as `apply` on each event in turn, written with a few bulk statements per batch.

        States are evolved in memory; only each development's state at the start and at the end of the batch
        is compared to decide which citations and entity links change. Rebuilds and batched appends use it.
        """
        self.written, self.closed_documents = {}, {}
        relevant = [event for event in events if event.event_type in domain.DEVELOPMENT_EVENTS]
        if not relevant:
            return
        # Only a development whose stream had events before this batch has an open history row (as in `apply`):
        # a batch of new developments reads none.
        ids = domain.continued_developments(relevant)
        kept = _known_rows(relevant, ids)
        open_rows = {development_id: projected.open_version() for development_id, projected in kept.items()}
        if unknown := ids - set(kept):
            open_rows |= {
                str(row.development_id): row
                for row in DevelopmentVersion.objects.filter(
                    development_id__in=unknown, valid_to_position__isnull=True
                ).only("id", "development_id", "snapshot", "document_id")
            }
        start = {development_id: row.snapshot for development_id, row in open_rows.items()}
        closed_documents = {development_id: row.document_id for development_id, row in open_rows.items()}
        state: dict[str, DevelopmentState] = dict(start)
        versions: list[DevelopmentVersion] = []
        written: dict[uuid.UUID, DevelopmentVersion] = {}
        latest: dict[str, DevelopmentVersion] = {}
        closed: list[DevelopmentVersion] = []
        recorded: dict[str, RecordedEvent] = {}
        last: dict[str, tuple[RecordedEvent, DevelopmentColumnValues]] = {}
        added_at: dict[str, int] = {}
        for event in relevant:
            development_id = event.stream.removeprefix("development-")
            before = state.get(development_id)
            after = domain.evolve(before, event.event_type, event.data)
            columns = development_columns(after, event.version)
            previous = latest.get(development_id) or open_rows.get(development_id)
            if previous is not None:
                previous.valid_to_position = event.position
                previous.valid_to_time = event.recorded_at
                if development_id not in latest:
                    closed.append(previous)
            version = history_row(event, development_id, before, columns, previous)
            versions.append(version)
            written[event.event_id] = version
            latest[development_id] = version
            known = {c["id"] for c in before["citations"]} if before else set()
            added_at.update((c["id"], event.position) for c in after["citations"] if c["id"] not in known)
            if event.event_type == domain.DEVELOPMENT_RECORDED:
                recorded[development_id] = event
            state[development_id] = after
            last[development_id] = (event, columns)

        rows = self._write_developments(recorded, last, state, kept)
        deferred.update_rows(DevelopmentVersion, closed, ["valid_to_position", "valid_to_time"])
        insert_rows(DevelopmentVersion, versions)
        insert_values(
            DevelopmentVersionEntity,
            ("version_id", "entity_id"),
            ((version.id, entity_id) for version in versions for entity_id in version.snapshot["entities"]),
        )
        self._write_citations_and_links(start, state, added_at)
        self.written, self.closed_documents = written, closed_documents
        _record_rows([ProjectedRow(row, latest[str(row.pk)].document_id) for row in rows])

    @staticmethod
    def _write_developments(
        recorded: dict[str, RecordedEvent],
        last: dict[str, tuple[RecordedEvent, DevelopmentColumnValues]],
        state: dict[str, DevelopmentState],
        known: dict[str, ProjectedRow],
    ) -> list[Development]:
        """Insert the new developments' rows and update the others; answer the rows known whole (every new one,
        and those whose recorded time and position `known` gives)."""
        new, changed, whole = [], [], []
        for development_id, (event, columns) in last.items():
            row = Development(
                id=development_id,
                updated_at=event.recorded_at,
                last_position=event.position,
                merged_into_id=state[development_id]["merged_into"],
                **columns,
            )
            if development_id in recorded:
                row.recorded_at = recorded[development_id].recorded_at
                row.recorded_position = recorded[development_id].position
                new.append(row)
            else:
                changed.append(row)
                if (projected := known.get(development_id)) is None:
                    continue
                row.recorded_at = projected.row.recorded_at
                row.recorded_position = projected.row.recorded_position
            whole.append(row)
        insert_rows(Development, new)
        fields = ["updated_at", "last_position", "merged_into", *DEVELOPMENT_COLUMN_NAMES]
        deferred.update_rows(Development, changed, fields)
        return whole

    @staticmethod
    def _write_citations_and_links(
        start: dict[str, DevelopmentState], state: dict[str, DevelopmentState], added_at: dict[str, int]
    ) -> None:
        removed_citations: list[str] = []
        new_citations: list[Citation] = []
        removed_links: list[tuple[str, str]] = []
        new_links: list[DevelopmentEntity] = []
        for development_id, after in state.items():
            before = start.get(development_id)
            old = {c["id"] for c in before["citations"]} if before else set()
            # A citation removed and added again inside the batch is written anew, as `apply` would.
            rewritten = {c["id"] for c in after["citations"] if c["id"] in old and c["id"] in added_at}
            removed_citations += [c for c in old - {c["id"] for c in after["citations"]}] + sorted(rewritten)
            new_citations += [
                citation_row(development_id, citation, added_at[citation["id"]])
                for citation in after["citations"]
                if citation["id"] not in old or citation["id"] in rewritten
            ]
            old_entities = set(before["entities"]) if before else set()
            new_entities = set(after["entities"])
            removed_links += [(development_id, entity_id) for entity_id in old_entities - new_entities]
            new_links += [
                DevelopmentEntity(development_id=development_id, entity_id=entity_id)
                for entity_id in sorted(new_entities - old_entities)
            ]
        if removed_citations:
            deferred.delete(Citation.objects.filter(pk__in=removed_citations))
        insert_rows(Citation, new_citations)
        for development_id, entity_id in removed_links:
            deferred.delete(DevelopmentEntity.objects.filter(development_id=development_id, entity_id=entity_id))
        insert_rows(DevelopmentEntity, new_links)

    @staticmethod
    def _sync_citations(
        development: Development, before: DevelopmentState | None, after: DevelopmentState, position: int
    ) -> None:
        old = {c["id"] for c in before["citations"]} if before else set()
        new = {c["id"]: c for c in after["citations"]}
        if removed := old - set(new):
            deferred.delete(Citation.objects.filter(pk__in=removed))
        insert_rows(
            Citation,
            (
                citation_row(str(development.pk), citation, position)
                for citation_id, citation in new.items()
                if citation_id not in old
            ),
        )

    @staticmethod
    def _sync_entities(development: Development, before: DevelopmentState | None, after: DevelopmentState) -> None:
        old = set(before["entities"]) if before else set()
        new = set(after["entities"])
        if removed := old - new:
            deferred.delete(DevelopmentEntity.objects.filter(development=development, entity_id__in=removed))
        insert_values(
            DevelopmentEntity, ("development_id", "entity_id"), ((development.pk, e) for e in sorted(new - old))
        )

    def reset(self) -> None:
        projected_rows.forget()
        delete_all(DevelopmentVersionEntity, DevelopmentVersion, Citation, DevelopmentEntity, Development)


class DevelopmentLinkProjector:
    """The links between developments, both ways; projected after the developments they join."""

    name = "development_links"

    def apply(self, event: RecordedEvent) -> None:
        if event.event_type == domain.DEVELOPMENT_LINKED:
            link_row(event).save(force_insert=True)
        elif event.event_type == domain.DEVELOPMENT_UNLINKED:
            DevelopmentLink.objects.filter(pk=cast(DevelopmentUnlinkedData, event.data)["link_id"]).delete()

    def reset(self) -> None:
        DevelopmentLink.objects.all().delete()


def link_row(event: RecordedEvent) -> DevelopmentLink:
    """The (unsaved) row of the link a DevelopmentLinked event adds."""
    link = cast(DevelopmentLinkedData, event.data)["link"]
    return DevelopmentLink(
        id=link["id"],
        source_id=event.stream.removeprefix("development-"),
        target_id=link["target"],
        relation=link["relation"],
        note=link.get("note", ""),
        position=event.position,
    )


class RelationshipProjector:
    """Relationships between entities; projected after the entities they join."""

    name = "relationships"

    def apply(self, event: RecordedEvent) -> None:
        if event.event_type not in domain.RELATIONSHIP_EVENTS:
            return
        relationship_id = event.stream.removeprefix("relationship-")
        row = Relationship.objects.filter(pk=relationship_id).first()
        state = domain.evolve_relationship(row.snapshot if row else None, event.event_type, event.data)
        Relationship.objects.update_or_create(pk=relationship_id, defaults=relationship_values(state, event))

    def reset(self) -> None:
        Relationship.objects.all().delete()


class TimelineProjector:
    name = "timelines"

    def apply(self, event: RecordedEvent) -> None:
        if event.event_type not in domain.TIMELINE_EVENTS:
            return
        fields = domain.timeline_changes(event.data)
        NamedTimeline.objects.update_or_create(
            slug=domain.timeline_definition(event.data)["slug"],
            defaults={**fields, "version": event.version, "last_position": event.position},
        )

    def reset(self) -> None:
        NamedTimeline.objects.all().delete()
