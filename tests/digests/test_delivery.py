"""Sending digests through a real SMTP server on loopback (aiosmtpd, see conftest): content, headers, at most once.

The outage test runs a real Celery worker in a thread (celery.contrib.testing) on kombu's in-memory broker,
so the retry goes through the broker with its countdown, as in production.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.signals import task_retry, task_success

from config.celery import app as project_app
from digests import sending
from digests.models import Delivery, DeliveryState, Subscription, SubscriptionStatus
from digests.selectors import digest_window_end, review_queue_count, subscriptions_due
from digests.sending import Outcome
from tests.digests.conftest import SITE, SMTPServer, record_week, register_entities, subscribe
from timeline.models import Development
from workers import digests as tasks

WEEK = "2025-W05"


def test_the_digest_arrives_with_both_parts_the_weeks_developments_and_the_list_headers(
    smtp: SMTPServer, old_timeline: dict[str, Development]
) -> None:
    subscription = subscribe()
    week = record_week(old_timeline)

    assert sending.digest_send_one(subscription_id=subscription.pk, week=WEEK) == (Outcome.SENT, "")

    [received] = smtp.wait_for(1)
    assert received.rcpt_tos == ["reader@example.org"]
    message = received.message
    assert message["Subject"] == f"Timeline digest {WEEK}: 2 new, 1 revised, 1 retracted"
    assert message.get_content_type() == "multipart/alternative"
    text, html = received.part("plain"), received.part("html")

    for part in (text, html):
        assert "DeepSeek releases R1" in part
        assert "Huawei ships Ascend 910C" in part
        assert "DeepSeek releases DeepSeek-V2" in part  # revised: the new title ...
        assert "DeepSeek releases V2" in part  # ... and the old one, struck through
        assert "Huawei fab milestone" in part  # retracted
        assert "the source withdrew the claim" in part
        assert "Jan 20, 2025" in part and "Feb 2025" in part  # display dates
        assert "May 7, 2024" in part and "May 2024" in part  # the date change
        assert "DeepSeek-V2 paper coverage" in part  # the citation added in the week
        assert "B2" in part and "A2" in part and "E4" in part  # graded citations
        assert "October 7 export controls" not in part  # untouched this week
        for key in ("new_model", "new_huawei", "revised"):
            assert f"{SITE}/developments/{week[key].pk}/" in part
    assert "Date: May 2024 -> May 7, 2024" in text
    # grouped by category, in Figure 1's order
    assert text.index("== Corporate ==") < text.index("== Technology ==")
    assert text.index("Huawei ships") < text.index("== Technology ==") < text.index("DeepSeek releases R1")

    unsubscribe = re.search(r"<(https://timeline\.example/digests/unsubscribe/[^>]+/)>", message["List-Unsubscribe"])
    assert unsubscribe is not None
    assert "<mailto:unsubscribe@timeline.example?subject=unsubscribe>" in message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1] in text and unsubscribe[1] in html
    assert message["Message-ID"] == f"<digest.{subscription.pk}.{WEEK}@timeline.example>"

    row = Delivery.objects.get(subscription=subscription, week=WEEK)
    assert (row.state, row.attempts, row.item_count) == (DeliveryState.SENT, 1, 4)
    subscription.refresh_from_db()
    assert subscription.covered_to_position == row.to_position > row.from_position


def test_the_html_part_has_inlined_styles_and_a_dark_mode(
    smtp: SMTPServer, old_timeline: dict[str, Development]
) -> None:
    subscribe()
    record_week(old_timeline)
    sending.digests_send(subscription_ids=Subscription.objects.values_list("pk", flat=True), week=WEEK)
    html = smtp.wait_for(1)[0].part("html")

    assert '<meta name="color-scheme" content="light dark">' in html
    assert "@media (prefers-color-scheme: dark)" in html
    # Every element that shows content carries its own style: clients that drop <style> still render it.
    for tag in re.findall(r"<(?:a|p|h1|h2|td|ul|span|body)\b[^>]*>", html):
        assert "style=" in tag, tag


def test_nothing_is_sent_when_nothing_matched_unless_the_setting_says_so(
    smtp: SMTPServer, old_timeline: dict[str, Development], settings: Any
) -> None:
    subscription = subscribe(categories=["gpu_acquisition"])
    record_week(old_timeline)

    assert sending.digest_send_one(subscription_id=subscription.pk, week=WEEK)[0] == Outcome.EMPTY
    assert Delivery.objects.get(subscription=subscription).state == DeliveryState.EMPTY
    time.sleep(0.2)
    assert smtp.messages == []

    settings.DIGEST_SEND_WHEN_EMPTY = True
    assert sending.digest_send_one(subscription_id=subscription.pk, week="2025-W06")[0] == Outcome.SENT
    [received] = smtp.wait_for(1)
    assert "no changes" in received.message["Subject"]
    assert "Nothing you follow was recorded" in received.part("plain")


def test_a_retried_task_sends_once(smtp: SMTPServer, old_timeline: dict[str, Development]) -> None:
    subscription = subscribe()
    record_week(old_timeline)

    first = tasks.digest_send.apply(args=[subscription.pk, WEEK])
    again = tasks.digest_send.apply(args=[subscription.pk, WEEK])  # redelivered after acks_late, say

    assert (first.get(), again.get()) == (Outcome.SENT, Outcome.SKIPPED)
    time.sleep(0.2)
    assert len(smtp.wait_for(1)) == 1
    assert Delivery.objects.get().attempts == 1


def test_two_beats_dispatching_the_same_slot_send_once(smtp: SMTPServer, old_timeline: dict[str, Development]) -> None:
    from datetime import UTC, datetime

    subscribe(email="a@example.org", weekday=1, hour=8, time_zone="Europe/Paris")
    subscribe(email="b@example.org", weekday=1, hour=8, time_zone="America/New_York")
    record_week(old_timeline)
    Subscription.objects.update(confirmed_at=datetime(2025, 1, 1, tzinfo=UTC))
    # Monday 3 February 2025, 14:00 UTC: 15:00 in Paris and 09:00 in New York, both past their 08:00 slot.
    now = datetime(2025, 2, 3, 14, 0, tzinfo=UTC)

    beat_one, beat_two = subscriptions_due(now), subscriptions_due(now)
    assert sorted(week for _, week in beat_one) == ["2025-W06", "2025-W06"]
    for subscription_id, week in [*beat_one, *beat_two]:
        tasks.digest_send.apply(args=[subscription_id, week])

    time.sleep(0.2)
    assert sorted(m.rcpt_tos[0] for m in smtp.wait_for(2)) == ["a@example.org", "b@example.org"]
    assert subscriptions_due(now) == []


def test_send_tasks_of_one_dispatch_read_the_weeks_changes_once_per_worker(
    smtp: SMTPServer, old_timeline: dict[str, Development], monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(3):
        subscribe(email=f"reader{number}@example.org")
    record_week(old_timeline)
    reads: list[tuple[int, int]] = []
    real = sending.window_changes

    def counting(start: int, end: int) -> Any:
        reads.append((start, end))
        return real(start, end)

    monkeypatch.setattr(sending, "window_changes", counting)
    to_position = digest_window_end()
    for subscription in Subscription.objects.all():
        assert tasks.digest_send.apply(args=[subscription.pk, WEEK, to_position]).get() == Outcome.SENT

    assert len(reads) == 1
    assert len(smtp.wait_for(3)) == 3


def test_a_worker_that_died_after_claiming_does_not_send_again(
    smtp: SMTPServer, old_timeline: dict[str, Development]
) -> None:
    subscription = subscribe()
    record_week(old_timeline)
    # The claim commits, then the worker dies (before or after the SMTP server accepted: we cannot know).
    claimed = sending._claim([subscription], WEEK, to_position=10_000)
    assert list(claimed) == [subscription.pk]

    assert sending.digest_send_one(subscription_id=subscription.pk, week=WEEK)[0] == Outcome.SKIPPED
    time.sleep(0.2)
    assert smtp.messages == []
    # Nothing of the week is lost: the window did not move, so the next week's digest covers it.
    assert Subscription.objects.get().covered_to_position < 10_000
    assert sending.digest_send_one(subscription_id=subscription.pk, week="2025-W06")[0] == Outcome.SENT
    assert "Huawei ships Ascend 910C" in smtp.wait_for(1)[0].part("plain")


def test_a_dry_run_forecasts_each_subscriptions_outcome_as_the_send_then_has_it(
    smtp: SMTPServer, old_timeline: dict[str, Development]
) -> None:
    sent, held, retried = subscribe(), subscribe(email="held@example.org"), subscribe(email="retry@example.org")
    empty = subscribe(email="empty@example.org", categories=["gpu_acquisition"])
    record_week(old_timeline)
    sending._claim([held], WEEK, to_position=10_000)  # another worker holds this one's send
    smtp.stop()
    sending.digests_send(subscription_ids=[retried.pk], week=WEEK)  # failed: it will be retried
    smtp.start()
    ids = [sent.pk, held.pk, retried.pk, empty.pk]

    forecast = sending.digests_send(subscription_ids=ids, week=WEEK, dry_run=True)
    assert smtp.messages == [] and Delivery.objects.filter(state=DeliveryState.SENT).count() == 0
    done = sending.digests_send(subscription_ids=ids, week=WEEK)

    expected = {sent.pk: Outcome.SENT, held.pk: Outcome.SKIPPED, retried.pk: Outcome.SENT, empty.pk: Outcome.EMPTY}
    assert forecast.outcomes == expected
    assert done.outcomes == expected


def test_repeated_failures_pause_the_subscription(smtp: SMTPServer, old_timeline: dict[str, Development]) -> None:
    subscription = subscribe()
    record_week(old_timeline)
    smtp.stop()

    # Eagerly applied, Celery runs each retry at once: three attempts (DIGEST_MAX_ATTEMPTS) then the pause.
    result = tasks.digest_send.apply(args=[subscription.pk, WEEK])

    assert result.get() == Outcome.PAUSED
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PAUSED
    assert "3 delivery attempts failed" in subscription.pause_reason
    row = Delivery.objects.get()
    assert (row.state, row.attempts) == (DeliveryState.FAILED, 3)
    assert "Connection refused" in row.last_error or "ConnectionRefusedError" in row.last_error
    # a paused subscription is not due and a stray task sends nothing
    assert sending.digest_send_one(subscription_id=subscription.pk, week=WEEK)[0] == Outcome.INACTIVE


@pytest.fixture
def celery_worker_app() -> Any:
    """A Celery app on the in-memory broker running the project's shared tasks; the project app is restored."""
    test_app = Celery("digests-test", broker="memory://", backend="cache+memory://", set_as_current=False)
    test_app.conf.task_acks_late = True
    test_app.conf.task_serializer = "json"
    test_app.conf.accept_content = ["json"]
    yield test_app
    project_app.set_current()
    project_app.set_default()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("guard_lifted_for_flush")
