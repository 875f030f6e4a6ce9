"""Conditional GET: ETags from the log position an answer depends on, Last-Modified from its time.

The log only grows, so an answer that depends on positions up to P is the same for as long as it is asked
the same way (path, query, format, and whether the caller sees analysts' identities). For most answers P is
the log's head (or the as_of position); a development's detail and history depend on a few streams only, and P
is their last position, with what else tells two of their states apart (timeline.selectors.marks).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe
from rest_framework.request import Request
from rest_framework.response import Response

from timeline.roles import is_analyst


@dataclass(frozen=True)
class Validators:
    position: int
    etag: str
    last_modified: datetime | None


def _now() -> datetime:
    return timezone.now()


def _last_modified(recorded_at: datetime | None) -> datetime | None:
    """The time for Last-Modified, or None while its second is still running.

    HTTP dates have whole seconds: a Last-Modified of 12:00:00 handed out at 12:00:00.5 would let a change at
    12:00:00.8 answer 304 to If-Modified-Since: 12:00:00. So the header waits until the second is over (the
    ETag, which counts log positions, is always there).
    """
    if recorded_at is None or int(recorded_at.timestamp()) >= int(_now().timestamp()):
        return None
    return recorded_at


def validators(
    request: Request, position: int, recorded_at: datetime | None, *, prefix: str = "", state: str = ""
) -> Validators:
    """`state`: what besides `position` tells two answers apart (a development's links from others)."""
    renderer = getattr(request, "accepted_renderer", None)
    query = sorted((key, value) for key in request.query_params for value in request.query_params.getlist(key))
    key = repr((request.path, query, getattr(renderer, "format", ""), is_analyst(request.user)))
    if state:
        key += state
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return Validators(position, f'"{prefix}p{position}-{digest}"', _last_modified(recorded_at))


def _tags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


def is_not_modified(request: Request, current: Validators) -> bool:
    """If-None-Match first (RFC 9110); If-Modified-Since only when there is no If-None-Match."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match:
        tags = _tags(if_none_match)
        return "*" in tags or current.etag in tags
    since = request.headers.get("If-Modified-Since")
    if since and current.last_modified is not None:
        parsed = parse_http_date_safe(since)
        return parsed is not None and int(current.last_modified.timestamp()) <= parsed
    return False


def decorate(response: Response, current: Validators, *, private: bool) -> Response:
    response["ETag"] = current.etag
    if current.last_modified is not None:
        response["Last-Modified"] = http_date(current.last_modified.timestamp())
    response["Cache-Control"] = ("private" if private else "public") + ", no-cache"
    patch_vary_headers(response, ["Accept", "Authorization", "Cookie"])
    return response


def not_modified_response(current: Validators, *, private: bool) -> Response:
    return decorate(Response(status=304), current, private=private)
