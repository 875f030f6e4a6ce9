"""Workers killed with SIGKILL in the middle of a task, and a worker whose database connection is cut.

Real `celery worker` subprocesses (tests/reliability/celery_app.py, acks_late and reject_on_worker_lost as in
production, a visibility timeout of 3 s so Redis redelivers within seconds) on a PRIVATE redis-server and the
PostgreSQL test database; feeds from a loopback HTTP server, mail to a loopback SMTP server (aiosmtpd).
PostgreSQL only: a worker process cannot share SQLite's in-memory test database.

Already covered elsewhere and not repeated here: a worker killed after a poll committed but before its ack
(tests/workers/test_feeds_worker.py), a digest claimed by a worker that then died, in-process
(tests/digests/test_delivery.py::test_a_worker_that_died_after_claiming_does_not_send_again).
"""

from __future__ import annotations

import asyncio
import http.server
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from celery import Celery
from django.db import connection

from digests.models import Delivery, DeliveryState
from sources.flagging.defaults import seed_watchlist
from sources.models import Candidate, Item, Source, WatchEntity, WatchPattern
from tests.digests.conftest import record_old, record_week, register_entities, subscribe
from tests.reliability.conftest import RedisServer, terminate_backends, wait_for
from tests.sources import feedserver
from tests.sources.feedserver import FeedServer, rss
from workers.models import Heartbeat

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.faults, pytest.mark.django_db(transaction=True)]
QUICK = {"TEST_VISIBILITY_TIMEOUT": "3"}
ITEMS = [
    ("k1", "BIS adds 40 Chinese AI chip firms to the Entity List", "The rule was published on April 2, 2025."),
    ("k2", "SMIC begins 5nm volume production for Huawei Ascend chips", ""),
    ("k3", "Local bakery wins award for sourdough", "Bread."),
]


@pytest.fixture
def producer(private_redis: RedisServer) -> Iterator[Celery]:
    app = Celery("faults-producer", broker=private_redis.url)
    yield app
    app.close()


@pytest.fixture
def watchlist() -> None:
    if not WatchPattern.objects.exists():  # a transactional test before this one flushed the seeded rows
        seed_watchlist(WatchEntity, WatchPattern)


def test_a_worker_killed_mid_fetch_is_redelivered_and_stores_each_item_once(
    private_redis: RedisServer, start_worker: Any, producer: Celery, watchlist: None, settings: Any
) -> None:
    server = FeedServer().start()
    in_flight = threading.Event()
    body = rss(*ITEMS)

    def slow_then_fine(request: http.server.BaseHTTPRequestHandler) -> None:
        if not in_flight.is_set():
            in_flight.set()  # the first fetch hangs: the worker is killed while it waits for the body
            request.send_response(200)
            request.send_header("Content-Type", "application/rss+xml")
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body[:100])
            request.wfile.flush()
            time.sleep(20)
            return
        feedserver.respond(request, 200, body, {"Content-Type": "application/rss+xml"})

    server.routes["/desk"] = slow_then_fine
    try:
        source = Source.objects.create(url=server.url("/desk"), name="desk", host="127.0.0.1")
        first = start_worker(private_redis.url, name="first", **QUICK)
        producer.send_task("workers.feeds.poll_source", args=[source.pk], queue="feeds", routing_key="feeds")
        assert in_flight.wait(60), first.tail()
        time.sleep(0.5)
        first.kill()
        assert not Item.objects.exists()  # nothing of the interrupted poll was kept

        second = start_worker(private_redis.url, name="second", **QUICK)
        wait_for(lambda: Source.objects.get(pk=source.pk).last_success_at is not None, 90, "the redelivery", second)
        assert len(server.hits("/desk")) >= 2
        assert Item.objects.count() == 3 and Item.objects.values("dedup_key").distinct().count() == 3
        assert Candidate.objects.count() == 2
        assert Source.objects.get(pk=source.pk).items_seen == 3
    finally:
        server.stop()


class SlowAcceptingHandler:
    """Keeps each message, then holds the reply to DATA: the worker is inside sendmail, waiting for "250"."""

    def __init__(self, hold: float) -> None:
        self.hold = hold
        self.received: list[bytes] = []
        self.data_seen = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(bytes(envelope.original_content or envelope.content))
        self.data_seen.set()
        if len(self.received) == 1:
            await asyncio.sleep(self.hold)
        return "250 Message accepted for delivery"


def test_a_worker_killed_mid_digest_is_redelivered_and_sends_nothing_twice(
    private_redis: RedisServer, start_worker: Any, producer: Celery
) -> None:
    from aiosmtpd.controller import Controller

    from tests.digests.conftest import free_port

    register_entities()
    record_week(record_old())
    subscription = subscribe()
    # Everything recorded so far is "this week" for the digest: its window starts before the fixtures' events.
    type(subscription).objects.filter(pk=subscription.pk).update(covered_to_position=0)
    handler = SlowAcceptingHandler(hold=30)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    mail = {"EMAIL_URL": f"smtp://127.0.0.1:{port}", "EMAIL_TIMEOUT": "60", "SITE_URL": "https://timeline.example"}
    try:
        first = start_worker(private_redis.url, name="mail-first", **QUICK, **mail)
        producer.send_task("digests.send", args=[subscription.pk, "2025-W05"], queue="email", routing_key="email")
        assert handler.data_seen.wait(60), first.tail()
        first.kill()  # the server has the message; the worker never heard "250" nor acknowledged the task

        second = start_worker(private_redis.url, name="mail-second", **QUICK, **mail)
        wait_for(lambda: "succeeded" in second.tail(), 60, "the redelivered send", second)
        time.sleep(1)  # a duplicate would be on its way now
        assert len(handler.received) == 1, "the redelivered task must not send the digest again"
        assert b"DeepSeek releases R1" in handler.received[0] or b"DeepSeek" in handler.received[0]
        row = Delivery.objects.get(subscription=subscription, week="2025-W05")
        # At most once: the claim stays "claimed" (the worker died before it could say "sent"); the admin shows
        # it, and the subscription's window did not move, so nothing is lost for good (digests/sending.py).
        assert row.state == DeliveryState.CLAIMED and row.attempts == 1
    finally:
        controller.stop()


def test_a_worker_whose_database_connection_was_cut_reconnects_for_its_next_task(
    private_redis: RedisServer, start_worker: Any, producer: Celery
) -> None:
    worker = start_worker(private_redis.url, name="beats", TEST_CONN_MAX_AGE="600")

    def beats() -> int:
        row = Heartbeat.objects.filter(name="beat").first()
        return row.beats if row else 0

    producer.send_task("workers.tasks.heartbeat", queue="default", routing_key="default")
    wait_for(lambda: beats() == 1, 60, "the first heartbeat", worker)
    assert terminate_backends(connection.settings_dict["NAME"]) >= 1  # the worker's persistent connection too
    producer.send_task("workers.tasks.heartbeat", queue="default", routing_key="default")
    wait_for(lambda: beats() == 2, 30, "the heartbeat after the cut", worker)
    assert "OperationalError" not in worker.tail() and "InterfaceError" not in worker.tail()
    assert worker.process.poll() is None
