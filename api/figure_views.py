"""/api/timelines/{slug}/figure.svg and .png: Figure 1 drawn from a named timeline, with the timeline filters.

The filters, `as_of`, errors (400 with field errors, JSON), throttles and conditional GET are the API's own;
the drawing is timeline.figure's. PNG needs the system cairo library: without it the answer is a 503 that
says so, and the SVG keeps working.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as s
from api.conditional import Validators
from api.exceptions import form_errors
from api.filters import TimelineFilterSet
from api.views.base import ApiView
from api.views.developments import ERRORS, NOT_MODIFIED
from timeline import figure, selectors
from timeline.models import Development, NamedTimeline

MIN_WIDTH, MAX_WIDTH, DEFAULT_WIDTH = 480, 2400, 1200


class SVGRenderer(BaseRenderer):
    media_type = "image/svg+xml"
    format = "svg"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> Any:
        return data


class PNGRenderer(BaseRenderer):
    media_type = "image/png"
    format = "png"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> Any:
        return data


class PngUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = "PNG output is not available on this server."
    default_code = "png_unavailable"


FIGURE_PARAMETERS = [
    OpenApiParameter(
        "width",
        {"type": "integer", "minimum": MIN_WIDTH, "maximum": MAX_WIDTH},
        description=f"Figure width in px ({MIN_WIDTH}-{MAX_WIDTH}, default {DEFAULT_WIDTH}).",
    ),
    OpenApiParameter(
        "lanes",
        {"type": "string", "enum": ["entity"]},
        description="entity: one lane per `entity` asked (repeat entity, up to "
        f"{figure.MAX_ENTITY_LANES}) on one time axis, to compare actors; a development of several is in each lane.",
    ),
]


@dataclass(frozen=True)
class _Prepared:
    named: NamedTimeline
    queryset: Any
    width: int
    as_of: int | None
    validators: Validators
    # lanes=entity: the filters, whose entities each get a lane
    lane_filters: selectors.TimelineFilters | None = None


class TimelineFigureView(ApiView):
    """The figure of a named timeline; subclasses choose SVG or PNG."""

    filterset_class = TimelineFilterSet
    # Only for the schema: it documents the filters from these; reads go through the selectors.
    filter_backends = [DjangoFilterBackend]
    queryset = Development.objects.none()
    output = "svg"

    def prepare(self, request: Request, slug: str) -> _Prepared:
        """What the figure needs and its conditional-GET validators, or the 404/400 that stops here."""
        named = selectors.named_timeline_get(slug)
        if named is None:
            raise Http404("No such named timeline.")
        filterset = TimelineFilterSet(
            request.query_params, queryset=Development.objects.none(), request=request, timeline_slug=slug
        )
        if not filterset.is_valid():
            raise form_errors(filterset.errors)
        width = _int_param(request, "width", DEFAULT_WIDTH, MIN_WIDTH, MAX_WIDTH)
        queryset = filterset.qs  # resolves as_of (a 400 when it cannot be answered)
        position = filterset.as_of_position
        if position is not None:  # the title in force then (the filters refused an as_of before the definition)
            named = selectors.named_timeline_at(slug, position) or named
        lanes = (request.query_params.get("lanes") or "").strip()
        lane_filters = None
        if lanes:
            if lanes != "entity":
                raise exceptions.ValidationError({"lanes": ["lanes is 'entity' (one lane per entity asked)."]})
            lane_filters = filterset.timeline_filters()
            count = len(lane_filters.entity_ids) or int(bool(lane_filters.entity_id))
            if not 1 <= count <= figure.MAX_ENTITY_LANES:
                raise exceptions.ValidationError(
                    {"lanes": [f"lanes=entity needs 1 to {figure.MAX_ENTITY_LANES} entities (repeat entity=)."]}
                )
        validators = self.conditional(position, prefix=self.output)
        return _Prepared(named, queryset, width, position, validators, lane_filters)

    def draw_lanes(self, request: Request, prepared: _Prepared, filters: selectors.TimelineFilters) -> str:
        """One lane per entity: each lane is the same filters narrowed to that one entity."""
        entity_ids = list(filters.entity_ids) or [filters.entity_id]
        names = selectors.entity_names(entity_ids, as_of=prepared.as_of)
        lanes = []
        for entity_id in entity_ids:
            one = dataclasses.replace(filters, entity_id=entity_id, entity_ids=())
            rows = selectors.timeline_developments_at(one, prepared.as_of, prefetch=False)
            items = figure.figure_items(rows[: figure.MAX_FIGURE_ITEMS + 1])
            lanes.append(figure.EntityLane(entity_id, names.get(entity_id, entity_id), items))
        subtitle = figure_subtitle(
            len({i.id for lane in lanes for i in lane.items}), request.query_params, prepared.as_of
        )
        try:
            return figure.render_entity_lanes_svg(
                lanes, title=prepared.named.title, subtitle=subtitle, width=prepared.width
            )
        except figure.FigureError as error:
            raise exceptions.ValidationError({"figure": [str(error)]}) from error

    def draw(self, request: Request, prepared: _Prepared) -> str:
        if prepared.lane_filters is not None:
            return self.draw_lanes(request, prepared, prepared.lane_filters)
        items = figure.figure_items(prepared.queryset[: figure.MAX_FIGURE_ITEMS + 1])
        subtitle = figure_subtitle(len(items), request.query_params, prepared.as_of)
        try:
            return figure.render_svg(items, title=prepared.named.title, subtitle=subtitle, width=prepared.width)
        except figure.FigureError as error:
            raise exceptions.ValidationError({"figure": [str(error)]}) from error

    def finish(self, body: bytes, validators: Validators) -> Response:
        response = self.answer(body, validators)
        # The SVG is data, never a page: no scripts, no outside loads, even when opened directly.
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        response["X-Content-Type-Options"] = "nosniff"
        return response


FILTER_NAMES = ("category", "kind", "entity", "tag", "from", "to", "q", "disputed", "min_reliability")


def figure_subtitle(count: int, params: Any, as_of: int | None) -> str:
    noun = "development" if count == 1 else "developments"
    parts = [f"{count} {noun}"]
    used = [key for key in FILTER_NAMES if params.get(key)]
    if used:
        parts.append("filtered by " + ", ".join(f"{key}={', '.join(params.getlist(key))}" for key in used))
    if as_of is not None:
        parts.append(f"as of log position {as_of}")
    return " · ".join(parts)


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    text = (request.query_params.get(name) or "").strip()
    if not text:
        return default
    if not text.isdecimal() or not low <= int(text) <= high:
        raise exceptions.ValidationError({name: [f"{name} is a whole number from {low} to {high}."]})
    return int(text)


# Errors are JSON whatever the figure's format (api.views.base.ApiView.finalize_response).
FIGURE_ERRORS: dict[Any, Any] = {
    **ERRORS,
    304: NOT_MODIFIED,
    (404, "application/json"): OpenApiResponse(s.ErrorSerializer, description="No such named timeline"),
}


class TimelineFigureSVGView(TimelineFigureView):
    renderer_classes = [SVGRenderer]
    output = "svg"

    @extend_schema(
        operation_id="timelines_figure_svg",
        summary="A named timeline drawn as Figure 1 (SVG), with the timeline filters and as_of",
        parameters=FIGURE_PARAMETERS,
        responses={
            (200, SVGRenderer.media_type): OpenApiResponse(OpenApiTypes.STR, description="The figure as SVG"),
            **FIGURE_ERRORS,
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        prepared = self.prepare(request, slug)
        if (unchanged := self.not_modified(prepared.validators)) is not None:
            return unchanged
        svg = self.draw(request, prepared)
        return self.finish(svg.encode("utf-8"), prepared.validators)


class TimelineFigurePNGView(TimelineFigureView):
    renderer_classes = [PNGRenderer]
    output = "png"

    @extend_schema(
        operation_id="timelines_figure_png",
        summary="A named timeline drawn as Figure 1 (PNG, for email and slides)",
        parameters=[
            *FIGURE_PARAMETERS,
            OpenApiParameter(
                "scale",
                {"type": "number", "minimum": 0.5, "maximum": 4},
                description="Pixels per SVG unit, 0.5-4 (default 2).",
            ),
        ],
        responses={
            (200, PNGRenderer.media_type): OpenApiResponse(OpenApiTypes.BINARY, description="The figure as PNG"),
            **FIGURE_ERRORS,
            (503, "application/json"): OpenApiResponse(
                s.ErrorSerializer, description="The server lacks the cairo library for PNG"
            ),
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        scale = _scale_param(request)
        prepared = self.prepare(request, slug)
        if (unchanged := self.not_modified(prepared.validators)) is not None:
            return unchanged
        svg = self.draw(request, prepared)
        try:
            png = figure.render_png(svg, scale=scale)
        except figure.PngUnavailableError as error:
            raise PngUnavailable(str(error)) from error
        return self.finish(png, prepared.validators)


def _scale_param(request: Request) -> float:
    text = (request.query_params.get("scale") or "").strip()
    if not text:
        return 2.0
    try:
        scale = float(text)
    except ValueError:
        scale = -1.0
    if not 0.5 <= scale <= 4:  # also refuses nan and inf
        raise exceptions.ValidationError({"scale": ["scale is a number from 0.5 to 4."]})
    return scale
