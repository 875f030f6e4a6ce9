"""Writes for ingestion: add, schedule and poll sources; store new items, stories and candidates.

A poll is idempotent: items are unique per source on their dedup key, a candidate is one-to-one with its
item, and the source's validators (ETag, Last-Modified) are saved in the same transaction as the items they
cover, so a worker killed at any point leaves either everything or nothing of that poll behind.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from sources.feeds import scheduling
from sources.feeds.dedup import jaccard
from sources.feeds.fetching import (
    FetchError,
    FetchResult,
    HTTPStatusError,
    UnsafeURLError,
    fetch,
    parse_target,
    policy_from_settings,
    resolve_checked,
)
from sources.feeds.locking import poll_guard
from sources.feeds.parsing import FeedParseError, ParsedFeed
from sources.feeds.pipeline import ProcessedEntry, feed_process
from sources.flagging.selectors import flagger_current
from sources.kinds.queries import default_query, query_problem
from sources.models import Candidate, Health, Item, Source, SourceKind, Story, StoryKey
from sources.selectors import (
    developments_citing_federal_register,
    developments_possibly_same,
    items_existing_keys,
    watchlist_rules,
)

logger = logging.getLogger(__name__)

STORY_WINDOW = timedelta(days=3)
STORY_SIMILARITY = 0.5
_SOURCE_STATE_FIELDS = [
    "etag",
    "last_modified",
    "next_check_at",
    "interval_seconds",
    "observed_interval_seconds",
    "ttl_seconds",
    "last_checked_at",
    "last_success_at",
    "last_new_item_at",
    "last_status",
    "health",
    "error_count",
    "last_error",
    "last_error_at",
    "bozo_message",
    "feed_title",
    "feed_link",
    "items_seen",
]


@dataclass(frozen=True)
class PollOutcome:
    source_id: int
    status: str  # ok | not_modified | error | skipped
    new_items: int = 0
    candidates: int = 0
    message: str = ""

    def __str__(self) -> str:
        text = f"source {self.source_id}: {self.status}"
        if self.status in {"ok", "not_modified"}:
            text += f", {self.new_items} new items, {self.candidates} candidates"
        return f"{text} ({self.message})" if self.message else text


# --- adding and managing sources ------------------------------------------------------------------------------


def source_url_problem(url: str) -> str | None:
    """Why the service will not fetch `url` (scheme, syntax, an address it resolves to), or None.

    A host that does not resolve now is accepted: the check is made again on every fetch.
    """
    try:
        target = parse_target(url)
        resolve_checked(target.host, target.port, policy_from_settings())
    except UnsafeURLError as error:
        return str(error)
    except FetchError:
        return None
    return None


def source_add(
    *,
    url: str,
    name: str = "",
    kind: str = SourceKind.FEED,
    query: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Source:
    """Register a source (a feed by default; a primary kind gets its default query unless given one); it is due
    at once. ValidationError (field errors) for an unsafe or known URL, an unknown kind or a bad query."""
    if kind not in SourceKind.values:
        raise ValidationError({"kind": [f"unknown source kind {kind!r} (one of {', '.join(SourceKind.values)})"]})
    query = default_query(kind) if query is None else query
    if problem := query_problem(kind, query):
        raise ValidationError({"query": [problem]})
    url = (url or "").strip()
    problem = source_url_problem(url) if url else "a URL is required"
    if problem:
        raise ValidationError({"url": [problem]})
    if Source.objects.filter(url=url).exists():
        raise ValidationError({"url": [f"a source with the URL {url} exists already"]})
    target = parse_target(url)
    name = (name or "").strip()[:200] or target.host
    return Source.objects.create(
        url=url, name=name, host=target.host.lower(), kind=kind, query=query, next_check_at=now or timezone.now()
    )


def source_move(*, source_id: int, url: str, now: datetime | None = None) -> Source:
    """Point a source at a new address of the same feed (its items, candidates and history stay its own);
    it is due at once. ValidationError (field errors) for an unsafe URL or one another source has."""
    url = (url or "").strip()
    problem = source_url_problem(url) if url else "a URL is required"
    if problem:
        raise ValidationError({"url": [problem]})
    if Source.objects.filter(url=url).exclude(pk=source_id).exists():
        raise ValidationError({"url": [f"a source with the URL {url} exists already"]})
    source = Source.objects.get(pk=source_id)
    source.url = url
    source.host = parse_target(url).host.lower()
    # The validators belong to the old server; asking the new one with them could answer 304 for a feed never read.
    source.etag = source.last_modified = ""
    source.next_check_at = now or timezone.now()
    source.save(update_fields=["url", "host", "etag", "last_modified", "next_check_at"])
    return source


def source_unpark(*, source_id: int, now: datetime | None = None) -> Source:
    """Give a parked or failing source a fresh start: healthy, no errors counted, due now."""
    source = Source.objects.get(pk=source_id)
    source.health = Health.OK
    source.error_count = 0
    source.next_check_at = now or timezone.now()
    source.save(update_fields=["health", "error_count", "next_check_at"])
    return source


def source_fetch_now(*, source_id: int, now: datetime | None = None) -> None:
    """Make a source due now (the next dispatch, within a minute, polls it)."""
    Source.objects.filter(pk=source_id).exclude(health=Health.PARKED).update(next_check_at=now or timezone.now())


def sources_claim_due(*, now: datetime | None = None, limit: int = 100) -> list[int]:
    """Claim the due sources for polling with a conditional UPDATE each, so that two dispatchers never both
    enqueue one source. A claim moves `next_check_at` a lease ahead: if the poll never runs, the source
    falls due again then; the poll itself sets the real next check."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.FEEDS_DISPATCH_LEASE_SECONDS)
    from sources.selectors import sources_due

    claimed = []
    for source_id in sources_due(now=now, limit=limit):
        updated = (
            Source.objects.filter(pk=source_id, active=True, next_check_at__lte=now)
            .exclude(health=Health.PARKED)
            .update(next_check_at=now + lease)
        )
        if updated:
            claimed.append(source_id)
    return claimed


