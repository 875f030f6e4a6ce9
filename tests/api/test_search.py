"""GET /api/developments/?q=: ranked by relevance by default, with highlighted snippets, paged by cursor, combined
with as_of. No servers started (the full-text query table itself is in tests/timeline/test_search.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events import store
from tests.api.conftest import citation, record
from timeline import search, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def sample(entities: None) -> dict[str, Any]:
    return {
        "title": record(title="Huawei ships the Ascend 910C", date="2024-12", entities=["huawei"]),
        "summary": record(
            title="SMIC expands capacity",
            date="2023-01",
            entities=["smic"],
            summary="Its largest customer is Huawei <b>again</b>.",
        ),
        "citation": record(
            title="Export licences revoked",
            date="2024-05",
            citations=[citation(excerpt="Licences to ship to Huawei were revoked.")],
        ),
        "other": record(title="DeepSeek releases R1", date="2025-01-20", entities=["deepseek"]),
    }


def test_a_search_is_ranked_by_relevance_with_a_highlighted_escaped_snippet(anon: Any, sample: dict[str, Any]) -> None:
    response = anon.get("/api/developments/?q=huawei")
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert len(rows) == 3
    assert rows[0]["title"] == "Huawei ships the Ascend 910C"
    assert rows[0]["search_snippet"] == "<mark>Huawei</mark> ships the Ascend 910C"
    by_title = {row["title"]: row["search_snippet"] for row in rows}
    assert by_title["SMIC expands capacity"] == "Its largest customer is <mark>Huawei</mark> &lt;b&gt;again&lt;/b&gt;."
    assert by_title["Export licences revoked"] == "Licences to ship to <mark>Huawei</mark> were revoked."


def test_a_list_without_q_has_no_snippet_and_keeps_date_order(anon: Any, sample: dict[str, Any]) -> None:
    rows = anon.get("/api/developments/").json()["results"]
    assert [row["date"] for row in rows] == ["2023-01", "2024-05", "2024-12", "2025-01-20"]
    assert all("search_snippet" not in row for row in rows)


def test_another_ordering_can_be_asked_for_with_q(anon: Any, sample: dict[str, Any]) -> None:
    rows = anon.get("/api/developments/?q=huawei&ordering=-date").json()["results"]
    assert [row["date"] for row in rows] == ["2024-12", "2024-05", "2023-01"]


def test_ordering_by_relevance_without_q_is_a_400_naming_the_field(anon: Any, sample: dict[str, Any]) -> None:
    response = anon.get("/api/developments/?ordering=relevance")
    assert response.status_code == 400
    assert "ordering" in response.json()


def test_relevance_pages_walk_every_match_once(anon: Any, sample: dict[str, Any]) -> None:
    seen: list[str] = []
    url = "/api/developments/?q=huawei OR deepseek&page_size=1"
    for _ in range(10):
        body = anon.get(url).json()
        seen += [row["title"] for row in body["results"]]
        if not body["next"]:
            break
        url = body["next"]
    assert sorted(seen) == sorted(
        ["Huawei ships the Ascend 910C", "SMIC expands capacity", "Export licences revoked", "DeepSeek releases R1"]
    )


def test_q_with_as_of_searches_the_timeline_as_it_was(anon: Any, sample: dict[str, Any]) -> None:
    before = store.last_position()
    development = sample["other"]
    services.development_revise(
        development_id=development.pk, changes={"title": "DeepSeek releases V3"}, expected_version=development.version
    )
    assert [row["title"] for row in anon.get("/api/developments/?q=R1").json()["results"]] == []
    rows = anon.get(f"/api/developments/?q=R1&as_of={before}").json()["results"]
    assert [(row["title"], row["search_snippet"]) for row in rows] == [
        ("DeepSeek releases R1", "DeepSeek releases <mark>R1</mark>")
    ]


def test_relevance_ranks_a_block_of_the_latest_written_matches_at_a_time(
    anon: Any, sample: dict[str, Any], settings: Any
) -> None:
    settings.SEARCH_RANK_BLOCK = 2
    # Blocks of two, the latest written first: this one and the citation's, then the title's and the summary's.
    # Ranked as a whole, the older title hit would come second; in blocks it leads the second block.
    record(title="Huawei Huawei results", date="2020-01", summary="Huawei again.")
    titles = []
    url = "/api/developments/?q=huawei&page_size=1"
    for _ in range(10):
        body = anon.get(url).json()
        titles += [row["title"] for row in body["results"]]
        if not body["next"]:
            break
        url = body["next"]
    assert titles == [
        "Huawei Huawei results",
        "Export licences revoked",
        "Huawei ships the Ascend 910C",
        "SMIC expands capacity",
    ]


def test_a_relevance_cursor_whose_block_bounds_were_altered_is_refused(anon: Any, sample: dict[str, Any]) -> None:
    first = anon.get("/api/developments/?q=huawei&page_size=1").json()
    assert first["next"]
    tampered = first["next"].replace("cursor=", "cursor=x")
    assert anon.get(tampered).status_code == 400


def test_a_search_answers_from_the_log_head_it_read_with_the_names_its_terms_resemble(
    anon: Any, sample: dict[str, Any]
) -> None:
    before = store.last_position()
    services.development_revise(development_id=sample["other"].pk, changes={"title": "R1 revised"}, expected_version=1)
    with CaptureQueriesContext(connection) as queries:
        now = anon.get("/api/developments/?q=Huawai")
    # Read before the next request, which starts by emptying the connection's log of queries.
    heads = [query["sql"] for query in queries.captured_queries if "events_storedevent" in query["sql"]]
    then = anon.get(f"/api/developments/?q=Huawai&as_of={before}")
    assert now.json()["position"] == store.last_position() and now.json()["results"]
    assert then.json()["position"] == before and then["ETag"] != now["ETag"]
    assert anon.get("/api/developments/?q=Huawai", HTTP_IF_NONE_MATCH=now["ETag"]).status_code == 304
    assert heads
    if connection.vendor == "postgresql":
        # One round trip for both: the names lookup and the head go as one message.
        assert all("timeline_entityalias" in sql for sql in heads)


def test_an_as_of_search_checks_its_position_against_the_log_once(anon: Any, sample: dict[str, Any]) -> None:
    before = store.last_position()
    services.development_revise(development_id=sample["other"].pk, changes={"title": "R1 revised"}, expected_version=1)
    with CaptureQueriesContext(connection) as queries:
        response = anon.get(f"/api/developments/?q=R1&as_of={before}")
    checks = [query for query in queries.captured_queries if 'MAX("events_storedevent"."position")' in query["sql"]]
    assert response.json()["position"] == before and len(response.json()["results"]) == 1
    assert len(checks) == 1


def test_a_search_asked_again_reads_the_rows_as_they_are_then(anon: Any, sample: dict[str, Any]) -> None:
    """The statements a search compiles are kept for the next one asking the same: never its rows."""
    first = [row["title"] for row in anon.get("/api/developments/?q=huawei").json()["results"]]
    record(title="Huawei opens a fab", date="2025-03")
    services.development_revise(
        development_id=sample["title"].pk, changes={"title": "Ascend 910C ships"}, expected_version=1
    )
    again = anon.get("/api/developments/?q=huawei").json()["results"]
    assert len(first) == 3
    assert "Huawei opens a fab" in [row["title"] for row in again]
    renamed = next(row for row in again if row["id"] == str(sample["title"].pk))
    assert renamed["title"] == "Ascend 910C ships"
    assert anon.get("/api/developments/?q=huawei&category=technology").json()["results"] == []


def test_a_search_of_a_named_timeline_finds_its_matches_through_its_saved_categories(
    anon: Any, sample: dict[str, Any]
) -> None:
    chip = record(title="Huawei launches a chip", date="2025-02", category="technology", kind="chip_launch")
    services.timeline_define(slug="tech", title="Technology", filters={"category": ["technology", "corporate"]})
    with CaptureQueriesContext(connection) as queries:
        rows = anon.get("/api/developments/?q=huawei&timeline=tech").json()["results"]
    # Read before the next request, which starts by emptying the connection's log of queries.
    statements = [query["sql"] for query in queries.captured_queries]
    assert [row["id"] for row in rows] == [str(chip.pk)]
    assert anon.get("/api/developments/?q=huawei&timeline=tech&category=government").json()["results"] == []
    if connection.vendor == "postgresql":
        # The saved categories are tested on the search documents too, each through its own index.
        assert any("searched_document.\"category\" = 'technology'" in sql for sql in statements)


def test_an_as_of_search_names_entities_as_they_were_then(anon: Any, sample: dict[str, Any]) -> None:
    before = store.last_position()
    services.entity_revise(entity_id="deepseek", changes={"name": "DeepSeek AI"}, expected_version=None)
    then = anon.get(f"/api/developments/?q=R1&as_of={before}").json()["results"]
    now = anon.get("/api/developments/?q=R1").json()["results"]
    assert [entity["name"] for entity in then[0]["entities"]] == ["DeepSeek"]
    assert [entity["name"] for entity in now[0]["entities"]] == ["DeepSeek AI"]


@pytest.mark.postgres
def test_a_search_too_long_to_keep_is_answered_and_its_statements_are_not_kept(
    anon: Any, sample: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anyone may search: statements are kept only as long as a search of a few dozen words makes them, so that
    searches as long as a request line (gunicorn reads 4094 bytes of it) cannot fill the web process's memory."""
    windows: dict[Any, Any] = {}
    reads: dict[Any, Any] = {}
    monkeypatch.setattr(search, "_KEPT_WINDOWS", windows)
    monkeypatch.setattr(search, "_KEPT_READS", reads)
    categories = "category=government,corporate,technology,gpu_acquisition"
    words = "+OR+".join(["huawei", *(f"w{number:x}" for number in range(0x1000, 0x1000 + 420))])
    url = f"/api/developments/?{categories}&q={words}"
    assert len(f"GET {url} HTTP/1.1") < 4094
    response = anon.get(url)
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == 3
    assert windows == {} and reads == {}
    # A search of a few words is kept, its window's statement and its rows'.
    assert len(anon.get(f"/api/developments/?{categories}&q=huawei").json()["results"]) == 3
    assert len(windows) == len(reads) == 1


