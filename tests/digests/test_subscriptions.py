"""Subscribing with double opt-in and unsubscribing with signed links (RFC 8058 one-click), over loopback SMTP."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from digests import services
from digests.models import Subscription, SubscriptionStatus
from digests.tokens import unsubscribe_token
from tests.digests.conftest import SITE, SMTPServer, send_queued_confirmations, subscribe
from timeline.models import Development

pytestmark = pytest.mark.django_db


def confirm_link(server: SMTPServer, address: str) -> str:
    send_queued_confirmations()
    message = server.wait_for(1)[-1]
    assert message.rcpt_tos == [address]
    match = re.search(rf"{re.escape(SITE)}(/digests/confirm/[^/\s]+/)", message.part("plain"))
    assert match, message.part("plain")
    assert match[0] in message.part("html")
    return match[1]


def test_double_opt_in_sends_a_link_and_only_a_post_to_it_activates(
    smtp: SMTPServer, old_timeline: dict[str, Development], client: Client
) -> None:
    response = client.post(
        "/digests/subscribe/",
        {
            "email": "New.Reader@Example.org",
            "categories": ["government"],
            "entities": "深度求索, Nvidia",
            "min_reliability": "B",
            "weekday": "5",
            "hour": "7",
            "time_zone": "Asia/Shanghai",
        },
    )
    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    subscription = Subscription.objects.get()
    assert (subscription.email, subscription.status) == ("new.reader@example.org", SubscriptionStatus.PENDING)
    assert (subscription.entities, subscription.min_reliability) == (["deepseek", "nvidia"], "B")

    link = confirm_link(smtp, "new.reader@example.org")
    assert client.get(link).status_code == 200  # a link scanner's GET changes nothing
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PENDING

    response = Client(enforce_csrf_checks=True).post(link)
    assert response.status_code == 200
    assert b"Friday at 07:00 (Asia/Shanghai)" in response.content
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE and subscription.confirmed_at is not None
    assert Client().post(link).status_code == 200  # a second click is harmless


def test_a_tampered_or_superseded_confirmation_link_is_refused(smtp: SMTPServer, old_timeline: dict) -> None:
    services.subscription_request(email="someone@example.org")
    first = confirm_link(smtp, "someone@example.org")
    tampered = first.replace("/confirm/", "/confirm/9").rstrip("/") + "x/"

    response = Client().post(tampered)
    assert response.status_code == 400
    assert b"This link cannot be used" in response.content
    assert Client().get(tampered).status_code == 400

    services.subscription_request(email="someone@example.org", categories=["technology"])
    send_queued_confirmations()
    smtp.wait_for(2)
    response = Client().post(first)
    assert response.status_code == 400
    assert b"replaced by a newer one" in response.content
    assert Subscription.objects.get().status == SubscriptionStatus.PENDING


def test_a_stranger_cannot_change_an_active_subscription_without_its_owner_confirming(
    smtp: SMTPServer, old_timeline: dict
) -> None:
    subscribe(email="owner@example.org", categories=["government"])
    services.subscription_request(email="owner@example.org", categories=["corporate"], hour=3)
    subscription = Subscription.objects.get()
    assert (subscription.categories, subscription.hour, subscription.status) == (["government"], 8, "active")

    Client().post(confirm_link(smtp, "owner@example.org"))
    subscription.refresh_from_db()
    assert (subscription.categories, subscription.hour, subscription.status) == (["corporate"], 3, "active")


def test_the_unsubscribe_link_shows_a_page_and_a_one_click_post_unsubscribes_without_csrf(
    smtp: SMTPServer, old_timeline: dict
) -> None:
    subscription = subscribe()
    path = f"/digests/unsubscribe/{unsubscribe_token(subscription.pk)}/"
    client = Client(enforce_csrf_checks=True)

    page = client.get(path)
    assert page.status_code == 200 and b"reader@example.org" in page.content
    assert Subscription.objects.get().status == SubscriptionStatus.ACTIVE

    # What a mail provider sends for RFC 8058: a form POST with no cookie and no CSRF token.
    response = client.post(path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED and subscription.unsubscribed_at is not None
    assert client.post(path).status_code == 200  # idempotent


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature edited
        lambda token: "99" + token,  # subscription id edited
        lambda token: token.split(":")[0],  # signature cut off
    ],
)
def test_a_tampered_unsubscribe_link_is_refused_with_a_clear_page(
    smtp: SMTPServer, old_timeline: dict, mangle: object
) -> None:
    subscription = subscribe()
    path = f"/digests/unsubscribe/{mangle(unsubscribe_token(subscription.pk))}/"  # type: ignore[operator]

    one_click = Client().post(path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    for response in (Client().get(path), one_click):
        assert response.status_code == 400
        assert b"This link cannot be used" in response.content
    assert Subscription.objects.get().status == SubscriptionStatus.ACTIVE


def test_an_unsubscribe_link_for_a_deleted_subscription_is_a_404(smtp: SMTPServer, old_timeline: dict) -> None:
    subscription = subscribe()
    path = f"/digests/unsubscribe/{unsubscribe_token(subscription.pk)}/"
    subscription.delete()
    assert Client().post(path).status_code == 404


def test_bad_subscription_settings_are_refused_with_field_errors(old_timeline: dict) -> None:
    with pytest.raises(ValidationError) as caught:
        services.subscription_request(
            email="not-an-address",
            categories=["weather"],
            entities=["Nobody Inc"],
            timelines=["missing"],
            min_reliability="Z",
            include_review_queue=True,
            hour=24,
            time_zone="Mars/Olympus",
            weekday=0,
        )
    assert set(caught.value.message_dict) == {
        "email",
        "categories",
        "entities",
        "timelines",
        "min_reliability",
        "include_review_queue",
        "hour",
        "time_zone",
        "weekday",
    }
    assert Subscription.objects.count() == 0


def test_the_subscribe_page_shows_errors_and_keeps_the_input(client: Client, old_timeline: dict) -> None:
    response = client.post(
        "/digests/subscribe/",
        {"email": "x@example.org", "entities": "Nobody Inc", "weekday": "1", "hour": "8", "time_zone": "UTC"},
    )
    assert response.status_code == 400
    assert b"unknown entity" in response.content
    assert b'value="x@example.org"' in response.content
    assert Subscription.objects.count() == 0
