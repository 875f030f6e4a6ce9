"""The feed tasks run in-process (Celery's eager mode) on the test database, with a real HTTP server on loopback:
the dispatcher claims due sources and polls them, busy sources are retried, a time limit is recorded."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from celery.exceptions import Retry, SoftTimeLimitExceeded
from django.utils import timezone

from config.celery import app
from sources.feeds.locking import poll_guard
from sources.models import Candidate, Health, Source
from sources.services import source_add
from tests.sources import feedserver
from tests.sources.feedserver import FeedServer, rss
from workers import feeds
from workers.schedule import BEAT_SCHEDULE

pytestmark = pytest.mark.django_db

ITEM = ("g1", "Commerce adds Chinese AI chip designers to the Entity List", "BIS said on Tuesday.")


@pytest.fixture
def server() -> Any:
    started = FeedServer().start()
    yield started
    started.stop()


@pytest.fixture
def eager(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    settings.FEEDS_ALLOW_LOOPBACK = True
    settings.CELERY_BROKER_URL = "filesystem://"
    monkeypatch.setattr(app.conf, "task_always_eager", True)
    monkeypatch.setattr(app.conf, "task_eager_propagates", True)
    return settings


def test_beat_runs_the_dispatcher_every_minute() -> None:
    app.loader.import_default_modules()
    entry = BEAT_SCHEDULE["feeds-dispatch-due"]
    assert entry["task"] == feeds.dispatch_due_sources.name and entry["task"] in app.tasks
    assert entry["schedule"] == 60.0
    assert feeds.poll_source.acks_late and feeds.poll_source.soft_time_limit and feeds.poll_source.time_limit


def test_a_poll_sent_without_time_limits_gets_the_feeds_poll_settings(settings: Any) -> None:
    # What a worker applies to a poll whose message names no limits (a retry, a poll sent by hand).
    settings.FEEDS_POLL_SOFT_TIME_LIMIT = 20
    settings.FEEDS_POLL_TIME_LIMIT = 30
    assert (feeds.poll_source.soft_time_limit, feeds.poll_source.time_limit) == (20, 30)


def test_celerys_time_limit_command_still_sets_the_poll_limits_of_a_running_worker(settings: Any) -> None:
    from celery.worker.control import time_limit

    task = app.tasks[feeds.POLL_TASK]
    try:
        assert time_limit(SimpleNamespace(app=app), task_name=feeds.POLL_TASK, soft=5, hard=8)["ok"]
        assert (task.soft_time_limit, task.time_limit) == (5, 8)
    finally:
        task._set_limits.clear()
    assert (task.soft_time_limit, task.time_limit) == (
        settings.FEEDS_POLL_SOFT_TIME_LIMIT,
        settings.FEEDS_POLL_TIME_LIMIT,
    )


def test_the_dispatcher_polls_each_due_source_once(server: FeedServer, eager: Any) -> None:
    server.routes["/a"] = feedserver.feed(rss(ITEM))
    server.routes["/b"] = feedserver.feed(rss(("g2", "Local bakery wins award", "")))
    for path in ("/a", "/b"):
        source_add(url=server.url(path))
    assert feeds.dispatch_due_sources.apply().get() == 2
    assert Candidate.objects.count() == 1 and len(server.requests) == 2
    assert feeds.dispatch_due_sources.apply().get() == 0  # nothing is due until the next check


def test_a_busy_source_is_retried_later_not_fetched_twice(server: FeedServer, eager: Any) -> None:
    server.routes["/a"] = feedserver.feed(rss(ITEM))
    source = source_add(url=server.url("/a"))
    with poll_guard(source), pytest.raises(Retry):
        feeds.poll_source.apply(args=[source.pk], throw=True)
    assert server.requests == []
    feeds.poll_source.apply(args=[source.pk], throw=True)
    assert len(server.requests) == 1 and Candidate.objects.count() == 1


def test_a_poll_over_its_soft_time_limit_is_recorded_on_the_source(eager: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    source = source_add(url="http://127.0.0.1:9/slow")

    def too_slow(**_: Any) -> None:
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(feeds, "source_poll", too_slow)
    result = feeds.poll_source.apply(args=[source.pk]).get()
    source.refresh_from_db()
    assert "time limit" in result and "took longer than" in source.last_error
    assert source.health == Health.FAILING and source.next_check_at > timezone.now()


def test_a_missing_source_is_skipped(eager: Any) -> None:
    assert "skipped" in feeds.poll_source.apply(args=[987654]).get()
    assert Source.objects.count() == 0


def test_beat_checks_for_a_retrain_every_five_minutes_and_retrains_nightly() -> None:
    app.loader.import_default_modules()
    assert BEAT_SCHEDULE["flagger-retrain-if-due"]["task"] == feeds.retrain_flagger_if_due.name in app.tasks
    assert BEAT_SCHEDULE["flagger-retrain-if-due"]["schedule"] == 300.0
    assert BEAT_SCHEDULE["flagger-retrain-nightly"]["task"] == feeds.retrain_flagger.name in app.tasks
    assert app.amqp.router.route({}, feeds.retrain_flagger.name)["queue"].name == "feeds"


def test_the_flagger_retrains_once_enough_new_decisions_are_in(eager: Any) -> None:
    from events.models import StoredEvent
    from sources.models import Item
    from sources.review.services import candidate_reject

    eager.FLAGGER_RETRAIN_AFTER_DECISIONS = 3
    source = Source.objects.create(url="https://news.example.org/feed", host="news.example.org")
    for n in range(4):
        item = Item.objects.create(source=source, dedup_key=f"k{n}", title=f"Benchmark notes {n}: Nvidia H100 serving")
        candidate = Candidate.objects.create(item=item, score=7.0)
        if n < 2:
            candidate_reject(candidate_id=candidate.pk, reason="a benchmark post", actor="ana")
    assert feeds.retrain_flagger_if_due.apply().get() == "not due: 2 of 3 new decisions"
    candidate_reject(candidate_id=Candidate.objects.filter(status="new").first().pk, reason="noise", actor="ana")  # type: ignore[union-attr]
    assert feeds.retrain_flagger_if_due.apply().get().startswith("model ")
    trained = StoredEvent.objects.get(stream="flagger")
    assert trained.data["training_sources"]["decision"] == 3
    assert feeds.retrain_flagger_if_due.apply().get() == "not due: 0 of 3 new decisions"
