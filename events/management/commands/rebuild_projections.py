"""Drop every read model and replay the log into it."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from events.maintenance import rebuild_projections


class Command(BaseCommand):
    help = "Drop the read models and rebuild them from the event log."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        count = rebuild_projections()
        elapsed = time.perf_counter() - started
        self.stdout.write(f"rebuilt projections from {count} events in {elapsed:.2f} s")
