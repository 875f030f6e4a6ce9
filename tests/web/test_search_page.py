"""The search box of the public timeline pages: what q finds and where, shown as escaped highlighted snippets.
No servers started."""

from __future__ import annotations

import re

from django.test import Client

from tests.web.conftest import FIGURE_1
from timeline import services
from timeline.models import NamedTimeline

URL = f"/timelines/{FIGURE_1}/"


def snippets(html: str) -> list[str]:
    return re.findall(r'<p class="search-snippet"><span class="visually-hidden">Matches: </span>(.*?)</p>', html)


def test_the_search_box_finds_a_chinese_name_and_shows_where_each_development_matches(
    client: Client, report: NamedTimeline
) -> None:
    html = client.get(URL, {"q": "华为"}).content.decode()
    assert 'name="q"' in html and ">Search</label>" in html
    found = snippets(html)
    assert found and all("<mark>华为</mark>" in snippet for snippet in found)


def test_a_page_without_a_search_shows_no_snippets(client: Client, report: NamedTimeline) -> None:
    assert snippets(client.get(URL).content.decode()) == []


def test_a_hostile_text_in_a_snippet_is_shown_as_text(client: Client, report: NamedTimeline) -> None:
    hostile = services.development_record(
        title="Zebrafish <img src=x onerror=alert(1)> study",
        date="2024-03",
        category="corporate",
        kind="other",
    )
    services.timeline_define(slug="hostile", title="Hostile", pinned=[hostile.pk], expected_version=None)
    html = client.get("/timelines/hostile/", {"q": "zebrafish"}).content.decode()
    assert snippets(html) == ["<mark>Zebrafish</mark> &lt;img src=x onerror=alert(1)&gt; study"]
    assert "<img src=x" not in html
