"""Hostile feed and analyst text (script tags, event handlers, javascript: links) is shown inert on every admin page.

Each page is rendered with hostile titles, summaries, reasons and links, then parsed: the markers must be on the
page (so the test sees the text at all) but never inside a script, an event-handler attribute, a javascript: URL
or an element the payload would have created.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from events.models import StoredEvent
from sources.models import Item, Source
from tests.admin.conftest import make_candidate
from tests.timeline.factories import citation
from timeline import services
from timeline.models import Development

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('XSS-script')</script>"
IMG = "<img src=x onerror=alert('XSS-img')>"
LINK = "<a href=\"javascript:alert('XSS-link')\">click me</a>"
SVG = "<svg onload=alert('XSS-svg')>"
HANDLER = "<b onmouseover=alert('XSS-handler')>bold</b>"
JS_URL = "javascript:alert('XSS-url')"


class Inspector(HTMLParser):
    """Collects every way a marker could execute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_script = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            value = value or ""
            if name.lower().startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name.lower() in (
                "href",
                "src",
                "action",
                "formaction",
                "xlink:href",
                "data",
            ) and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            # (An escaped marker inside a query string of a filter link is fine: it is just a URL.)
            if "XSS" in value and tag in ("img", "svg", "iframe", "object", "embed", "script"):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self.in_script = True
            src = dict(attrs).get("src") or ""
            if src and not src.startswith(("/static/", "/admin/")):
                self.problems.append(f"<script src={src!r}>")
        if tag in ("img", "svg") and any("XSS" in (v or "") for _, v in attrs):
            self.problems.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and "XSS" in data:
            self.problems.append(f"script body {data.strip()[:80]!r}")
        self.text.append(data)


def inspect(html: str) -> tuple[list[str], str]:
    inspector = Inspector()
    inspector.feed(html)
    return inspector.problems, "".join(inspector.text)


@pytest.fixture
def hostile(entities: Any) -> dict[str, Any]:
    services.entity_register(
        entity_id="evil", name=f"Evil {SVG}", entity_type="company", aliases=[{"name": SCRIPT, "lang": ""}]
    )
    development = services.development_record(
        title=f"Title {SCRIPT}",
        summary=f"Summary {IMG} {LINK} {HANDLER}",
        date="2024-12",
        category="government",
        kind="rule_release",
        entities=["evil", "bis"],
        citations=[citation(title=f"Cited {LINK}", excerpt=IMG, publisher=SVG, claim=HANDLER)],
        actor=f"actor {SCRIPT}",
        reason=f"reason {IMG}",
    )
    services.development_revise(
        development_id=development.pk,
        changes={"title": f"Revised {SVG} {SCRIPT}"},
        expected_version=development.version,
        actor="analyst",
        reason=HANDLER,
    )
    other = services.development_record(
        title=f"Other {HANDLER}", date="2024-12", category="government", kind="rule_release"
    )
    services.timeline_define(slug="evil", title=f"Timeline {SCRIPT}", description=IMG, pinned=[development.pk])
    source = Source.objects.create(
        url="https://evil.example/feed", name=f"Source {SCRIPT}", host="evil.example", last_error=f"error {IMG}"
    )
    candidate = make_candidate(
        title=f"Item {SCRIPT}",
        summary=f"Item text {IMG} {HANDLER} {LINK}",
        link=JS_URL,
        source=source,
        reasons=[{"rule": SVG, "role": "entity", "weight": 2.0, "match": SCRIPT, "field": "title"}],
        entities=[{"name": HANDLER, "entity_id": ""}],
        possible_duplicates=[str(development.pk)],
    )
    # A row written by other code without the sanitiser: the admin must still not run it.
    Item.objects.filter(pk=candidate.item_id).update(summary_html=f"<p>ok</p>{IMG}{SCRIPT}{LINK}")
    return {"development": development, "other": other, "candidate": candidate, "source": source}


def pages(world: dict[str, Any]) -> dict[str, str]:
    development: Development = world["development"]
    citation_id = development.citations.get().pk
    event = StoredEvent.objects.filter(stream=f"development-{development.pk}").order_by("-version").first()
    assert event is not None
    return {
        "developments": reverse("admin:timeline_development_changelist"),
        "developments search": reverse("admin:timeline_development_changelist") + "?q=Revised",
        "development": reverse("admin:timeline_development_change", args=[development.pk]),
        "history": reverse("admin:timeline_development_history", args=[development.pk]),
        "retract": reverse("admin:timeline_development_retract", args=[development.pk]),
        "remove citation": reverse("admin:timeline_development_citation_remove", args=[development.pk, citation_id]),
        "merge": reverse("admin:timeline_development_merge") + f"?ids={world['other'].pk}",
        "entities": reverse("admin:timeline_entity_changelist"),
        "entity": reverse("admin:timeline_entity_change", args=["evil"]),
        "timelines": reverse("admin:timeline_namedtimeline_changelist"),
        "timeline": reverse("admin:timeline_namedtimeline_change", args=["evil"]),
        "log": reverse("admin:events_storedevent_changelist"),
        "event": reverse("admin:events_storedevent_change", args=[event.pk]),
        "queue": reverse("admin:sources_candidate_changelist"),
        "review": reverse("admin:sources_candidate_change", args=[world["candidate"].pk]),
        "items": reverse("admin:sources_item_changelist"),
        "item": reverse("admin:sources_item_change", args=[world["candidate"].item_id]),
        "sources": reverse("admin:sources_source_changelist"),
        "source": reverse("admin:sources_source_change", args=[world["source"].pk]),
    }


def test_hostile_text_is_inert_on_every_admin_page(editor: Client, hostile: dict[str, Any]) -> None:
    seen_markers = set()
    for name, url in pages(hostile).items():
        response = editor.get(url)
        assert response.status_code == 200, name
        problems, text = inspect(response.content.decode())
        assert problems == [], (name, problems)
        markers = {
            marker
            for marker in ("XSS-script", "XSS-img", "XSS-link", "XSS-svg", "XSS-handler", "XSS-url")
            if marker in text
        }
        assert markers, f"{name}: the hostile text is not on the page at all, so this page proves nothing"
        seen_markers |= markers
    assert seen_markers == {"XSS-script", "XSS-img", "XSS-link", "XSS-svg", "XSS-handler", "XSS-url"}


def test_a_javascript_link_is_shown_as_text_not_as_a_link(editor: Client, hostile: dict[str, Any]) -> None:
    page = editor.get(reverse("admin:sources_candidate_change", args=[hostile["candidate"].pk])).content.decode()
    assert "javascript:alert(&#x27;XSS-url&#x27;)" in page
    assert 'href="javascript:' not in page


def test_the_inspector_catches_executable_markup() -> None:
    # The check itself must be able to fail: unescaped payloads are caught.
    for payload in (SCRIPT, IMG, LINK, SVG, HANDLER, f'<a href="{JS_URL}">x</a>'):
        problems, _ = inspect(f"<p>{payload}</p>")
        assert problems, payload
