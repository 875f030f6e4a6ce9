"""Parse, sanitise, dedup and flag one feed body without touching the database.

The workers, `manage.py flag_feed` and the benchmark all run this same code; the workers then store what
is new (sources.services).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sources.feeds.dedup import FeedDeduplicator, story_keys, title_tokens
from sources.feeds.parsing import ParsedEntry, ParsedFeed, parse_feed
from sources.flagging.combined import CurrentModel, ItemText, flag_items
from sources.flagging.rules import RuleSet
from sources.flagging.scoring import FlagResult
from sources.kinds.suggestions import flag_with_facts


@dataclass
class ProcessedEntry:
    entry: ParsedEntry
    dedup_key: str
    tokens: frozenset[str]
    story_keys: list[str]
    flag: FlagResult | None = None


def entries_keyed(feed: ParsedFeed) -> list[ProcessedEntry]:
    """Each entry with its per-source dedup key and story signature; exact repeats inside the feed dropped."""
    deduplicator = FeedDeduplicator()
    processed = []
    for entry in feed.entries:
        # ParsedEntry links are canonical already (sources.feeds.parsing).
        key = deduplicator.key(
            guid=entry.guid, link=entry.link, title=entry.title, content=entry.summary, link_is_canonical=True
        )
        if key is None:
            continue
        tokens = title_tokens(entry.title)
        processed.append(ProcessedEntry(entry, key, tokens, story_keys(tokens)))
    return processed


def flag_entries(entries: list[ProcessedEntry], rules: RuleSet, current: CurrentModel | None = None) -> None:
    """Flag every entry; with a learned model, the whole feed is scored in one batch. A primary source's entry then
    takes its own kind, category and date (sources.kinds)."""
    items = [ItemText(p.entry.title, p.entry.summary, p.entry.dated_at) for p in entries]
    for processed, flag in zip(entries, flag_items(items, rules=rules, current=current), strict=True):
        facts = processed.entry.facts
        processed.flag = flag_with_facts(flag, facts, rules) if facts else flag


def feed_process(
    body: bytes,
    *,
    rules: RuleSet,
    current: CurrentModel | None = None,
    content_type: str = "",
    url: str = "",
    is_new: Callable[[list[str]], set[str]] | None = None,
) -> tuple[ParsedFeed, list[ProcessedEntry]]:
    """parse -> sanitise -> dedup -> flag (the rules, and `current`, the learned model, if any). With `is_new`
    (keys -> the keys not seen before), only new entries are flagged and returned.
    Raises sources.feeds.parsing.FeedParseError when the body is no feed."""
    feed = parse_feed(body, content_type=content_type, url=url)
    entries = entries_keyed(feed)
    if is_new is not None:
        fresh = is_new([processed.dedup_key for processed in entries])
        entries = [processed for processed in entries if processed.dedup_key in fresh]
    flag_entries(entries, rules, current)
    return feed, entries
