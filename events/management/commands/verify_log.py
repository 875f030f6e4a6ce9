"""Recompute the hash chain of the log, check it against the witnessed heads (and one recorded elsewhere), and
name the first position that does not match."""

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from events.maintenance import verify_log
from events.store import Head

_HEAD = re.compile(r"^(\d+):([0-9a-f]{64})$")


def parse_head(value: str) -> Head:
    """POSITION:HASH as the change feed and the Atom feed publish it (Log-Head header, `head` field)."""
    match = _HEAD.match(value.strip().lower())
    if match is None:
        raise CommandError(f"--expect-head takes POSITION:HASH (a whole number, a colon, 64 hex digits), not {value!r}")
    return Head(int(match.group(1)), match.group(2))


class Command(BaseCommand):
    help = (
        "Verify the event log's hash chain and that no witnessed head is missing; "
        "exits non-zero at the first bad position."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--expect-head",
            metavar="POSITION:HASH",
            help="a head of the log recorded elsewhere (from /api/changes/ or /api/feed/) that this copy must contain",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        expected = parse_head(options["expect_head"]) if options["expect_head"] else None
        result = verify_log(expected)
        if not result.ok:
            raise CommandError(f"log verification failed at position {result.first_bad_position}: {result.problem}")
        head = f", expected head {expected.position} present" if expected else ""
        self.stdout.write(f"log ok: {result.checked} events, hash chain intact{head}")
