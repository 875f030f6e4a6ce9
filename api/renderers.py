"""Output formats for timelines: JSON, TimelineJS JSON, CSV, iCalendar and Atom, chosen by ?format= or Accept.

Each renderer takes the JSON answer a view built (rows under "results") and reshapes it, so every format
shows exactly what the JSON shows.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import icalendar
import orjson
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from rest_framework.renderers import BaseRenderer, JSONRenderer

from interop import spreadsheet, stix, stix_common, stix_entities
from interop.selectors import EntityFacts
from timeline.dates import FuzzyDateError, parse_fuzzy_date

# The CSV columns live beside the spreadsheet import that reads them back (one list for export and import).
CSV_COLUMNS = spreadsheet.CSV_COLUMNS


# What orjson writes byte for byte as the json module does (not floats: json writes 1e-05 where orjson writes 1e-5).
_PLAIN_SCALARS = frozenset({str, int, bool, type(None)})
_CONTAINERS = frozenset({dict, list, tuple})


def _plain(value: Any) -> bool:
    """Whether `value` is dicts, lists and tuples of exactly str, int, bool and None, all the way down. A
    container's scalars are checked where it is walked, without a call each: a page holds thousands of them."""
    kind = type(value)
    if kind not in _CONTAINERS:
        return kind in _PLAIN_SCALARS
    for item in value.values() if kind is dict else value:
        kind = type(item)
        if kind in _PLAIN_SCALARS:
            continue
        if kind not in _CONTAINERS or not _plain(item):
            return False
    return True


def _refuse(value: Any) -> Any:
    raise TypeError(f"not written by orjson: {type(value).__name__}")


