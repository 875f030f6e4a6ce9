"""Failed admin logins are throttled: too many for one username, or from one address, answer 429 for a while.

A password guesser gets LOGIN_THROTTLE_USER_FAILURES tries per username (from anywhere) in each
LOGIN_THROTTLE_SECONDS window; then every POST for that username answers 429 with Retry-After, the right password
included, until the window passes. A successful login clears its username's count.

The username is counted as authentication sees it: Django's login form strips it and normalises it to NFKC, so
"ａｎａｌｙｓｔ２" (fullwidth) logs into "analyst2"; the count is kept on that form (and case-folded, which only
joins counts), never on the raw text, or each spelling would be a fresh set of guesses at the same account.

The address limit (LOGIN_THROTTLE_ADDRESS_FAILURES per client address) stops one address guessing at many real
accounts. It counts only failures on names that exist: a flood of failures on made-up names cannot lock a right
password for a real account out of an address that others share (an office, or every client at once when the
proxy's address is counted). The client address is config/client_address.py's: behind a proxy the service is
told to trust (TRUSTED_PROXIES), the client's, not the proxy's. The response is the same login form for an
unknown name and a wrong password, so the count reveals a name only to someone who already made the address
reach its limit with names they knew.

Counts live in Django's cache. The default cache is per process, so with several web processes a guesser gets
the limits once per process; CACHE_URL (Redis) shares them, as docker-compose.yml does. If that cache stops
answering, logins go on unthrottled and the log says so (config/shared_cache.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UsernameField
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse

from config.client_address import client_address
from config.shared_cache import CACHE_ERRORS, log_unavailable


def login_name(username: str) -> str:
    """The username as the login form hands it to authentication: stripped, NFKC (Django's UsernameField).

    With the form's own length limit, past which the form neither normalises (NFKC on megabytes is slow) nor
    accepts the name."""
    model = get_user_model()
    max_length = getattr(model._meta.get_field(model.USERNAME_FIELD), "max_length", None) or 254
    return str(UsernameField(max_length=max_length).to_python(username))


def _user_key(name: str) -> str:
    digest = hashlib.sha256(name.casefold().encode("utf-8")).hexdigest()[:32]
    return f"login-throttle:user:{digest}"


def _address_key(request: HttpRequest) -> str:
    return f"login-throttle:address:{client_address(request)}"


def _name_exists(name: str) -> bool:
    model = get_user_model()
    return bool(name) and model._default_manager.filter(**{model.USERNAME_FIELD: name}).exists()


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
        user_limit = int(settings.LOGIN_THROTTLE_USER_FAILURES)
        address_limit = int(settings.LOGIN_THROTTLE_ADDRESS_FAILURES)
        window = int(settings.LOGIN_THROTTLE_SECONDS)
        name = login_name(str(request.POST.get("username", "")))
        user_key, address_key = _user_key(name), _address_key(request)
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
                if _name_exists(name):
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
