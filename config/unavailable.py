"""The database failing is a 503, not a 500, on every page: the API, the admin and the public pages.

The API's exception handler answers its own views (api/exceptions.py). Everything else that escapes a view or a
middleware reaches Django's handler500, which is `server_error` here: when the exception is the database's state
(unreachable, read-only, full) the answer is a 503 with Retry-After and a sentence saying nothing was written;
any other exception stays Django's plain 500.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, InternalError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger(__name__)

# How long a client should wait before retrying after a 503 (seconds): a restart or failover, not an outage.
DATABASE_RETRY_AFTER = 5


def database_problem(exc: BaseException | None) -> str | None:
    """What is wrong with the database, in words for the caller, when `exc` is the database failing (not a bug).

    Connection errors, a read-only database (PostgreSQL's default_transaction_read_only, a replica, a read-only
    SQLite file) and a full disk are the database's state: 503, and the caller may retry. Other errors stay 500s.
    """
    text = str(exc).lower()
    read_only = "read-only" in text or "readonly" in text
    if isinstance(exc, InternalError) and not read_only:
        return None
    if not isinstance(exc, OperationalError | InterfaceError | InternalError):
        return None
    if read_only:
        return "The database is read-only at the moment; nothing was written. Try again later."
    if "full" in text or "no space left" in text or "could not extend" in text:
        return "The database is full; nothing was written. Try again later."
    return "The database cannot be reached at the moment; nothing was changed. Try again shortly."


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. Django calls it while handling the exception, so sys.exc_info() still holds it."""
    exc = sys.exc_info()[1]
    problem = database_problem(exc)
    if problem is None:
        return defaults.server_error(request)
    logger.error("answered 503: %s", exc, exc_info=exc)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": problem}, status=503)
    else:
        # No context processors and no database: the page must render while the database is down.
        # The page's one <style> carries the Content-Security-Policy nonce (absent when a middleware before
        # django-csp's failed; the page is then unstyled, not broken).
        nonce = str(getattr(request, "csp_nonce", ""))
        context = {"problem": problem, "retry_after": DATABASE_RETRY_AFTER, "csp_nonce": nonce}
        page = render_to_string("503.html", context)
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response
