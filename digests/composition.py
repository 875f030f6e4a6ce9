"""Compose a digest email: subject, plain text, HTML with inlined CSS, and the list headers.

CSS is inlined at template level: every element carries its `style="..."` from the STYLES table below, and
only what cannot be inlined (the dark-mode media query) sits in a <style> block. No inliner library runs per
message: a parse-and-rewrite pass (premailer, css-inline) would cost far more than composing the digest
itself at 10,000 digests a run, would add a dependency, and would make the output depend on its CSS support.
The trade-off is that the table is written by hand; tests check that every part of the HTML carries styles.

Each development's fragment (HTML and text) is the same for every subscriber, so it is rendered once per
window and reused; a subscriber's digest is the envelope around the fragments that matched their filters.
"""

from __future__ import annotations

import quopri
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from digests.models import Subscription
from digests.tokens import unsubscribe_token
from digests.window import DigestItem, SubscriptionFilters, WindowChanges
from timeline.dates import FuzzyDateError, parse_fuzzy_date
from timeline.taxonomy import CREDIBILITY, FIELD_LABELS, RELIABILITY, Category, Kind

# At most this many items per digest, shared fairly among its categories (at least MIN_PER_CATEGORY each):
# it keeps the HTML under Gmail's ~102 kB clipping limit and the mail readable; the rest is counted and linked.
MAX_ITEMS = 30
MIN_PER_CATEGORY = 8
SUMMARY_WORDS = 60
CHANGE_LABELS = {"recorded": "New", "revised": "Revised", "retracted": "Retracted"}
# Figure 1's legend colours, dark enough for white text and for a 4px rule on either background.
CATEGORY_COLORS = {
    "corporate": "#1f6feb",
    "government": "#b35900",
    "gpu_acquisition": "#2e7d32",
    "technology": "#8e24aa",
}
FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"
# Short declarations on purpose: they are repeated on every element of up to MAX_ITEMS items.
STYLES: dict[str, str] = {
    "body": f"margin:0;padding:0;background:#f4f5f7;color:#1f2328;font-family:{FONT};",
    "outer": "width:100%;background:#f4f5f7;",
    "page": "width:100%;max-width:640px;margin:0 auto;",
    "header": "padding:24px 16px 8px;",
    "h1": "margin:0;font-size:22px;line-height:28px;font-weight:700;color:#1f2328;",
    "lead": "margin:6px 0 0;font-size:14px;color:#57606a;",
    "h2": "margin:24px 0 8px;padding-left:10px;font-size:17px;font-weight:700;color:#1f2328;",
    "card": "padding:14px 16px;background:#fff;border:1px solid #d0d7de;border-radius:6px;",
    "gap": "height:10px;line-height:10px;font-size:1px;",
    "meta": "margin:0 0 4px;font-size:12px;color:#57606a;",
    "badge": "padding:1px 6px;border-radius:9px;font-size:11px;font-weight:700;color:#fff;",
    "badge_recorded": "background:#1a7f37;",
    "badge_revised": "background:#9a6700;",
    "badge_retracted": "background:#cf222e;",
    "title": "font-size:16px;font-weight:600;color:#0550ae;",
    "text": "margin:6px 0 0;font-size:14px;color:#1f2328;",
    "small": "margin:6px 0 0;font-size:13px;color:#57606a;",
    "list": "margin:6px 0 0;padding-left:18px;font-size:13px;color:#1f2328;",
    "before": "color:#57606a;text-decoration:line-through;",
    "grade": "font-family:monospace;font-weight:700;",
    "link": "color:#0550ae;",
    "notice": "margin:16px 0 0;padding:12px 16px;background:#ddf4ff;border:1px solid #54aeff;border-radius:6px;"
    "font-size:14px;color:#1f2328;",
    "footer": "padding:24px 16px 32px;font-size:12px;line-height:18px;color:#57606a;",
}


@dataclass(frozen=True)
class ComposedDigest:
    subject: str
    text: str
    html: str
    item_count: int
    counts: dict[str, int]
    review_count: int | None
    unsubscribe_url: str

    @property
    def empty(self) -> bool:
        return self.item_count == 0 and not self.review_count


def site_url() -> str:
    return str(settings.SITE_URL).rstrip("/")


def development_url(development_id: str) -> str:
    """The development's public page (/developments/{id}/)."""
    return f"{site_url()}/developments/{development_id}/"


def unsubscribe_url(subscription_id: int) -> str:
    return site_url() + reverse("digests:unsubscribe", kwargs={"token": unsubscribe_token(subscription_id)})


def _date_display(value: Any) -> str:
    try:
        return parse_fuzzy_date(str(value)).display
    except FuzzyDateError:
        return str(value)


