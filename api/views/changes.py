"""/api/changes/ (the change feed, in log order, for consumers keeping a copy) and /api/feed/ (Atom)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from api import serializers as s
from api.renderers import AtomRenderer
from api.views.base import ApiView
from api.views.developments import ERRORS, NOT_MODIFIED
from timeline import selectors

LOG_HEAD_HEADER = "Log-Head"
MAX_CHANGES = 1000
DEFAULT_CHANGES = 100
MAX_FEED = 200


def _whole_number(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdecimal() or int(raw) < low or (high is not None and int(raw) > high):
        bound = f"from {low} to {high}" if high is not None else f"≥ {low}"
        raise exceptions.ValidationError({name: [f"{name} is a whole number {bound}."]})
    return int(raw)


def published(response: Response, head: Any) -> Response:
    """The log's head in a header too (POSITION:HASH, as verify_log --expect-head takes it): a witness can
    record it from any answer, whatever the format."""
    response[LOG_HEAD_HEADER] = f"{head.position}:{head.hash}"
    return response


class ChangesView(ApiView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary="The change feed: every event after a position, in log order",
        description="Replaying it from after=0 rebuilds the timeline. Analysts' identities (and the hash chain, "
        "which could confirm a guessed identity) are shown to analysts only, and so are the review queue's "
        "streams (candidates, their sources and the reasons of decisions): others see the developments, "
        "entities and named timelines, and `next_after` steps over what they do not see.",
        parameters=[
            OpenApiParameter(
                "after", {"type": "integer", "minimum": 0}, description="Events after this position (default 0)."
            ),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": MAX_CHANGES},
                description=f"At most this many (1 to {MAX_CHANGES}, default {DEFAULT_CHANGES}).",
            ),
        ],
        responses={200: s.ChangePageSerializer, 304: NOT_MODIFIED, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        after = _whole_number(request, "after", 0, 0, None)
        limit = _whole_number(request, "limit", DEFAULT_CHANGES, 1, MAX_CHANGES)
        # The answer tells the log's head (last_position: how far a consumer still has to go), so it depends on
        # the whole log, not only on the events in (after, after + limit].
        validators = self.conditional(None)
        if (unchanged := self.not_modified(validators)) is not None:
            return unchanged
        page = selectors.changes_after(after, limit, head=validators.position, staff=self.sees_staff_only)
        show_identity = self.shows_identities
        next_after = page.next_after
        head = selectors.log_head(validators.position)
        data = {
            "results": [s.change_row(event, show_identity=show_identity) for event in page.events],
            "next_after": next_after,
            "last_position": validators.position,
            "head": s.head_row(head),
            "next": replace_query_param(request.build_absolute_uri(), "after", next_after),
        }
        return published(self.answer(data, validators), head)


class FeedView(ApiView):
    renderer_classes = [AtomRenderer, JSONRenderer]

    @extend_schema(
        summary="Atom feed of the latest recorded and corrected developments",
        parameters=[
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": MAX_FEED},
                description=f"Entries, 1 to {MAX_FEED} (default 50).",
            )
        ],
        responses={
            (200, AtomRenderer.media_type): OpenApiResponse(OpenApiTypes.STR, description="Atom 1.0"),
            (200, "application/json"): s.FeedSerializer,
            304: NOT_MODIFIED,
            **ERRORS,
        },
    )
    def get(self, request: Request) -> Response:
        limit = _whole_number(request, "limit", 50, 1, MAX_FEED)
        validators = self.conditional(None)
        if (unchanged := self.not_modified(validators)) is not None:
            return unchanged
        base_url = self.base_url()
        entries = [
            {
                "development": str(version.development_id),
                "url": f"{base_url}/api/developments/{version.development_id}/",
                "version": version.version,
                "position": version.valid_from_position,
                "event_type": version.event_type,
                "changed_at": version.valid_from_time.isoformat(),
                "title": version.title,
                "display_date": version.display_date,
                "category": version.category,
                "status": s.api_status(version.status, version.disputed),
                "change": version.change,
                "reason": version.reason,
            }
            for version in selectors.latest_changes(limit)
        ]
        head = selectors.log_head(validators.position)
        data = {"title": "Timeline changes", "results": entries, "head": s.head_row(head)}
        return published(self.answer(data, validators), head)
