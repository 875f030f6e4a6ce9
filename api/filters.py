"""Query parameters of timeline reads, validated with django-filter and answered by timeline.selectors.

The FilterSet only parses and validates; `filter_queryset` hands a TimelineFilters to
`timeline_developments_at`, which owns the querying. Malformed values come back as 400s with field errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import cached_property
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field

from timeline import search
from timeline.dates import FuzzyDate, FuzzyDateError, parse_fuzzy_date
from timeline.models import Development
from timeline.selectors import (
    TimelineFilters,
    entity_resolve,
    resolve_as_of,
    timeline_developments_at,
    timeline_search_block,
)
from timeline.taxonomy import RELIABILITY, Category, Kind

ORDERING_CHOICES = [
    ("date", "By date, earliest first (the default)"),
    ("-date", "By date, latest first"),
    ("recorded", "In the order the service recorded them"),
    ("-recorded", "Most recently recorded first"),
    ("changed", "By their last change, oldest first"),
    ("-changed", "Most recently changed first (the Atom default)"),
    ("relevance", "Best matches for q first (the default when q is given)"),
]


class CommaMultipleChoiceField(forms.MultipleChoiceField):
    """Several values as repeated parameters (?category=a&category=b) or comma-separated (?category=a,b)."""

    def to_python(self, value: Any) -> list[str]:
        values = super().to_python(value)
        return [part.strip() for item in values for part in str(item).split(",") if part.strip()]


class RepeatedTextField(forms.Field):
    """Several values as repeated parameters (?entity=a&entity=b); not comma-split, since names hold commas."""

    widget = forms.MultipleHiddenInput

    def clean(self, value: Any) -> list[str]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        texts = [str(item).strip() for item in values if str(item or "").strip()]
        if any(len(text) > 200 for text in texts):
            raise forms.ValidationError("A value is at most 200 characters.")
        return texts


class FuzzyDateField(forms.CharField):
    """An EDTF date (2023, 2023-10, 2024-36, 2022-10-07 ...), parsed into its bounds."""

    def clean(self, value: Any) -> FuzzyDate | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return parse_fuzzy_date(text)
        except FuzzyDateError as error:
            raise forms.ValidationError(str(error)) from error


class AsOfField(forms.CharField):
    """A log position (an integer) or an ISO 8601 time with a time zone."""

    def clean(self, value: Any) -> int | datetime | None:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        if text.isdecimal():
            return int(text)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as error:
            raise forms.ValidationError(
                "as_of is a log position (e.g. 120) or an ISO time with a zone (e.g. 2025-01-27T00:00:00Z)."
            ) from error
        if moment.tzinfo is None:
            raise forms.ValidationError("as_of needs a time zone (e.g. 2025-01-27T00:00:00Z).")
        return moment


class StrictBooleanField(forms.CharField):
    """true/false (also 1/0, yes/no); anything else is an error rather than 'no filter'."""

    TRUE = {"true", "1", "yes"}
    FALSE = {"false", "0", "no"}

    def clean(self, value: Any) -> bool | None:
        text = (super().clean(value) or "").strip().lower()
        if not text:
            return None
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError("Use true or false.")


class ReliabilityField(forms.ChoiceField):
    def to_python(self, value: Any) -> str:
        return super().to_python(value).strip().upper()


class CategoryFilter(django_filters.MultipleChoiceFilter):
    field_class = CommaMultipleChoiceField


class KindFilter(django_filters.MultipleChoiceFilter):
    field_class = CommaMultipleChoiceField


class EntitiesFilter(django_filters.MultipleChoiceFilter):
    """A MultipleChoiceFilter only so that the schema says "repeat it"; its values are free text, not choices."""

    field_class = RepeatedTextField


class FuzzyDateFilter(django_filters.Filter):
    field_class = FuzzyDateField


class AsOfFilter(django_filters.Filter):
    field_class = AsOfField


class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField


class ReliabilityFilter(django_filters.ChoiceFilter):
    field_class = ReliabilityField


class TimelineFilterForm(forms.Form):
    """Checks that need more than one parameter, or the database: the date range and the entity."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low: FuzzyDate | None = data.get("from")
        high: FuzzyDate | None = data.get("to")
        if low and high and low.lower > high.upper:
            self.add_error("to", "'to' lies before 'from'.")
        resolved = []
        for entity in data.get("entity") or []:
            found = entity_resolve(entity)
            if found is None:
                self.add_error("entity", f"no entity is called '{entity}' (id, name or alias).")
            elif found.pk not in resolved:
                resolved.append(found.pk)
        data["entity"] = resolved
        if data.get("ordering") == "relevance" and not (data.get("q") or "").strip():
            self.add_error("ordering", "ordering=relevance ranks the matches of q: give q too.")
        return data


