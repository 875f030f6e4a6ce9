"""Public pages, server-rendered: a landing page, named timelines with Figure 1 and a filter bar, a development.

Views stay thin: the form parses the query string into TimelineFilters, selectors read, timeline.figure draws,
and small presenters shape rows for the templates. A bad filter answers 400 with the form showing the error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe

from timeline import search, selectors
from timeline.dates import FuzzyDateError, parse_fuzzy_date
from timeline.figure import (
    CATEGORY_COLOURS,
    CATEGORY_LABELS,
    CATEGORY_SHAPES,
    MAX_FIGURE_ITEMS,
    FigureError,
    figure_items,
    render_svg,
)
from timeline.models import Citation, Development, DevelopmentVersion
from timeline.selectors import EntityLabel, SelectorError, TimelineFilters
from timeline.shapes import CitationData
from timeline.taxonomy import CREDIBILITY, RELIABILITY, Category

FILTER_FIELDS = ("category", "entity", "from", "to", "q", "as_of")


class TimelineFilterForm(forms.Form):
    """The filter bar: the API's filter names and meanings (category, entity, from, to, q, as_of)."""

    category = forms.MultipleChoiceField(
        choices=Category.choices, required=False, widget=forms.CheckboxSelectMultiple, label="Categories"
    )
    entity = forms.CharField(
        required=False, max_length=200, label="Entity", help_text="A name or alias in any language, e.g. Nvidia"
    )
    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search",
        help_text='Titles, summaries, citations and entity names (华为 too): words, "a phrase", OR, -word',
    )
    to = forms.CharField(required=False, max_length=64, label="To", help_text="e.g. 2024-06")
    as_of = forms.CharField(
        required=False, max_length=64, label="As of", help_text="A log position or a time, e.g. 2025-01-27T00:00Z"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so this field is added by name.
        self.fields["from"] = forms.CharField(
            required=False, max_length=64, label="From", help_text="A year, month or day, e.g. 2023"
        )
        order = ["category", "entity", "from", "to", "q", "as_of"]
        self.order_fields(order)

    def _fuzzy(self, name: str) -> Any:
        text = (self.cleaned_data.get(name) or "").strip()
        if not text:
            return None
        try:
            return parse_fuzzy_date(text)
        except FuzzyDateError as error:
            self.add_error(name, f"{error}. Use a year (2023), a month (2023-10) or a day (2023-10-17).")
            return None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = self._fuzzy("from"), self._fuzzy("to")
        if low and high and low.lower > high.upper:
            self.add_error("to", "'To' lies before 'From'.")
        data["date_from"] = low.lower if low else None
        data["date_to"] = high.upper if high else None
        entity = (data.get("entity") or "").strip()
        found = selectors.entity_resolve(entity) if entity else None
        if entity and found is None:
            self.add_error("entity", f"No entity is called '{entity}' (try a name or an alias).")
        # The id, so the selector finds it by primary key instead of resolving the name again.
        data["entity_id"] = found.pk if found else ""
        data["as_of_value"] = self._as_of((data.get("as_of") or "").strip())
        return data

    def _as_of(self, text: str) -> int | datetime | None:
        if not text:
            return None
        if text.isdecimal():
            return int(text)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            self.add_error("as_of", "As of is a log position (e.g. 120) or an ISO time (e.g. 2025-01-27T00:00Z).")
            return None
        if moment.tzinfo is None:
            self.add_error("as_of", "As of needs a time zone (e.g. 2025-01-27T00:00Z).")
            return None
        return moment

    def timeline_filters(self, slug: str) -> TimelineFilters:
        data = self.cleaned_data
        return TimelineFilters(
            categories=tuple(data.get("category") or ()),
            entity_id=data.get("entity_id") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            text=(data.get("q") or "").strip(),
            timeline=slug,
            as_of=data.get("as_of_value"),
        )


# ---- presenters -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CitationView:
    grading: str
    grading_meaning: str
    title: str
    url: str
    publisher: str
    locator: str


@dataclass(frozen=True)
class DevelopmentEntry:
    id: str
    title: str
    summary: str
    display_date: str
    date_lower: str
    category: str
    category_label: str
    disputed: bool
    entities: list[EntityLabel]
    citations: list[CitationView]
    # Where a searched development matches: escaped stored text with each hit in <mark> (timeline.search).
    snippet: SafeString | None = None


def _get(source: object, name: str) -> object:
    return source.get(name, "") if isinstance(source, dict) else getattr(source, name, "")


def citation_view(citation: CitationData | Citation) -> CitationView:
    """From a Citation row or a snapshot's citation dict."""
    reliability, credibility = str(_get(citation, "reliability")), str(_get(citation, "credibility"))
    meaning = f"{RELIABILITY.get(reliability, '?')} source; {CREDIBILITY.get(credibility, '?').lower()}"
    return CitationView(
        grading=f"{reliability}{credibility}",
        grading_meaning=meaning,
        title=str(_get(citation, "title")),
        url=str(_get(citation, "url") or ""),
        publisher=str(_get(citation, "publisher") or ""),
        locator=str(_get(citation, "locator") or ""),
    )


def development_entry(
    row: Development | DevelopmentVersion, labels: dict[str, EntityLabel], snippet: str | None = None
) -> DevelopmentEntry:
    """A list entry from a Development (current) or DevelopmentVersion (as_of) row; `labels` name the entities
    of the row's snapshot (selectors.entity_labels, read once for a page).

    Citations come from the row's snapshot, in the order they were added (as the API lists them)."""
    citations = row.snapshot.get("citations", [])
    return DevelopmentEntry(
        id=str(row.development_id if isinstance(row, DevelopmentVersion) else row.pk),
        title=row.title,
        summary=row.summary,
        display_date=row.display_date,
        date_lower=row.date_lower.isoformat(),
        category=row.category,
        category_label=CATEGORY_LABELS.get(row.category, row.category),
        disputed=row.disputed,
        entities=[labels.get(entity_id) or EntityLabel(entity_id) for entity_id in row.snapshot.get("entities", [])],
        citations=[citation_view(citation) for citation in citations],
        # Safe: timeline.search.snippets escapes the stored text and adds only <mark>.
        snippet=mark_safe(snippet) if snippet else None,  # noqa: S308
    )


@dataclass
class HistoryEntry:
    version: int
    position: int
    when: datetime
    what: str
    details: list[str] = field(default_factory=list)
    reason: str = ""
    actor: str = ""


EVENT_NAMES = {
    "DevelopmentRecorded": "Recorded",
    "DevelopmentRevised": "Revised",
    "DevelopmentRetracted": "Retracted",
    "DevelopmentRestored": "Restored",
    "CitationAdded": "Citation added",
    "CitationRemoved": "Citation removed",
    "DevelopmentMerged": "Merged into another development",
    "DuplicateAbsorbed": "Absorbed a duplicate",
    "DevelopmentLinked": "Linked to another development",
    "DevelopmentUnlinked": "Link removed",
}


def _value_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(part) for part in value) or "(none)"
    if value in (None, ""):
        return "(none)"
    text = str(value)
    return text if len(text) <= 160 else text[:157] + "…"


