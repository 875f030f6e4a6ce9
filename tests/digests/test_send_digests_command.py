"""`manage.py send_digests [--dry-run] [--week YYYY-Www]` against the loopback SMTP server (see conftest)."""

from __future__ import annotations

import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from digests.models import Delivery, DeliveryState
from tests.digests.conftest import SMTPServer, record_week, subscribe
from timeline import services as timeline
from timeline.models import Development

ROOT = Path(__file__).resolve().parents[2]


def test_a_bad_week_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "send_digests", "--week", "2025-W60"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "TIMELINE_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == ["CommandError: 2025 has no ISO week 60 (--week 2025-W60)."]


@pytest.mark.parametrize("week", ["2025-5", "last week", "2025-W53", "2025-W00", ""])
def test_every_malformed_or_impossible_week_is_refused_before_anything_is_read(week: str) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("send_digests", "--week", week)  # no database access is allowed in this test
    assert "\n" not in str(caught.value) and "--week" in str(caught.value)


@pytest.mark.django_db
def test_a_dry_run_composes_and_neither_claims_nor_sends(
    smtp: SMTPServer, old_timeline: dict[str, Development]
) -> None:
    subscribe()
    subscribe(email="second@example.org", categories=["government"])
    record_week(old_timeline)
    out = StringIO()

    call_command("send_digests", "--dry-run", "--week", "2025-W05", stdout=out)

    assert "2025-W05: would be 1 sent, 1 empty, 0 skipped, 0 failed, 0 paused (dry run" in out.getvalue()
    time.sleep(0.2)
    assert smtp.messages == [] and Delivery.objects.count() == 0


@pytest.mark.django_db
def test_a_dry_run_counts_exactly_what_the_send_then_does(
    smtp: SMTPServer, old_timeline: dict[str, Development]
) -> None:
    subscribe(email="early@example.org")
    record_week(old_timeline)
    call_command("send_digests", "--week", "2025-W05", stdout=StringIO())  # early@ has had this week's digest
    subscribe()  # gets the next development
    subscribe(email="government@example.org", categories=["government"])  # the next one is not for them
    timeline.development_record(title="Nvidia ships the H20", date="2024-01", category="corporate", kind="chip_launch")
    dry, real = StringIO(), StringIO()

    call_command("send_digests", "--dry-run", "--week", "2025-W05", stdout=dry)
    call_command("send_digests", "--week", "2025-W05", stdout=real)

    forecast = dry.getvalue().split(": would be ")[1].split(" (dry run")[0]
    assert real.getvalue().strip() == f"2025-W05: {forecast}."
    assert forecast == "1 sent, 1 empty, 1 skipped, 0 failed, 0 paused"


@pytest.mark.django_db
def test_a_week_sends_each_active_subscription_once_however_often_it_runs(
    smtp: SMTPServer, old_timeline: dict[str, Development]
) -> None:
    subscribe()
    subscribe(email="government@example.org", categories=["government"])
    record_week(old_timeline)

    first, second = StringIO(), StringIO()
    call_command("send_digests", "--week", "2025-W05", stdout=first)
    call_command("send_digests", "--week", "2025-W05", stdout=second)

    assert "2025-W05: 1 sent, 1 empty, 0 skipped" in first.getvalue()
    assert "2025-W05: 0 sent, 0 empty, 2 skipped" in second.getvalue()
    time.sleep(0.2)
    assert [m.rcpt_tos for m in smtp.wait_for(1)] == [["reader@example.org"]]
    assert sorted(Delivery.objects.values_list("state", flat=True)) == [DeliveryState.EMPTY, DeliveryState.SENT]


@pytest.mark.django_db
def test_without_a_week_it_sends_what_is_due_now(smtp: SMTPServer, old_timeline: dict[str, Development]) -> None:
    out = StringIO()
    call_command("send_digests", stdout=out)
    assert "No digest is due." in out.getvalue()
