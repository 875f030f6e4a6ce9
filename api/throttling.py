"""Rate limits for anonymous and authenticated callers, rates read from settings at call time.

DRF's own throttles copy the rates when the module is imported; these look them up on every request, so a
deployment (and a test) changes them through settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


def _rate(scope: str | None) -> str | None:
    framework: dict[str, Any] = settings.REST_FRAMEWORK
    rate = framework.get("DEFAULT_THROTTLE_RATES", {}).get(scope or "")
    return str(rate) if rate else None


class AnonThrottle(AnonRateThrottle):
    def get_rate(self) -> str | None:
        return _rate(self.scope)


class UserThrottle(UserRateThrottle):
    def get_rate(self) -> str | None:
        return _rate(self.scope)