def display_value(field: str, value: Any, names: Mapping[str, str]) -> str:
    """A changed field's value as a reader would say it."""
    if value is None or value == "" or value == []:
        return "(none)"
    if field == "date":
        return _date_display(value)
    if field == "entities":
        return ", ".join(names.get(entity_id, entity_id) for entity_id in value)
    if field == "tags":
        return ", ".join(value)
    if field == "category":
        return str(Category(value).label) if value in Category.values else str(value)
    if field == "kind":
        return str(Kind(value).label) if value in Kind.values else str(value)
    if field == "disputed":
        return "yes" if value else "no"
    if field == "media":
        return str(value.get("url", "")) if isinstance(value, dict) else str(value)
    if field == "summary":
        return Truncator(str(value)).words(SUMMARY_WORDS)
    return str(value)


def citation_line(citation: Mapping[str, Any]) -> dict[str, str]:
    reliability = str(citation.get("reliability") or "F")
    credibility = str(citation.get("credibility") or "6")
    return {
        "title": str(citation.get("title") or ""),
        "publisher": str(citation.get("publisher") or ""),
        "published": _date_display(citation["published"]) if citation.get("published") else "",
        "url": str(citation.get("url") or ""),
        "grading": f"{reliability}{credibility}",
        "grading_meaning": f"{RELIABILITY.get(reliability, '')}; {CREDIBILITY.get(credibility, '').lower()}",
    }


def _item_context(item: DigestItem, names: Mapping[str, str]) -> dict[str, Any]:
    return {
        "item": item,
        "s": STYLES,
        "badge_style": STYLES["badge"] + STYLES[f"badge_{item.change}"],
        "label": CHANGE_LABELS[item.change],
        "kind_label": Kind(item.kind).label if item.kind in Kind.values else item.kind,
        "url": development_url(item.development_id),
        "summary": Truncator(item.summary).words(SUMMARY_WORDS),
        "entity_names": [names.get(entity_id, entity_id) for entity_id in item.entities],
        "citations": [citation_line(c) for c in item.citations],
        "changes": [
            {
                "label": FIELD_LABELS.get(change.field, change.field),
                "before": display_value(change.field, change.before, names),
                "after": display_value(change.field, change.after, names),
            }
            for change in item.changes
        ],
        "citations_added": [citation_line(c) for c in item.citations_added],
        "citations_removed": [citation_line(c) for c in item.citations_removed],
        "merged_url": development_url(item.merged_into) if item.merged_into else "",
        "color": CATEGORY_COLORS.get(item.category, "#57606a"),
    }


def pack_html(html: str, width: int = 900) -> str:
    """Fewer, longer lines (each under SMTP's 998-character limit, so the part stays 8-bit and unencoded).

    A newline between tags and a space are the same whitespace to HTML (the email has no <pre>), so joining
    indented template lines with single spaces changes nothing on screen; it does divide the per-line work of
    the MIME generator and of both SMTP ends, which dominates the cost of sending a large digest.
    """
    lines: list[str] = []
    current = ""
    for raw in html.splitlines():
        line = raw.strip()
        if not line:
            continue
        if current and len(current) + 1 + len(line) > width:
            lines.append(current)
            current = line
        else:
            current = f"{current} {line}" if current else line
    if current:
        lines.append(current)
    return "\n".join(lines)


def item_fragments(changes: WindowChanges, index: int) -> tuple[str, str]:
    """(html, text) for one item, rendered on first use and shared by every subscriber of the window."""
    fragment = changes.fragments.get(index)
    if fragment is None:
        context = _item_context(changes.items[index], changes.entity_names)
        fragment = (
            pack_html(render_to_string("digests/email/item.html", context)),
            render_to_string("digests/email/item.txt", context).strip("\n"),
        )
        changes.fragments[index] = fragment
    return fragment


def describe_filters(filters: SubscriptionFilters, names: Mapping[str, str]) -> str:
    parts = []
    if filters.categories:
        parts.append("categories " + ", ".join(display_value("category", c, names) for c in sorted(filters.categories)))
    if filters.kinds:
        parts.append("kinds " + ", ".join(display_value("kind", k, names) for k in sorted(filters.kinds)))
    if filters.entities:
        parts.append("entities " + ", ".join(names.get(e, e) for e in sorted(filters.entities)))
    if filters.timelines:
        parts.append("timelines " + ", ".join(filters.timelines))
    if filters.min_reliability:
        parts.append(f"sources graded {filters.min_reliability} or better")
    return "; ".join(parts) if parts else "every development"


