"""Send the digests that are due now, or every active subscription's digest for one ISO week."""

from __future__ import annotations

import re
from argparse import ArgumentParser
from collections import defaultdict
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from digests import sending
from digests.models import Subscription, SubscriptionStatus
from digests.selectors import subscriptions_due

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_week(value: str) -> str:
    """'2025-W05' as given, if it names a real ISO week; CommandError otherwise."""
    match = _WEEK.match(value.strip())
    if not match:
        raise CommandError(f"--week must look like 2025-W05, not '{value}'.")
    year, week = int(match[1]), int(match[2])
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError as error:
        raise CommandError(f"{year} has no ISO week {week} (--week {value}).") from error
    return f"{year}-W{week:02d}"


class Command(BaseCommand):
    help = (
        "Send the weekly digests that are due now (as beat would), or with --week every active subscription's "
        "digest for that ISO week. Each (subscription, week) goes out at most once, however often this runs."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="say what a send would do now (sent, empty, skipped), claiming and sending nothing",
        )
        parser.add_argument("--week", help="ISO week (e.g. 2025-W05): send to every active subscription")

    def handle(self, *args: Any, **options: Any) -> None:
        batches: dict[str, list[int]] = defaultdict(list)
        if options.get("week") is not None:  # an empty --week is an error, not "now"
            week = parse_week(options["week"])
            batches[week] = list(
                Subscription.objects.filter(status=SubscriptionStatus.ACTIVE).values_list("pk", flat=True)
            )
        else:
            for subscription_id, week in subscriptions_due(timezone.now()):
                batches[week].append(subscription_id)
        if not batches or not any(batches.values()):
            self.stdout.write("No digest is due.")
            return
        dry_run = bool(options["dry_run"])
        for week, ids in sorted(batches.items()):
            report = sending.digests_send(subscription_ids=ids, week=week, dry_run=dry_run)
            counts = ", ".join(
                f"{report.count(outcome)} {outcome}"
                for outcome in (
                    sending.Outcome.SENT,
                    sending.Outcome.EMPTY,
                    sending.Outcome.SKIPPED,
                    sending.Outcome.FAILED,
                    sending.Outcome.PAUSED,
                )
            )
            if dry_run:
                # The same counts a send would print now, from the same selection and composition.
                self.stdout.write(f"{week}: would be {counts} (dry run: nothing claimed or sent).")
            else:
                self.stdout.write(f"{week}: {counts}.")
            for subscription_id, error in report.errors.items():
                self.stderr.write(f"  subscription {subscription_id}: {error}")