class TimelineJSONRenderer(JSONRenderer):
    """DRF's JSONRenderer, the same bytes, written by orjson where it writes them alike: a page of 50 rows took
    the json module 0.7 ms, a tenth of a search request's CPU, and orjson 0.03.

    Only compact output of plain data (_plain) goes to orjson; anything else (an indent asked for in the media
    type, a float, a date, a subclass of str or int, a key that is not a string) is DRF's to write."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        indent = self.get_indent(accepted_media_type or "", renderer_context or {})
        if data is None or indent is not None or self.ensure_ascii or not self.compact or not _plain(data):
            return super().render(data, accepted_media_type, renderer_context)
        option = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS
        try:
            written = orjson.dumps(data, default=_refuse, option=option)
        except TypeError:
            return super().render(data, accepted_media_type, renderer_context)
        # As DRF does: JSON that is also JavaScript, which does not allow these two characters in its strings.
        return written.replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029")


def _results(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict):
        return list(data.get("results") or [])
    return []


def _title(data: Any, default: str) -> str:
    if isinstance(data, dict) and data.get("title"):
        return str(data["title"])
    return default


# --- TimelineJS -------------------------------------------------------------------------------------------


def _tl_date(day: date, precision: str, display: str | None = None) -> dict[str, Any]:
    """A TimelineJS date object carrying only the parts the precision knows."""
    value: dict[str, Any] = {"year": day.year}
    if precision in ("day", "month"):
        value["month"] = day.month
    if precision == "day":
        value["day"] = day.day
    if display:
        value["display_date"] = display
    return value


def timelinejs_dates(row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """start_date and end_date from the EDTF bounds, each at the precision its end was given."""
    lower = date.fromisoformat(row["date_lower"])
    upper = date.fromisoformat(row["date_upper"])
    precision = row["precision"]
    display = row["display_date"]
    if precision == "interval" and "/" in row["date"]:
        start_text, end_text = row["date"].split("/", 1)
        try:
            start, end = parse_fuzzy_date(start_text), parse_fuzzy_date(end_text)
        except FuzzyDateError:
            return _tl_date(lower, "day", display), _tl_date(upper, "day")
        return _tl_date(start.lower, _side(start.precision), display), _tl_date(end.upper, _side(end.precision))
    if precision in ("day", "month", "year"):
        return _tl_date(lower, precision, display), None
    if precision in ("quarter", "season"):
        return _tl_date(lower, "month", display), _tl_date(upper, "month")
    # decade, century: a span of years
    return _tl_date(lower, "year", display), _tl_date(upper, "year")


def _side(precision: str) -> str:
    return {"quarter": "month", "season": "month", "decade": "year", "century": "year"}.get(precision, precision)


def _sources_html(row: dict[str, Any]) -> str:
    items = []
    for citation in row["citations"]:
        label = str(escape(citation["title"]))
        if citation["url"]:
            label = f'<a href="{escape(citation["url"])}">{label}</a>'
        publisher = f" ({escape(citation['publisher'])})" if citation["publisher"] else ""
        items.append(f"{label}{publisher} {escape(citation['grading'])}")
    return "; ".join(items)


def timelinejs_event(row: dict[str, Any]) -> dict[str, Any]:
    start, end = timelinejs_dates(row)
    parts = [f"<p>{escape(row['summary'])}</p>"] if row["summary"] else []
    if row["status"] == "disputed":
        parts.append("<p><em>Disputed: the sources disagree.</em></p>")
    if row["citations"]:
        parts.append(f"<p>Sources: {_sources_html(row)}</p>")
    event: dict[str, Any] = {
        "unique_id": row["id"],
        "start_date": start,
        "display_date": row["display_date"],
        "group": row["category_label"],
        "text": {"headline": escape(row["title"]), "text": "".join(parts)},
    }
    if end is not None:
        event["end_date"] = end
    if row.get("media"):
        media = row["media"]
        event["media"] = {"url": media["url"], "caption": escape(media["caption"]), "credit": escape(media["credit"])}
    return event


class TimelineJSRenderer(BaseRenderer):
    """The TimelineJS 3 JSON format: a title slide and one event per development."""

    media_type = "application/vnd.timelinejs+json"
    format = "timelinejs"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None:
            return b""
        import json

        document = {
            "title": {
                "text": {
                    "headline": escape(_title(data, "Developments")),
                    "text": escape(data.get("description", "")) if isinstance(data, dict) else "",
                }
            },
            "events": [timelinejs_event(row) for row in _results(data)],
        }
        return json.dumps(document, ensure_ascii=False).encode("utf-8")


# --- CSV --------------------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    if text[:1] in spreadsheet.FORMULA_PREFIXES:
        return "'" + text
    return text


def csv_record(row: dict[str, Any]) -> list[str]:
    values = {
        **row,
        "entities": "; ".join(entity["name"] for entity in row["entities"]),
        "entity_ids": "; ".join(entity["id"] for entity in row["entities"]),
        "tags": "; ".join(row["tags"]),
        "disputed": "true" if row["disputed"] else "false",
        "citations": " | ".join(f"{c['title']} [{c['grading']}]" for c in row["citations"]),
        "gradings": "; ".join(c["grading"] for c in row["citations"]),
        "citation_urls": " ".join(c["url"] for c in row["citations"] if c["url"]),
    }
    return [_cell(values.get(column)) for column in CSV_COLUMNS]


def csv_filename(view: Any, day: date) -> str:
    """What a CSV download is saved as: the view's name for it (a timeline's slug; else "developments") and the
    day it was taken, e.g. deepseek-development-2025-02-03.csv. Only safe filename characters are kept."""
    get_download_name = getattr(view, "get_download_name", None)
    stem = str(get_download_name()) if callable(get_download_name) else ""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "developments"
    return f"{stem}-{day.isoformat()}.csv"


class CSVRenderer(BaseRenderer):
    """One row per development under a fixed header (CSV_COLUMNS); new columns only ever go at the end.

    The answer is an attachment with a file name (csv_filename), so a browser saves it as a file with a name
    that says what it holds rather than as "developments" or the query string."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        context = renderer_context or {}
        response = context.get("response")
        if response is not None:
            filename = csv_filename(context.get("view"), timezone.now().date())
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        if data is None:
            return b""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for row in _results(data):
            writer.writerow(csv_record(row))
        return out.getvalue().encode("utf-8")


# --- iCalendar --------------------------------------------------------------------------------------------


