"""Failed admin logins are throttled: too many for one username, or from one address, answer 429 for a while.

A password guesser gets LOGIN_THROTTLE_USER_FAILURES tries per username and LOGIN_THROTTLE_ADDRESS_FAILURES
per client address in each LOGIN_THROTTLE_SECONDS window; then every POST to the admin login page answers 429
with Retry-After, the right password included, until the window passes. A successful login clears its
username's count. The address limit is the higher one because offices and proxies share addresses.

Counts live in Django's cache. The default cache is per process, so with several web processes a guesser gets
the limits once per process; CACHE_URL (Redis) shares them, as docker-compose.yml does. If that cache stops
answering, logins go on unthrottled and the log says so (config/shared_cache.py). Behind a proxy
REMOTE_ADDR is the proxy's address, so the address limit then counts everyone together; the username limit
is the one that stops guessing either way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse

from config.shared_cache import CACHE_ERRORS, log_unavailable


def _limits() -> tuple[int, int, int]:
    return (
        int(getattr(settings, "LOGIN_THROTTLE_USER_FAILURES", 5)),
        int(getattr(settings, "LOGIN_THROTTLE_ADDRESS_FAILURES", 30)),
        int(getattr(settings, "LOGIN_THROTTLE_SECONDS", 15 * 60)),
    )


def _user_key(username: str) -> str:
    digest = hashlib.sha256(username.strip().lower().encode("utf-8")).hexdigest()[:32]
    return f"login-throttle:user:{digest}"


def _address_key(request: HttpRequest) -> str:
    return f"login-throttle:address:{request.META.get('REMOTE_ADDR', '')}"


def _count_failure(key: str, window: int) -> None:
    cache.add(key, 0, timeout=window)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)


class AdminLoginThrottleMiddleware:
    """Counts failed POSTs to the admin login page and refuses more once a limit is reached."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or request.path != _login_path():
            return self.get_response(request)
        user_limit, address_limit, window = _limits()
        username = str(request.POST.get("username", ""))
        user_key, address_key = _user_key(username), _address_key(request)
        try:
            refused = (cache.get(user_key) or 0) >= user_limit or (cache.get(address_key) or 0) >= address_limit
        except CACHE_ERRORS as error:
            log_unavailable("admin login throttle", error)
            return self.get_response(request)
        if refused:
            minutes = max(1, round(window / 60))
            response = HttpResponse(
                f"Too many failed logins. Try again in {minutes} minutes.\n",
                status=429,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = str(window)
            return response
        response = self.get_response(request)
        try:
            if response.status_code == 200:  # the login form came back: the credentials were wrong
                _count_failure(user_key, window)
                _count_failure(address_key, window)
            elif response.status_code in (301, 302, 303):  # logged in
                cache.delete(user_key)
        except CACHE_ERRORS as error:
            log_unavailable("admin login throttle", error)
        return response


def _login_path() -> str:
    try:
        return reverse("admin:login")
    except NoReverseMatch:
        return "/admin/login/"
