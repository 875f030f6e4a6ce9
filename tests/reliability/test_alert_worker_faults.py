"""A Celery worker killed with SIGKILL in the middle of sending webhooks loses no alert.

A real `celery worker` subprocess (tests/reliability/celery_app.py: acks_late, reject_on_worker_lost, a Redis
visibility timeout of 3 s) on a PRIVATE redis-server and the PostgreSQL test database; the webhook receiver is a
loopback HTTP server in this process. PostgreSQL only: a worker process cannot share SQLite's in-memory database.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from celery import Celery
from django.contrib.auth.models import User

from alerts import services
from alerts.consumer import alerts_consume_all
from alerts.models import AlertDelivery, Channel, DeliveryState
from api.filters import DevelopmentFilterSet
from tests.api.conftest import record
from tests.reliability.conftest import RedisServer, wait_for
from timeline.models import Development

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.faults, pytest.mark.django_db(transaction=True)]
QUICK = {"TEST_VISIBILITY_TIMEOUT": "3"}


@pytest.fixture
def producer(private_redis: RedisServer) -> Iterator[Celery]:
    app = Celery("alerts-faults-producer", broker=private_redis.url)
    yield app
    app.close()


class HangingReceiver:
    """Answers 200 and counts each webhook-id it answered; the first request hangs (no answer) until released."""

    def __init__(self) -> None:
        self.answered: Counter[str] = Counter()
        self.in_flight = threading.Event()
        self.release = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not receiver.in_flight.is_set():
                    receiver.in_flight.set()
                    receiver.release.wait(30)  # the worker is killed while it waits for this answer
                    return
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                receiver.answered[self.headers["webhook-id"]] += 1

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def test_a_worker_killed_mid_dispatch_loses_no_delivery(
    private_redis: RedisServer, start_worker: Any, producer: Celery, settings: Any
) -> None:
    settings.ALERTS_ALLOW_LOOPBACK = True
    receiver = HangingReceiver()
    try:
        owner = User.objects.create_user(username="olga", email="olga@example.org")
        filterset = DevelopmentFilterSet({}, queryset=Development.objects.none())
        assert filterset.is_valid()
        changes = services.SavedSearchChanges(
            name="all",
            query="",
            filters=filterset.timeline_filters(),
            channel=Channel.WEBHOOK,
            webhook_url=receiver.url,
        )
        services.saved_search_create(owner=owner, changes=changes)
        for index in range(5):
            record(title=f"Rule {index}")
        ids = alerts_consume_all().deliveries
        assert len(ids) == 5

        first = start_worker(private_redis.url, name="first", **QUICK)
        producer.send_task("alerts.send", args=[ids], queue="alerts", routing_key="alerts")
        assert receiver.in_flight.wait(60), first.tail()
        first.kill()  # mid-send: the first webhook has no answer, the other four are not sent yet

        second = start_worker(private_redis.url, name="second", **QUICK)
        deadline = time.monotonic() + 90
        # The redelivered task sends what is due; the claimed one is due again when its lease (5 s) ends, and the
        # dispatcher (beat's job, sent here by hand) finds it in the database.
        while time.monotonic() < deadline and sum(receiver.answered.values()) < 5:
            producer.send_task("alerts.dispatch_due", queue="alerts", routing_key="alerts")
            time.sleep(2)
        wait_for(lambda: AlertDelivery.objects.filter(state=DeliveryState.SENT).count() == 5, 30, "every send", second)
        expected = {row.delivery_id for row in AlertDelivery.objects.all()}
        assert set(receiver.answered) == expected
        assert set(receiver.answered.values()) == {1}  # each delivery id answered once
    finally:
        receiver.stop()