def test_an_smtp_outage_is_retried_and_then_delivered_once(smtp: SMTPServer, celery_worker_app: Celery) -> None:
    from tests.digests.conftest import record_old

    register_entities()
    old = record_old()
    subscription = subscribe()
    record_week(old)
    smtp.stop()

    retried, succeeded = threading.Event(), threading.Event()

    def on_retry(**_: Any) -> None:
        retried.set()

    def on_success(**_: Any) -> None:
        succeeded.set()

    task_retry.connect(on_retry, weak=False)
    task_success.connect(on_success, weak=False)
    # The test thread keeps off the database while the worker runs: SQLite's shared in-memory test database
    # would answer a concurrent reader with "table is locked". Celery's signals say what happened instead.
    try:
        with start_worker(celery_worker_app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            celery_worker_app.tasks["digests.send"].delay(subscription.pk, WEEK)
            assert retried.wait(10), "the first attempt should have met the outage and been retried"
            assert smtp.messages == []
            smtp.start()
            assert succeeded.wait(10), "a retry should have delivered the digest"
            time.sleep(0.5)  # any duplicate would arrive now
    finally:
        task_retry.disconnect(on_retry)
        task_success.disconnect(on_success)

    assert len(smtp.messages) == 1
    assert "DeepSeek releases R1" in smtp.messages[0].part("plain")
    row = Delivery.objects.get()
    assert row.state == DeliveryState.SENT and row.attempts >= 2
    subscription.refresh_from_db()
    assert (subscription.status, subscription.consecutive_failures) == (SubscriptionStatus.ACTIVE, 0)


def test_an_analyst_who_asked_gets_the_review_queue_count_and_others_cannot_ask(
    smtp: SMTPServer, old_timeline: dict[str, Development], monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.contrib.auth.models import Group, User
    from django.core.exceptions import ValidationError

    analyst = User.objects.create(username="ana", email="ana@example.org")
    analyst.groups.add(Group.objects.get_or_create(name="analyst")[0])
    reader = User.objects.create(username="rea", email="rea@example.org")
    with pytest.raises(ValidationError):
        subscribe(email="rea@example.org", user=reader, include_review_queue=True)
    subscription = subscribe(email="ana@example.org", user=analyst, include_review_queue=True)
    monkeypatch.setattr(sending, "review_queue_count", lambda: 7)

    # nothing of the week matched, but the queue is news for an analyst
    Subscription.objects.filter(pk=subscription.pk).update(categories=["gpu_acquisition"])
    assert sending.digest_send_one(subscription_id=subscription.pk, week=WEEK)[0] == Outcome.SENT
    [received] = smtp.wait_for(1)
    assert "7 candidates waiting for review" in received.part("plain")
    assert "<strong>7</strong> candidates waiting for review" in received.part("html")


def test_staff_status_or_a_lapsed_account_is_not_enough_to_ask_for_the_review_queue_count(db: None) -> None:
    from django.contrib.auth.models import Group, User
    from django.core.exceptions import ValidationError

    # is_staff only opens the admin's door: without a role, the queue there is closed to them too.
    staff = User.objects.create(username="sam", email="sam@example.org", is_staff=True)
    former = User.objects.create(username="fay", email="fay@example.org", is_active=False)
    former.groups.add(Group.objects.get_or_create(name="analyst")[0])
    for user in (staff, former):
        with pytest.raises(ValidationError) as refused:
            subscribe(email=user.email, user=user, include_review_queue=True)
        assert "include_review_queue" in refused.value.message_dict


def test_the_review_queue_count_reads_the_sources_app_when_it_has_candidates(db: None) -> None:
    from digests.selectors import review_queue_count

    count = review_queue_count()
    assert count is None or count == 0


def test_the_review_queue_count_is_the_queue_the_admin_shows(db: None) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from sources.models import Candidate, CandidateStatus, Item, Source

    source = Source.objects.create(url="https://news.example.org/feed.xml", host="news.example.org")
    now = timezone.now()
    states = [
        (CandidateStatus.NEW, None),
        (CandidateStatus.SNOOZED, now - timedelta(hours=1)),  # its snooze has run out: back in the queue
        (CandidateStatus.SNOOZED, now + timedelta(days=1)),
        (CandidateStatus.REJECTED, None),
        (CandidateStatus.PROMOTED, None),
    ]
    for number, (status, until) in enumerate(states):
        item = Item.objects.create(source=source, dedup_key=f"item-{number}", title=f"Item {number}")
        Candidate.objects.create(item=item, score=5.0, status=status, snoozed_until=until)

    assert review_queue_count() == 2


def test_a_digest_that_cannot_be_composed_fails_alone(
    smtp: SMTPServer, old_timeline: dict[str, Development], monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = subscribe(email="broken@example.org")
    fine = subscribe(email="fine@example.org")
    record_week(old_timeline)
    real = sending.digest_compose

    def compose(**kwargs: Any) -> Any:
        if kwargs["subscription"].pk == broken.pk:
            raise RuntimeError("a template bug")
        return real(**kwargs)

    monkeypatch.setattr(sending, "digest_compose", compose)
    report = sending.digests_send(subscription_ids=[broken.pk, fine.pk], week=WEEK)

    assert report.outcomes == {broken.pk: Outcome.FAILED, fine.pk: Outcome.SENT}
    assert "a template bug" in Delivery.objects.get(subscription=broken).last_error
    assert [m.rcpt_tos for m in smtp.wait_for(1)] == [["fine@example.org"]]
