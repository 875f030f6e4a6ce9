"""/api/changes/stream/: the change feed, live, as Server-Sent Events, resuming from Last-Event-ID."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import StreamingHttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request

from api import serializers as s
from api.views.base import ApiView
from api.views.changes import DEFAULT_CHANGES
from api.views.developments import ERRORS
from events import store
from timeline import selectors

# One message of the stream, as the SSE format carries it: `data` is one /api/changes/ row as JSON.
SSE_MESSAGE = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "description": "The event's log position: send it back as Last-Event-ID."},
        "event": {"type": "string", "description": "The event type, e.g. DevelopmentRecorded."},
        "data": {"type": "string", "description": "The change feed's row for the event, as JSON."},
        "retry": {"type": "integer"},
    },
}


# A log position: a whole number ≥ 0.
POSITION = {"type": "integer", "minimum": 0}


class EventStreamRenderer(BaseRenderer):
    """Lets content negotiation accept `Accept: text/event-stream`; the view streams the body itself."""

    media_type = "text/event-stream"
    format = "sse"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return json.dumps(data).encode("utf-8")


def _start_after(request: Request) -> int:
    """Where to resume: Last-Event-ID (what an EventSource sends on reconnecting), else ?after=, else the head.
    Each one given is a log position, whichever wins: a malformed one is a 400 naming it."""
    given = {"after": request.query_params.getlist("after"), "Last-Event-ID": []}
    if (header := request.headers.get("Last-Event-ID")) is not None:
        given["Last-Event-ID"] = [header]
    positions: dict[str, int] = {}
    for name, values in given.items():
        if len(values) > 1 or any(not value.strip().isdecimal() for value in values):
            raise exceptions.ValidationError({name: [f"{name} is one log position, a whole number ≥ 0."]})
        if values:
            positions[name] = int(values[0].strip())
    return positions.get("Last-Event-ID", positions.get("after", store.last_position()))


def event_stream(after: int, *, staff: bool, show_identity: bool) -> Iterator[bytes]:
    """The change feed's events after `after`, as SSE messages (id = position), then new ones as they commit.

    Bounded: it ends after ALERTS_STREAM_MAX_SECONDS (with `retry:` telling the client when to come back with its
    Last-Event-ID), so a connection never holds a web worker (or a gevent greenlet and a database connection)
    for ever; a comment every ALERTS_STREAM_KEEPALIVE_SECONDS keeps idle connections open through proxies.
    """
    started = last_sent = time.monotonic()
    yield b"retry: 2000\n\n"
    while time.monotonic() - started < float(settings.ALERTS_STREAM_MAX_SECONDS):
        head = store.last_position()
        while after < head:
            page = selectors.changes_after(after, DEFAULT_CHANGES, head=head, staff=staff)
            for event in page.events:
                row = s.change_row(event, show_identity=show_identity)
                data = json.dumps(row, ensure_ascii=False, default=str)
                yield f"id: {event.position}\nevent: {event.event_type}\ndata: {data}\n\n".encode()
                last_sent = time.monotonic()
            after = page.next_after
        if time.monotonic() - last_sent >= float(settings.ALERTS_STREAM_KEEPALIVE_SECONDS):
            yield b": keep-alive\n\n"
            last_sent = time.monotonic()
        # Between polls the database connection is given back, so an idle stream does not hold one (PostgreSQL's
        # max_connections is far smaller than the greenlets a gevent web process runs). Not inside a transaction
        # (a test's), which closing would end.
        if not connection.in_atomic_block:
            connection.close()
        time.sleep(float(settings.ALERTS_STREAM_POLL_SECONDS))


class ChangeStreamView(ApiView):
    renderer_classes = [EventStreamRenderer, JSONRenderer]

    @extend_schema(
        summary="The change feed, live, as Server-Sent Events",
        description="Each message is one event of /api/changes/ (same visibility: the review queue's streams and "
        "analysts' identities for analysts only), with `id` = its log position. Reconnect with `Last-Event-ID` "
        "(browsers' EventSource does) to miss nothing. A connection ends after "
        f"{settings.ALERTS_STREAM_MAX_SECONDS:g} s; reconnect.",
        parameters=[
            OpenApiParameter("after", POSITION, description="Start after this log position (default: the head)."),
            OpenApiParameter(
                "Last-Event-ID",
                POSITION,
                location=OpenApiParameter.HEADER,
                description="The id of the last message received (wins over `after`).",
            ),
        ],
        responses={
            (200, "text/event-stream"): OpenApiResponse(SSE_MESSAGE, description="Server-Sent Events"),
            **ERRORS,
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        after = _start_after(request)
        stream = event_stream(after, staff=self.sees_staff_only, show_identity=self.shows_identities)
        response = StreamingHttpResponse(stream, content_type="text/event-stream; charset=utf-8")
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"  # proxies must pass each message on at once
        return response