def history_entries(versions: Sequence[DevelopmentVersion], *, show_actor: bool) -> list[HistoryEntry]:
    """What each version changed, in words: fields before → after, citations by title and grading."""
    citations: dict[str, CitationData] = {}
    entries = []
    for version in versions:
        for citation in version.snapshot.get("citations", []):
            citations[str(citation.get("id"))] = citation
        change = version.change or {}
        details: list[str] = []
        if version.event_type == "DevelopmentRevised":
            for name, values in change.items():
                if isinstance(values, dict) and "to" in values:
                    details.append(f"{name}: {_value_text(values.get('from'))} → {_value_text(values.get('to'))}")
        elif "citation_added" in change or "citation_removed" in change:
            citation_id = str(change.get("citation_added") or change.get("citation_removed"))
            cited = citations.get(citation_id)
            if cited:
                view = citation_view(cited)
                details.append(f"{view.grading} · {view.title}" + (f" ({view.publisher})" if view.publisher else ""))
        elif "merged_into" in change:
            details.append(f"into {change['merged_into']}")
        entries.append(
            HistoryEntry(
                version=version.version,
                position=version.valid_from_position,
                when=version.valid_from_time,
                what=EVENT_NAMES.get(version.event_type, version.event_type),
                details=details,
                reason=version.reason,
                actor=version.actor if show_actor else "",
            )
        )
    return entries