# --- polling --------------------------------------------------------------------------------------------------


def source_poll(*, source_id: int, now: datetime | None = None) -> PollOutcome:
    """Fetch one source, store its new items and flag them. Raises sources.feeds.locking.PollBusyError when the
    source or its host is busy (the caller retries later); every fetch or feed problem is recorded on the
    source instead of raised."""
    source = Source.objects.filter(pk=source_id).first()
    if source is None:
        return PollOutcome(source_id, "skipped", message="no such source")
    if not source.active or source.health == Health.PARKED:
        return PollOutcome(source_id, "skipped", message="inactive" if not source.active else "parked")
    with poll_guard(source):
        source.refresh_from_db()
        return _poll(source, now or timezone.now())


def _poll(source: Source, now: datetime) -> PollOutcome:
    if source.kind != SourceKind.FEED:
        # Imported here: the primary kinds' polls store and record through this module.
        from sources.kinds.polling import primary_poll

        return primary_poll(source, now)
    try:
        result = fetch(source.url, etag=source.etag, last_modified=source.last_modified)
    except FetchError as error:
        retry_after = error.retry_after if isinstance(error, HTTPStatusError) else None
        status = error.status if isinstance(error, HTTPStatusError) else None
        return source_record_error(source=source, message=str(error), retry_after=retry_after, status=status, now=now)
    if result.not_modified:
        _record_success(source, result, None, now=now, created=0)
        source.save(update_fields=_SOURCE_STATE_FIELDS)
        return PollOutcome(source.pk, "not_modified")
    try:
        rules = watchlist_rules()
        feed, entries = feed_process(
            result.body,
            rules=rules,
            current=flagger_current(),
            content_type=result.headers.get("content-type", ""),
            url=result.url,
            is_new=lambda keys: set(keys) - items_existing_keys(source_id=source.pk, keys=keys),
        )
    except FeedParseError as error:
        return source_record_error(source=source, message=f"{source.url}: {error}", status=result.status, now=now)
    except Exception as error:  # a parser bug on hostile input must not stop this worker or other sources
        logger.exception("processing the feed of source %s failed", source.pk)
        message = f"{source.url}: processing failed ({type(error).__name__}: {error})".splitlines()[0]
        return source_record_error(source=source, message=message, status=result.status, now=now)

    duplicates = {
        processed.dedup_key: _possible_duplicates(processed)
        for processed in entries
        if processed.flag and processed.flag.flagged
    }
    with transaction.atomic():
        created, candidates = _store_entries(source, entries, duplicates, now=now)
        _record_success(source, result, feed, now=now, created=created)
        source.items_seen = F("items_seen") + created
        source.save(update_fields=_SOURCE_STATE_FIELDS)
    return PollOutcome(source.pk, "ok", new_items=created, candidates=candidates)


def _possible_duplicates(processed: ProcessedEntry) -> list[str]:
    flag = processed.flag
    assert flag is not None
    entity_ids = [entity["entity_id"] for entity in flag.entities if entity.get("entity_id")]
    # A news item naming a Federal Register document is about the development that document is.
    cited = developments_citing_federal_register(text=f"{processed.entry.title}\n{processed.entry.summary}")
    similar = developments_possibly_same(
        title=processed.entry.title,
        entity_ids=entity_ids,
        date_edtf=flag.date,
        published=processed.entry.dated_at,
        link=processed.entry.link,
    )
    return list(dict.fromkeys([*cited, *similar]))[:3]


def _header_value(value: str, limit: int) -> str:
    """A validator worth sending back: printable ASCII only (anything else would break the next request)."""
    value = value.strip()
    if len(value) > limit or not value.isascii() or not value.isprintable():
        return ""
    return value


