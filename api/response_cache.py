"""Whole answers to anonymous API reads, kept in the shared cache (CACHE_URL) and valid while what they depend on stays.

Every read that answers with an ETag depends on the log up to some position (api.conditional), and the log only
grows. So an answer built while the head was H is the answer to the same request for as long as the head is
still H. Each request shape has one slot in the cache holding the answer as it left the view's stack and the
mark it was built at: the log's head (position and chain hash) for most answers, and for the answers about one
development that depend on nothing else (its detail and history, timeline.selectors.marks) that development's
mark, so a write to another development leaves them standing. A read looks the slot up, then asks for the
current value of the slot's mark (one indexed query) and is answered from the slot only when they are equal. A
write moves the head, or the development's mark, and every slot built before it on that mark is invalidated by
construction: nothing has to be deleted, and a slot is overwritten by the next answer built for its request.

Why an answer built after reading mark M may stand for M: positions are handed out in commit order and the
projections commit with their events (events.store), so what the view reads afterwards reflects at least M. It
may reflect more (a write committed in between): a reader that saw M then gets something newer, never older.
The middleware reads the head before the view runs; a view that answers on a development's mark reads the mark
before what it shows and says so on its answer (depends_on), which the slot then records. The chain hash in a
mark tells two logs with the same length apart (a test database, a restore).

The cache is a middleware (ResponseCacheMiddleware), placed after the ones that decorate every answer (security
headers, CORS, CSP, Permissions-Policy) and before sessions, authentication and the view: a hit costs the mark's
query, one cache read and the API throttles, not a pass through DRF. What the middleware cannot know before the
view runs it decides from the raw request, conservatively: only a GET under /api/ without credentials (no
Authorization header, no session cookie) and without a condition (If-None-Match and If-Modified-Since are the
view's to answer, cheaply, from its validators) is looked up. And only what the view itself marked as an answer
to an anonymous GET (shareable(), called by api.views.base.ApiView), a 200 with an ETag and no cookie, is kept: an
analyst's answer (identities, the review queue) and a token user's never reach anyone else.

The slot's key holds everything such an answer depends on besides the log: scheme and host (absolute links),
path and query string, the Accept header (the view negotiates the format from it and ?format=), and the day (CSV
downloads are named after it). A hit still counts against the anonymous throttles (api.throttling) exactly as the
view would; a caller past them gets the view's own 429.

A cache that stops answering costs a miss, as for the throttles (config/shared_cache.py).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from rest_framework.request import Request

from api.throttling import refusals
from config.shared_cache import CACHE_ERRORS, log_unavailable
from events import store
from timeline import selectors

CACHE_ALIAS = "responses"
# Slots of requests nobody repeats (any query string makes one) go away after this; a slot in use is rewritten.
SLOT_SECONDS = 600
# Where the cached reads live; the rest of the site (pages, the admin, TAXII) is not looked up.
PATH_PREFIX = "/api/"
# After a write every reader of a list misses at once. One request builds each answer (it claims it in the cache
# for up to BUILD_SECONDS); the others asking the same at the same mark poll for it every POLL_SECONDS, for up to
# WAIT_SECONDS, then build it themselves. The answer they get was built after the mark they read, as a hit's is.
BUILD_SECONDS = 10
WAIT_SECONDS = 2.0
POLL_SECONDS = 0.02
# Set by the view on an answer to an anonymous GET: the only answers the middleware may keep.
SHAREABLE = "_response_cache_shareable"
# Set by a view whose answer depends on a development's mark rather than the log's head (depends_on).
BASIS = "_response_cache_basis"
# The scope of a slot valid while the log's head stays; a development's scopes name it (development_scope).
HEAD_SCOPE = "log"
# A development's mark when it is not there (an id nobody recorded): never equal to a slot's.
NO_MARK = "none"


@dataclass(frozen=True)
class Slot:
    """An answer as it left the view's stack, and the mark it was built at: what `scope` names, as `token`."""

    scope: str
    token: str
    status: int
    headers: list[tuple[str, str]]
    content: bytes


@dataclass(frozen=True)
class Basis:
    scope: str
    token: str


def shareable(request: Request, response: HttpResponseBase) -> None:
    """Mark `response` as one the cache may keep: the view answered it to a GET it authenticated as nobody."""
    if request.method == "GET" and not request.user.is_authenticated:
        setattr(response, SHAREABLE, True)


def development_scope(development_id: str, reach: selectors.MarkReach) -> str:
    return f"development:{reach.value}:{development_id}"


def depends_on(response: HttpResponseBase, scope: str, token: str) -> None:
    """Say that `response` stays right while `scope`'s mark is `token`, a value read before what it shows."""
    setattr(response, BASIS, Basis(scope, token))


def current_token(scope: str) -> str:
    """The current value of the mark `scope` names: the log's head, or one development's mark."""
    if scope == HEAD_SCOPE:
        return current_head()
    _, reach, development_id = scope.split(":", 2)
    mark = selectors.development_mark(development_id, selectors.MarkReach(reach))
    return mark.token if mark is not None else NO_MARK


def _looked_up(request: HttpRequest) -> bool:
    return (
        settings.API_RESPONSE_CACHE
        and request.method == "GET"
        and request.path.startswith(PATH_PREFIX)
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_IF_NONE_MATCH" not in request.META
        and "HTTP_IF_MODIFIED_SINCE" not in request.META
    )