def ics_event(row: dict[str, Any]) -> icalendar.Event:
    """An all-day event for a day; a span of whole days [lower, upper] for coarser dates."""
    event = icalendar.Event()
    event.add("uid", f"{row['id']}@intelligence-timeline")
    event.add("summary", row["title"])
    lower = date.fromisoformat(row["date_lower"])
    upper = date.fromisoformat(row["date_upper"])
    event.add("dtstart", lower)
    # DTEND of an all-day event is exclusive: the day after the last day.
    event.add("dtend", upper + timedelta(days=1))
    event.add("dtstamp", datetime.fromisoformat(row["changed_at"]))
    lines = [f"Date: {row['display_date']} ({row['date']})"]
    if row["summary"]:
        lines.append(row["summary"])
    lines += [f"Source: {c['title']} [{c['grading']}] {c['url']}".rstrip() for c in row["citations"]]
    event.add("description", "\n".join(lines))
    event.add("categories", [row["category_label"]])
    event.add("url", row["url"])
    event.add("sequence", max(row["version"] - 1, 0))
    event.add(
        "status",
        {"retracted": "CANCELLED", "merged": "CANCELLED", "disputed": "TENTATIVE"}.get(row["status"], "CONFIRMED"),
    )
    return event


class ICalendarRenderer(BaseRenderer):
    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None:
            return b""
        calendar = icalendar.Calendar()
        calendar.add("prodid", "-//Intelligence timeline//API//EN")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", _title(data, "Developments"))
        for row in _results(data):
            calendar.add_component(ics_event(row))
        return bytes(calendar.to_ical())


# --- Atom -------------------------------------------------------------------------------------------------


def _atom_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


# Characters XML 1.0 cannot carry (control characters other than tab and newlines, lone surrogates, U+FFFE/F).
# Text holds them when an analyst typed them; the feed shows U+FFFD in their place instead of failing with a 500.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


# Atom has no element for it, so the log's head goes in an extension element of the service's own namespace.
LOG_NAMESPACE = "tag:timeline.invalid,2026:log"


class _FeedWithLogHead(Atom1Feed):
    """Atom 1.0 plus <log:head position="P" hash="H"/> when the answer says which head it was read at."""

    def root_attributes(self) -> dict[str, str]:
        attributes = dict(super().root_attributes())
        if self.feed.get("log_head"):
            attributes["xmlns:log"] = LOG_NAMESPACE
        return attributes

    def add_root_elements(self, handler: Any) -> None:
        super().add_root_elements(handler)
        if head := self.feed.get("log_head"):
            handler.addQuickElement("log:head", "", {"position": str(head["position"]), "hash": head["hash"]})


class AtomRenderer(BaseRenderer):
    """Atom of changes: for the feed, one entry per change; for a list, one entry per development, newest first."""

    media_type = "application/atom+xml"
    format = "atom"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None:
            return b""
        request = (renderer_context or {}).get("request")
        link = request.build_absolute_uri() if request is not None else "/api/feed/"
        feed = _FeedWithLogHead(
            title=_xml_text(_title(data, "Timeline changes")),
            link=link,
            description="The latest recorded and corrected developments.",
            feed_url=link,
            language="en",
            log_head=data.get("head") if isinstance(data, dict) else None,
        )
        for row in _results(data):
            if "event_type" in row:  # one change (the /api/feed/ entries)
                entry_id = uuid.uuid5(uuid.UUID(row["development"]), f"v{row['version']}")
                verb = row["event_type"].removeprefix("Development").removesuffix("ed") or row["event_type"]
                feed.add_item(
                    title=_xml_text(f"{row['title']} ({row['display_date']}) — {row['event_type']}"),
                    link=row["url"],
                    description=_xml_text(escape(row["reason"] or verb)),
                    unique_id=f"urn:uuid:{entry_id}",
                    updateddate=_atom_time(row["changed_at"]),
                    pubdate=_atom_time(row["changed_at"]),
                    categories=[row["category"]],
                )
            else:
                summary = escape(row["summary"]) if row["summary"] else escape(row["display_date"])
                feed.add_item(
                    title=_xml_text(f"{row['title']} ({row['display_date']})"),
                    link=row["url"],
                    description=_xml_text(summary),
                    unique_id=f"urn:uuid:{row['id']}",
                    updateddate=_atom_time(row["changed_at"]),
                    pubdate=_atom_time(row["changed_at"]),
                    categories=[row["category_label"]],
                )
        return feed.writeString("utf-8").encode("utf-8")