def _record_success(
    source: Source, result: FetchResult, feed: ParsedFeed | None, *, now: datetime, created: int
) -> None:
    if result.etag or not result.not_modified:
        source.etag = _header_value(result.etag, 500)
    if result.last_modified or not result.not_modified:
        source.last_modified = _header_value(result.last_modified, 100)
    if feed is not None:
        observed = scheduling.observed_interval(entry.dated_at for entry in feed.entries)
        source.observed_interval_seconds = observed or source.observed_interval_seconds
        source.ttl_seconds = feed.ttl_seconds
        source.feed_title = feed.title[:500]
        source.feed_link = feed.link if len(feed.link) <= 2000 else ""
        source.bozo_message = feed.bozo_message
    interval = scheduling.next_interval(
        observed=source.observed_interval_seconds,
        ttl=source.ttl_seconds,
        max_age=result.max_age,
        retry_after=result.retry_after,
    )
    source.interval_seconds = interval
    source.next_check_at = now + timedelta(seconds=scheduling.jittered(interval))
    source.last_checked_at = source.last_success_at = now
    if created:
        source.last_new_item_at = now
    source.last_status = result.status
    source.health = Health.OK
    source.error_count = 0


def source_record_error(
    *,
    source: Source,
    message: str,
    retry_after: float | None = None,
    status: int | None = None,
    now: datetime | None = None,
) -> PollOutcome:
    """Count a failed poll: back off (interval x errors, capped, honouring Retry-After) or park the source."""
    now = now or timezone.now()
    source.refresh_from_db(fields=["error_count", "interval_seconds"])
    source.error_count += 1
    source.last_error = " ".join(message.split())[:2000]
    source.last_error_at = source.last_checked_at = now
    source.last_status = status
    if source.error_count >= scheduling.park_after_errors():
        source.health = Health.PARKED
        source.next_check_at = None
    else:
        source.health = Health.FAILING
        backoff = scheduling.error_backoff(
            interval=source.interval_seconds, error_count=source.error_count, retry_after=retry_after
        )
        source.next_check_at = now + timedelta(seconds=scheduling.jittered(backoff))
    source.save(
        update_fields=[
            "error_count",
            "last_error",
            "last_error_at",
            "last_checked_at",
            "last_status",
            "health",
            "next_check_at",
        ]
    )
    logger.warning("source %s failed (%s in a row): %s", source.pk, source.error_count, source.last_error)
    return PollOutcome(source.pk, "error", message=source.last_error)


# --- storing --------------------------------------------------------------------------------------------------


def _store_entries(
    source: Source, entries: list[ProcessedEntry], duplicates: dict[str, list[str]], *, now: datetime
) -> tuple[int, int]:
    created = candidates = 0
    for processed in entries:
        entry, flag = processed.entry, processed.flag
        try:
            with transaction.atomic():
                item = Item.objects.create(
                    source=source,
                    dedup_key=processed.dedup_key,
                    guid=entry.guid,
                    link=entry.link if len(entry.link) <= 2000 else "",
                    title=entry.title,
                    summary=entry.summary,
                    summary_html=entry.summary_html,
                    author=entry.author,
                    language=entry.language,
                    published_raw=entry.published_raw,
                    published_at=entry.published_at,
                    updated_raw=entry.updated_raw,
                    updated_at=entry.updated_at,
                    flag_score=flag.score if flag else None,
                    facts=entry.facts,
                    flag_model=flag.model if flag else "",
                    story=story_for(title=entry.title, tokens=processed.tokens, keys=processed.story_keys, now=now),
                )
                if flag is not None and flag.flagged:
                    Candidate.objects.create(
                        item=item,
                        score=flag.score,
                        reasons=flag.reasons,
                        category=flag.category,
                        kind=flag.kind,
                        entities=flag.entities,
                        date_edtf=flag.date,
                        possible_duplicates=duplicates.get(processed.dedup_key, []),
                        model_version=flag.model,
                    )
                    candidates += 1
        except IntegrityError:
            continue  # stored meanwhile by another poll of this source (a redelivered task): nothing to add
        created += 1
    return created, candidates


def story_for(*, title: str, tokens: frozenset[str], keys: list[str], now: datetime) -> Story | None:
    """The story a new item belongs to: a recent story whose title is alike (Jaccard >= 0.5 on title words,
    found through MinHash band keys), else a new story of its own."""
    if not tokens:
        return None
    since = now - STORY_WINDOW
    story_ids = set(StoryKey.objects.filter(key__in=keys, created_at__gte=since).values_list("story_id", flat=True))
    best: tuple[float, Story] | None = None
    for story in Story.objects.filter(pk__in=story_ids):
        similarity = jaccard(tokens, story.tokens.split())
        if similarity >= STORY_SIMILARITY and (best is None or similarity > best[0]):
            best = (similarity, story)
    if best is not None:
        Story.objects.filter(pk=best[1].pk).update(item_count=F("item_count") + 1, updated_at=now)
        return best[1]
    story = Story.objects.create(title=title[:500], tokens=" ".join(sorted(tokens)), item_count=1)
    StoryKey.objects.bulk_create([StoryKey(story=story, key=key) for key in keys], ignore_conflicts=True)
    return story
