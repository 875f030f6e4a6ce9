"""Register the sample feeds served by `serve_sample_feeds` as sources (idempotent; a new port moves them)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sources.management.commands.serve_sample_feeds import sample_files
from sources.models import Source
from sources.services import source_add, source_move, source_url_problem


class Command(BaseCommand):
    help = (
        "Add the sample feeds on http://127.0.0.1:PORT/ as sources (needs FEEDS_ALLOW_LOOPBACK=1); samples "
        "registered on another port are moved to this one, not added again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args: Any, **options: Any) -> None:
        problem = source_url_problem(f"http://{options['host']}:{options['port']}/")
        if problem:
            raise CommandError(f"{problem} (the samples are on loopback: set FEEDS_ALLOW_LOOPBACK=1)")
        added = moved = 0
        for name in sample_files():
            url = f"http://{options['host']}:{options['port']}/{name}"
            if Source.objects.filter(url=url).exists():
                continue
            # The same sample served on another port (an earlier run's --feeds-port) is the same feed at a new
            # address: moved, so its items and candidates are not all registered a second time.
            elsewhere = re.compile(rf"http://{re.escape(options['host'])}:\d+/{re.escape(name)}")
            earlier = [s for s in Source.objects.filter(url__endswith=f"/{name}") if elsewhere.fullmatch(s.url)]
            try:
                if earlier:
                    source_move(source_id=earlier[0].pk, url=url)
                    moved += 1
                else:
                    source_add(url=url, name=f"Sample: {name.rsplit('.', 1)[0].replace('-', ' ')}")
                    added += 1
            except ValidationError as error:
                reason = "; ".join(m for messages in error.message_dict.values() for m in messages)
                raise CommandError(f"{reason} (the samples are on loopback: set FEEDS_ALLOW_LOOPBACK=1)") from error
        there = len(sample_files()) - added - moved
        self.stdout.write(
            f"sample sources: {added} added, {moved} moved to port {options['port']}, {there} already there"
        )
