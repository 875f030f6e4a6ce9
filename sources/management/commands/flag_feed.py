"""Run the workers' parse-sanitise-flag code on one feed (a file or a URL) and print what it would flag.

Writes nothing to the database. A URL goes through the same safe client as the workers; a refusal, an
unreadable file or a body that is no feed exits non-zero with one line saying why. A saved Federal Register
documents.json page is recognised by its content and flagged like a feed; with --previous OLD, the two files
are screening-list exports and the changes between them are printed as items.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils import timezone

from sources.feeds.fetching import FetchError, fetch
from sources.feeds.parsing import FeedParseError, ParsedEntry, parse_feed
from sources.flagging.combined import CurrentModel, ItemText, flag_items
from sources.flagging.rules import RuleSet, default_rules
from sources.flagging.selectors import flagger_current, shipped_model
from sources.kinds import federal_register, screening_list
from sources.kinds.names import NameMatcher, default_watched_names
from sources.kinds.suggestions import flag_with_facts, link_listed_entities
from sources.selectors import developments_possibly_same, watched_names, watchlist_rules


def _looks_like_url(value: str) -> bool:
    head = value.split("/", 1)[0]
    return "://" in value or (head.endswith(":") and head[:-1].isalpha() and len(head) > 2)


class Command(BaseCommand):
    help = "Flag the entries of one feed (a path or an http/https URL) without writing to the database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path_or_url")
        parser.add_argument("--jsonl", action="store_true", help="one JSON object per entry")
        parser.add_argument(
            "--default-rules", action="store_true", help="use the default watch-list, not the database's"
        )
        parser.add_argument(
            "--previous",
            metavar="OLD_FILE_OR_URL",
            help="screening lists: print the changes from this earlier export to PATH_OR_URL",
        )
        parser.add_argument("--rules-only", action="store_true", help="flag with the rules alone, no learned model")

    def handle(self, *args: Any, **options: Any) -> None:
        body, content_type, url = self._read(str(options["path_or_url"]))
        rules, with_database = self._rules(bool(options["default_rules"]))
        self._matcher = NameMatcher([])
        try:
            if options["previous"]:
                entries = self._changes(str(options["previous"]), body, rules, with_database)
            elif federal_register.looks_like_documents_page(body):
                entries = federal_register.parse_documents_page(body, url=url).feed.entries
            else:
                entries = parse_feed(body, content_type=content_type, url=url).entries
        except FeedParseError as error:
            raise CommandError(f"{options['path_or_url']}: {error}") from error
        current = None if options["rules_only"] else self._model(with_database)
        items = [ItemText(entry.title, entry.summary, entry.dated_at) for entry in entries]
        for entry, result in zip(entries, flag_items(items, rules=rules, current=current), strict=True):
            if entry.facts:
                result = flag_with_facts(result, entry.facts, rules)
                if entry.facts.get("source_kind") == "screening_list":
                    link_listed_entities(result, entry.facts, self._matcher)
            row: dict[str, Any] = {
                "guid": entry.guid,
                "link": entry.link,
                "title": entry.title,
                "flagged": result.flagged,
                "score": result.score,
                "category": result.category,
                "kind": result.kind,
                "entities": result.entity_names,
                "date": result.date,
                "reasons": result.reasons,
                "probability": result.probability,
                "model": result.model,
                **({"facts": entry.facts} if entry.facts else {}),
            }
            if result.flagged and with_database:
                row["possible_duplicates"] = developments_possibly_same(
                    title=entry.title,
                    entity_ids=[entity["entity_id"] for entity in result.entities if entity.get("entity_id")],
                    date_edtf=result.date,
                    published=entry.dated_at,
                    link=entry.link,
                )
            if options["jsonl"]:
                self.stdout.write(json.dumps(row, ensure_ascii=False))
            else:
                mark = "FLAG" if result.flagged else "    "
                label = f"{result.category or '-'}/{result.kind or '-'}"
                self.stdout.write(f"{mark} {result.score:5.1f} {label:32} {result.date or '':10} {entry.title[:90]}")

    def _changes(self, previous: str, body: bytes, rules: RuleSet, with_database: bool) -> list[ParsedEntry]:
        old_body = self._read(previous)[0]
        try:
            old = screening_list.parse_export(old_body)
        except FeedParseError as error:
            raise CommandError(f"{previous}: {error}") from error
        new = screening_list.parse_export(body)
        screening_list.check_shrink(previous=len(old), current=len(new), max_drop=settings.SCREENING_LIST_MAX_DROP)
        self._matcher = NameMatcher(watched_names(rules) if with_database else default_watched_names())
        diff = screening_list.snapshot_diff(old, new)
        return screening_list.diff_entries(diff, today=timezone.now().date())

    def _read(self, target: str) -> tuple[bytes, str, str]:
        limit = settings.FEEDS_MAX_BYTES
        if _looks_like_url(target):
            try:
                result = fetch(target)
            except FetchError as error:
                raise CommandError(str(error)) from error
            if result.not_modified:
                raise CommandError(f"{target}: the server answered 304 Not Modified to an unconditional request")
            return result.body, result.headers.get("content-type", ""), result.url
        path = Path(target)
        try:
            with path.open("rb") as handle:
                body = handle.read(limit + 1)
        except OSError as error:
            raise CommandError(f"cannot read {target}: {error.strerror or error}") from error
        if len(body) > limit:
            raise CommandError(f"{target} is larger than {limit:,} bytes (FEEDS_MAX_BYTES)")
        return body, "", ""

    def _model(self, with_database: bool) -> CurrentModel | None:
        """The current model; without a database, the one shipped with the code."""
        if with_database:
            try:
                return flagger_current()
            except DatabaseError:
                self.stderr.write("flag_feed: cannot read the current model; using the shipped one")
        return shipped_model() if settings.FLAGGER_ENABLED else None

    def _rules(self, defaults: bool) -> tuple[RuleSet, bool]:
        if defaults:
            return default_rules(), False
        try:
            return watchlist_rules(), True
        except DatabaseError:
            self.stderr.write("flag_feed: no watch-list in the database (not migrated?); using the default rules")
            return default_rules(), False
