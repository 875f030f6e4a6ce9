"""Redis stopped while the web serves and analysts record, and while a worker has queued feed polls.

The Redis here is a PRIVATE redis-server on a spare loopback port, with an append-only file, started and stopped
by the test (tests/reliability/conftest.py); the machine's shared Redis on 6379 is never touched. Stopping it
with SIGTERM and starting it again on the same folder is what a Redis restart (or a short outage with AOF) is.

- The web does not need the broker to read or record: nothing in a request enqueues a task (dispatchers find
  their work in the database every minute), so the API and the admin keep working, and /health/ready says the
  broker is down while /health/live stays up. Runs on SQLite and PostgreSQL.
- Queued polls survive the outage and resume when Redis is back, in the same worker process, which reconnects by
  itself; every item is stored once (PostgreSQL only: the worker subprocess shares the test database).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from celery import Celery
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from sources.flagging.defaults import seed_watchlist
from sources.models import Candidate, Item, Source, WatchEntity, WatchPattern
from tests.api.conftest import make_user
from tests.reliability.conftest import RedisServer, wait_for
from tests.sources import feedserver
from tests.sources.feedserver import FeedServer, rss
from timeline import services
from timeline.models import Development

BODY = {"title": "SMIC ships 5nm", "date": "2025-03", "category": "technology", "kind": "fab_milestone"}


@pytest.mark.django_db
def test_with_redis_down_the_api_and_the_admin_read_and_record_and_readiness_says_why(
    private_redis: RedisServer, settings: Any
) -> None:
    settings.CELERY_BROKER_URL = private_redis.url
    services.entity_register(entity_id="smic", name="SMIC", entity_type="fab")
    existing = services.development_record(
        title="BIS publishes the October 7, 2022 controls",
        date="2022-10-07",
        category="government",
        kind="rule_release",
    )
    _, key = make_user("ada", "analyst")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    staff = User.objects.create_user("eve", password="x", is_staff=True)
    staff.groups.add(Group.objects.get(name="analyst"))
    admin = Client()
    admin.force_login(staff)

    private_redis.stop()
    assert not private_redis.ping()

    assert api.get("/api/developments/").status_code == 200
    assert api.post("/api/developments/", {**BODY, "entities": ["smic"]}, format="json").status_code == 201
    revised = api.patch(f"/api/developments/{existing.pk}/", {"summary": "More.", "expected_version": 1}, format="json")
    assert revised.status_code == 200
    assert admin.get(reverse("admin:timeline_development_changelist")).status_code == 200
    assert admin.get(reverse("admin:timeline_development_change", args=[existing.pk])).status_code == 200
    assert Development.objects.count() == 2

    client = Client()
    assert client.get("/health/live").status_code == 200
    ready = client.get("/health/ready")
    assert ready.status_code == 503
    assert not ready.json()["checks"]["broker"]["ok"]
    assert any(reason.startswith("broker:") for reason in ready.json()["reasons"])

    private_redis.start()
    assert client.get("/health/ready").json()["checks"]["broker"]["ok"]


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_polls_queued_before_an_outage_resume_when_redis_returns_with_nothing_lost_or_doubled(
    private_redis: RedisServer, start_worker: Any, settings: Any
) -> None:
    settings.FEEDS_ALLOW_LOOPBACK = True
    if not WatchPattern.objects.exists():  # a transactional test before this one flushed the seeded rows
        seed_watchlist(WatchEntity, WatchPattern)
    server = FeedServer().start()
    producer = Celery("outage-producer", broker=private_redis.url)
    try:
        count = 8
        for number in range(count):
            items = [
                (
                    f"s{number}-a",
                    f"BIS adds firm {number} to the Entity List",
                    "The rule was published on April 2, 2025.",
                ),
                (f"s{number}-b", f"SMIC ramps 5nm line {number} for Huawei", ""),
                (f"s{number}-c", f"Local bakery {number} wins an award", "Bread."),
            ]
            # Each fetch takes a second, so most polls are still queued when Redis goes down.
            server.routes[f"/feed{number}"] = feedserver.feed(rss(*items), delay=1.0, conditional=False)
        sources = [
            Source.objects.create(url=server.url(f"/feed{n}"), name=f"feed{n}", host="127.0.0.1", next_check_at=None)
            for n in range(count)
        ]
        for source in sources:
            producer.send_task("workers.feeds.poll_source", args=[source.pk], queue="feeds", routing_key="feeds")
        assert private_redis.client().llen("feeds") == count

        worker = start_worker(private_redis.url, name="outage", TEST_VISIBILITY_TIMEOUT="5")
        wait_for(lambda: Item.objects.exists(), 60, "the first poll", worker)
        private_redis.stop()
        time.sleep(1.5)
        # The web goes on meanwhile: an analyst records a development (no broker involved).
        services.development_record(
            title="Recorded during the outage", date="2025", category="corporate", kind="investment"
        )
        time.sleep(3)
        polled_during_outage = Source.objects.filter(last_success_at__isnull=False).count()
        private_redis.start()

        wait_for(
            lambda: Source.objects.filter(last_success_at__isnull=False).count() == count,
            90,
            "every queued poll after Redis came back",
            worker,
        )
        assert worker.process.poll() is None, "the worker kept running: it reconnected, it was not restarted"
        assert polled_during_outage < count
        assert Item.objects.count() == 3 * count
        assert Item.objects.values("source", "dedup_key").distinct().count() == 3 * count
        assert Candidate.objects.count() == 2 * count
        assert sorted(Source.objects.values_list("items_seen", flat=True)) == [3] * count
        assert Development.objects.filter(title="Recorded during the outage").count() == 1
    finally:
        producer.close()
        server.stop()
