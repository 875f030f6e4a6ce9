"""The digests admin: paused subscriptions stand out, the send log, a preview of the next digest, a test send."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from digests import sending, services
from digests.models import Delivery, Subscription
from tests.digests.conftest import SMTPServer, record_week, send_queued_confirmations, subscribe
from timeline.models import Development

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client) -> Client:
    user = User.objects.create(username="editor", email="editor@example.org", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_the_preview_shows_the_subscribers_next_digest(
    admin_client: Client, old_timeline: dict[str, Development]
) -> None:
    subscription = subscribe(categories=["technology"])
    record_week(old_timeline)

    html = admin_client.get(f"/admin/digests/subscription/{subscription.pk}/preview/")
    text = admin_client.get(f"/admin/digests/subscription/{subscription.pk}/preview/?part=text")

    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    assert b"DeepSeek releases R1" in html.content and b"Huawei ships" not in html.content
    assert b"== Technology ==" in text.content
    assert Delivery.objects.count() == 0  # a preview claims nothing
    assert Client().get(f"/admin/digests/subscription/{subscription.pk}/preview/").status_code == 302


def test_send_a_test_mails_the_next_digest_to_the_admin_without_touching_the_log(
    admin_client: Client, smtp: SMTPServer, old_timeline: dict[str, Development]
) -> None:
    subscription = subscribe()
    record_week(old_timeline)
    covered = subscription.covered_to_position

    response = admin_client.post(
        "/admin/digests/subscription/",
        {"action": "send_test", "_selected_action": [subscription.pk]},
        follow=True,
    )

    assert response.status_code == 200
    [received] = smtp.wait_for(1)
    assert received.rcpt_tos == ["editor@example.org"]
    assert received.message["Subject"].startswith("[TEST] Timeline digest")
    assert "DeepSeek releases R1" in received.part("plain")
    subscription.refresh_from_db()
    assert subscription.covered_to_position == covered and Delivery.objects.count() == 0


def test_a_paused_subscription_is_shown_as_paused_and_can_be_resumed(
    admin_client: Client, old_timeline: dict[str, Development]
) -> None:
    subscription = subscribe()
    subscribe(email="other@example.org")
    services.subscription_pause(subscription_id=subscription.pk, reason="5 delivery attempts failed")

    page = admin_client.get("/admin/digests/subscription/")
    assert b"PAUSED" in page.content and b"5 delivery attempts failed" in page.content
    only_paused = admin_client.get("/admin/digests/subscription/?status__exact=paused").content
    assert b"reader@example.org" in only_paused and b"other@example.org" not in only_paused

    admin_client.post("/admin/digests/subscription/", {"action": "resume", "_selected_action": [subscription.pk]})
    subscription.refresh_from_db()
    assert subscription.status == "active" and subscription.consecutive_failures == 0


def test_the_send_log_is_listed_read_only(admin_client: Client, settings: Any, old_timeline: dict) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    subscription = subscribe()
    record_week(old_timeline)
    sending.digest_send_one(subscription_id=subscription.pk, week="2025-W05")

    page = admin_client.get("/admin/digests/delivery/")
    assert page.status_code == 200 and b"2025-W05" in page.content and b"sent" in page.content.lower()
    assert admin_client.get("/admin/digests/delivery/add/").status_code == 403
    # the other backends get Django's own message: both parts and the list headers there too
    [message] = mail.outbox
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.alternatives[0][1] == "text/html"


def test_an_admin_added_subscription_goes_through_double_opt_in(
    admin_client: Client, settings: Any, old_timeline: dict
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = admin_client.post(
        "/admin/digests/subscription/add/",
        {
            "email": "added@example.org",
            "categories": '["government"]',
            "kinds": "[]",
            "entities": "[]",
            "timelines": "[]",
            "min_reliability": "",
            "weekday": "2",
            "hour": "9",
            "time_zone": "Europe/Paris",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    subscription = Subscription.objects.get(email="added@example.org")
    assert subscription.status == "pending" and subscription.categories == ["government"]
    assert mail.outbox == []  # the email worker sends it, not the admin's request
    assert send_queued_confirmations() == ["sent"]
    assert "/digests/confirm/" in mail.outbox[0].body


def test_the_confirmation_outbox_shows_a_link_that_could_not_be_sent_and_why(
    admin_client: Client, smtp: SMTPServer, old_timeline: dict
) -> None:
    smtp.stop()
    services.subscription_request(email="waiting@example.org")
    # Eagerly applied, each retry runs at once, until DIGEST_MAX_ATTEMPTS ran out.
    assert send_queued_confirmations() == ["gave-up"]

    page = admin_client.get("/admin/digests/confirmationmail/")
    assert page.status_code == 200
    assert b"waiting@example.org" in page.content and b"Connection refused" in page.content
    assert admin_client.get("/admin/digests/confirmationmail/add/").status_code == 403