def slot_key(request: HttpRequest) -> str | None:
    try:
        host = request.get_host()
    except DisallowedHost:
        return None  # the stack answers it (400); nothing to keep
    described = repr(
        (
            request.scheme,
            host,
            request.path,
            request.META.get("QUERY_STRING", ""),
            request.META.get("HTTP_ACCEPT", ""),
            timezone.now().date().isoformat(),
        )
    )
    # "marked": slots that record their mark's scope; those kept before, with a head alone, are never read.
    return "answer:marked:" + hashlib.sha256(described.encode("utf-8")).hexdigest()


def current_head() -> str:
    """The log's head as the slots record it."""
    return str(store.head())


def _read(key: str) -> Slot | None:
    try:
        slot = caches[CACHE_ALIAS].get(key)
    except CACHE_ERRORS as error:
        log_unavailable("The response cache lookup", error)
        return None
    return slot if isinstance(slot, Slot) else None


def _keep(key: str, looked_up: Basis, response: HttpResponseBase) -> None:
    """Keep what the view marked shareable, on the mark it says it read, else on the head read before it ran."""
    if (
        not getattr(response, SHAREABLE, False)
        or response.status_code != 200
        or response.streaming
        or not response.has_header("ETag")
        or response.cookies
    ):
        return
    basis = getattr(response, BASIS, None)
    if not isinstance(basis, Basis):
        if looked_up.scope != HEAD_SCOPE:
            # The slot was on a development's mark and the view now answers on the head, which nobody read before
            # it ran: drop the slot, so that the next read starts from the head.
            _forget(key)
            return
        basis = looked_up
    assert isinstance(response, HttpResponse)  # not streaming
    slot = Slot(basis.scope, basis.token, response.status_code, list(response.items()), bytes(response.content))
    try:
        caches[CACHE_ALIAS].set(key, slot, SLOT_SECONDS)
    except CACHE_ERRORS as error:
        log_unavailable("Keeping an answer in the response cache", error)


def _forget(key: str) -> None:
    try:
        caches[CACHE_ALIAS].delete(key)
    except CACHE_ERRORS as error:
        log_unavailable("Dropping an answer from the response cache", error)


def _throttles_allow(request: HttpRequest) -> bool:
    """Count a hit as the view counts an anonymous read (the same throttles); False when one refuses."""
    from api.views.base import ApiView

    # No authenticators: the request carries no credentials (_looked_up), so DRF would find nobody either.
    anonymous = Request(request, authenticators=())
    view = ApiView()
    return not refusals(anonymous, view, view.get_throttles())


def _claim_key(key: str, token: str) -> str:
    return f"{key}:building:{token}"


def _claim(key: str, token: str) -> bool:
    """True when this request is the one to build the answer for (request, mark); also when the cache is down."""
    try:
        return bool(caches[CACHE_ALIAS].add(_claim_key(key, token), 1, BUILD_SECONDS))
    except CACHE_ERRORS as error:
        log_unavailable("Claiming an answer to build", error)
        return True


def _release(key: str, token: str) -> None:
    try:
        caches[CACHE_ALIAS].delete(_claim_key(key, token))
    except CACHE_ERRORS as error:
        log_unavailable("Releasing an answer's claim", error)


def _wait_for(key: str, looked_up: Basis) -> Slot | None:
    """The answer another request is building for (request, mark), once kept; None if it gives up or keeps none.

    Only the claim is polled (a few bytes); the slot, which may hold a stale answer of any size (a CSV of the
    whole timeline), is read once, when the claim is gone."""
    claim = _claim_key(key, looked_up.token)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        try:
            building = caches[CACHE_ALIAS].get(claim) is not None
        except CACHE_ERRORS as error:
            log_unavailable("Waiting for an answer being built", error)
            return None
        if not building:
            slot = _read(key)
            # None: built and not kept (not a 200, a cookie) or its builder died: build it here.
            if slot is None:
                return None
            if slot.scope == looked_up.scope:
                return slot if slot.token == looked_up.token else None
            # The first answer for a request tells which mark it is on: ask that mark once.
            return slot if slot.token == current_token(slot.scope) else None
    return None


def _answer(slot: Slot) -> HttpResponse:
    response = HttpResponse(slot.content, status=slot.status)
    for name, value in slot.headers:
        response[name] = value
    return response


class ResponseCacheMiddleware:
    """Answers an anonymous API read from its slot while the slot's mark stays; keeps what the view marks."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not _looked_up(request) or (key := slot_key(request)) is None:
            return self.get_response(request)
        slot = _read(key)
        scope = slot.scope if slot is not None else HEAD_SCOPE
        looked_up = Basis(scope, current_token(scope))
        if slot is None or slot.token != looked_up.token:
            if _claim(key, looked_up.token):
                try:
                    response = self.get_response(request)
                    _keep(key, looked_up, response)
                finally:
                    _release(key, looked_up.token)
                return response
            slot = _wait_for(key, looked_up)
        if slot is not None and _throttles_allow(request):
            return _answer(slot)
        response = self.get_response(request)
        _keep(key, looked_up, response)
        return response
