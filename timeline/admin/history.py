"""A development's history for people: each event in order with who, when, why, and a readable diff.

Everything shown is escaped here (format_html / escape) before it is marked safe, so hostile text in a
title, summary or citation stays inert.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from timeline import domain, selectors
from timeline.models import Development, DevelopmentVersion
from timeline.shapes import DevelopmentState
from timeline.taxonomy import FIELD_LABELS, Category, Kind

EVENT_LABELS = {
    domain.DEVELOPMENT_RECORDED: "Recorded",
    domain.DEVELOPMENT_REVISED: "Revised",
    domain.DEVELOPMENT_RETRACTED: "Retracted",
    domain.DEVELOPMENT_RESTORED: "Restored",
    domain.CITATION_ADDED: "Citation added",
    domain.CITATION_REMOVED: "Citation removed",
    domain.DEVELOPMENT_MERGED: "Merged into another",
    domain.DUPLICATE_ABSORBED: "Absorbed a duplicate",
}
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass
class HistoryEntry:
    version: int
    event_type: str
    label: str
    when: datetime
    position: int
    actor: str
    reason: str
    changes: list[tuple[str, SafeString]] = field(default_factory=list)


def word_diff(old: str, new: str) -> SafeString:
    """Words removed in <del>, added in <ins>, the rest as it was; every piece escaped."""
    before, after = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(before[i1:i2])))
            continue
        if i2 > i1:
            parts.append(format_html("<del>{}</del>", "".join(before[i1:i2])))
        if j2 > j1:
            parts.append(format_html("<ins>{}</ins>", "".join(after[j1:j2])))
    return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped


def _from_to(old: Any, new: Any) -> SafeString:
    return format_html("<del>{}</del> → <ins>{}</ins>", old if old not in (None, "") else "—", new)


def _set_change(old: Iterable[str], new: Iterable[str], names: Mapping[str, str]) -> SafeString:
    before, after = list(old or []), list(new or [])
    added = [names.get(value, value) for value in after if value not in before]
    removed = [names.get(value, value) for value in before if value not in after]
    pieces = []
    if added:
        pieces.append(format_html("added {}", format_html_join(", ", "<ins>{}</ins>", ((a,) for a in added))))
    if removed:
        pieces.append(format_html("removed {}", format_html_join(", ", "<del>{}</del>", ((r,) for r in removed))))
    if not pieces:
        return format_html("{}", "reordered")
    return format_html_join("; ", "{}", ((p,) for p in pieces))


def _field_change(name: str, old: Any, new: Any, entity_names: Mapping[str, str]) -> SafeString:
    if name in ("title", "summary"):
        return word_diff(str(old or ""), str(new or ""))
    if name == "entities":
        return _set_change(old, new, entity_names)
    if name == "tags":
        return _set_change(old, new, {})
    if name == "category":
        labels = dict(Category.choices)
        return _from_to(labels.get(old, old), labels.get(new, new))
    if name == "kind":
        labels = dict(Kind.choices)
        return _from_to(labels.get(old, old), labels.get(new, new))
    if name == "disputed":
        return _from_to("yes" if old else "no", "yes" if new else "no")
    if name == "media":
        return _from_to((old or {}).get("url", ""), (new or {}).get("url", "") or "none")
    return _from_to(old, new)


def _citation_line(citation: Mapping[str, Any] | None, citation_id: str) -> SafeString:
    if citation is None:
        return format_html("{}", citation_id)
    return format_html(
        "{} <span class='grading'>{}{}</span>{}",
        citation.get("title", ""),
        citation.get("reliability", ""),
        citation.get("credibility", ""),
        format_html(" — {}", citation["publisher"]) if citation.get("publisher") else "",
    )


def _development_link(development_id: str) -> SafeString:
    url = reverse("admin:timeline_development_change", args=[development_id])
    title = Development.objects.filter(pk=development_id).values_list("title", flat=True).first() or development_id
    return format_html('<a href="{}">{}</a>', url, title)


def _changes(
    version: DevelopmentVersion, before: Mapping[str, Any] | None, entity_names: Mapping[str, str]
) -> list[tuple[str, SafeString]]:
    change, state = version.change or {}, version.snapshot
    event_type = version.event_type
    if event_type == domain.DEVELOPMENT_RECORDED:
        rows = [("Title", format_html("{}", state["title"])), ("Date", format_html("{}", state["date"]))]
        rows.append(("Category", format_html("{}", dict(Category.choices).get(state["category"], ""))))
        rows.append(("Kind", format_html("{}", dict(Kind.choices).get(state["kind"], ""))))
        if state.get("entities"):
            names = [entity_names.get(e, e) for e in state["entities"]]
            rows.append(("Entities", format_html("{}", ", ".join(names))))
        return rows
    if event_type == domain.CITATION_ADDED:
        citation_id = change.get("citation_added", "")
        found = next((c for c in state.get("citations", []) if c["id"] == citation_id), None)
        return [("Citation", _citation_line(found, citation_id))]
    if event_type == domain.CITATION_REMOVED:
        citation_id = change.get("citation_removed", "")
        found = next((c for c in (before or {}).get("citations", []) if c["id"] == citation_id), None)
        return [("Citation", format_html("<del>{}</del>", _citation_line(found, citation_id)))]
    if event_type == domain.DEVELOPMENT_MERGED:
        return [("Merged into", _development_link(change.get("merged_into", "")))]
    if event_type == domain.DUPLICATE_ABSORBED:
        return [
            ("Duplicate", _development_link(change.get("absorbed", ""))),
            ("Citations moved", format_html("{}", len(change.get("citations", [])))),
        ]
    return [
        (FIELD_LABELS.get(name, name), _field_change(name, values.get("from"), values.get("to"), entity_names))
        for name, values in change.items()
        if isinstance(values, Mapping)
    ]


def history_entries(development: Development, after_version: int = 0) -> list[HistoryEntry]:
    """The development's events in order (only those after `after_version`), ready to show."""
    versions = list(DevelopmentVersion.objects.filter(development=development).order_by("version"))
    entity_ids: set[str] = set()
    for version in versions:
        entity_ids.update(version.snapshot.get("entities", []))
        for values in (version.change or {}).values():
            if isinstance(values, Mapping):
                for side in ("from", "to"):
                    if isinstance(values.get(side), list):
                        entity_ids.update(str(v) for v in values[side])
    entity_names = selectors.entity_names(entity_ids)
    entries = []
    before: Mapping[str, Any] | None = None
    for version in versions:
        if version.version > after_version:
            entries.append(
                HistoryEntry(
                    version=version.version,
                    event_type=version.event_type,
                    label=EVENT_LABELS.get(version.event_type, version.event_type),
                    when=version.valid_from_time,
                    position=version.valid_from_position,
                    actor=version.actor,
                    reason=version.reason,
                    changes=_changes(version, before, entity_names),
                )
            )
        before = version.snapshot
    return entries


def state_at(development: Development, version: int | None) -> DevelopmentState:
    """The development's state as of one of its versions (its current state if that version is unknown)."""
    if version is not None:
        row = DevelopmentVersion.objects.filter(development=development, version=version).only("snapshot").first()
        if row is not None:
            return copy.copy(row.snapshot)
    return copy.copy(development.snapshot)
