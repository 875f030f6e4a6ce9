"""Webhook delivery: Standard Webhooks signatures, retries, disabling, address checks. A loopback HTTP receiver
(tests/alerts/conftest.py) on 127.0.0.1; the owner's mail to Django's in-memory outbox."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from alerts import services
from alerts.consumer import alerts_consume_all
from alerts.delivery import Outcome, deliveries_due, deliveries_send, delivery_resend, delivery_send
from alerts.models import AlertDelivery, Channel, DeliveryState, SavedSearch
from tests.alerts.conftest import Receiver, closed_port, make_owner, save_search
from tests.api.conftest import record

pytestmark = pytest.mark.django_db


def send_due() -> list[Outcome]:
    return [delivery_send(delivery_id=pk) for pk in deliveries_due(now=timezone.now(), limit=1000)]


def webhook_search(url: str, query: str = "category=government", **fields: Any) -> SavedSearch:
    return save_search(make_owner(fields.pop("owner", "olga")), query, channel=Channel.WEBHOOK, webhook_url=url)


def test_a_webhook_verifies_with_the_standard_webhooks_reference_library(receiver: Receiver) -> None:
    search = webhook_search(receiver.url())
    development = record()
    alerts_consume_all()
    assert send_due() == [Outcome.SENT]

    [request] = receiver.received
    payload = Webhook(search.webhook_secret).verify(request.body, request.headers)
    assert payload["type"] == "development.recorded"
    assert payload["data"]["development"]["id"] == str(development.pk)
    assert payload["data"]["development"]["title"] == development.title
    assert request.headers["webhook-id"] == AlertDelivery.objects.get().delivery_id
    with pytest.raises(WebhookVerificationError):  # another endpoint's secret does not verify it
        Webhook(services.new_webhook_secret()).verify(request.body, request.headers)
    tampered = json.dumps({**payload, "type": "development.retracted"})
    with pytest.raises(WebhookVerificationError):
        Webhook(search.webhook_secret).verify(tampered, request.headers)


def test_a_receiver_that_is_down_and_comes_back_gets_each_delivery_once(receiver: Receiver, settings: Any) -> None:
    settings.ALERTS_RETRY_BASE_SECONDS = 0  # retry at once, so the test needs no clock
    webhook_search(receiver.url())
    for index in range(3):
        record(title=f"Rule {index}")
    alerts_consume_all()
    receiver.stop()

    assert send_due() == [Outcome.RETRY] * 3
    assert send_due() == [Outcome.RETRY] * 3
    receiver.start()  # the same port
    assert send_due() == [Outcome.SENT] * 3
    assert send_due() == []  # nothing is due any more: nothing is sent twice

    expected = sorted(row.delivery_id for row in AlertDelivery.objects.all())
    assert sorted(receiver.ids()) == expected
    assert {row.attempts for row in AlertDelivery.objects.all()} == {3}


def test_a_delivery_claimed_by_another_worker_is_not_sent_twice(receiver: Receiver) -> None:
    webhook_search(receiver.url())
    record()
    alerts_consume_all()
    [pk] = deliveries_due(now=timezone.now(), limit=10)
    assert delivery_send(delivery_id=pk) == Outcome.SENT
    assert delivery_send(delivery_id=pk) == Outcome.SKIPPED  # a duplicated task
    assert len(receiver.received) == 1


def test_an_error_answer_is_retried_with_growing_delays(receiver: Receiver) -> None:
    webhook_search(receiver.url())
    record()
    alerts_consume_all()
    receiver.status = 500
    assert send_due() == [Outcome.RETRY]
    row = AlertDelivery.objects.get()
    assert row.last_status == 500 and row.state == DeliveryState.PENDING
    first_wait = row.next_attempt_at - timezone.now()
    assert timedelta(seconds=5) < first_wait < timedelta(seconds=15)
    AlertDelivery.objects.update(next_attempt_at=timezone.now())
    assert send_due() == [Outcome.RETRY]
    second_wait = AlertDelivery.objects.get().next_attempt_at - timezone.now()
    assert second_wait > first_wait


def test_an_endpoint_failing_for_a_day_is_disabled_and_its_owner_told(settings: Any) -> None:
    settings.ALERTS_ALLOW_LOOPBACK = True
    search = webhook_search(f"http://127.0.0.1:{closed_port()}/hook")
    record()
    alerts_consume_all()
    a_day_ago = timezone.now() - timedelta(hours=24, minutes=1)
    SavedSearch.objects.filter(pk=search.pk).update(webhook_failing_since=a_day_ago)
    AlertDelivery.objects.update(created_at=a_day_ago)

    assert send_due() == [Outcome.FAILED]  # 24 hours of retries are over

    search.refresh_from_db()
    assert search.webhook_disabled_at is not None
    [message] = mail.outbox
    assert message.to == ["olga@example.org"] and "disabled" in message.subject
    record(title="Another rule")
    alerts_consume_all()
    assert send_due() == [Outcome.FAILED]  # nothing goes to a disabled endpoint
    assert len(mail.outbox) == 1  # told once


def test_send_again_resends_with_the_same_delivery_id(receiver: Receiver) -> None:
    webhook_search(receiver.url())
    record()
    alerts_consume_all()
    send_due()
    delivery_resend(delivery_ids=list(AlertDelivery.objects.values_list("pk", flat=True)))
    assert send_due() == [Outcome.SENT]
    first, second = receiver.ids()
    assert first == second


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost/hook",
        "http://2130706433/hook",  # 127.0.0.1 as one decimal number
        "http://0x7f000001/hook",
        "http://0177.0.0.1/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
        "http://10.0.0.5/hook",
        "http://192.168.1.1/hook",
        "http://[fe80::1]/hook",
        "http://0.0.0.0/hook",
        "file:///etc/passwd",
        "gopher://example.org/",
        "http://user:pw@example.org/hook",
    ],
)
def test_a_hostile_webhook_url_is_refused(url: str) -> None:
    with pytest.raises(services.SavedSearchError) as refused:
        webhook_search(url)
    assert "webhook_url" in refused.value.errors
    assert not SavedSearch.objects.exists()


def test_a_url_that_turns_hostile_after_saving_is_refused_at_connect_time(receiver: Receiver, settings: Any) -> None:
    webhook_search(receiver.url())
    record()
    alerts_consume_all()
    settings.ALERTS_ALLOW_LOOPBACK = False  # as if its host now resolved to a loopback address
    assert send_due() == [Outcome.RETRY]
    assert receiver.received == []
    assert "loopback" in AlertDelivery.objects.get().last_error


def test_a_redirect_is_not_followed(receiver: Receiver, settings: Any) -> None:
    webhook_search(receiver.url())
    record()
    alerts_consume_all()
    receiver.status = 307
    assert send_due() == [Outcome.RETRY]
    assert AlertDelivery.objects.get().last_status == 307


def test_a_success_clears_the_endpoints_failing_since(receiver: Receiver, settings: Any) -> None:
    settings.ALERTS_RETRY_BASE_SECONDS = 0
    search = webhook_search(receiver.url())
    record()
    alerts_consume_all()
    receiver.status = 503
    send_due()
    search.refresh_from_db()
    assert search.webhook_failing_since is not None
    receiver.status = 200
    assert send_due() == [Outcome.SENT]
    search.refresh_from_db()
    assert search.webhook_failing_since is None


class SlowReceiver:
    """Answers 200 after a pause, noting how many requests each path (endpoint) and all paths had in flight."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight: Counter[str] = Counter()
        self.most_per_path: Counter[str] = Counter()
        self.most_at_once = 0
        self.order: dict[str, list[str]] = {}
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.in_flight[self.path] += 1
                    receiver.most_per_path[self.path] = max(
                        receiver.most_per_path[self.path], receiver.in_flight[self.path]
                    )
                    receiver.most_at_once = max(receiver.most_at_once, sum(receiver.in_flight.values()))
                    receiver.order.setdefault(self.path, []).append(self.headers["webhook-id"])
                time.sleep(0.2)
                with receiver.lock:
                    receiver.in_flight[self.path] -= 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


def test_endpoints_are_sent_to_concurrently_and_each_one_a_request_at_a_time(settings: Any) -> None:
    settings.ALERTS_ALLOW_LOOPBACK = True
    settings.ALERTS_SEND_THREADS = 4
    receiver = SlowReceiver()
    try:
        first = webhook_search(receiver.url("/first"), owner="olga")
        second = webhook_search(receiver.url("/second"), owner="pete")
        for index in range(3):
            record(title=f"Rule {index}")
        ids = alerts_consume_all().deliveries
        assert len(ids) == 6

        outcomes = deliveries_send(delivery_ids=ids)
        assert outcomes == {pk: Outcome.SENT for pk in ids}
        assert deliveries_send(delivery_ids=ids) == {}  # claimed and sent: nothing is sent twice
        assert receiver.most_at_once == 2  # both endpoints at once
        assert receiver.most_per_path == {"/first": 1, "/second": 1}  # never two requests to one endpoint
        for search, path in ((first, "/first"), (second, "/second")):
            in_order = [row.delivery_id for row in search.deliveries.order_by("position")]
            assert receiver.order[path] == in_order
        assert AlertDelivery.objects.filter(state=DeliveryState.SENT, last_status=200).count() == 6
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