class _SharedFields(dict[str, forms.Field]):
    """A filter form's fields, which each request's form shares rather than deep-copies (Form.__init__ copies
    base_fields so that a form may change its own): these forms only parse, and nothing changes a field after
    the class is built. The copy was a twentieth of a search request's CPU (the choices of category and kind,
    their widgets, every field's validators)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return dict(self)


class TimelineFilterSet(django_filters.FilterSet):
    """The filters of every timeline read: /api/developments/ and /api/timelines/{slug}/."""

    category = CategoryFilter(
        choices=Category.choices, help_text="One or several of Figure 1's categories (repeat or comma-separate)."
    )
    kind = KindFilter(choices=Kind.choices, help_text="One or several kinds (repeat or comma-separate).")
    entity = EntitiesFilter(
        help_text="An entity by id, name or alias in any language (深度求索); repeat it to compare actors: "
        "?entity=A&entity=B gives the developments of A or B."
    )
    tag = django_filters.CharFilter(help_text="A tag.")
    date_from = FuzzyDateFilter(
        help_text="EDTF date: developments whose fuzzy date overlaps [from, to] (2023, 2023-10, 2023-01-01)."
    )
    to = FuzzyDateFilter(help_text="EDTF date: the end of the range (its upper bound counts).")
    q = django_filters.CharFilter(
        help_text="Full-text search over titles, summaries, citation claims and excerpts, and entity names and "
        'aliases in any language (华为). Web-search syntax: "a phrase", OR, -word. Misspelt entity names are '
        "found too. Results are ranked (ordering=relevance) and carry a highlighted search_snippet."
    )
    disputed = StrictBooleanFilter(help_text="true: only disputed developments; false: only undisputed ones.")
    min_reliability = ReliabilityFilter(
        choices=[(key, key) for key in RELIABILITY],
        help_text="At least one citation whose source is graded this reliable or better (A best).",
    )
    as_of = AsOfFilter(
        help_text="What the timeline said at a log position (an integer) or an ISO time with a zone; not in the future."
    )
    ordering = django_filters.ChoiceFilter(choices=ORDERING_CHOICES, help_text="Sort order.")

    class Meta:
        form = TimelineFilterForm
        fields: list[str] = []

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet[Any] | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
        timeline_slug: str = "",
    ) -> None:
        # django-filter's own __init__ deep-copies every filter for each request (choices and all: the largest
        # single cost in a profile of the list reads) so that each can filter with its own parent. These filters
        # only parse: filter_queryset reads the form's cleaned data alone, so every request shares the class's
        # filters and its form class.
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset if queryset is not None else Development.objects.none()
        self.request = request
        self.form_prefix = prefix
        self.filters = self.base_filters
        self.timeline_slug = timeline_slug
        self.as_of_position: int | None = None
        # Whether as_of_position was resolved without the check that it has been written (timeline_filters).
        self.as_of_unchecked = False
        self._as_of_resolved = False

    def get_form_class(self) -> type[forms.Form]:
        """The form of the class's filters, built once a class (django-filter builds it for every request)."""
        cls = type(self)
        built = cls.__dict__.get("_form_class")
        if built is None:
            built = super().get_form_class()
            built.base_fields = _SharedFields(built.base_fields)
            cls._form_class = built
        return built

    def timeline_filters(self, *, check_as_of: bool = True) -> TimelineFilters:
        """The filters asked for. check_as_of=False, on the first call: a position given as as_of is not checked
        against the log's head here (as_of_unchecked says so), for a caller that reads the head and checks it."""
        data = self.form.cleaned_data
        if not self._as_of_resolved:
            # Once a request: resolving reads the log (an as_of position is checked against its head), and a
            # relevance page asks for the filters again for every block it reads.
            asked = data.get("as_of")
            self.as_of_position = resolve_as_of(asked, checked=check_as_of)
            self.as_of_unchecked = not check_as_of and isinstance(asked, int)
            self._as_of_resolved = True
        low: FuzzyDate | None = data.get("from")
        high: FuzzyDate | None = data.get("to")
        date_from: date | None = low.lower if low else None
        date_to: date | None = high.upper if high else None
        entities = list(data.get("entity") or [])
        return TimelineFilters(
            categories=tuple(data.get("category") or ()),
            kinds=tuple(data.get("kind") or ()),
            # Resolved to ids by TimelineFilterForm.clean: one is `entity_id`, several are any of `entity_ids`.
            entity_id=entities[0] if len(entities) == 1 else "",
            entity_ids=tuple(entities) if len(entities) > 1 else (),
            tag=str(data.get("tag") or ""),
            date_from=date_from,
            date_to=date_to,
            text=str(data.get("q") or ""),
            timeline=self.timeline_slug or str(data.get("timeline") or ""),
            disputed=data.get("disputed"),
            min_reliability=str(data.get("min_reliability") or ""),
            as_of=self.as_of_position,
        )

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # as_of was resolved (and checked) once, in timeline_filters. No prefetch: the API's rows read citations
        # and entity ids from each row's snapshot.
        filters = self.timeline_filters()
        return timeline_developments_at(filters, self.as_of_position, prefetch=False, searched=self.search_query)

    @cached_property
    def search_query(self) -> search.SearchQuery | None:
        """`q` parsed, once a request (parsing looks up the entity names a term resembles)."""
        text = str(self.form.cleaned_data.get("q") or "")
        return search.parse(text) if text.strip() else None

    def parse_search_alongside(self, rows: QuerySet[Any]) -> list[Sequence[Any]]:
        """Parse q (search_query) and read `rows` with it, in one round trip (search.parse_alongside); the rows."""
        text = str(self.form.cleaned_data.get("q") or "")
        query, read = search.parse_alongside(text, rows)
        self.__dict__["search_query"] = query if text.strip() else None  # as the property would have it
        return read

    def search_block(self, high: int | None, low: int | None) -> tuple[search.RankedRows, search.Block]:
        """One block of ordering=relevance (timeline.search.relevance_block), for KeysetPagination."""
        searched = self.search_query
        assert searched is not None, "ordering=relevance is refused without q (TimelineFilterForm.clean)"
        filters = self.timeline_filters()
        return timeline_search_block(filters, self.as_of_position, searched, high=high, low=low)

    @property
    def sort_order(self) -> str:
        return str(self.form.cleaned_data.get("ordering") or "")


