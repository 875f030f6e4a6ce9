"""The ingestion admin pages (Django test client, test database): they load, hostile feed text is inert,
the watch-list refuses a broken pattern, unsafe source URLs are refused, and the source actions work."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from sources.models import Candidate, Health, Item, Source, Story, WatchPattern

pytestmark = pytest.mark.django_db


class _Executable(HTMLParser):
    """Real (parsed) scripts, event handlers and javascript: links that carry our payloads; escaped text is fine."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            if (name.startswith("on") or (value and value.strip().lower().startswith("javascript:"))) and "alert" in (
                value or ""
            ):
                self.found.append(f"<{tag} {name}={value}>")

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert(" in data:
            self.found.append(f"<script>{data[:60]}")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


@pytest.fixture
def admin_client_logged_in() -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.org", "pw-for-tests-only")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def hostile_item() -> Item:
    source = Source.objects.create(url="https://feeds.example.org/x", host="feeds.example.org", name="X")
    story = Story.objects.create(title="<script>alert('story')</script>", item_count=1)
    item = Item.objects.create(
        source=source,
        dedup_key="k",
        title="<script>alert('title')</script>Title",
        story=story,
        summary="<img src=x onerror=alert('summary')>",
        # Written around the services on purpose: the page must still show it inert.
        summary_html=(
            "<p onclick=\"alert('html')\">Hi</p><script>alert('html2')</script><a href='javascript:alert(3)'>x</a>"
        ),
    )
    Candidate.objects.create(item=item, score=5, reasons=[{"rule": "<b>r</b>", "match": "<script>alert(4)</script>"}])
    return item


def test_every_ingestion_admin_page_loads(admin_client_logged_in: Client, hostile_item: Item) -> None:
    for model in ("source", "item", "story", "candidate", "watchentity", "watchpattern"):
        response = admin_client_logged_in.get(reverse(f"admin:sources_{model}_changelist"))
        assert response.status_code == 200, model


def test_hostile_feed_text_is_shown_inert(admin_client_logged_in: Client, hostile_item: Item) -> None:
    pages = [
        reverse("admin:sources_item_change", args=[hostile_item.pk]),
        reverse("admin:sources_item_changelist"),
        reverse("admin:sources_candidate_change", args=[hostile_item.candidate.pk]),
        reverse("admin:sources_story_changelist"),
    ]
    for page in pages:
        html = admin_client_logged_in.get(page).content.decode()
        assert "alert(&#x27;title&#x27;)" in html or page.endswith(("candidate/1/change/", "story/"))
        parser = _Executable()
        parser.feed(html)
        assert parser.found == [], page


def test_a_pattern_that_does_not_compile_is_refused_with_the_reason(admin_client_logged_in: Client) -> None:
    response = admin_client_logged_in.post(
        reverse("admin:sources_watchpattern_add"),
        {
            "name": "broken",
            "role": "action",
            "pattern": "(unclosed",
            "is_regex": "on",
            "weight": "2",
            "kind": "",
            "category": "",
            "active": "on",
            "notes": "",
        },
    )
    assert response.status_code == 200 and "not a valid regular expression" in response.content.decode()
    assert not WatchPattern.objects.filter(name="broken").exists()


def test_an_unsafe_source_url_is_refused_and_a_safe_one_is_added_due(
    admin_client_logged_in: Client, settings: Any
) -> None:
    settings.FEEDS_ALLOW_LOOPBACK = False
    add = reverse("admin:sources_source_add")
    response = admin_client_logged_in.post(add, {"url": "http://169.254.169.254/latest", "name": "", "active": "on"})
    assert response.status_code == 200 and "link-local" in response.content.decode()
    settings.FEEDS_ALLOW_LOOPBACK = True
    response = admin_client_logged_in.post(add, {"url": "http://127.0.0.1:9/feed", "name": "L", "active": "on"})
    assert response.status_code == 302
    source = Source.objects.get()
    assert source.host == "127.0.0.1" and source.next_check_at is not None


def test_unpark_action_makes_a_parked_source_healthy_and_due(admin_client_logged_in: Client) -> None:
    source = Source.objects.create(
        url="https://feeds.example.org/p",
        host="feeds.example.org",
        health=Health.PARKED,
        error_count=10,
        next_check_at=None,
    )
    response = admin_client_logged_in.post(
        reverse("admin:sources_source_changelist"), {"action": "unpark", "_selected_action": [source.pk]}
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.health == Health.OK and source.error_count == 0 and source.next_check_at is not None
