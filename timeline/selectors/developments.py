"""Reads of developments: filtered timelines (current or as of a past time or position), history, the log."""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone

from events import store
from timeline import domain, search
from timeline.models import (
    Development,
    DevelopmentEntity,
    DevelopmentVersion,
    DevelopmentVersionEntity,
    Entity,
    NamedTimeline,
)
from timeline.selectors.entities import entity_resolve
from timeline.shapes import SavedFilters
from timeline.taxonomy import RELIABILITY

VISIBLE_STATUSES = ("current",)


class SelectorError(ValueError):
    """A filter value that cannot be answered (e.g. `as_of` in the future); the API turns it into a 400."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name
        self.message = message


@dataclass(frozen=True)
class TimelineFilters:
    categories: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    entity: str = ""
    # The id `entity` was already resolved to (by a caller that validated it): saves looking it up again.
    entity_id: str = ""
    # Developments of any of these entities (ids): comparing actors. Applies on top of `entity`.
    entity_ids: tuple[str, ...] = ()
    tag: str = ""
    date_from: date | None = None
    date_to: date | None = None
    text: str = ""
    timeline: str = ""
    disputed: bool | None = None
    min_reliability: str = ""
    # A log position (int) or an aware datetime; None means now.
    as_of: int | datetime | None = None
    include_retracted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def resolve_as_of(value: int | datetime | None, *, checked: bool = True) -> int | None:
    """A log position for `as_of`: positions as given, times mapped to the last event recorded by then.

    checked=False leaves out the check that a position given has been written: for a caller that reads the log's
    head anyway and checks it there (log_state_rows(checking=...)), in one statement rather than two."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            raise SelectorError("as_of", "as_of needs a time zone (e.g. 2025-01-27T00:00:00Z).")
        if value > timezone.now():
            raise SelectorError("as_of", "as_of lies in the future; the timeline cannot say what it will be.")
        try:
            return store.position_at(value)
        except OverflowError:  # 0001-01-01T00:00+01:00 has no UTC time in range (SQLite): before the log began
            return 0
    if value < 0:
        raise SelectorError("as_of", "as_of must be a position ≥ 0 or an ISO time.")
    if checked and value > store.last_position():
        raise _not_written(value)
    return value


def _not_written(position: int) -> SelectorError:
    return SelectorError("as_of", f"as_of position {position} has not been written yet.")


def _timeline_query(slug: str, position: int | None) -> tuple[Q, tuple[str, ...]]:
    """The rows of the named timeline as of `position`, and the categories they all lie in when its saved filter
    says so (no pins, which may lie in any); () when it does not."""
    named = named_timeline_at(slug, position)
    if named is None:
        if position is not None and named_timeline_get(slug) is not None:
            raise SelectorError("as_of", f"the named timeline '{slug}' was not defined yet at log position {position}.")
        raise SelectorError("timeline", f"no named timeline '{slug}'.")
    id_field = "id" if position is None else "development_id"
    query = Q()
    categories: tuple[str, ...] = ()
    if named.filters:
        saved = filters_from_mapping(named.filters)
        query = _filter_query(saved, position)
        if named.pinned:
            query |= Q(**{f"{id_field}__in": named.pinned})
        else:
            categories = saved.categories
    elif named.pinned:
        query = Q(**{f"{id_field}__in": named.pinned})
    else:
        query = Q(pk__in=[])
    return query, categories


# Below this many links, an entity's developments are read through its links rather than found by walking the
# timeline in date order (_entities_query). At a million developments (bench/search.py) reading 2,000 through the
# links takes ~15 ms and 40,000 ~300 ms, while the walk takes ~15 ms for the 40,000 but up to a second for 2,000.
FEW_LINKS = 10_000
# A limit no subquery of links reaches: it only stops PostgreSQL merging the subquery into the outer query.
ALL_LINKS = 2**62