def digest_compose(
    *,
    subscription: Subscription,
    changes: WindowChanges,
    week: str,
    review_count: int | None = None,
    test: bool = False,
) -> ComposedDigest:
    """The subscriber's digest of the window: their matching items grouped by category, both parts."""
    filters = SubscriptionFilters.of(subscription)
    matched = changes.matching(filters)
    counts, by_category = changes.tally(matched)
    per_category = max(MAX_ITEMS // max(len(by_category), 1), MIN_PER_CATEGORY)
    sections: list[dict[str, Any]] = []
    for category, indexes in by_category.items():
        html, text = [], []
        for index in indexes[:per_category]:
            item_html, item_text = item_fragments(changes, index)
            html.append(item_html)
            text.append(item_text)
        sections.append(
            {
                "category": category,
                "label": display_value("category", category, {}),
                "color": CATEGORY_COLORS.get(category, "#57606a"),
                "html": mark_safe("\n".join(html)),  # noqa: S308 - fragments rendered by our own templates
                "text": "\n\n".join(text),
                "more": max(len(indexes) - per_category, 0),
            }
        )

    summary = ", ".join(f"{counts[c]} {CHANGE_LABELS[c].lower()}" for c in CHANGE_LABELS if counts[c]) or "no changes"
    subject = f"{'[TEST] ' if test else ''}Timeline digest {week}: {summary}"
    unsubscribe = unsubscribe_url(subscription.pk)
    context = {
        "s": STYLES,
        "subject": subject,
        "week": week,
        "summary": summary,
        "sections": sections,
        "review_count": review_count,
        "review_url": f"{site_url()}/admin/sources/candidate/",
        "site_url": site_url(),
        "filters": describe_filters(filters, changes.entity_names if filters.entities else {}),
        "unsubscribe_url": unsubscribe,
        "test": test,
        "empty": not matched,
    }
    return ComposedDigest(
        subject=subject,
        text=render_to_string("digests/email/digest.txt", context),
        html=render_to_string("digests/email/digest.html", context),
        item_count=len(matched),
        counts=counts,
        review_count=review_count,
        unsubscribe_url=unsubscribe,
    )


def site_host() -> str:
    return urlsplit(site_url()).hostname or "localhost"


def list_headers(unsubscribe: str) -> dict[str, str]:
    """RFC 2369 / RFC 8058 list headers: one-click unsubscribe by POST to the https URL, optional mailto."""
    targets = [f"<{unsubscribe}>"]
    mailto = settings.DIGEST_UNSUBSCRIBE_MAILTO
    if mailto:
        targets.append(f"<mailto:{mailto}?subject=unsubscribe>")
    return {
        "List-Unsubscribe": ", ".join(targets),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"Timeline digest <digest.{site_host()}>",
        "Auto-Submitted": "auto-generated",
        "Precedence": "bulk",
    }


def digest_message(
    *,
    subscription: Subscription,
    digest: ComposedDigest,
    message_id: str,
    connection: BaseEmailBackend | None = None,
) -> EmailMultiAlternatives:
    headers = {**list_headers(digest.unsubscribe_url), "Message-ID": message_id}
    message = EmailMultiAlternatives(
        subject=digest.subject,
        body=digest.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[subscription.email],
        headers=headers,
        connection=connection,
    )
    message.attach_alternative(digest.html, "text/html")
    return message


def _header(name: str, value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError(f"a line break in the {name} header")
    if not value.isascii():
        value = Header(value, "utf-8", header_name=name).encode()
    return f"{name}: {value}\r\n"


def _mime_part(content_type: str, body: str) -> bytes:
    raw = body.replace("\r\n", "\n").encode("utf-8")
    if any(len(line) > 998 for line in raw.split(b"\n")):
        head = f'Content-Type: {content_type}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
        return head.encode() + quopri.encodestring(raw).replace(b"\n", b"\r\n")
    encoding = "7bit" if raw.isascii() else "8bit"
    head = f'Content-Type: {content_type}; charset="utf-8"\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n'
    return head.encode() + raw.replace(b"\n", b"\r\n")


def digest_mime(*, subscription: Subscription, digest: ComposedDigest, message_id: str) -> bytes | None:
    """The digest as the bytes of a multipart/alternative message, or None where only the email package will do.

    The same message EmailMultiAlternatives makes (text part first, then HTML; 7/8-bit, or quoted-printable
    for over-long lines), written directly: Python's email generator costs about ten times as much per
    message, which at 10,000 digests is the difference between meeting a minute and not. Addresses that are
    not plain ASCII (international domains) go the general way.
    """
    if not subscription.email.isascii():
        return None
    boundary = "=_digest_" + uuid.uuid4().hex
    headers = [
        _header("From", formataddr(parseaddr(str(settings.DEFAULT_FROM_EMAIL)), charset="utf-8")),
        _header("To", subscription.email),
        _header("Subject", digest.subject),
        _header("Date", formatdate(usegmt=True)),
        _header("Message-ID", message_id),
        "MIME-Version: 1.0\r\n",
    ]
    for name, value in list_headers(digest.unsubscribe_url).items():
        headers.append(_header(name, value).replace(">, <", ">,\r\n <"))  # fold between the two targets
    headers.append(f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n')
    delimiter = f"--{boundary}\r\n".encode()
    return b"".join(
        [
            "".join(headers).encode("ascii"),
            b"\r\n",
            delimiter,
            _mime_part("text/plain", digest.text),
            b"\r\n",
            delimiter,
            _mime_part("text/html", digest.html),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )


def confirmation_message(*, email: str, confirm_url: str, filters: str) -> EmailMultiAlternatives:
    context = {"s": STYLES, "confirm_url": confirm_url, "filters": filters, "site_url": site_url()}
    message = EmailMultiAlternatives(
        subject="Confirm your timeline digest subscription",
        body=render_to_string("digests/email/confirm.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(render_to_string("digests/email/confirm.html", context), "text/html")
    return message
