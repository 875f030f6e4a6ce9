"""The changes of a log window, per development (recorded, revised with what changed, retracted), and their
in-memory matching against subscribers' filters.

A digest covers the log positions (from, to] since the subscriber's last digest. The window's changes are read
once (one range query on the version history) and indexed by category, kind, entity and reliability, so that
thousands of subscribers sharing a window are matched with set intersections instead of one query each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from django.db.models import Q

from digests.models import Subscription
from timeline import domain
from timeline.models import DevelopmentVersion, NamedTimeline
from timeline.selectors import TimelineFilters, entity_names, entity_resolve, filters_from_mapping
from timeline.taxonomy import Category

RELIABILITY_GRADES = "ABCDEF"
CATEGORY_ORDER = [value for value, _ in Category.choices]
CHANGE_ORDER = ("recorded", "revised", "retracted")
_VERSION_FIELDS = (
    "id",
    "development_id",
    "version",
    "valid_from_position",
    "event_type",
    "change",
    "reason",
    "status",
    "category",
    "kind",
    "title",
    "summary",
    "display_date",
    "date_lower",
    "date_upper",
    "tags_key",
    "disputed",
    "best_reliability",
    "snapshot",
)


def _category_rank(category: str) -> int:
    return CATEGORY_ORDER.index(category) if category in CATEGORY_ORDER else len(CATEGORY_ORDER)


@dataclass(frozen=True)
class State:
    """The filterable columns of one version of a development."""

    development_id: str
    category: str
    kind: str
    entities: frozenset[str]
    tags: frozenset[str]
    date_lower: date
    date_upper: date
    text: str
    disputed: bool
    best_reliability: str


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass
class DigestItem:
    """One development in a window: recorded, revised (with what changed) or retracted."""

    development_id: str
    change: str
    category: str
    kind: str
    title: str
    summary: str
    display_date: str
    date_lower: date
    entities: list[str]
    citations: list[dict[str, Any]]
    changes: list[FieldChange] = field(default_factory=list)
    citations_added: list[dict[str, Any]] = field(default_factory=list)
    citations_removed: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""
    merged_into: str | None = None
    states: tuple[State, ...] = ()

    @property
    def sort_key(self) -> tuple[int, int, date, str]:
        return (
            _category_rank(self.category),
            CHANGE_ORDER.index(self.change),
            self.date_lower,
            self.title,
        )


@dataclass(frozen=True)
class SubscriptionFilters:
    categories: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    entities: frozenset[str] = frozenset()
    timelines: tuple[str, ...] = ()
    min_reliability: str = ""

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriptionFilters:
        return cls(
            categories=frozenset(subscription.categories or ()),
            kinds=frozenset(subscription.kinds or ()),
            entities=frozenset(subscription.entities or ()),
            timelines=tuple(subscription.timelines or ()),
            min_reliability=(subscription.min_reliability or "").upper(),
        )


def _state(row: dict[str, Any]) -> State:
    snapshot = row["snapshot"] or {}
    return State(
        development_id=str(row["development_id"]),
        category=row["category"],
        kind=row["kind"],
        entities=frozenset(snapshot.get("entities") or ()),
        tags=frozenset(tag for tag in row["tags_key"].split("|") if tag),
        date_lower=row["date_lower"],
        date_upper=row["date_upper"],
        text=f"{row['title']}\n{row['summary']}".casefold(),
        disputed=bool(row["disputed"]),
        best_reliability=row["best_reliability"] or "",
    )


def reliability_ok(best: str, minimum: str) -> bool:
    """As the API: at least `minimum` means a best grade between A and it; uncited never qualifies."""
    return bool(best) and "A" <= best <= minimum


def state_matches_timeline_filters(state: State, filters: TimelineFilters, entity_id: str | None) -> bool:
    """The in-memory twin of timeline.selectors' filter query, for one version's columns."""
    if filters.categories and state.category not in filters.categories:
        return False
    if filters.kinds and state.kind not in filters.kinds:
        return False
    if filters.entity and entity_id not in state.entities:
        return False
    if filters.tag and filters.tag.strip().lower() not in state.tags:
        return False
    if filters.date_from and state.date_upper < filters.date_from:
        return False
    if filters.date_to and state.date_lower > filters.date_to:
        return False
    if filters.text and filters.text.casefold() not in state.text:
        return False
    if filters.disputed is not None and state.disputed != filters.disputed:
        return False
    return not filters.min_reliability or reliability_ok(state.best_reliability, filters.min_reliability.upper())


@dataclass(frozen=True)
class TimelineMatcher:
    """A named timeline as a predicate: its saved filter and/or its pinned developments, as the API reads it."""

    filters: TimelineFilters | None
    entity_id: str | None
    pinned: frozenset[str]

    @classmethod
    def of(cls, named: NamedTimeline | None) -> TimelineMatcher:
        if named is None:
            return cls(filters=None, entity_id=None, pinned=frozenset())
        filters = filters_from_mapping(named.filters) if named.filters else None
        entity = entity_resolve(filters.entity) if filters and filters.entity else None
        return cls(filters=filters, entity_id=entity.pk if entity else None, pinned=frozenset(map(str, named.pinned)))

    def matches(self, state: State) -> bool:
        if state.development_id in self.pinned:
            return True
        return self.filters is not None and state_matches_timeline_filters(state, self.filters, self.entity_id)


def state_matches(state: State, filters: SubscriptionFilters, timelines: dict[str, TimelineMatcher]) -> bool:
    if filters.categories and state.category not in filters.categories:
        return False
    if filters.kinds and state.kind not in filters.kinds:
        return False
    if filters.entities and not (filters.entities & state.entities):
        return False
    if filters.min_reliability and not reliability_ok(state.best_reliability, filters.min_reliability):
        return False
    return not filters.timelines or any(
        slug in timelines and timelines[slug].matches(state) for slug in filters.timelines
    )


class WindowChanges:
    """The developments recorded, revised and retracted in the log window (from_position, to_position]."""

    def __init__(self, from_position: int, to_position: int, items: list[DigestItem]) -> None:
        self.from_position = from_position
        self.to_position = to_position
        self.items = sorted(items, key=lambda item: item.sort_key)
        self._all = frozenset(range(len(self.items)))
        self._by_category: dict[str, set[int]] = {}
        self._by_kind: dict[str, set[int]] = {}
        self._by_entity: dict[str, set[int]] = {}
        self._by_grade: dict[str, set[int]] = {grade: set() for grade in RELIABILITY_GRADES}
        for index, item in enumerate(self.items):
            for state in item.states:
                self._by_category.setdefault(state.category, set()).add(index)
                self._by_kind.setdefault(state.kind, set()).add(index)
                for entity_id in state.entities:
                    self._by_entity.setdefault(entity_id, set()).add(index)
                if state.best_reliability:
                    for grade in RELIABILITY_GRADES[RELIABILITY_GRADES.index(state.best_reliability) :]:
                        self._by_grade[grade].add(index)
        # As shown in the digest (the latest visible version's category), for counting and grouping.
        self._shown_category: dict[str, set[int]] = {}
        self._change: dict[str, set[int]] = {}
        for index, item in enumerate(self.items):
            self._shown_category.setdefault(item.category, set()).add(index)
            self._change.setdefault(item.change, set()).add(index)
        self._timelines: dict[str, TimelineMatcher] = {}
        self._timeline_sets: dict[str, frozenset[int]] = {}
        # Rendered fragments per item, filled by digests.composition: the same for every subscriber.
        self.fragments: dict[int, tuple[str, str]] = {}

    def __len__(self) -> int:
        return len(self.items)

    @cached_property
    def entity_names(self) -> dict[str, str]:
        """Entity id → name for every entity the window's items name, now or on either side of a change: one query
        on first use, shared by every subscriber's digest of the window."""
        ids: set[str] = set()
        for item in self.items:
            ids.update(item.entities)
            for change in item.changes:
                if change.field == "entities":
                    ids.update(change.before or ())
                    ids.update(change.after or ())
        return entity_names(ids)

    def tally(self, matched: list[int]) -> tuple[dict[str, int], dict[str, list[int]]]:
        """Counts per change type and the matched indexes per shown category, in digest order."""
        chosen = set(matched)
        counts = {change: len(chosen & self._change.get(change, set())) for change in CHANGE_ORDER}
        by_category = {}
        for category in sorted(self._shown_category, key=_category_rank):
            indexes = chosen & self._shown_category[category]
            if indexes:
                by_category[category] = sorted(indexes)
        return counts, by_category

    def _timeline(self, slug: str) -> frozenset[int]:
        if slug not in self._timeline_sets:
            matcher = TimelineMatcher.of(NamedTimeline.objects.filter(slug=slug).first())
            self._timelines[slug] = matcher
            self._timeline_sets[slug] = frozenset(
                index for index, item in enumerate(self.items) if any(matcher.matches(s) for s in item.states)
            )
        return self._timeline_sets[slug]

    def matching(self, filters: SubscriptionFilters) -> list[int]:
        """Indexes (in digest order) of the items some single version of which passes every filter."""
        candidates: frozenset[int] | set[int] = self._all
        dimensions = 0
        for values, index in (
            (filters.categories, self._by_category),
            (filters.kinds, self._by_kind),
            (filters.entities, self._by_entity),
        ):
            if values:
                dimensions += 1
                candidates = candidates & set().union(*(index.get(value, set()) for value in values))
        if filters.min_reliability:
            dimensions += 1
            candidates = candidates & self._by_grade.get(filters.min_reliability, set())
        if filters.timelines:
            dimensions += 1
            candidates = candidates & frozenset().union(*(self._timeline(slug) for slug in filters.timelines))
        if dimensions > 1:
            # The indexes union over an item's versions; check that one version meets every filter at once.
            candidates = {
                index
                for index in candidates
                if any(state_matches(s, filters, self._timelines) for s in self.items[index].states)
            }
        return sorted(candidates)


