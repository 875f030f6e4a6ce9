"""The HTML emails (the weekly digest, the subscription confirmation) carry no script, even when the text they
show was written to be one: they go out through the real SMTP server on loopback (aiosmtpd, see conftest), and
their HTML parts are read as a mail client would get them.

A mail client must never be asked to run anything, so the templates use none, and text from outside arrives as
text: no <script>, no on*= handler, no javascript: URL, no <iframe>, <object> or <embed> in any HTML part.
"""

from __future__ import annotations

from html.parser import HTMLParser

from digests import sending, services
from digests.models import Subscription
from tests.digests.conftest import SMTPServer, send_queued_confirmations, subscribe
from timeline import services as timeline
from timeline.models import Development

WEEK = "2025-W05"
HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a>'
ACTIVE_TAGS = {"script", "iframe", "object", "embed", "frame", "applet"}


class ActiveContent(HTMLParser):
    """Every element, attribute or URL in an HTML document that a client could run, as the parser reads it."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ACTIVE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if (
                (value or "")
                .strip()
                .lower()
                .replace("\t", "")
                .replace("\n", "")
                .startswith(("javascript:", "vbscript:"))
            ):
                self.found.append(f"<{tag} {name}={value}>")


def active_content(html: str) -> list[str]:
    parser = ActiveContent()
    parser.feed(html)
    parser.close()
    return parser.found


def test_the_digest_s_html_has_no_script_even_for_a_title_written_as_one(
    smtp: SMTPServer, old_timeline: dict[str, Development]
) -> None:
    subscribe()
    timeline.development_record(
        title=f"DeepSeek releases R1 {HOSTILE}",
        date="2025-01-20",
        category="technology",
        kind="model_launch",
        summary=f"An open-weight reasoning model. {HOSTILE}",
        entities=["deepseek"],
    )
    sending.digests_send(subscription_ids=Subscription.objects.values_list("pk", flat=True), week=WEEK)
    html = smtp.wait_for(1)[0].part("html")

    assert "DeepSeek releases R1 &lt;script&gt;alert(1)&lt;/script&gt;" in html  # the title, shown as text
    assert active_content(f"<p>{HOSTILE}</p>") != []  # what the check finds when the text is not escaped
    assert active_content(html) == []


def test_the_confirmation_email_s_html_has_no_script(smtp: SMTPServer, old_timeline: dict[str, Development]) -> None:
    services.subscription_request(email="new.reader@example.org", client_address="127.0.0.1")
    send_queued_confirmations()
    html = smtp.wait_for(1)[0].part("html")

    assert "Confirm my subscription" in html
    assert active_content(html) == []