# The EDTF dates the schema promises to accept (timeline.dates): a year from 1900 to 2199, a month, a day up to the
# 28th (which every month has), each optionally qualified (~ ? %), or a quarter (33-36) or season (21-24). The
# service takes more (intervals, unspecified digits, the 29th-31st where they exist, 2200); a pattern cannot say
# which days each month has.
EDTF_PATTERN = r"^(19|2[01])[0-9]{2}((-(0[1-9]|1[0-2])(-(0[1-9]|1[0-9]|2[0-8]))?)?[~?%]?|-(2[1-4]|3[3-6]))$"
# as_of as a time: RFC 3339 with its zone (Z or an offset), in years 1000-2099.
AS_OF_TIME_PATTERN = (
    r"^(1[0-9]|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(\.[0-9]{1,6})?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])$"
)
AS_OF_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {"type": "integer", "minimum": 0},
        {"type": "string", "format": "date-time", "pattern": AS_OF_TIME_PATTERN},
    ]
}

_SCHEMAS: dict[type, dict[str, Any]] = {
    CategoryFilter: {"type": "string", "enum": list(Category.values)},
    EntitiesFilter: {"type": "string"},
    KindFilter: {"type": "string", "enum": list(Kind.values)},
    StrictBooleanFilter: {"type": "boolean"},
    ReliabilityFilter: {"type": "string", "enum": list(RELIABILITY)},
    FuzzyDateFilter: {"type": "string", "pattern": EDTF_PATTERN},
    AsOfFilter: AS_OF_SCHEMA,
    django_filters.ChoiceFilter: {"type": "string", "enum": [key for key, _ in ORDERING_CHOICES]},
}


def _publish_from(filterset: type[TimelineFilterSet]) -> None:
    """`from` is a Python keyword: the filter is declared as date_from and published under its API name.

    Also gives each filter its schema for drf-spectacular (type and description), since none maps to a model field.
    """
    for filters in (filterset.declared_filters, filterset.base_filters):
        if "date_from" in filters:
            filters["from"] = filters.pop("date_from")
        for item in filters.values():
            schema = dict(_SCHEMAS.get(type(item), {"type": "string"}))
            schema["description"] = str(item.extra.get("help_text") or "")
            extend_schema_field(schema)(item)


_publish_from(TimelineFilterSet)


class DevelopmentFilterSet(TimelineFilterSet):
    """/api/developments/ also takes the named timeline as a filter."""

    timeline = django_filters.CharFilter(help_text="The slug of a named timeline, e.g. deepseek-development.")


_publish_from(DevelopmentFilterSet)
