"""/timelines/{slug}/: Figure 1 inline, the filter bar, the list with display dates, categories and graded
citations; a bad filter answers 400 and keeps the input; the query count does not grow with the timeline."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.test import Client

from events import store
from tests.web.conftest import FIGURE_1, figure_developments
from timeline import services
from timeline.models import Development, NamedTimeline

URL = f"/timelines/{FIGURE_1}/"


def markers(html: str) -> list[str]:
    return re.findall(r'data-marker="([^"]+)"', html)


def listed(html: str) -> list[str]:
    return re.findall(r'<li id="development-([^"]+)"', html)


def test_the_figure_1_page_shows_the_figure_the_filter_bar_and_every_development(
    client: Client, report: NamedTimeline
) -> None:
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    expected = [str(d.pk) for d in figure_developments(report)]
    assert sorted(markers(html)) == sorted(expected)
    assert listed(html) == expected  # in date order
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'role="img"' in html
    assert "Timeline of Major Events in DeepSeek&#x27;s Development" in html or "DeepSeek's Development" in html
    # display dates, categories and graded citations with their titles and links
    assert "Oct 7, 2022" in html and "Q4 2024" not in html
    assert 'class="category category-government"' in html
    assert re.search(r'<abbr class="grading" title="[^"]+">[A-F][1-6]</abbr>', html)
    assert 'href="https://www.csis.org/' in html
    assert "Key judgment" in html


def test_the_page_is_accessible_and_readable_on_a_phone(client: Client, report: NamedTimeline) -> None:
    html = client.get(URL).content.decode()
    assert '<html lang="en">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    for landmark in ("<header", "<main", "<footer", "<nav", 'role="search"'):
        assert landmark in html
    assert 'href="#main"' in html  # skip link
    # every input has a label
    ids = re.findall(r'<input[^>]* id="([^"]+)"', html)
    assert len(ids) >= 9  # four category boxes, entity, from, to, text, as of
    for input_id in ids:
        assert f'for="{input_id}"' in html, input_id
    assert 'tabindex="0" role="region"' in html  # the wide figure scrolls with the keyboard too


def test_each_development_names_its_entities_with_their_names_in_other_languages(
    client: Client, report: NamedTimeline
) -> None:
    html = client.get(URL).content.decode()
    assert 'DeepSeek (<span lang="zh">深度求索</span>)' in html
    assert 'High-Flyer Capital Management (<span lang="zh">幻方量化</span>, <span lang="zh">幻方</span>)' in html
    assert "DeepSeek AI" not in html  # an English alias is a spelling, not a name in another language


def test_a_category_filter_narrows_the_figure_and_the_list(client: Client, report: NamedTimeline) -> None:
    response = client.get(URL, {"category": ["government", "technology"]})
    assert response.status_code == 200
    html = response.content.decode()
    expected = [str(d.pk) for d in figure_developments(report) if d.category in ("government", "technology")]
    assert 0 < len(expected) < len(report.pinned)
    assert sorted(markers(html)) == sorted(expected) and listed(html) == expected
    assert 'value="government" checked' in html or re.search(r'value="government"[^>]*checked', html)


def test_dates_and_text_filter_on_overlap_and_words(client: Client, report: NamedTimeline) -> None:
    html = client.get(URL, {"from": "2024", "to": "2024-12", "q": "DeepSeek"}).content.decode()
    expected = [
        str(d.pk)
        for d in figure_developments(report)
        if d.date_upper >= date(2024, 1, 1)
        and d.date_lower <= date(2024, 12, 31)
        and ("deepseek" in d.title.lower() or "deepseek" in d.summary.lower())
    ]
    assert expected and listed(html) == expected and sorted(markers(html)) == sorted(expected)


def test_an_entity_filter_accepts_a_chinese_alias(client: Client, report: NamedTimeline) -> None:
    by_name = listed(client.get(URL, {"entity": "High-Flyer"}).content.decode())
    by_alias = listed(client.get(URL, {"entity": "幻方量化"}).content.decode())
    assert by_name and by_name == by_alias and len(by_name) < len(report.pinned)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2023-13"}, "from", "not a valid EDTF date"),
        ({"from": "2024", "to": "2023"}, "to", "lies before"),
        ({"entity": "Nobody Inc"}, "entity", "No entity is called"),
        ({"category": "weather"}, "category", "Select a valid choice"),
        ({"as_of": "yesterday"}, "as_of", "log position"),
        ({"as_of": "2020-01-01T00:00:00"}, "as_of", "time zone"),
        ({"as_of": "999999999"}, "as_of", "has not been written yet"),
        ({"as_of": "²"}, "as_of", "log position"),
        ({"from": "2023-25"}, "from", "quarters 33-36"),
    ],
)
def test_a_bad_filter_answers_400_with_a_clear_message_and_keeps_the_input(
    client: Client, report: NamedTimeline, params: dict[str, str], field: str, message: str
) -> None:
    response = client.get(URL, {**params, "q": "chips"})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'id="id_{field}-error"' in html or field == "category"
    assert 'value="chips"' in html  # the rest of the input is kept
    assert "data-marker" not in html


def test_as_of_shows_the_timeline_as_it_was(client: Client, report: NamedTimeline) -> None:
    development = figure_developments(report)[0]
    before = store.last_position()
    services.development_revise(
        development_id=development.pk,
        changes={"title": "A corrected title"},
        expected_version=development.version,
        reason="Correction",
    )
    services.timeline_define(  # renamed later: the page as of before keeps the title it had then
        slug=report.slug, title="Renamed", pinned=report.pinned, filters=report.filters, expected_version=report.version
    )
    now = client.get(URL).content.decode()
    then = client.get(URL, {"as_of": str(before)}).content.decode()
    assert "<h1>Renamed</h1>" in now and "<h1>Renamed</h1>" not in then
    assert "A corrected title" in now and development.title not in now
    assert development.title in then and "A corrected title" not in then
    assert sorted(markers(then)) == sorted(markers(now))


def test_an_unknown_timeline_is_a_404(client: Client, db: None) -> None:
    assert client.get("/timelines/no-such-timeline/").status_code == 404


def test_the_index_lists_the_named_timelines(client: Client, report: NamedTimeline) -> None:
    html = client.get("/timelines/").content.decode()
    assert f'href="{URL}"' in html


def test_a_hostile_title_is_shown_as_text_on_the_page(client: Client, report: NamedTimeline) -> None:
    hostile = services.development_record(
        title='<script>alert("x")</script><img src=x onerror=alert(1)>',
        date="2024-03",
        category="corporate",
        kind="other",
    )
    services.timeline_define(slug="hostile", title="Hostile <b>title</b>", pinned=[hostile.pk], expected_version=None)
    html = client.get("/timelines/hostile/").content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>title</b>" not in html
    assert "&lt;script&gt;alert" in html


def _pin_more(report: NamedTimeline, count: int) -> None:
    extra = []
    for index in range(count):
        development = services.development_record(
            title=f"Extra development {index}",
            date=f"2021-{index % 12 + 1:02d}",
            category="government",
            kind="other",
            entities=["nvidia", "huawei"],
            citations=[
                {"title": f"Source {index} {n}", "url": "https://example.org/a", "reliability": "C", "credibility": "3"}
                for n in range(3)
            ],
        )
        extra.append(str(development.pk))
    services.timeline_define(
        slug=report.slug,
        title=report.title,
        description=report.description,
        pinned=[*report.pinned, *extra],
        expected_version=report.version,
    )


def test_the_page_costs_a_fixed_number_of_queries_however_long_the_timeline(
    client: Client, report: NamedTimeline, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(8):
        small = client.get(URL, {"entity": "Nvidia", "category": "government"})
    _pin_more(report, 25)
    with django_assert_max_num_queries(8):
        large = client.get(URL)
    assert small.status_code == large.status_code == 200
    assert len(listed(large.content.decode())) == len(report.pinned) + 25
    assert Development.objects.count() >= 66 + 25
