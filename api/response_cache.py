"""Whole answers to anonymous reads, kept in the shared cache (CACHE_URL) and valid while the log's head stays.

Every read that answers with an ETag depends on the log up to some position (api.conditional), and the log only
grows. So an answer built while the head was H is the answer to the same request for as long as the head is
still H. Each request shape has one slot in the cache holding the head it was built at (position and chain
hash) and the rendered answer; a read looks the head up first (one indexed query) and is answered from the slot
only when the slot's head is that head. A write moves the head, and every slot built before it is invalidated by
construction: nothing has to be deleted, and a slot is overwritten by the next answer built for its request.

Why an answer built after reading head H may stand for H: positions are handed out in commit order and the
projections commit with their events (events.store), so what the view reads afterwards reflects at least H. It
may reflect more (a write committed in between): a reader that saw head H then gets something newer, never
older. The chain hash in the slot tells two logs with the same length apart (a test database, a restore).

Only anonymous GETs are kept: an analyst's answer (identities, the review queue) and a token user's must never
reach anyone else, and the public reads are the load. The slot's key holds everything an anonymous answer
depends on besides the log: scheme and host (absolute links), path and query string, the negotiated format and
media type, and the day (CSV downloads are named after it). Conditional requests are not looked up (the view
answers them from its validators, cheaply), and only a 200 with an ETag and no cookie is kept.

A cache that stops answering costs a miss, as for the throttles (config/shared_cache.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from rest_framework.request import Request

from config.shared_cache import CACHE_ERRORS, log_unavailable
from events import store

CACHE_ALIAS = "responses"
# Slots of requests nobody repeats (any query string makes one) go away after this; a slot in use is rewritten.
SLOT_SECONDS = 600


@dataclass(frozen=True)
class Slot:
    """An answer as it was rendered, and the head of the log it was built at."""

    head: str
    status: int
    headers: list[tuple[str, str]]
    content: bytes


@dataclass(frozen=True)
class Lookup:
    """Where a cacheable request's answer is kept, the head it must have been built at, and the answer if so."""

    key: str
    head: str
    hit: HttpResponse | None


def _cacheable(request: Request) -> bool:
    return (
        settings.API_RESPONSE_CACHE
        and request.method == "GET"
        and not request.user.is_authenticated
        and "If-None-Match" not in request.headers
        and "If-Modified-Since" not in request.headers
    )


def _key(request: Request) -> str:
    described = repr(
        (
            request.scheme,
            request.get_host(),
            request.path,
            request.META.get("QUERY_STRING", ""),
            getattr(request.accepted_renderer, "format", ""),
            request.accepted_media_type,
            timezone.now().date().isoformat(),
        )
    )
    return "answer:" + hashlib.sha256(described.encode("utf-8")).hexdigest()


def lookup(request: Request) -> Lookup | None:
    """None when the request is not one to cache; else its slot, with the answer when it was built at this head."""
    if not _cacheable(request):
        return None
    key = _key(request)
    head = str(store.head())
    try:
        slot = caches[CACHE_ALIAS].get(key)
    except CACHE_ERRORS as error:
        log_unavailable("The response cache lookup", error)
        return Lookup(key, head, None)
    if not isinstance(slot, Slot) or slot.head != head:
        return Lookup(key, head, None)
    response = HttpResponse(slot.content, status=slot.status)
    for name, value in slot.headers:
        response[name] = value
    return Lookup(key, head, response)


def keep(found: Lookup, response: HttpResponseBase) -> None:
    """Once the view's answer is rendered, put it in the slot if it is an answer to keep."""
    if found.hit is not None or response.status_code != 200 or not response.has_header("ETag"):
        return

    def store_rendered(rendered: Any) -> None:
        if rendered.cookies:
            return
        slot = Slot(found.head, rendered.status_code, list(rendered.items()), bytes(rendered.content))
        try:
            caches[CACHE_ALIAS].set(found.key, slot, SLOT_SECONDS)
        except CACHE_ERRORS as error:
            log_unavailable("Keeping an answer in the response cache", error)

    if hasattr(response, "add_post_render_callback"):
        response.add_post_render_callback(store_rendered)
    else:
        store_rendered(response)
