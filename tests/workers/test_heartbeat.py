"""The heartbeat task and its place in the beat schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from config.celery import app
from workers.models import Heartbeat
from workers.schedule import BEAT_SCHEDULE
from workers.services import heartbeat_record
from workers.tasks import heartbeat

pytestmark = pytest.mark.django_db


def test_the_first_beat_creates_the_row_with_the_time_it_ran() -> None:
    before = timezone.now()
    heartbeat.apply()
    beat = Heartbeat.objects.get(name="beat")
    assert beat.beats == 1
    assert before <= beat.last_beat_at <= timezone.now()


def test_each_later_beat_moves_the_time_forward_and_counts_one_more() -> None:
    start = timezone.now() - timedelta(minutes=5)
    heartbeat_record(name="beat", at=start)
    heartbeat.apply()
    heartbeat.apply()
    beat = Heartbeat.objects.get(name="beat")
    assert beat.beats == 3
    assert beat.last_beat_at > start
    assert Heartbeat.objects.count() == 1


def test_named_heartbeats_are_kept_apart() -> None:
    heartbeat_record(name="beat")
    heartbeat_record(name="other")
    assert Heartbeat.objects.get(name="beat").beats == 1
    assert Heartbeat.objects.get(name="other").beats == 1


def test_the_beat_schedule_names_only_registered_tasks_and_includes_the_heartbeat() -> None:
    app.loader.import_default_modules()
    assert BEAT_SCHEDULE["heartbeat"]["task"] == heartbeat.name
    for name, entry in BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"{name} schedules an unknown task {entry['task']}"


def test_the_celery_app_uses_the_schedule_from_workers() -> None:
    assert app.conf.beat_schedule["heartbeat"]["task"] == "workers.tasks.heartbeat"
