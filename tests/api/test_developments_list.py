"""GET /api/developments/: every filter, ordering, keyset pagination and bounded query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events import store
from tests.api.conftest import citation, record
from timeline import services

pytestmark = pytest.mark.django_db

ROW_FIELDS = {
    "id", "url", "title", "summary", "date", "display_date", "date_lower", "date_upper", "precision",
    "first_reported", "category", "category_label", "kind", "kind_label", "entities", "tags", "media", "citations",
    "status", "disputed", "merged_into", "links", "version", "last_position", "changed_at",
}  # fmt: skip


def titles(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


@pytest.fixture
def sample(entities: None) -> dict[str, Any]:
    """Five developments across categories, kinds, entities, tags, precisions and gradings."""
    controls = record(
        title="BIS publishes the October 7, 2022 controls",
        date="2022-10-07",
        entities=["bis", "Nvidia"],
        tags=["export-controls"],
        summary="Controls on advanced computing chips.",
        citations=[citation(), citation(title="Federal Register", reliability="A", credibility="1")],
    )
    update = record(
        title="BIS updates the controls",
        date="2023-10",
        entities=["bis", "nvidia"],
        tags=["export-controls", "gpu"],
        citations=[citation(reliability="C", credibility="3")],
    )
    r1 = record(
        title="DeepSeek releases R1",
        date="2025-01-20",
        category="technology",
        kind="model_launch",
        entities=["深度求索"],
        tags=["open-weights"],
        summary="A reasoning model with open weights.",
        citations=[citation(reliability="D", credibility="4")],
    )
    yield_dispute = record(
        title="SMIC 7nm yield",
        date="2024",
        category="technology",
        kind="fab_milestone",
        entities=["smic"],
        disputed=True,
        citations=[citation(title="Financial Times", reliability="B", credibility="3", claim="40%")],
    )
    founding = record(
        title="High-Flyer founded",
        date="2015",
        category="corporate",
        kind="founding",
        entities=["high-flyer"],
    )
    return {"controls": controls, "update": update, "r1": r1, "yield": yield_dispute, "founding": founding}


def test_it_lists_current_developments_by_date_with_every_field_of_a_row(anon: Any, sample: dict[str, Any]) -> None:
    response = anon.get("/api/developments/")
    assert titles(response) == [
        "High-Flyer founded",
        "BIS publishes the October 7, 2022 controls",
        "BIS updates the controls",
        "SMIC 7nm yield",
        "DeepSeek releases R1",
    ]
    body = response.json()
    assert body["position"] == store.last_position() and body["as_of"] is None and body["next"] is None
    row = body["results"][1]
    assert set(row) == ROW_FIELDS
    assert row["id"] == str(sample["controls"].pk)
    assert (row["date"], row["display_date"], row["precision"]) == ("2022-10-07", "Oct 7, 2022", "day")
    assert (row["date_lower"], row["date_upper"]) == ("2022-10-07", "2022-10-07")
    assert row["entities"] == [
        {"id": "bis", "name": "Bureau of Industry and Security"},
        {"id": "nvidia", "name": "Nvidia"},
    ]
    assert [c["grading"] for c in row["citations"]] == ["B2", "A1"]
    assert row["status"] == "current" and row["version"] == 3
    assert row["last_position"] == sample["controls"].last_position
    month = body["results"][2]
    assert (month["display_date"], month["date_lower"], month["date_upper"]) == ("Oct 2023", "2023-10-01", "2023-10-31")
    assert body["results"][3]["status"] == "disputed"


def test_it_filters_by_one_or_several_categories(anon: Any, sample: dict[str, Any]) -> None:
    assert titles(anon.get("/api/developments/?category=corporate")) == ["High-Flyer founded"]
    both = ["High-Flyer founded", "SMIC 7nm yield", "DeepSeek releases R1"]
    assert titles(anon.get("/api/developments/?category=corporate&category=technology")) == both
    assert titles(anon.get("/api/developments/?category=corporate,technology")) == both


def test_it_filters_by_kind(anon: Any, sample: dict[str, Any]) -> None:
    assert titles(anon.get("/api/developments/?kind=model_launch,founding")) == [
        "High-Flyer founded",
        "DeepSeek releases R1",
    ]


@pytest.mark.parametrize("term", ["deepseek", "DeepSeek", "深度求索", " deepSEEK "])
def test_it_finds_an_entity_by_id_name_or_alias_in_any_language(anon: Any, sample: dict[str, Any], term: str) -> None:
    assert titles(anon.get("/api/developments/", {"entity": term})) == ["DeepSeek releases R1"]


def test_an_entity_filter_counts_each_development_once(anon: Any, sample: dict[str, Any]) -> None:
    assert titles(anon.get("/api/developments/?entity=英伟达")) == [
        "BIS publishes the October 7, 2022 controls",
        "BIS updates the controls",
    ]


def test_it_filters_by_tag(anon: Any, sample: dict[str, Any]) -> None:
    assert titles(anon.get("/api/developments/?tag=gpu")) == ["BIS updates the controls"]
    assert len(titles(anon.get("/api/developments/?tag=export-controls"))) == 2


def test_from_and_to_match_developments_whose_fuzzy_date_overlaps_the_range(anon: Any, sample: dict[str, Any]) -> None:
    # Oct 2023 (a month) overlaps a range inside it; the year 2024 overlaps anything in 2024.
    assert titles(anon.get("/api/developments/?from=2023-10-15&to=2023-10-20")) == ["BIS updates the controls"]
    assert titles(anon.get("/api/developments/?from=2024-06-01&to=2024-06-30")) == ["SMIC 7nm yield"]
    assert "BIS updates the controls" not in titles(anon.get("/api/developments/?to=2023-09-30"))
    # EDTF bounds: from takes the lower bound of its value, to the upper bound of its.
    assert titles(anon.get("/api/developments/?from=2023&to=2024")) == ["BIS updates the controls", "SMIC 7nm yield"]


def test_q_searches_title_and_summary(anon: Any, sample: dict[str, Any]) -> None:
    assert titles(anon.get("/api/developments/?q=reasoning")) == ["DeepSeek releases R1"]
    assert titles(anon.get("/api/developments/?q=controls&ordering=date")) == [
        "BIS publishes the October 7, 2022 controls",
        "BIS updates the controls",
    ]


def test_timeline_takes_a_named_timeline_with_its_pins_and_filters(anon: Any, sample: dict[str, Any]) -> None:
    services.timeline_define(slug="pins", title="Pinned", pinned=[sample["r1"].pk, sample["founding"].pk])
    services.timeline_define(slug="gov", title="Government", filters={"category": ["government"]})
    assert titles(anon.get("/api/developments/?timeline=pins")) == ["High-Flyer founded", "DeepSeek releases R1"]
    assert titles(anon.get("/api/developments/?timeline=gov&from=2023")) == ["BIS updates the controls"]


def test_a_named_timeline_as_of_a_position_is_the_definition_in_force_then(anon: Any, sample: dict[str, Any]) -> None:
    """Timelines are event-sourced too: as_of chooses the rows by the pins and filters of that time, names the
    timeline as it was called then, and its 304 stays right when the timeline is redefined later."""
    before_definition = store.last_position()
    named = services.timeline_define(slug="watch", title="First watch", pinned=[sample["r1"].pk])
    defined = store.last_position()
    services.timeline_define(
        slug="watch", title="Second watch", pinned=[sample["founding"].pk], expected_version=named.version
    )
    then = anon.get(f"/api/timelines/watch/?as_of={defined}")
    assert then.json()["title"] == "First watch" and titles(then) == ["DeepSeek releases R1"]
    assert titles(anon.get(f"/api/developments/?timeline=watch&as_of={defined}")) == ["DeepSeek releases R1"]
    now = anon.get("/api/timelines/watch/")
    assert now.json()["title"] == "Second watch" and titles(now) == ["High-Flyer founded"]
    assert anon.get(f"/api/timelines/watch/?as_of={defined}", HTTP_IF_NONE_MATCH=then["ETag"]).status_code == 304
    for url in (
        f"/api/timelines/watch/?as_of={before_definition}",
        f"/api/developments/?timeline=watch&as_of={before_definition}",
    ):
        refused = anon.get(url)
        assert refused.status_code == 400 and "not defined yet" in refused.json()["as_of"][0], refused.json()


def test_disputed_selects_disputed_or_undisputed_developments(anon: Any, sample: dict[str, Any]) -> None:
    assert titles(anon.get("/api/developments/?disputed=true")) == ["SMIC 7nm yield"]
    assert "SMIC 7nm yield" not in titles(anon.get("/api/developments/?disputed=false"))
    assert len(titles(anon.get("/api/developments/?disputed=false"))) == 4


def test_min_reliability_keeps_developments_with_a_source_that_reliable(anon: Any, sample: dict[str, Any]) -> None:
    assert titles(anon.get("/api/developments/?min_reliability=A")) == ["BIS publishes the October 7, 2022 controls"]
    assert titles(anon.get("/api/developments/?min_reliability=b")) == [
        "BIS publishes the October 7, 2022 controls",
        "SMIC 7nm yield",
    ]
    assert "High-Flyer founded" not in titles(anon.get("/api/developments/?min_reliability=F"))


def test_as_of_answers_what_the_timeline_said_before_a_revision_and_a_retraction(
    anon: Any, sample: dict[str, Any]
) -> None:
    before = store.last_position()
    before_time = timezone.now()
    r1 = sample["r1"]
    services.development_revise(
        development_id=r1.pk, changes={"title": "DeepSeek releases R1 (open weights)"}, expected_version=r1.version
    )
    services.citation_add(development_id=r1.pk, citation=citation(title="Later source", reliability="A"))
    services.development_retract(development_id=sample["founding"].pk, reason="duplicate of another entry")

    now = titles(anon.get("/api/developments/"))
    assert "High-Flyer founded" not in now and "DeepSeek releases R1 (open weights)" in now
    for as_of in (str(before), before_time.isoformat()):
        response = anon.get("/api/developments/", {"as_of": as_of})
        assert titles(response)[0] == "High-Flyer founded"
        assert titles(response)[-1] == "DeepSeek releases R1"
        assert response.json()["as_of"] == before
        old_r1 = response.json()["results"][-1]
        assert old_r1["id"] == str(r1.pk)
        # Citations come from the version's own snapshot: the later source is not there yet.
        assert [c["title"] for c in old_r1["citations"]] == [citation()["title"]]
        assert old_r1["entities"] == [{"id": "deepseek", "name": "DeepSeek"}]
        assert old_r1["last_position"] == r1.last_position and old_r1["version"] == r1.version


def test_a_merged_development_lists_its_citations_in_the_order_they_came_now_and_as_of(
    anon: Any, entities: None
) -> None:
    into = record(title="BIS controls", citations=[citation(title="Federal Register")], entities=["bis"])
    sources = [f"Source {letter}" for letter in "QWERTY"]  # the merge moves them in one event
    duplicate = record(title="BIS controls (dup)", citations=[citation(title=name) for name in sources])
    services.development_merge(duplicate_id=duplicate.pk, into_id=into.pk, reason="same rule")
    expected = ["Federal Register", *sources]

    def cited(query: str) -> list[str]:
        (row,) = [
            row for row in anon.get(f"/api/developments/?{query}").json()["results"] if row["title"] == "BIS controls"
        ]
        return [c["title"] for c in row["citations"]]

    assert cited("entity=bis") == expected
    assert cited(f"entity=bis&as_of={store.last_position()}") == expected
    assert [c["title"] for c in anon.get(f"/api/developments/{into.pk}/").json()["citations"]] == expected


def test_ordering_runs_by_date_either_way_by_recording_or_by_last_change(anon: Any, sample: dict[str, Any]) -> None:
    by_date = titles(anon.get("/api/developments/"))
    assert titles(anon.get("/api/developments/?ordering=-date")) == by_date[::-1]
    recorded = ["BIS publishes the October 7, 2022 controls", "BIS updates the controls", "DeepSeek releases R1",
                "SMIC 7nm yield", "High-Flyer founded"]  # fmt: skip
    assert titles(anon.get("/api/developments/?ordering=recorded")) == recorded
    assert titles(anon.get("/api/developments/?ordering=-recorded")) == recorded[::-1]
    services.development_revise(
        development_id=sample["controls"].pk, changes={"summary": "Revised."}, expected_version=3
    )
    assert titles(anon.get("/api/developments/?ordering=-changed"))[0] == "BIS publishes the October 7, 2022 controls"
    position = store.last_position() - 1
    assert titles(anon.get(f"/api/developments/?ordering=-changed&as_of={position}"))[0] == "High-Flyer founded"
    assert titles(anon.get(f"/api/developments/?ordering=recorded&as_of={position}")) == recorded


def _all_pages(client: Any, url: str, between_pages: Any = None) -> list[str]:
    seen: list[str] = []
    response = client.get(url)
    while True:
        seen += titles(response)
        following = response.json()["next"]
        if not following:
            return seen
        if between_pages:
            between_pages()
            between_pages = None
        response = client.get(following)


@pytest.mark.parametrize("ordering", ["date", "-date", "recorded", "-changed"])
def test_cursor_pages_neither_skip_nor_repeat_while_developments_are_recorded(
    anon: Any, entities: None, ordering: str
) -> None:
    for index in range(7):
        record(title=f"Development {index}", date=f"2020-0{index + 1}")
    first = anon.get(f"/api/developments/?page_size=3&ordering={ordering}")
    assert len(titles(first)) == 3
    assert first["Link"].startswith("<http://testserver/api/developments/?") and 'rel="next"' in first["Link"]

    def record_more() -> None:
        record(title="Recorded meanwhile, early", date="2019")
        record(title="Recorded meanwhile, late", date="2021")

    rest = _all_pages(anon, first.json()["next"], between_pages=record_more)
    seen = titles(first) + rest
    originals = [f"Development {index}" for index in range(7)]
    assert sorted(t for t in seen if t.startswith("Development")) == originals
    assert len(seen) == len(set(seen))


def test_a_cursor_pins_its_filters_and_ordering(anon: Any, sample: dict[str, Any]) -> None:
    cursor = anon.get("/api/developments/?page_size=2").json()["next_cursor"]
    assert anon.get("/api/developments/", {"page_size": 2, "cursor": cursor}).status_code == 200
    other = anon.get("/api/developments/", {"page_size": 2, "cursor": cursor, "category": "technology"})
    assert other.status_code == 400 and "cursor" in other.json()
    assert anon.get("/api/developments/", {"cursor": cursor, "ordering": "-date"}).status_code == 400


def _page_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_a_page_of_100_costs_a_fixed_number_of_queries_however_many_citations_and_entities(
    anon: Any, entities: None, django_assert_max_num_queries: Any
) -> None:
    many = ["deepseek", "high-flyer", "huawei", "smic", "nvidia", "bis"]
    for index in range(100):
        record(
            title=f"Development {index:03}",
            date="2023-10",
            entities=many[: 1 + index % 6],
            citations=[citation(title=f"Source {index}-{n}") for n in range(1 + index % 5)],
        )
    as_of = store.last_position()
    small = _page_queries(anon, "/api/developments/?page_size=5&entity=nvidia")
    large = _page_queries(anon, "/api/developments/?page_size=100&entity=nvidia")
    assert small == large
    small_as_of = _page_queries(anon, f"/api/developments/?page_size=5&as_of={as_of}")
    # The log's head and the asked position's time, the page, its entities' names.
    with django_assert_max_num_queries(4):
        response = anon.get(f"/api/developments/?page_size=100&as_of={as_of}")
    assert len(response.json()["results"]) == 100
    assert _page_queries(anon, f"/api/developments/?page_size=100&as_of={as_of}") == small_as_of
    # The log's head, the page, its entities' names.
    with django_assert_max_num_queries(3):
        response = anon.get("/api/developments/?page_size=100")
    rows = response.json()["results"]
    assert len(rows) == 100 and sum(len(row["citations"]) for row in rows) == 300
    assert sum(len(row["entities"]) for row in rows) > 300
