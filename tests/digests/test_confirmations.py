"""Confirmation mail leaves the web request: the subscribe page answers at once whatever the SMTP server does,
and the email worker sends the link once it can, once.

Servers: aiosmtpd on loopback (tests/digests/conftest.py), stopped for an outage; a loopback socket that accepts
connections and never answers, for a hanging SMTP server; in the outage test a real Celery worker in a thread
(celery.contrib.testing) on kombu's in-memory broker, so the request's task and its retries go through a broker.
The other tests call the task the way the other digest tests do (`apply`).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.signals import task_retry, task_success
from django.test import Client
from django.utils import timezone

from config.celery import app as project_app
from digests.models import ConfirmationMail, ConfirmationState, Subscription, SubscriptionStatus
from tests.digests.conftest import SITE, SMTPServer, register_entities, send_queued_confirmations
from workers import digests as tasks

FORM = {"email": "reader@example.org", "weekday": "1", "hour": "8", "time_zone": "UTC"}


def link_in(received: Any) -> str:
    match = re.search(rf"{re.escape(SITE)}(/digests/confirm/[^/\s]+/)", received.part("plain"))
    assert match, received.part("plain")
    return match[1]


@pytest.fixture
def hanging_smtp(settings: Any) -> Iterator[int]:
    """A loopback port whose server accepts the connection and never says a word (no SMTP greeting)."""
    held: list[socket.socket] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    settings.EMAIL_PORT = listener.getsockname()[1]
    yield settings.EMAIL_PORT
    stop.set()
    thread.join(2)
    for connection in held:
        connection.close()
    listener.close()


@pytest.fixture
def celery_worker_app() -> Iterator[Celery]:
    """A Celery app on the in-memory broker running the project's shared tasks; the project app is restored."""
    test_app = Celery("confirmations-test", broker="memory://", backend="cache+memory://", set_as_current=False)
    test_app.conf.task_acks_late = True
    test_app.conf.task_serializer = "json"
    test_app.conf.accept_content = ["json"]
    yield test_app
    project_app.set_current()
    project_app.set_default()


# --- item 5: the mail is sent by the email worker, not by the web request ----------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("guard_lifted_for_flush")
def test_with_smtp_refusing_the_page_answers_and_the_worker_sends_the_link_once_smtp_is_back(
    smtp: SMTPServer, celery_worker_app: Celery
) -> None:
    register_entities()
    smtp.stop()
    retried, succeeded = threading.Event(), threading.Event()

    def on_retry(**_: Any) -> None:
        retried.set()

    def on_success(**_: Any) -> None:
        succeeded.set()

    task_retry.connect(on_retry, weak=False)
    task_success.connect(on_success, weak=False)
    # The test thread keeps off the database while the worker works (SQLite's shared in-memory test database
    # answers a concurrent writer with "table is locked"); Celery's signals say what happened instead.
    try:
        with start_worker(celery_worker_app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            started = time.monotonic()
            response = Client().post("/digests/subscribe/", FORM)
            elapsed = time.monotonic() - started
            assert response.status_code == 200 and b"Check your inbox" in response.content
            assert elapsed < 2.0, f"the page took {elapsed:.1f} s"
            assert retried.wait(10), "the worker's first attempt should have met the outage and been retried"
            assert smtp.messages == []
            smtp.start()
            assert succeeded.wait(10), "a retry should have sent the link"
            time.sleep(0.5)  # a duplicate would arrive now
    finally:
        task_retry.disconnect(on_retry)
        task_success.disconnect(on_success)

    [received] = smtp.messages
    assert received.rcpt_tos == ["reader@example.org"]
    mail = ConfirmationMail.objects.get()
    assert mail.state == ConfirmationState.SENT and mail.attempts >= 2  # the refused attempt, then the sent one
    assert Client().post(link_in(received)).status_code == 200
    assert Subscription.objects.get().status == SubscriptionStatus.ACTIVE


def test_with_smtp_hanging_the_page_answers_at_once_and_the_link_goes_out_once_when_smtp_answers(
    smtp: SMTPServer, hanging_smtp: int, settings: Any, db: None
) -> None:
    register_entities()
    settings.EMAIL_TIMEOUT = 2
    started = time.monotonic()
    response = Client().post("/digests/subscribe/", FORM)
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and b"Check your inbox" in response.content
    assert elapsed < 1.0, f"the page took {elapsed:.1f} s: it waited on the SMTP server"
    [mail] = ConfirmationMail.objects.all()
    assert mail.state == ConfirmationState.QUEUED

    # The worker meets the silent server: the attempt ends at EMAIL_TIMEOUT, the mail waits for its retry.
    from digests import confirmations

    started = time.monotonic()
    outcome, error = confirmations.confirmation_send(mail_id=mail.pk)
    assert outcome == confirmations.ConfirmationOutcome.FAILED and "timed out" in error
    assert time.monotonic() - started < 5
    assert smtp.messages == []

    settings.EMAIL_PORT = smtp.port  # the SMTP server answers again
    assert tasks.confirmation_send.apply(args=[mail.pk]).get() == "sent"
    assert tasks.confirmation_send.apply(args=[mail.pk]).get() == "skipped"  # redelivered after acks_late
    [received] = smtp.wait_for(1)
    time.sleep(0.2)
    assert len(smtp.messages) == 1
    assert Client().post(link_in(received)).status_code == 200
    assert Subscription.objects.get().status == SubscriptionStatus.ACTIVE


def test_a_confirmation_whose_task_was_lost_is_queued_again_by_the_dispatcher(
    smtp: SMTPServer, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    register_entities()
    Client().post("/digests/subscribe/", FORM)
    mail = ConfirmationMail.objects.get()
    # Its task never reached the broker (Redis was down): a few minutes later the dispatcher finds the row.
    ConfirmationMail.objects.filter(pk=mail.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    monkeypatch.setattr(project_app.conf, "task_always_eager", True)
    tasks.digests_dispatch_due.apply().get()
    [received] = smtp.wait_for(1)
    assert received.rcpt_tos == ["reader@example.org"]
    mail.refresh_from_db()
    assert mail.state == ConfirmationState.SENT
    tasks.digests_dispatch_due.apply().get()
    time.sleep(0.2)
    assert len(smtp.messages) == 1


def test_with_the_broker_down_the_page_answers_at_once_and_the_dispatcher_queues_the_mail_later(
    smtp: SMTPServer, db: None, django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    register_entities()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    down = Celery("broker-down", broker=f"redis://127.0.0.1:{closed}/0", set_as_current=False)
    down.set_current()
    try:
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True) as hooks:
            response = Client().post("/digests/subscribe/", FORM)
        elapsed = time.monotonic() - started
    finally:
        project_app.set_current()
    assert len(hooks) == 1 and response.status_code == 200 and b"Check your inbox" in response.content
    assert elapsed < 1.0, f"the page took {elapsed:.1f} s: it waited on the broker"
    assert "not queued now" in caplog.text
    assert ConfirmationMail.objects.get().state == ConfirmationState.QUEUED


def test_a_link_replaced_by_a_newer_request_before_it_was_sent_is_not_sent(smtp: SMTPServer, db: None) -> None:
    register_entities()
    client = Client()
    client.post("/digests/subscribe/", FORM)
    client.post("/digests/subscribe/", {**FORM, "categories": ["technology"]})
    assert sorted(send_queued_confirmations()) == ["sent", "superseded"]
    [received] = smtp.wait_for(1)
    assert client.post(link_in(received)).status_code == 200
    assert Subscription.objects.get().categories == ["technology"]
