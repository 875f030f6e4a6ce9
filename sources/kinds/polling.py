"""Polls of the primary-source kinds: only fetching pages and reading bytes differ from a feed's poll.

Both kinds use the safe fetcher (conditional GET on the first request), and sources.services for the rest:
storing items and candidates, recording success (scheduling) or an error (backoff, parking). A broken page
or export anywhere in a poll is an error on its source and nothing of that poll is written.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import date, datetime
from typing import Any, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F

from sources import services
from sources.feeds.fetching import (
    FetchError,
    FetchResult,
    FetchTimeoutError,
    HTTPStatusError,
    fetch,
    limits_from_settings,
)
from sources.feeds.parsing import FeedParseError, ParsedEntry, ParsedFeed
from sources.feeds.pipeline import ProcessedEntry, entries_keyed, flag_entries
from sources.kinds import federal_register, screening_list
from sources.kinds.names import NameMatcher
from sources.kinds.suggestions import link_listed_entities
from sources.models import ListSnapshot, Source, SourceKind
from sources.selectors import (
    items_existing_keys,
    items_existing_keys_anywhere,
    list_snapshot_latest,
    watched_names,
    watchlist_rules,
)


def primary_poll(source: Source, now: datetime) -> services.PollOutcome:
    if source.kind == SourceKind.FEDERAL_REGISTER:
        return _poll_federal_register(source, now)
    if source.kind == SourceKind.SCREENING_LIST:
        return _poll_screening_list(source, now)
    raise ValueError(f"source {source.pk} has no primary kind ({source.kind})")


def _fetch_failed(source: Source, error: FetchError, now: datetime, prefix: str = "") -> services.PollOutcome:
    retry_after = error.retry_after if isinstance(error, HTTPStatusError) else None
    status = error.status if isinstance(error, HTTPStatusError) else None
    return services.source_record_error(
        source=source, message=f"{prefix}{error}", retry_after=retry_after, status=status, now=now
    )


def _not_modified(source: Source, result: FetchResult, now: datetime) -> services.PollOutcome:
    services._record_success(source, result, None, now=now, created=0)
    source.save(update_fields=services._SOURCE_STATE_FIELDS)
    return services.PollOutcome(source.pk, "not_modified")


def _store(
    source: Source,
    result: FetchResult,
    feed: ParsedFeed,
    entries: list[ProcessedEntry],
    now: datetime,
    snapshot: ListSnapshot | None = None,
) -> services.PollOutcome:
    duplicates = {
        processed.dedup_key: services._possible_duplicates(processed)
        for processed in entries
        if processed.flag and processed.flag.flagged
    }
    with transaction.atomic():
        created, candidates = services._store_entries(source, entries, duplicates, now=now)
        if snapshot is not None:
            snapshot.save()
        services._record_success(source, result, feed, now=now, created=created)
        source.items_seen = F("items_seen") + created
        source.save(update_fields=services._SOURCE_STATE_FIELDS)
    return services.PollOutcome(source.pk, "ok", new_items=created, candidates=candidates)


# --- the Federal Register -------------------------------------------------------------------------------------


def _poll_federal_register(source: Source, now: datetime) -> services.PollOutcome:
    query = cast(federal_register.FederalRegisterQuery, source.query or federal_register.default_query())
    url = federal_register.documents_url(source.url, query)
    # All pages share one fetch deadline, so a poll stays inside the worker's time limit however many pages.
    limits, started = limits_from_settings(), time.monotonic()
    try:
        first = fetch(url, etag=source.etag, last_modified=source.last_modified, limits=limits)
    except FetchError as error:
        return _fetch_failed(source, error, now)
    if first.not_modified:
        return _not_modified(source, first, now)
    entries: list[ProcessedEntry] = []
    all_entries: list[ParsedEntry] = []
    result, page_number, title = first, 1, ""
    try:
        while True:
            page = federal_register.parse_documents_page(result.body, url=result.url)
            title = title or page.feed.title
            all_entries += page.feed.entries
            keyed = entries_keyed(page.feed)
            # A document is one item across polls and sources: any source's copy makes it known.
            known = items_existing_keys_anywhere(keys=[processed.dedup_key for processed in keyed])
            fresh = [processed for processed in keyed if processed.dedup_key not in known]
            entries += fresh
            # Newest first: a page with something already known means the pages after it are known too.
            more = page.next_page_url and len(fresh) == len(keyed) and keyed
            if not more or page_number >= settings.FEDERAL_REGISTER_MAX_PAGES:
                break
            if not _same_host(page.next_page_url, source.url):
                raise federal_register.FederalRegisterError("next_page_url leads to another host")
            page_number += 1
            remaining = limits.deadline - (time.monotonic() - started)
            if remaining <= 0:
                raise FetchTimeoutError(f"the pages took longer than {limits.deadline:g} s together")
            result = fetch(page.next_page_url, limits=dataclasses.replace(limits, deadline=remaining))
    except FetchError as error:
        return _fetch_failed(source, error, now, prefix=f"page {page_number}: ")
    except FeedParseError as error:
        return services.source_record_error(
            source=source, message=f"{source.url}: page {page_number}: {error}", status=result.status, now=now
        )
    entries = _unique(entries)
    flag_entries(entries, watchlist_rules())
    feed = ParsedFeed(version="federal_register_v1", title=title, link=source.url, entries=all_entries)
    return _store(source, first, feed, entries, now)


def _same_host(url: str, other: str) -> bool:
    return (urlsplit(url).hostname or "").lower() == (urlsplit(other).hostname or "").lower()


def _unique(entries: list[ProcessedEntry]) -> list[ProcessedEntry]:
    """One entry per key: a document moving between pages while they are read is seen twice."""
    seen: set[str] = set()
    unique = []
    for processed in entries:
        if processed.dedup_key not in seen:
            seen.add(processed.dedup_key)
            unique.append(processed)
    return unique


# --- screening lists ------------------------------------------------------------------------------------------


def _poll_screening_list(source: Source, now: datetime) -> services.PollOutcome:
    query = cast(screening_list.ListQuery, source.query or screening_list.default_query())
    limits = dataclasses.replace(limits_from_settings(), max_bytes=settings.SCREENING_LIST_MAX_BYTES)
    try:
        result = fetch(source.url, etag=source.etag, last_modified=source.last_modified, limits=limits)
    except FetchError as error:
        return _fetch_failed(source, error, now)
    if result.not_modified:
        return _not_modified(source, result, now)
    previous = list_snapshot_latest(source_id=source.pk)
    try:
        current = screening_list.parse_export(result.body, lists=query.get("lists") or [])
        if previous is not None:
            screening_list.check_shrink(
                previous=previous.entry_count, current=len(current), max_drop=settings.SCREENING_LIST_MAX_DROP
            )
    except FeedParseError as error:
        return services.source_record_error(
            source=source, message=f"{source.url}: {error}", status=result.status, now=now
        )
    digest = screening_list.snapshot_digest(current)
    feed = ParsedFeed(version="screening_list", title=source.name, link=source.url)
    if previous is not None and previous.digest == digest:
        return _store(source, result, feed, [], now)
    snapshot = ListSnapshot(source=source, taken_at=now, entry_count=len(current), digest=digest, entries=current)
    # The first snapshot is the baseline: the list as found is not news, its changes from now on are.
    entries = changes_processed(previous.entries if previous else None, current, today=now.date(), source=source)
    return _store(source, result, feed, entries, now, snapshot=snapshot)


def changes_processed(
    previous: dict[str, Any] | None, current: dict[str, screening_list.ListEntry], *, today: date, source: Source
) -> list[ProcessedEntry]:
    """The changes since the previous snapshot as new, flagged entries with their watched entities linked."""
    if previous is None:
        return []
    diff = screening_list.snapshot_diff(previous, current)
    feed = ParsedFeed(version="screening_list", entries=screening_list.diff_entries(diff, today=today))
    keyed = entries_keyed(feed)
    known = items_existing_keys(source_id=source.pk, keys=[processed.dedup_key for processed in keyed])
    fresh = [processed for processed in keyed if processed.dedup_key not in known]
    rules = watchlist_rules()
    flag_entries(fresh, rules)
    matcher = NameMatcher(watched_names(rules))
    for processed in fresh:
        assert processed.flag is not None
        link_listed_entities(processed.flag, processed.entry.facts, matcher)
    return fresh
