"""Reads are open; writes need a token (or session) of a user in the analyst or editor group."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from timeline.roles import is_analyst


class IsAnalystOrReadOnly(BasePermission):
    """Anyone may read; unauthenticated writers get 401, authenticated non-analysts 403."""

    message = "Only analysts and editors may change the timeline."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        # Returning False for an anonymous user makes DRF answer 401 with WWW-Authenticate: Token.
        return is_analyst(request.user)