def _merge_changes(rows: Sequence[dict[str, Any]]) -> tuple[dict[str, list[Any]], list[str], list[str]]:
    """Fold the window's revisions into {field: [first before, last after]} and net citation ids."""
    fields: dict[str, list[Any]] = {}
    added: list[str] = []
    removed: list[str] = []
    for row in rows:
        change = row["change"] or {}
        if row["event_type"] == domain.DEVELOPMENT_REVISED:
            for name, values in change.items():
                if name in fields:
                    fields[name][1] = values.get("to")
                else:
                    fields[name] = [values.get("from"), values.get("to")]
        elif row["event_type"] == domain.CITATION_ADDED:
            added.append(change.get("citation_added", ""))
        elif row["event_type"] == domain.CITATION_REMOVED:
            citation_id = change.get("citation_removed", "")
            if citation_id in added:
                added.remove(citation_id)
            else:
                removed.append(citation_id)
        elif row["event_type"] == domain.DUPLICATE_ABSORBED:
            added.extend(change.get("citations") or [])
    return {name: pair for name, pair in fields.items() if pair[0] != pair[1]}, added, removed


def _versions_at(development_ids: Sequence[str], position: int) -> dict[str, dict[str, Any]]:
    """Each development's version valid at `position` (the state a subscriber last saw)."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(development_ids), 500):
        chunk = development_ids[start : start + 500]
        rows = DevelopmentVersion.objects.filter(
            Q(valid_to_position__isnull=True) | Q(valid_to_position__gt=position),
            development_id__in=chunk,
            valid_from_position__lte=position,
        ).values(*_VERSION_FIELDS)
        for row in rows:
            found[str(row["development_id"])] = row
    return found


def window_changes(from_position: int, to_position: int) -> WindowChanges:
    """Read the window's versions once and classify each development that moved in it."""
    rows = list(
        DevelopmentVersion.objects.filter(valid_from_position__gt=from_position, valid_from_position__lte=to_position)
        .order_by("valid_from_position")
        .values(*_VERSION_FIELDS)
    )
    by_development: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_development.setdefault(str(row["development_id"]), []).append(row)
    earlier = [dev_id for dev_id, group in by_development.items() if group[0]["version"] > 1]
    before_rows = _versions_at(earlier, from_position) if earlier else {}

    items: list[DigestItem] = []
    for development_id, group in by_development.items():
        last = group[-1]
        before = before_rows.get(development_id)
        item = _classify(development_id, group, before, last)
        if item is not None:
            items.append(item)
    return WindowChanges(from_position, to_position, items)