# --- STIX 2.1 ---------------------------------------------------------------------------------------------


def stix_record(row: dict[str, Any]) -> stix.DevelopmentRecord:
    """An API row as interop's development record, so the bundle shows exactly the rows the JSON shows."""
    return stix.DevelopmentRecord(
        id=row["id"],
        title=row["title"],
        summary=row["summary"],
        date=row["date"],
        display_date=row["display_date"],
        date_lower=date.fromisoformat(row["date_lower"]),
        date_upper=date.fromisoformat(row["date_upper"]),
        precision=row["precision"],
        category=row["category"],
        kind=row["kind"],
        entity_ids=tuple(entity["id"] for entity in row["entities"]),
        tags=tuple(row["tags"]),
        citations=tuple(row["citations"]),
        status="current" if row["status"] == "disputed" else row["status"],
        disputed=row["disputed"],
        merged_into=row.get("merged_into"),
        version=row["version"],
        modified=datetime.fromisoformat(row["changed_at"]),
        url=row["url"],
        links=tuple(
            {"id": link["id"], "relation": link["relation"], "target": link["target"], "note": link["note"]}
            for link in row.get("links", [])
        ),
    )


class STIXRenderer(BaseRenderer):
    """A STIX 2.1 bundle (interop.stix): a report per development, an identity or location per entity it names,
    the relationships between those entities and the links between the developments shown."""

    # Negotiated without the version parameter (DRF would refuse Accept: */* against it); answered with it.
    media_type = "application/stix+json"
    format = "stix"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        context = renderer_context or {}
        if (response := context.get("response")) is not None:
            response["Content-Type"] = stix_common.STIX_MEDIA_TYPE
        if data is None:
            return b""
        request = context.get("request")
        position = data.get("position") if isinstance(data, dict) else None
        scope = f"{request.get_full_path() if request is not None else ''}@{position}"
        return self.bundle(data, scope).encode("utf-8")

    def bundle(self, data: Any, scope: str) -> str:
        # A page of rows, or one development (its detail answer is the row itself).
        rows = _results(data) or ([data] if isinstance(data, dict) and "id" in data and "title" in data else [])
        shown = {row["id"] for row in rows}
        return stix.bundle_text([stix_record(row) for row in rows], scope=scope, development_ids=shown)


def stix_entity(row: dict[str, Any]) -> tuple[EntityFacts, int]:
    """An entity row as interop's entity facts, with the log position of the version the row shows."""
    facts = EntityFacts(
        id=row["id"],
        name=row["name"],
        entity_type=row["entity_type"],
        aliases=tuple(name["name"] for name in row["names"] if not name["shown"]),
        country=row["country"],
        description=row["description"],
        identifiers=tuple(sorted((str(k), str(v)) for k, v in row["identifiers"].items() if v)),
        version=row["version"],
    )
    return facts, row["last_position"]


class EntitySTIXRenderer(STIXRenderer):
    """Entities as a STIX 2.1 bundle (interop.stix_entities): an identity or location each, and relationships.
    The list carries the current relationships among its entities; one entity those its answer lists, with
    the entities at their other ends."""

    def bundle(self, data: Any, scope: str) -> str:
        if isinstance(data, dict) and "results" in data:
            return stix_entities.entities_bundle_text(map(stix_entity, _results(data)), scope=scope)
        if isinstance(data, dict) and "entity_type" in data:
            shown = [relationship["id"] for relationship in data.get("relationships", [])]
            return stix_entities.entities_bundle_text([stix_entity(data)], scope=scope, relationship_ids=shown)
        return stix_entities.entities_bundle_text([], scope=scope)
