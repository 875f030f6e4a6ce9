"""The subscribe form cannot be used to mail-bomb an address: a few confirmation mails per recipient a day and
a share per client address an hour, and a limited request answers exactly as one that sent a link.

Servers: aiosmtpd on loopback (tests/digests/conftest.py); the email worker's task is called the way the other
digest tests call tasks (`apply`).
"""

from __future__ import annotations

import re
import time
from typing import Any

from django.test import Client

from digests.models import ConfirmationMail, Subscription, SubscriptionStatus
from tests.digests.conftest import SITE, SMTPServer, register_entities, send_queued_confirmations

FORM = {"email": "reader@example.org", "weekday": "1", "hour": "8", "time_zone": "UTC"}


def link_in(received: Any) -> str:
    match = re.search(rf"{re.escape(SITE)}(/digests/confirm/[^/\s]+/)", received.part("plain"))
    assert match, received.part("plain")
    return match[1]


def _without_csrf(content: bytes) -> bytes:
    """The page without what differs on every response by design: the CSRF token and the CSP nonce."""
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)
    return re.sub(rb'nonce="[^"]*"', b"", content)


def test_a_hundred_requests_for_one_address_send_it_at_most_a_few_links_and_every_page_is_the_same(
    smtp: SMTPServer, db: None, settings: Any
) -> None:
    register_entities()
    settings.DIGEST_CONFIRMATIONS_PER_RECIPIENT_PER_DAY = 3
    pages = set()
    for number in range(100):
        # From a hundred addresses, so that only the per-recipient limit can stop them.
        response = Client(REMOTE_ADDR=f"198.51.100.{number}").post("/digests/subscribe/", FORM)
        assert response.status_code == 200
        pages.add(_without_csrf(response.content))
        send_queued_confirmations()  # a fast worker: each link goes out before the next request
    assert len(pages) == 1, "a limited request must answer exactly as one that sent a link"
    time.sleep(0.2)
    assert len(smtp.to("reader@example.org")) == 3
    # The refused requests changed nothing: the last link sent still confirms.
    assert Client().post(link_in(smtp.messages[-1])).status_code == 200
    assert Subscription.objects.get().status == SubscriptionStatus.ACTIVE


def test_one_client_address_gets_only_its_hourly_share_of_confirmation_mails(
    smtp: SMTPServer, db: None, settings: Any
) -> None:
    register_entities()
    settings.DIGEST_SUBSCRIBE_REQUESTS_PER_CLIENT_PER_HOUR = 5
    spammer = Client(REMOTE_ADDR="203.0.113.9")
    pages = set()
    for number in range(12):
        response = spammer.post("/digests/subscribe/", {**FORM, "email": f"victim{number}@example.org"})
        assert response.status_code == 200
        pages.add(_without_csrf(response.content).replace(f"victim{number}@".encode(), b"victim@"))
    assert len(pages) == 1
    send_queued_confirmations()
    time.sleep(0.2)
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == [f"victim{n}@example.org" for n in range(5)]
    assert Subscription.objects.count() == 5  # the refused requests wrote nothing
    other = Client(REMOTE_ADDR="198.51.100.7").post("/digests/subscribe/", {**FORM, "email": "me@example.org"})
    assert other.status_code == 200 and send_queued_confirmations() == ["sent"]


def test_behind_the_trusted_proxy_the_client_limit_counts_each_client(
    smtp: SMTPServer, db: None, settings: Any
) -> None:
    register_entities()
    settings.TRUSTED_PROXIES = 1
    settings.DIGEST_SUBSCRIBE_REQUESTS_PER_CLIENT_PER_HOUR = 2
    for number in range(3):
        Client(REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9").post(
            "/digests/subscribe/", {**FORM, "email": f"victim{number}@example.org"}
        )
    Client(REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7").post("/digests/subscribe/", FORM)
    assert sorted(ConfirmationMail.objects.values_list("email", flat=True)) == [
        "reader@example.org",
        "victim0@example.org",
        "victim1@example.org",
    ]
