"""Rate limits for anonymous and authenticated callers, rates read from settings at call time.

DRF's own throttles copy the rates when the module is imported; these look them up on every request, so a
deployment (and a test) changes them through settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]. Counts live in
the cache (CACHE_URL: shared by every process); when it stops answering, requests go through
(config/shared_cache.py). Anonymous callers are counted per client address as config/client_address.py
finds it (DRF's own rule believes any X-Forwarded-For a client sends unless NUM_PROXIES is set).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from config.client_address import client_address
from config.shared_cache import CACHE_ERRORS, log_unavailable


def _rate(scope: str | None) -> str | None:
    framework: dict[str, Any] = settings.REST_FRAMEWORK
    rate = framework.get("DEFAULT_THROTTLE_RATES", {}).get(scope or "")
    return str(rate) if rate else None


def _allow(throttle: SimpleRateThrottle, request: Request, view: Any) -> bool:
    try:
        return bool(SimpleRateThrottle.allow_request(throttle, request, view))
    except CACHE_ERRORS as error:
        log_unavailable(f"API throttle ({throttle.scope})", error)
        return True


class AnonThrottle(AnonRateThrottle):
    def get_rate(self) -> str | None:
        return _rate(self.scope)

    def get_ident(self, request: Request) -> str:
        return client_address(request)

    def allow_request(self, request: Request, view: Any) -> bool:
        return _allow(self, request, view)


class UserThrottle(UserRateThrottle):
    def get_rate(self) -> str | None:
        return _rate(self.scope)

    def get_ident(self, request: Request) -> str:
        return client_address(request)

    def allow_request(self, request: Request, view: Any) -> bool:
        return _allow(self, request, view)