class _CountOf(Subquery):
    """The number of rows a subquery returns (COUNT over it, so a LIMIT in it bounds the counting)."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()


def _entities_query(entity_ids: list[str], position: int | None) -> Q:
    """Developments of any of these entities. A subquery, not a join: a join repeats a development once per linked
    entity when OR-ed with pinned ids, and a second entity condition (a named timeline's saved filter) would have
    to hold on the same link row."""
    if not entity_ids:
        return Q(pk__in=[])
    links = DevelopmentEntity.objects if position is None else DevelopmentVersionEntity.objects
    owner = "development_id" if position is None else "version_id"
    # An entity merged into one of these is the same actor: its developments count too. The same query counts
    # each entity's links, up to FEW_LINKS (on the entity index alone: an index-only scan).
    asked = set(entity_ids)
    counted = (
        Entity.objects.filter(Q(pk__in=entity_ids) | Q(merged_into_id__in=entity_ids))
        .annotate(links=_CountOf(links.filter(entity_id=OuterRef("pk")).values("entity_id")[:FEW_LINKS]))
        .order_by()
        .values_list("pk", "merged_into_id", "links")
    )
    merged, total = [], 0
    for pk, merged_into_id, count in counted:
        merged += [pk] if merged_into_id in asked else []
        total += count or 0  # None: an empty subquery (FEW_LINKS 0)
    ids = [*entity_ids, *merged]
    same = Q(entity_id__in=ids) if len(ids) > 1 else Q(entity_id=ids[0])
    owners = links.filter(same).values(owner)
    if total < FEW_LINKS:
        # Few developments: a subquery with a LIMIT cannot be merged into the outer query, so PostgreSQL reads
        # them through the links and sorts them. Merged, it walks the whole timeline in date order, looking up
        # each development's links until a page is full: cheap for an entity in every twentieth development,
        # but one in a few hundred is found late (its developments need not be spread evenly over time), and
        # the walk read 200,000 developments for one page at a million. The limit keeps every row: the links
        # were just counted, and it is far above any count.
        owners = owners[:ALL_LINKS]
    return Q(pk__in=owners)


def _earliest_start(date_from: date, position: int | None) -> date | None:
    """PostgreSQL: the earliest lower bound a development ending on or after `date_from` can have, from the widest
    span of any (indexes dev_date_span and devversion_date_span, migrations 0015 and 0018); None on SQLite. A
    timeline is walked in the order of lower bounds: said so, the walk starts there rather than reading every
    development that ended before `date_from` (all but the last of a million for a recent `from`). As of a past
    position the widest span of every version ever written bounds the versions valid then."""
    if connection.vendor != "postgresql":
        return None
    table = (Development if position is None else DevelopmentVersion)._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(date_upper - date_lower) FROM {connection.ops.quote_name(table)}")
        (widest,) = cursor.fetchone()
    if widest is None:
        return None
    try:
        return date_from - timedelta(days=widest)
    except OverflowError:
        return None


def _filter_query(
    filters: TimelineFilters, position: int | None, searched: search.SearchQuery | None = None, *, text: bool = True
) -> Q:
    """`searched`: filters.text already parsed (parsing looks up similar entity names), else parsed here.
    text=False leaves filters.text out, for a caller that matches and ranks it itself (search.ranked_matches)."""
    query = Q()
    if filters.categories:
        query &= Q(category__in=filters.categories)
    if filters.kinds:
        query &= Q(kind__in=filters.kinds)
    if filters.entity_id or filters.entity:
        entity_id = filters.entity_id or getattr(entity_resolve(filters.entity), "pk", None)
        # An unknown entity matches nothing rather than everything.
        query &= _entities_query([entity_id] if entity_id else [], position)
    if filters.entity_ids:
        query &= _entities_query(list(filters.entity_ids), position)
    if filters.tag:
        query &= Q(tags_key__contains=f"|{filters.tag.strip().lower()}|")
    # Overlap: the development's span [lower, upper] meets the asked range.
    if filters.date_from:
        query &= Q(date_upper__gte=filters.date_from)
        if (earliest := _earliest_start(filters.date_from, position)) is not None:
            query &= Q(date_lower__gte=earliest)
    if filters.date_to:
        query &= Q(date_lower__lte=filters.date_to)
    if text and filters.text.strip():
        searched = searched or search.parse(filters.text)
        query &= search.search_filter(searched, as_of=position is not None)
    if filters.disputed is not None:
        query &= Q(disputed=filters.disputed)
    if filters.min_reliability:
        if filters.min_reliability.upper() not in RELIABILITY:
            raise SelectorError("min_reliability", "min_reliability is a grade from A (best) to F.")
        # "A" is the best grade: at least B means best_reliability in A..B.
        query &= Q(best_reliability__gte="A", best_reliability__lte=filters.min_reliability.upper())
    return query


def filters_from_mapping(data: SavedFilters | Mapping[str, Any]) -> TimelineFilters:
    """A saved filter (a named timeline's `filters`) as TimelineFilters; also given one not yet checked, whose
    values may be anything (services.timeline_define checks it with this)."""

    def as_tuple(value: Any) -> tuple[str, ...]:
        if not value:
            return ()
        return tuple(value) if isinstance(value, list | tuple) else tuple(str(value).split(","))

    return TimelineFilters(
        categories=as_tuple(data.get("category")),
        kinds=as_tuple(data.get("kind")),
        entity=str(data.get("entity") or ""),
        tag=str(data.get("tag") or ""),
        date_from=date.fromisoformat(data["from"]) if data.get("from") else None,
        date_to=date.fromisoformat(data["to"]) if data.get("to") else None,
        text=str(data.get("q") or ""),
        disputed=data.get("disputed"),
        min_reliability=str(data.get("min_reliability") or ""),
    )


def timeline_developments(filters: TimelineFilters) -> QuerySet[Development] | QuerySet[DevelopmentVersion]:
    """The developments a timeline shows, sorted by the lower bound of their date.

    Current answers come from the developments table; `as_of` answers from the version history, picking
    the version whose position range holds the asked position. Both carry the same columns.
    Citations are read from each row's snapshot; entities come prefetched.
    """
    return timeline_developments_at(filters, resolve_as_of(filters.as_of))


def timeline_developments_at(
    filters: TimelineFilters,
    position: int | None,
    *,
    prefetch: bool = True,
    searched: search.SearchQuery | None = None,
) -> QuerySet[Development] | QuerySet[DevelopmentVersion]:
    """timeline_developments at a position already checked by resolve_as_of (None: now); filters.as_of unused.

    With prefetch=False, rows come without their entities: a caller that names them from the rows' snapshots
    (the API, with `entity_names`) saves the prefetch query. `searched`: filters.text already parsed (parsing
    looks up similar entity names), else parsed here.
    """
    if searched is None and filters.text.strip():
        searched = search.parse(filters.text)
    queryset = _timeline_rows(filters, position, prefetch=prefetch)
    if searched is not None:
        # Only the rows `q` finds, with `search_rank` (lower first).
        queryset = search.ranked_matches(queryset, searched, as_of=position is not None)
    # No DISTINCT needed: the entity filter joins one link row per development (unique per pair).
    return queryset.order_by("date_lower", "date_upper", "title", "pk")


def timeline_search_block(
    filters: TimelineFilters,
    position: int | None,
    searched: search.SearchQuery,
    *,
    high: int | None,
    low: int | None = None,
) -> tuple[search.RankedRows, search.Block]:
    """One block of ordering=relevance (timeline.search.relevance_block): the rows of the timeline_developments_at
    answer that `searched` finds among the matches written in [low, high), with `search_rank`; no entities. The
    rows are plain objects with the columns as attributes, not model instances (search.relevance_block)."""
    rows, categories = _timeline_rows_within(filters, position, prefetch=False)
    return search.relevance_block(
        rows,
        searched,
        as_of=position is not None,
        high=high,
        low=low,
        categories=categories,
        rows_key=_rows_key(filters, position),
    )


# Filters whose query _filter_query builds from what it reads in the database (an entity's links, the widest date
# span, a named timeline's definition), not from their values alone.
_READ_FILTERS = ("entity", "entity_id", "entity_ids", "date_from", "timeline", "extra")


def _rows_key(filters: TimelineFilters, position: int | None) -> Hashable | None:
    """What _timeline_rows(filters, position) is built from, when its values alone decide the rows' SQL: for
    search.relevance_block to keep the statements it compiles from them under; None when a filter reads the
    database to build its query (_READ_FILTERS). The text is the search's own, not the rows'."""
    if any(getattr(filters, name) for name in _READ_FILTERS):
        return None
    kept = tuple(
        (item.name, getattr(filters, item.name))
        for item in dataclass_fields(filters)
        if item.name not in (*_READ_FILTERS, "text", "as_of")
    )
    return (kept, position)


def _timeline_rows(filters: TimelineFilters, position: int | None, *, prefetch: bool) -> QuerySet[Any]:
    """The rows every filter but the text keeps, current or as of `position`."""
    return _timeline_rows_within(filters, position, prefetch=prefetch)[0]


def _timeline_rows_within(
    filters: TimelineFilters, position: int | None, *, prefetch: bool
) -> tuple[QuerySet[Any], tuple[str, ...]]:
    """_timeline_rows, and the categories the rows all lie in when the filters say (asked for, or a named
    timeline's saved ones): a search finds its matches through those categories' indexes (search.relevance_block);
    () when nothing says."""
    query = _filter_query(filters, position, text=False)
    categories = filters.categories
    if filters.timeline:
        named, saved = _timeline_query(filters.timeline, position)
        query &= named
        if saved:
            categories = tuple(c for c in categories if c in saved) if categories else saved
    statuses = ("current", "retracted") if filters.include_retracted else VISIBLE_STATUSES
    queryset: QuerySet[Any]
    if position is None:
        queryset = Development.objects.filter(query, status__in=statuses)
    else:
        queryset = DevelopmentVersion.objects.filter(
            query,
            Q(valid_to_position__isnull=True) | Q(valid_to_position__gt=position),
            valid_from_position__lte=position,
            status__in=statuses,
        )
    return (queryset.prefetch_related("entities") if prefetch else queryset), categories


def named_timeline_get(slug: str) -> NamedTimeline | None:
    return NamedTimeline.objects.filter(slug=slug).first()


def named_timeline_at(slug: str, position: int | None) -> NamedTimeline | None:
    """A named timeline as defined at a log position (None: now), folded from its stream as the projector does;
    None when it was not defined by then. Unsaved when `position` is given: a past definition, not a row."""
    if position is None:
        return named_timeline_get(slug)
    named: NamedTimeline | None = None
    for event in store.read_stream(domain.timeline_stream(slug)):
        if event.position > position:
            break
        if event.event_type not in domain.TIMELINE_EVENTS:
            continue
        named = named or NamedTimeline(slug=slug, title="", description="", filters={}, pinned=[])
        for key, value in domain.timeline_changes(event.data).items():
            setattr(named, key, value)
        named.version, named.last_position = event.version, event.position
    return named


def development_history(development_id: str) -> QuerySet[DevelopmentVersion]:
    return DevelopmentVersion.objects.filter(development_id=development_id).order_by("version")


def development_get(development_id: str) -> Development | None:
    """One development in its current state (retracted and merged included), entities prefetched (its citations
    are in its snapshot)."""
    return Development.objects.filter(pk=development_id).prefetch_related("entities").first()


def development_as_of(development_id: str, position: int) -> DevelopmentVersion | None:
    """The version of one development that was current at log `position`; None if it was not recorded yet."""
    return (
        DevelopmentVersion.objects.filter(
            Q(valid_to_position__isnull=True) | Q(valid_to_position__gt=position),
            development_id=development_id,
            valid_from_position__lte=position,
        )
        .prefetch_related("entities")
        .first()
    )


class PriorWrite(NamedTuple):
    event_type: str
    request_hash: str  # "" for events recorded without one
    version: DevelopmentVersion


def development_version_after_event(event_id: uuid.UUID | str) -> PriorWrite | None:
    """The type and request hash of the event `event_id` and the development version its command left behind;
    None if there is no such development event (used to answer a retried request as the first answer was).

    A command's events are appended as one batch at consecutive positions with one recorded time (a
    recording and its first citations), so the answer is the last version of that batch.
    """
    from events.models import StoredEvent

    event = (
        StoredEvent.objects.filter(event_id=event_id)
        .only("position", "stream", "event_type", "recorded_at", "metadata")
        .first()
    )
    if event is None or not event.stream.startswith("development-"):
        return None
    versions = list(
        DevelopmentVersion.objects.filter(
            development_id=event.stream.removeprefix("development-"),
            valid_from_position__gte=event.position,
            valid_from_time=event.recorded_at,
        )
        .order_by("valid_from_position")
        .prefetch_related("entities")
    )
    answer = None
    expected = event.position
    for version in versions:
        if version.valid_from_position != expected:
            break
        # Only a recording carries more events in its batch: its first citations.
        if answer is not None and (versions[0].event_type, version.event_type) != (
            "DevelopmentRecorded",
            "CitationAdded",
        ):
            break
        answer = version
        expected += 1
    if answer is None:
        return None
    return PriorWrite(event.event_type, str((event.metadata or {}).get("request_hash", "")), answer)


def latest_changes(limit: int) -> QuerySet[DevelopmentVersion]:
    """The most recent changes to developments, newest first: one history row per change."""
    return DevelopmentVersion.objects.order_by("-valid_from_position")[:limit]


def named_timelines() -> QuerySet[NamedTimeline]:
    return NamedTimeline.objects.order_by("slug")


def log_state(position: int | None = None) -> tuple[int, datetime | None]:
    """The log's last position (or the last one at or before `position`) and when it was recorded.

    Conditional GETs rest on this: an answer that depends on the log up to a position stays the same until
    the log moves past it.
    """
    return log_state_from(list(log_state_rows(position)))


def log_state_rows(position: int | None = None, *, checking: bool = False) -> QuerySet[Any]:
    """The read log_state makes (for a caller that sends it along with another: search.parse_alongside); its
    rows give log_state through log_state_from. `checking`: `position` is an as_of position resolved unchecked
    (resolve_as_of), and the row carries the log's last position too, for log_state_from to check it against."""
    from events.models import StoredEvent

    rows = StoredEvent.objects.order_by("-position")
    if position is not None:
        rows = rows.filter(position__lte=position)
    if checking and position is not None:
        quote = connection.ops.quote_name
        table, column = quote(StoredEvent._meta.db_table), quote("position")
        last = RawSQL(f"SELECT MAX({table}.{column}) FROM {table}", [])  # noqa: S611 (no parameters)
        return rows.annotate(last=last).values_list("position", "recorded_at", "last")[:1]
    return rows.values_list("position", "recorded_at")[:1]


def log_state_from(rows: Sequence[Sequence[Any]], *, checking: int | None = None) -> tuple[int, datetime | None]:
    """log_state from the rows of log_state_rows; `checking`: the as_of position they were read with checking,
    a SelectorError if it has not been written yet (as resolve_as_of would have said)."""
    if checking is not None:
        # No event at or before the position: the log holds none that says how far it goes (an empty log, or an
        # as_of before its first position), so it is asked.
        last = int(rows[0][2]) if rows else store.last_position()
        if checking > last:
            raise _not_written(checking)
    return (int(rows[0][0]), rows[0][1]) if rows else (0, None)


def log_head(position: int) -> store.Head:
    """The head (position and hash) an answer built up to `position` stands on: published, so that anyone can
    record it and later check a copy of the log against it (verify_log --expect-head)."""
    return store.published_head(position)


# What the public may read of the log: the curated record (developments, entities, named timelines). Everything
# else (candidate decisions with their sources, items and reasons, and any kind of stream added later) is for
# staff only, so a new kind of stream starts private. The other public answers (lists, history, Atom) read
# projections built only from these streams.
PUBLIC_STREAM_PREFIXES = (
    domain.development_stream(""),
    domain.entity_stream(""),
    domain.timeline_stream(""),
    domain.relationship_stream(""),
)


def is_public_stream(stream: str) -> bool:
    return stream.startswith(PUBLIC_STREAM_PREFIXES)


@dataclass(frozen=True)
class ChangePage:
    events: list[store.RecordedEvent]
    # Where the next page starts: past every position this page covered, including staff-only events left
    # out for the caller, so that a public reader reaches the head instead of asking for the same gap forever.
    next_after: int


def changes_after(after: int, limit: int, *, head: int, staff: bool) -> ChangePage:
    """The change feed: events in (after, head], in position order (upcast to their current shape); the
    staff-only streams for staff callers only."""
    events = store.read_all(
        after=after, limit=limit, upto=head, stream_prefixes=None if staff else PUBLIC_STREAM_PREFIXES
    )
    covered = events[-1].position if len(events) == limit else max(head, after)
    return ChangePage(events, covered)
