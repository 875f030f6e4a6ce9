"""Recompute the hash chain of the log and name the first position that does not match."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from events.maintenance import verify_log


class Command(BaseCommand):
    help = "Verify the event log's hash chain; exits non-zero at the first bad position."

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_log()
        if not result.ok:
            raise CommandError(f"log verification failed at position {result.first_bad_position}: {result.problem}")
        self.stdout.write(f"log ok: {result.checked} events, hash chain intact")