def test_a_kept_search_answers_each_filter_value_with_its_own_rows(anon: Any, sample: dict[str, Any]) -> None:
    """Whichever search with other filter values ran before, a relevance page lists the rows ordering=date does
    (which keeps no statement): the values that decide the SQL are in what it is kept under."""
    before = store.last_position()
    chip = record(
        title="Huawei launches a chip", date="2025-02", category="technology", kind="chip_launch", tags=["chips"]
    )
    asked = [
        "q=huawei",
        "q=huawei&kind=chip_launch",
        "q=huawei&tag=chips",
        "q=huawei&to=2023",
        "q=huawei&min_reliability=B",
        "q=huawei&min_reliability=A",
        "q=huawei&category=technology",
        f"q=huawei&as_of={before}",
        "q=huawei&disputed=false",
    ]
    answers: dict[str, list[str]] = {}
    for query in [*asked, *reversed(asked)]:
        ranked = [row["id"] for row in anon.get(f"/api/developments/?{query}").json()["results"]]
        dated = [row["id"] for row in anon.get(f"/api/developments/?{query}&ordering=date").json()["results"]]
        assert sorted(ranked) == sorted(dated), query
        assert answers.setdefault(query, ranked) == ranked, query
    assert len(answers["q=huawei"]) == len(answers["q=huawei&disputed=false"]) == 4
    assert answers["q=huawei&kind=chip_launch"] == answers["q=huawei&tag=chips"] == [str(chip.pk)]
    assert answers["q=huawei&category=technology"] == [str(chip.pk)]
    assert answers["q=huawei&min_reliability=A"] == [] and len(answers[f"q=huawei&as_of={before}"]) == 3
    assert str(sample["citation"].pk) in answers["q=huawei&min_reliability=B"]
    assert answers["q=huawei&to=2023"] == [str(sample["summary"].pk)]
