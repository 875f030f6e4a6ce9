"""Writes for saved searches: create, change, delete, rotate the webhook secret."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alerts.models import Channel, SavedSearch
from events import store
from sources.feeds.fetching import AddressPolicy, UnsafeURLError, check_url
from timeline.selectors import TimelineFilters


class SavedSearchError(ValueError):
    """A saved search that cannot be kept as asked; `errors` maps field names to messages (the API's 400)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class SavedSearchChanges:
    """What an owner may set. None leaves a field as it is (on change); filters come already parsed."""

    name: str | None = None
    query: str | None = None
    filters: TimelineFilters | None = None
    channel: str | None = None
    webhook_url: str | None = None
    active: bool | None = None


def filters_as_mapping(filters: TimelineFilters) -> dict[str, Any]:
    """TimelineFilters as the mapping `timeline.selectors.filters_from_mapping` reads back (a named timeline's
    saved filters use the same shape), plus the named timeline, which saved searches may also filter on."""
    mapping: dict[str, Any] = {
        "category": list(filters.categories),
        "kind": list(filters.kinds),
        "entity": filters.entity_id or filters.entity,
        "tag": filters.tag,
        "from": filters.date_from.isoformat() if filters.date_from else "",
        "to": filters.date_to.isoformat() if filters.date_to else "",
        "q": filters.text,
        "disputed": filters.disputed,
        "min_reliability": filters.min_reliability,
        "timeline": filters.timeline,
    }
    return {key: value for key, value in mapping.items() if value not in ("", [], None)}


def webhook_policy() -> AddressPolicy:
    """Webhook targets are checked like feed addresses, with their own loopback switch: any signed-in user can
    name a webhook, so opening loopback for feeds (analysts' sources) must not open it for webhooks too."""
    return AddressPolicy(allow_loopback=settings.ALERTS_ALLOW_LOOPBACK)


def webhook_url_check(url: str) -> str:
    """The URL if it may receive webhooks (http/https, a host that resolves only to public addresses)."""
    try:
        return check_url(url, webhook_policy()).url
    except UnsafeURLError as error:
        raise SavedSearchError({"webhook_url": [str(error)]}) from error
    except Exception as error:  # FetchError: the host does not resolve
        raise SavedSearchError({"webhook_url": [f"refused {url}: {error}"]}) from error


def new_webhook_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def _check(search: SavedSearch) -> None:
    errors: dict[str, list[str]] = {}
    if not search.name.strip():
        errors["name"] = ["A saved search needs a name."]
    if search.channel not in Channel.values:
        errors["channel"] = [f"channel is one of {', '.join(Channel.values)}."]
    if search.channel == Channel.WEBHOOK and not search.webhook_url:
        errors["webhook_url"] = ["A webhook saved search needs a webhook_url."]
    if search.channel in (Channel.EMAIL, Channel.DAILY) and not getattr(search.owner, "email", ""):
        errors["channel"] = ["Email alerts need an email address on your account."]
    if errors:
        raise SavedSearchError(errors)
    if search.webhook_url:
        search.webhook_url = webhook_url_check(search.webhook_url)


def _apply(search: SavedSearch, changes: SavedSearchChanges) -> bool:
    """Copy the changes in; True when what matches changed (the search then starts afresh from the log's head)."""
    refiltered = False
    if changes.name is not None:
        search.name = changes.name.strip()
    if changes.query is not None:
        search.query = changes.query
    if changes.filters is not None:
        mapping = filters_as_mapping(changes.filters)
        refiltered = mapping != search.filters
        search.filters = mapping
    if changes.channel is not None:
        search.channel = changes.channel
    if changes.webhook_url is not None and changes.webhook_url != search.webhook_url:
        search.webhook_url = changes.webhook_url.strip()
        # A new address is a new endpoint: its health starts clean.
        search.webhook_failing_since = search.webhook_disabled_at = None
    if changes.active is not None:
        search.active = changes.active
    return refiltered


def saved_search_create(*, owner: Any, changes: SavedSearchChanges) -> SavedSearch:
    """A new saved search; it alerts on what happens from now on. Webhooks get a fresh secret."""
    search = SavedSearch(owner=owner, channel=changes.channel or Channel.EMAIL)
    _apply(search, changes)
    _check(search)
    if search.webhook_url:
        search.webhook_secret = new_webhook_secret()
    search.since_position = store.last_position()
    search.save()
    return search


def saved_search_change(*, search: SavedSearch, changes: SavedSearchChanges) -> SavedSearch:
    with transaction.atomic():
        search = SavedSearch.objects.select_for_update().get(pk=search.pk)
        refiltered = _apply(search, changes)
        _check(search)
        if search.webhook_url and not search.webhook_secret:
            search.webhook_secret = new_webhook_secret()
        if refiltered:
            search.since_position = max(search.since_position, store.last_position())
        search.save()
    return search


def saved_search_rotate_secret(*, search: SavedSearch) -> SavedSearch:
    search.webhook_secret = new_webhook_secret()
    search.save(update_fields=["webhook_secret", "updated_at"])
    return search


def saved_search_delete(*, search: SavedSearch) -> None:
    search.delete()


def webhook_enable(*, search: SavedSearch) -> None:
    """The owner (or an analyst) says the endpoint works again."""
    SavedSearch.objects.filter(pk=search.pk).update(
        webhook_disabled_at=None, webhook_failing_since=None, updated_at=timezone.now()
    )