def _classify(
    development_id: str, group: list[dict[str, Any]], before: dict[str, Any] | None, last: dict[str, Any]
) -> DigestItem | None:
    recorded = group[0]["version"] == 1
    before_status = before["status"] if before else None
    after_status = last["status"]
    snapshot = last["snapshot"] or {}
    visible = [row for row in ([before] if before else []) + [last] if row["status"] == "current"]
    if recorded:
        if after_status != "current":
            return None  # recorded and withdrawn within the same window: the subscriber never saw it
        change = "recorded"
    elif before_status == "current" and after_status != "current":
        change = "retracted"
    elif after_status == "current":
        change = "revised"
    else:
        return None  # withdrawn before the window and still withdrawn: nothing to say
    shown = last if change != "retracted" or before is None else before
    item = DigestItem(
        development_id=development_id,
        change=change,
        category=shown["category"],
        kind=shown["kind"],
        title=shown["title"],
        summary=shown["summary"],
        display_date=shown["display_date"],
        date_lower=shown["date_lower"],
        entities=list((shown["snapshot"] or {}).get("entities") or ()),
        citations=list(snapshot.get("citations") or ()),
        states=tuple(_state(row) for row in (visible or [last])),
    )
    if change == "retracted":
        withdrawn = [
            row for row in group if row["event_type"] in (domain.DEVELOPMENT_RETRACTED, domain.DEVELOPMENT_MERGED)
        ]
        item.reason = withdrawn[-1]["reason"] if withdrawn else ""
        item.merged_into = snapshot.get("merged_into")
    elif change == "revised":
        fields, added, removed = _merge_changes(group)
        if before_status != "current":
            fields["status"] = [before_status, "current"]
        item.changes = [FieldChange(name, pair[0], pair[1]) for name, pair in fields.items()]
        citations = {c["id"]: c for c in snapshot.get("citations") or ()}
        old = {c["id"]: c for c in ((before or {}).get("snapshot") or {}).get("citations") or ()}
        for row in group:
            for citation in (row["snapshot"] or {}).get("citations") or ():
                old.setdefault(citation["id"], citation)
        item.citations_added = [citations[c] for c in added if c in citations]
        item.citations_removed = [old[c] for c in removed if c in old]
        if not (item.changes or item.citations_added or item.citations_removed):
            return None
    return item
