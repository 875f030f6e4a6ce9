"""Reads for saved searches."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from alerts.models import AlertDelivery, SavedSearch


def saved_searches_of(user: Any) -> QuerySet[SavedSearch]:
    """A user's own saved searches (nobody else's, whoever they are)."""
    if not getattr(user, "is_authenticated", False):
        return SavedSearch.objects.none()
    return SavedSearch.objects.filter(owner=user).order_by("name", "pk")


def deliveries_of(search: SavedSearch, *, limit: int = 100) -> list[AlertDelivery]:
    return list(search.deliveries.order_by("-position", "pk")[:limit])
