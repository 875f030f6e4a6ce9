"""The Consolidated Screening List export (trade.gov, CSV or JSON) as a source kind: snapshots and their diff.

The export is the whole list every time, so what happened is the difference between two polls: an entity
added to or removed from a list, its entry changed, or renamed (one entry gone and one come under the same
Federal Register notice at the same addresses). Each change becomes an entry like a feed's, with its facts.

A broken export is refused whole (ScreeningListError), never read as news: a CSV whose header lost a column,
an entry without a name, truncated JSON, an empty list, or one that shrank by more than
SCREENING_LIST_MAX_DROP since the last snapshot (a broken export, not 20,000 delistings).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypedDict

from sources.feeds.parsing import ParsedEntry
from sources.feeds.sanitising import html_clean, text_plain
from sources.kinds.errors import PrimarySourceError
from sources.kinds.names import normalised
from timeline.taxonomy import Kind

ENTITY_LIST = "Entity List (EL) - Bureau of Industry and Security"
# The columns of the CSV export (and keys of the JSON one) this kind reads; the export has more.
REQUIRED_COLUMNS = (
    "source",
    "name",
    "addresses",
    "federal_register_notice",
    "start_date",
    "license_requirement",
    "alt_names",
)
# What makes an entry changed: the key is list and normalised name, so a name can change in spelling alone
# ("Co., Ltd." to "Corporation"); source_list_url and ids are bookkeeping.
COMPARED = (
    "name",
    "alt_names",
    "addresses",
    "countries",
    "federal_register_notice",
    "start_date",
    "license_requirement",
)


class ScreeningListError(PrimarySourceError):
    """An export that cannot be trusted: the poll fails on its source and writes no candidates."""


class ListQuery(TypedDict, total=False):
    """Which lists of the export a source watches (Source.query): names as in the export's `source` column."""

    lists: list[str]


class ListEntry(TypedDict):
    """One entry of a list as a snapshot keeps it."""

    source: str
    name: str
    alt_names: list[str]
    addresses: list[str]
    countries: list[str]
    federal_register_notice: str
    start_date: str
    license_requirement: str
    source_list_url: str


class ChangeFacts(TypedDict):
    """One change between two snapshots, kept on its item (Item.facts)."""

    source_kind: str
    change: str  # added | removed | changed | renamed
    kind: str
    list: str
    name: str
    previous_name: str
    alt_names: list[str]
    countries: list[str]
    federal_register_notice: str
    start_date: str
    date: str
    license_requirement: str
    changed_fields: list[str]


@dataclass
class ListDiff:
    added: list[ListEntry] = field(default_factory=list)
    removed: list[ListEntry] = field(default_factory=list)
    changed: list[tuple[ListEntry, ListEntry]] = field(default_factory=list)
    renamed: list[tuple[ListEntry, ListEntry]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.added) + len(self.removed) + len(self.changed) + len(self.renamed)


def default_query() -> ListQuery:
    return {"lists": [ENTITY_LIST]}


def query_problem(query: Any) -> str | None:
    """Why a Source.query is no screening-list query, or None."""
    if not isinstance(query, dict):
        return "the query must be an object with lists"
    lists = query.get("lists", [])
    if not isinstance(lists, list) or not all(isinstance(name, str) and name.strip() for name in lists):
        return "lists must be a list of list names, e.g. " + ENTITY_LIST
    return None


# --- reading an export ----------------------------------------------------------------------------------------


def _plain(value: Any, limit: int) -> str:
    """text_plain, with a shortcut for the common field that has no markup, entity or extra whitespace."""
    text = str(value or "")
    if "<" in text or "&" in text or "  " in text or "\x00" in text or not text.isprintable():
        return text_plain(text, limit=limit).strip()
    return text[:limit].strip()


def _split(value: Any) -> list[str]:
    """A list field: the JSON export's list, or the CSV's values separated by semicolons."""
    if isinstance(value, list):
        parts = [part if isinstance(part, str) else _address(part) for part in value]
    else:
        parts = str(value or "").split(";")
    return [text for part in parts if (text := _plain(part, 2000))]


def _address(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value or "")
    keys = ("address", "city", "state", "postal_code", "country")
    return ", ".join(str(value[key]).strip() for key in keys if value.get(key))


def _countries(raw: Mapping[str, Any], addresses: list[str]) -> list[str]:
    structured = raw.get("addresses")
    if isinstance(structured, list) and all(isinstance(part, dict) for part in structured):
        found = [str(part.get("country") or "").strip() for part in structured]
    else:
        found = [address.rsplit(",", 1)[-1].strip() for address in addresses if "," in address]
    return sorted({country for country in found if 0 < len(country) <= 40})


