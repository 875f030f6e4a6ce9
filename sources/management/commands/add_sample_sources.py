"""Register the sample feeds served by `serve_sample_feeds` as sources (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sources.management.commands.serve_sample_feeds import sample_files
from sources.models import Source
from sources.services import source_add, source_url_problem


class Command(BaseCommand):
    help = "Add the sample feeds on http://127.0.0.1:PORT/ as sources (needs FEEDS_ALLOW_LOOPBACK=1)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args: Any, **options: Any) -> None:
        problem = source_url_problem(f"http://{options['host']}:{options['port']}/")
        if problem:
            raise CommandError(f"{problem} (the samples are on loopback: set FEEDS_ALLOW_LOOPBACK=1)")
        added = 0
        for name in sample_files():
            url = f"http://{options['host']}:{options['port']}/{name}"
            if Source.objects.filter(url=url).exists():
                continue
            try:
                source_add(url=url, name=f"Sample: {name.rsplit('.', 1)[0].replace('-', ' ')}")
            except ValidationError as error:
                reason = "; ".join(m for messages in error.message_dict.values() for m in messages)
                raise CommandError(f"{reason} (the samples are on loopback: set FEEDS_ALLOW_LOOPBACK=1)") from error
            added += 1
        self.stdout.write(f"sample sources: {added} added, {len(sample_files()) - added} already there")
