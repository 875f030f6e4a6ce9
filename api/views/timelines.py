"""/api/timelines/: named timelines (Figure 1 is deepseek-development), each with the timeline filters on top."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as s
from api.filters import TimelineFilterSet
from api.views.base import ApiView
from api.views.developments import (
    ATOM_RESPONSES,
    ERRORS,
    FEED_FORMAT,
    NOT_MODIFIED,
    TimelineReadMixin,
    format_responses,
    refuse_other_feed_format,
)
from timeline import selectors
from timeline.models import NamedTimeline


class TimelineListView(ApiView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="timelines_list",
        summary="Named timelines",
        responses={200: s.NamedTimelineListSerializer, 304: NOT_MODIFIED, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        validators = self.conditional(None)
        if (unchanged := self.not_modified(validators)) is not None:
            return unchanged
        base_url = self.base_url()
        rows = [s.timeline_row(named, base_url=base_url) for named in selectors.named_timelines()]
        return self.answer({"results": rows}, validators)


class TimelineDetailView(TimelineReadMixin):
    filterset_class = TimelineFilterSet
    named: NamedTimeline | None = None  # the current definition, read once by get()

    @extend_schema(
        summary="A named timeline's developments, with the same filters and formats as /api/developments/",
        responses={**format_responses(s.TimelinePageSerializer), (404, "application/json"): s.ErrorSerializer},
    )
    def get(self, request: Request, slug: str) -> Response:
        self.named = selectors.named_timeline_get(slug)
        if self.named is None:
            raise Http404("No such named timeline.")
        return self.page(timeline_slug=slug)

    def get_download_name(self) -> str:
        return str(self.kwargs["slug"])

    def page_header(self, position: int | None) -> dict[str, Any]:
        # The definition the rows were chosen by: with as_of, the one in force then (the page's filters have
        # already refused an as_of from before the timeline was defined); without, the one get() read.
        named = self.named if position is None else selectors.named_timeline_at(self.kwargs["slug"], position)
        return s.timeline_row(named, base_url=self.base_url()) if named is not None else {}


class TimelineFeedView(TimelineDetailView):
    """/api/timelines/{slug}/feed/: a named timeline as Atom at a URL of its own (the route fixes the format)."""

    @extend_schema(
        operation_id="timelines_feed",
        summary="A named timeline as an Atom feed, latest changes first (the same filters as the timeline)",
        parameters=[FEED_FORMAT],
        responses={**ATOM_RESPONSES, (404, "application/json"): s.ErrorSerializer},
    )
    def get(self, request: Request, slug: str, format: str = "atom") -> Response:
        refuse_other_feed_format(request)
        return super().get(request, slug)