def _entry(raw: Mapping[str, Any], where: str) -> ListEntry:
    name = _plain(raw.get("name"), 2000)
    source = _plain(raw.get("source"), 500)
    if not name:
        raise ScreeningListError(f"{where} has no name")
    if not source:
        raise ScreeningListError(f"{where} ({name[:80]}) has no source list")
    addresses = _split(raw.get("addresses"))
    return {
        "source": source,
        "name": name,
        "alt_names": _split(raw.get("alt_names")),
        "addresses": addresses,
        "countries": _countries(raw, addresses),
        "federal_register_notice": _plain(raw.get("federal_register_notice"), 500),
        "start_date": str(raw.get("start_date") or "").strip()[:10],
        "license_requirement": _plain(raw.get("license_requirement"), 2000),
        "source_list_url": str(raw.get("source_list_url") or "").strip()[:2000],
    }


def _rows_csv(text: str) -> Iterable[tuple[str, Mapping[str, Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        if not header:
            raise ScreeningListError("the export is empty")
        missing = [column for column in REQUIRED_COLUMNS if column not in header]
        if missing:
            raise ScreeningListError(f"the CSV header changed: no {', '.join(missing)} column")
        # Only the columns read are kept: a 30,000-row export is read in about a second.
        wanted = [
            (column, header.index(column)) for column in (*REQUIRED_COLUMNS, "source_list_url") if column in header
        ]
        for row in reader:
            if len(row) != len(header):
                if not any(row):
                    continue  # a blank line
                raise ScreeningListError(f"row {reader.line_num} has {len(row)} columns, the header {len(header)}")
            yield f"row {reader.line_num}", {column: row[index] for column, index in wanted}
    except csv.Error as error:
        raise ScreeningListError(f"the CSV is broken at row {reader.line_num}: {error}") from error


def _rows_json(text: str) -> Iterable[tuple[str, Mapping[str, Any]]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ScreeningListError(f"the export is not complete JSON ({error.msg} at character {error.pos})") from error
    except RecursionError as error:
        raise ScreeningListError("the export nests too deeply to be a screening list") from error
    results = document.get("results") if isinstance(document, dict) else document
    if not isinstance(results, list):
        raise ScreeningListError("the JSON export has no results list")
    for index, raw in enumerate(results):
        where = f"entry {index + 1}"
        if not isinstance(raw, dict):
            raise ScreeningListError(f"{where} is not an object")
        missing = [key for key in REQUIRED_COLUMNS if key not in raw]
        if missing:
            raise ScreeningListError(f"{where} has no {', '.join(missing)} field")
        yield where, raw


def _watched(source: str, lists: Iterable[str]) -> bool:
    wanted = [name.casefold() for name in lists]
    return not wanted or source.casefold() in wanted


def parse_export(body: bytes, *, lists: Iterable[str] = (ENTITY_LIST,)) -> dict[str, ListEntry]:
    """The watched lists' entries of an export (CSV or JSON, told apart by content), by key."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ScreeningListError(f"the export is not UTF-8 ({error.reason})") from error
    stripped = text.lstrip()
    if not stripped:
        raise ScreeningListError("the export is empty")
    rows = _rows_json(text) if stripped[0] in "[{" else _rows_csv(text)
    lists = list(lists)
    entries: dict[str, ListEntry] = {}
    total = 0
    for where, raw in rows:
        total += 1
        entry = _entry(raw, where)
        if not _watched(entry["source"], lists):
            continue
        key = entry_key(entry)
        repeat = 2
        while key in entries:  # the same name twice on a list (two addresses): both kept
            key, repeat = f"{entry_key(entry)}#{repeat}", repeat + 1
        entries[key] = entry
    if total == 0:
        raise ScreeningListError("the export lists no entries")
    if not entries:
        raise ScreeningListError(f"none of the export's {total} entries is on the watched lists ({'; '.join(lists)})")
    return entries


def entry_key(entry: ListEntry) -> str:
    return f"{entry['source']}|{normalised(entry['name'])}"


def snapshot_digest(entries: Mapping[str, ListEntry]) -> str:
    return hashlib.sha256(json.dumps(entries, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def check_shrink(*, previous: int, current: int, max_drop: float) -> None:
    """Refuse a list that lost more than `max_drop` (a fraction) of its entries since the last snapshot."""
    if previous and current < previous * (1 - max_drop):
        lost = previous - current
        raise ScreeningListError(
            f"the list lost {lost} of its {previous} entries ({lost / previous:.0%}) since the last snapshot: "
            "taken for a broken export, nothing recorded"
        )


# --- the difference between two snapshots ---------------------------------------------------------------------


def _same_party(old: ListEntry, new: ListEntry) -> bool:
    """A rename: the same list and Federal Register notice, and the same addresses or a name kept as an alias."""
    if old["source"] != new["source"] or not old["federal_register_notice"]:
        return False
    if old["federal_register_notice"] != new["federal_register_notice"]:
        return False
    old_names = {normalised(name) for name in [old["name"], *old["alt_names"]]}
    new_names = {normalised(name) for name in [new["name"], *new["alt_names"]]}
    return sorted(old["addresses"]) == sorted(new["addresses"]) or bool(old_names & new_names)


def snapshot_diff(previous: Mapping[str, ListEntry], current: Mapping[str, ListEntry]) -> ListDiff:
    diff = ListDiff()
    added = [key for key in current if key not in previous]
    removed = {key: previous[key] for key in previous if key not in current}
    for key in added:
        new = current[key]
        match = next((old_key for old_key, old in removed.items() if _same_party(old, new)), None)
        if match is not None:
            diff.renamed.append((removed.pop(match), new))
        else:
            diff.added.append(new)
    diff.removed = list(removed.values())
    for key, new in current.items():
        old = previous.get(key)
        if old is not None and any(old[name] != new[name] for name in COMPARED):  # type: ignore[literal-required]
            diff.changed.append((old, new))
    return diff


# --- changes as entries ---------------------------------------------------------------------------------------


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _change_entry(change: str, entry: ListEntry, *, today: date, previous: ListEntry | None = None) -> ParsedEntry:
    listed = _day(entry["start_date"])
    # A removal's date is the poll's: the entry's start_date says when it was listed, not when it was removed.
    day = today if change == "removed" or listed is None else listed
    changed_fields = [name for name in COMPARED if previous and previous[name] != entry[name]]  # type: ignore[literal-required]
    list_name = entry["source"].split(" - ")[0]
    facts: ChangeFacts = {
        "source_kind": "screening_list",
        "change": change,
        "kind": Kind.ENTITY_DELISTING.value if change == "removed" else Kind.ENTITY_LISTING.value,
        "list": entry["source"],
        "name": entry["name"],
        "previous_name": previous["name"] if previous and change == "renamed" else "",
        "alt_names": entry["alt_names"][:50],
        "countries": entry["countries"],
        "federal_register_notice": entry["federal_register_notice"],
        "start_date": entry["start_date"],
        "date": day.isoformat(),
        "license_requirement": entry["license_requirement"][:500],
        "changed_fields": changed_fields,
    }
    where = f" ({', '.join(entry['countries'])})" if entry["countries"] else ""
    headline = {
        "added": f"{list_name}: {entry['name']}{where} added",
        "removed": f"{list_name}: {entry['name']}{where} removed",
        "changed": f"{list_name}: entry of {entry['name']}{where} changed ({', '.join(changed_fields)})",
        "renamed": f"{list_name}: {facts['previous_name']} renamed {entry['name']}{where}",
    }[change]
    lines = [f"{entry['source']}, per {entry['federal_register_notice'] or 'no Federal Register notice named'}."]
    if entry["start_date"]:
        lines.append(f"Listed from {entry['start_date']}.")
    if entry["alt_names"]:
        lines.append("Also known as: " + "; ".join(entry["alt_names"][:20]) + ".")
    if entry["license_requirement"]:
        lines.append(f"License requirement: {entry['license_requirement']}")
    summary = " ".join(lines)
    fingerprint = hashlib.sha256(json.dumps([change, previous, entry], sort_keys=True).encode()).hexdigest()[:16]
    link = entry["source_list_url"]
    return ParsedEntry(
        guid=f"screening-list:{change}:{entry_key(entry)}:{fingerprint}"[:1000],
        link=link if link.lower().startswith(("http://", "https://")) else "",
        title=headline[:1000],
        summary=summary,
        summary_html=html_clean(f"<p>{text_plain(summary)}</p>"),
        language="en",
        published_raw=entry["start_date"],
        published_at=datetime(day.year, day.month, day.day, tzinfo=UTC),
        facts=dict(facts),
    )


def diff_entries(diff: ListDiff, *, today: date) -> list[ParsedEntry]:
    """Each change of a diff as an entry, in a stable order: added, renamed, changed, removed."""
    entries = [_change_entry("added", entry, today=today) for entry in diff.added]
    entries += [_change_entry("renamed", new, today=today, previous=old) for old, new in diff.renamed]
    entries += [_change_entry("changed", new, today=today, previous=old) for old, new in diff.changed]
    entries += [_change_entry("removed", entry, today=today) for entry in diff.removed]
    return entries