def legend() -> list[dict[str, str]]:
    return [
        {"value": value, "label": CATEGORY_LABELS[value], "colour": colour, "shape": CATEGORY_SHAPES[value]}
        for value, colour in CATEGORY_COLOURS.items()
    ]


def _query_string(request: HttpRequest) -> str:
    pairs = [(key, value) for key in FILTER_FIELDS for value in request.GET.getlist(key) if value.strip()]
    return urlencode(pairs)


# ---- views ----------------------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    """The landing page: what the service is, with links to the timelines, the API and the admin."""
    return render(request, "timeline/home.html", {"timelines": list(selectors.named_timelines())})


def timeline_index(request: HttpRequest) -> HttpResponse:
    return render(request, "timeline/index.html", {"timelines": list(selectors.named_timelines())})


def timeline_page(request: HttpRequest, slug: str) -> HttpResponse:
    named = selectors.named_timeline_get(slug)
    if named is None:
        raise Http404("No such named timeline.")
    form = TimelineFilterForm(request.GET)
    rows: list[Any] = []
    searched: search.SearchQuery | None = None
    if form.is_valid():
        try:
            filters = form.timeline_filters(slug)
            position = selectors.resolve_as_of(filters.as_of)
            searched = search.parse(filters.text) if filters.text.strip() else None
            # Entities are named from the rows' snapshots with entity_labels, so the rows come without them.
            rows = list(selectors.timeline_developments_at(filters, position, prefetch=False, searched=searched))
            # With as_of, the title and description in force then, as the rows are.
            named = selectors.named_timeline_at(slug, position) or named
        except SelectorError as error:
            form.add_error(error.field_name if error.field_name in form.fields else None, error.message)
    figure_svg, figure_error = "", ""
    if not form.errors:
        items = figure_items(rows)
        noun = "development" if len(items) == 1 else "developments"
        try:
            figure_svg = render_svg(
                items,
                title=named.title,
                subtitle=f"{len(items)} {noun}",
                id_prefix="timeline-figure",
                standalone=False,
            )
        except FigureError as error:
            figure_error = str(error)
    query = _query_string(request)
    labels = selectors.entity_labels(entity_id for row in rows for entity_id in row.snapshot.get("entities", []))
    # q parsed once, with the rows (parsing looks up the entity names a term resembles).
    found = search.snippets(searched, rows) if searched is not None and rows and not form.errors else {}
    context = {
        "named": named,
        "form": form,
        "entries": [development_entry(row, labels, found.get(row.pk)) for row in rows],
        "figure_svg": figure_svg,
        "figure_error": figure_error,
        "max_figure_items": MAX_FIGURE_ITEMS,
        "legend": legend(),
        "filtered": bool(query),
        "query": query,
    }
    return render(request, "timeline/timeline.html", context, status=400 if form.errors else 200)


def development_page(request: HttpRequest, development_id: str) -> HttpResponse:
    development = selectors.development_get(str(development_id))
    if development is None:
        raise Http404("No such development.")
    versions = list(selectors.development_history(str(development.pk)))
    context = {
        "development": development,
        "entry": development_entry(development, selectors.entity_labels(development.snapshot.get("entities", []))),
        "history": history_entries(versions, show_actor=bool(request.user.is_staff)),
        "links": selectors.development_links(str(development.pk), development.snapshot.get("links", [])),
        "legend": legend(),
    }
    return render(request, "timeline/development.html", context)
