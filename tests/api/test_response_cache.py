"""The response cache (api/response_cache.py): an anonymous read is answered from it while the log's head stays,
a write is seen by the next read through every cached endpoint, and analysts' answers are never kept.

Each test runs with the cache in this process's memory and, when this machine's Redis on 127.0.0.1:6379 answers,
in Redis (database 15, a key prefix of the test's own, removed afterwards)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache, caches
from django.test import RequestFactory
from rest_framework.test import APIClient

from api import response_cache as response_cache_module
from api.response_cache import CACHE_ALIAS, current_head, slot_key
from events import store
from tests.api.conftest import cache_of_kind, citation, record
from timeline import services
from timeline.models import Development, Entity
from timeline.roles import ANALYST

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["memory", "redis"])
def response_cache(request: pytest.FixtureRequest, settings: Any) -> Iterator[None]:
    with cache_of_kind(request.param, "response-cache") as backend:
        settings.CACHES = {**settings.CACHES, CACHE_ALIAS: backend}
        settings.API_RESPONSE_CACHE = True
        yield


@pytest.fixture
def world(entities: None) -> dict[str, Any]:
    """A development on a named timeline, citing a source and naming an entity, and a relationship."""
    development = record(entities=["deepseek"], citations=[citation()])
    services.timeline_define(slug="fig", title="Figure 1", pinned=[development.pk])
    relationship = services.relationship_record(source="deepseek", relation="subsidiary_of", target="high-flyer")
    return {"development": development, "relationship": relationship}


def read_urls(world: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """Every anonymous read, with the request headers that choose its format."""
    pk = world["development"].pk
    urls = [
        "/api/",
        "/api/developments/",
        "/api/developments/?category=government&page_size=20",
        "/api/developments/?q=controls",
        *(f"/api/developments/?format={fmt}" for fmt in ("csv", "atom", "ics", "timelinejs", "stix")),
        "/api/developments/feed/",
        f"/api/developments/{pk}/",
        f"/api/developments/{pk}/?format=stix",
        f"/api/developments/{pk}/history/",
        "/api/entities/",
        "/api/entities/deepseek/",
        "/api/entities/deepseek/developments/",
        "/api/entities/deepseek/graph/",
        f"/api/relationships/{world['relationship'].pk}/",
        "/api/timelines/",
        "/api/timelines/fig/",
        "/api/timelines/fig/feed/",
        "/api/timelines/fig/figure.svg",
        "/api/changes/",
        "/api/changes/?after=0&limit=200",
        "/api/feed/",
    ]
    return [(url, {}) for url in urls] + [("/api/developments/", {"HTTP_ACCEPT": "text/csv"})]


def answer(response: Any) -> tuple[int, bytes, str]:
    return response.status_code, response.content, response.get("ETag", "")


def test_a_write_is_seen_by_the_next_read_through_every_cached_endpoint(
    anon: Any, world: dict[str, Any], response_cache: None, settings: Any, django_assert_num_queries: Any
) -> None:
    cached = []
    for url, headers in read_urls(world):
        first = anon.get(url, **headers)
        assert first.status_code == 200, (url, first.content[:300])
        if first.has_header("ETag"):
            cached.append((url, headers))
            # The second read is the cached answer: one query (the log's head), the same bytes and headers.
            with django_assert_num_queries(1):
                again = anon.get(url, **headers)
            assert answer(again) == answer(first), url
            assert sorted(again.items()) == sorted(first.items()), url
    assert len(cached) >= 20, cached  # every read that has an ETag is kept

    development = world["development"]
    services.development_revise(
        development_id=development.pk, changes={"title": "Revised while cached"}, expected_version=development.version
    )

    after = {url + repr(headers): answer(anon.get(url, **headers)) for url, headers in cached}
    settings.API_RESPONSE_CACHE = False
    for url, headers in cached:
        uncached = answer(anon.get(url, **headers))
        assert after[url + repr(headers)] == uncached, url  # what the service answers without the cache
    for url in ("/api/developments/", f"/api/developments/{development.pk}/", "/api/timelines/fig/", "/api/feed/"):
        assert b"Revised while cached" in after[url + "{}"][1], url


def test_an_analysts_answer_is_never_kept_nor_served_from_the_cache(
    anon: Any, analyst: Any, world: dict[str, Any], response_cache: None, django_assert_max_num_queries: Any
) -> None:
    public = anon.get("/api/changes/")
    assert public.json()["results"][0]["hash"] is None  # the chain hash is for analysts only
    staff = analyst.get("/api/changes/")
    assert staff.json()["results"][0]["hash"] is not None
    assert staff["Cache-Control"].startswith("private")
    # An analyst's read warms nothing for the public, and the public's slot is what it was.
    analyst.get("/api/developments/")
    with django_assert_max_num_queries(1):
        assert anon.get("/api/changes/").content == public.content


def test_answers_with_absolute_links_are_kept_per_host(anon: Any, world: dict[str, Any], response_cache: None) -> None:
    here = anon.get("/api/developments/", HTTP_HOST="testserver").json()
    there = anon.get("/api/developments/", HTTP_HOST="localhost").json()
    assert here["results"][0]["url"].startswith("http://testserver/")
    assert there["results"][0]["url"].startswith("http://localhost/")


def test_a_conditional_read_is_answered_304_by_the_view(anon: Any, world: dict[str, Any], response_cache: None) -> None:
    etag = anon.get("/api/developments/")["ETag"]
    assert anon.get("/api/developments/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_reads_go_on_when_the_cache_is_down(anon: Any, world: dict[str, Any], settings: Any, caplog: Any) -> None:
    settings.API_RESPONSE_CACHE = True
    settings.CACHES = {
        **settings.CACHES,
        CACHE_ALIAS: {
            "BACKEND": "config.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing answers
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    response = anon.get("/api/developments/")
    assert response.status_code == 200 and response.json()["results"]
    assert "the cache is unavailable" in caplog.text


def test_a_hit_carries_every_header_the_site_adds_to_an_answer(
    anon: Any, world: dict[str, Any], response_cache: None, django_assert_num_queries: Any
) -> None:
    """The middleware outside the cache (security, CORS, CSP) decorates a hit; what is inside is kept with it."""
    first = anon.get("/api/developments/", HTTP_ORIGIN="https://example.org")
    with django_assert_num_queries(1):
        hit = anon.get("/api/developments/", HTTP_ORIGIN="https://example.org")
    assert sorted(hit.items()) == sorted(first.items())
    assert hit["Access-Control-Allow-Origin"] == "*"
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "ETag", "Vary"):
        assert hit.has_header(header), header
    assert "Access-Control-Allow-Origin" not in anon.get("/api/developments/")  # no Origin, no CORS answer


def test_answers_in_other_formats_are_kept_apart(anon: Any, world: dict[str, Any], response_cache: None) -> None:
    as_json = anon.get("/api/developments/", HTTP_ACCEPT="application/json")
    as_csv = anon.get("/api/developments/", HTTP_ACCEPT="text/csv")
    assert as_json["Content-Type"].startswith("application/json") and as_csv["Content-Type"].startswith("text/csv")
    assert anon.get("/api/developments/", HTTP_ACCEPT="application/json").content == as_json.content
    assert anon.get("/api/developments/", HTTP_ACCEPT="text/csv").content == as_csv.content


def test_a_request_with_credentials_is_never_answered_from_the_cache(
    anon: Any, world: dict[str, Any], response_cache: None
) -> None:
    public = anon.get("/api/changes/")
    assert public.json()["results"][0]["hash"] is None
    # A token that is no token: the view refuses it, the cached public answer does not stand in for it.
    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert forged.get("/api/changes/").status_code == 401
    # An analyst signed in to the admin reads through a session cookie: the staff answer, not the public one.
    user = User.objects.create_user("sam", password="unused")
    user.groups.add(Group.objects.get_or_create(name=ANALYST)[0])
    session = APIClient()
    session.force_login(user)
    staff = session.get("/api/changes/")
    assert staff.status_code == 200 and staff.json()["results"][0]["hash"] is not None
    assert staff["Cache-Control"].startswith("private")
    assert anon.get("/api/changes/").content == public.content


def test_a_hit_counts_against_the_anonymous_throttle(
    anon: Any, world: dict[str, Any], response_cache: None, settings: Any
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "100/minute"},
    }
    cache.clear()
    statuses = [anon.get("/api/timelines/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]  # the second and third are hits, counted all the same
    throttled = anon.get("/api/timelines/")
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) > 0


def test_the_head_a_slot_is_checked_against_is_the_stores(world: dict[str, Any]) -> None:
    assert current_head() == str(store.head())
    development = world["development"]
    services.development_revise(
        development_id=development.pk, changes={"title": "Moved"}, expected_version=development.version
    )
    assert current_head() == str(store.head()) != "0:" + store.GENESIS_HASH


def _slot_key(url: str) -> str:
    key = slot_key(RequestFactory().get(url))
    assert key is not None
    return key


def _later(seconds: float, action: Any) -> threading.Thread:
    thread = threading.Timer(seconds, action)
    thread.start()
    return thread


def test_a_read_that_finds_its_answer_being_built_waits_for_it_instead_of_building_it(
    anon: Any, world: dict[str, Any], response_cache: None, django_assert_num_queries: Any
) -> None:
    built = anon.get("/api/developments/")
    cache, key, head = caches[CACHE_ALIAS], _slot_key("/api/developments/"), current_head()
    slot = cache.get(key)
    cache.delete(key)
    # Another request claimed the answer at this head; it keeps it a moment later.
    assert cache.add(f"{key}:building:{head}", 1, 10)

    def keep() -> None:
        cache.set(key, slot)
        cache.delete(f"{key}:building:{head}")

    thread = _later(0.2, keep)
    with django_assert_num_queries(1):  # the head only: nothing built here
        waited = anon.get("/api/developments/")
    thread.join()
    assert answer(waited) == answer(built)


def test_a_read_builds_its_answer_itself_when_the_one_building_it_keeps_nothing(
    anon: Any, world: dict[str, Any], response_cache: None, monkeypatch: Any
) -> None:
    key, head = _slot_key("/api/developments/"), current_head()
    cache = caches[CACHE_ALIAS]
    assert cache.add(f"{key}:building:{head}", 1, 10)
    thread = _later(0.2, lambda: cache.delete(f"{key}:building:{head}"))  # gave up: an error, a 404
    assert anon.get("/api/developments/").status_code == 200
    thread.join()
    # A claim nobody releases (its builder died) holds a read back for WAIT_SECONDS at most.
    monkeypatch.setattr(response_cache_module, "WAIT_SECONDS", 0.2)
    development = world["development"]
    services.development_revise(
        development_id=development.pk, changes={"title": "Moved on"}, expected_version=development.version
    )
    assert cache.add(f"{key}:building:{current_head()}", 1, 10)
    moved = anon.get("/api/developments/")
    assert moved.status_code == 200 and b"Moved on" in moved.content


def _development(pk: Any) -> Any:
    return Development.objects.get(pk=pk)


def test_a_write_to_one_development_leaves_anothers_detail_and_history_kept_and_not_modified(
    anon: Any, world: dict[str, Any], response_cache: None, settings: Any, django_assert_num_queries: Any
) -> None:
    """A development's detail and history follow its own mark, not the log's head: a write to development A
    changes A's answers at once and leaves B's standing, as hits and as 304s."""
    a = world["development"]
    b = record(title="Huawei announces the Ascend 910C", date="2024-36", entities=["huawei"])
    urls = {
        name: (f"/api/developments/{pk}/", f"/api/developments/{pk}/history/")
        for name, pk in (("a", a.pk), ("b", b.pk))
    }
    before = {url: anon.get(url) for pair in urls.values() for url in pair}

    services.development_revise(development_id=a.pk, changes={"title": "A, revised"}, expected_version=a.version)
    services.timeline_define(slug="other", title="Another timeline")  # and a write that is no development's

    for url in urls["b"]:
        with django_assert_num_queries(1):  # B's mark only: a hit
            hit = anon.get(url)
        assert answer(hit) == answer(before[url]), url
        assert anon.get(url, HTTP_IF_NONE_MATCH=before[url]["ETag"]).status_code == 304, url
    detail, history = (anon.get(url) for url in urls["a"])
    assert b"A, revised" in detail.content and detail["ETag"] != before[urls["a"][0]]["ETag"]
    earlier = before[urls["a"][1]]
    assert len(history.json()["results"]) == len(earlier.json()["results"]) + 1
    assert history["ETag"] != earlier["ETag"]
    for url in urls["a"]:
        assert anon.get(url, HTTP_IF_NONE_MATCH=before[url]["ETag"]).status_code == 200, url
    kept = {url: answer(anon.get(url)) for pair in urls.values() for url in pair}
    settings.API_RESPONSE_CACHE = False
    for url, kept_answer in kept.items():
        assert kept_answer == answer(anon.get(url)), url  # what the service answers without the cache


def test_a_detail_follows_what_it_shows_of_other_streams(
    anon: Any, world: dict[str, Any], response_cache: None, settings: Any
) -> None:
    """The detail shows its entities' names and the developments linking to it: each change to those (a link
    added, the linking development retitled, the link removed, an entity renamed) is seen by the next read and
    moves its ETag, while the history, which shows none of them, stays."""
    a = world["development"]
    b = record(title="A later rule", date="2023-10-17")
    url, history_url = f"/api/developments/{a.pk}/", f"/api/developments/{a.pk}/history/"
    history = anon.get(history_url)
    seen = [anon.get(url)]

    def read_again() -> Any:
        response = anon.get(url)
        settings.API_RESPONSE_CACHE = False
        assert answer(response) == answer(anon.get(url))  # not stale
        settings.API_RESPONSE_CACHE = True
        for earlier in seen:  # a new body under a new ETag, and no earlier ETag answers 304
            assert response.content != earlier.content and response["ETag"] != earlier["ETag"]
            assert anon.get(url, HTTP_IF_NONE_MATCH=earlier["ETag"]).status_code == 200
        seen.append(response)
        return response.json()

    services.development_link(development_id=b.pk, relation="amends", target_id=a.pk, note="Tightens it")
    assert [row["title"] for row in read_again()["linked_from"]] == ["A later rule"]
    services.development_revise(development_id=b.pk, changes={"title": "The 2023 rule"}, expected_version=2)
    assert [row["title"] for row in read_again()["linked_from"]] == ["The 2023 rule"]
    link_id = _development(b.pk).snapshot["links"][0]["id"]
    # A second link, then the first removed: the last position among the linking ones stays where it was.
    c = record(title="A third rule", date="2024-12-02")
    services.development_link(development_id=c.pk, relation="follows_from", target_id=a.pk)
    assert len(read_again()["linked_from"]) == 2
    services.development_link(development_id=b.pk, relation="contradicts", target_id=c.pk)  # not about A
    services.development_unlink(development_id=b.pk, link_id=link_id, reason="Wrong target")
    assert [row["title"] for row in read_again()["linked_from"]] == ["A third rule"]
    entity = Entity.objects.get(pk="deepseek")
    services.entity_revise(entity_id="deepseek", changes={"name": "DeepSeek AI"}, expected_version=entity.version)
    assert read_again()["entities"] == [{"id": "deepseek", "name": "DeepSeek AI"}]
    assert answer(anon.get(history_url)) == answer(history)
    assert anon.get(history_url, HTTP_IF_NONE_MATCH=history["ETag"]).status_code == 304


def test_a_developments_stix_bundle_stays_on_the_log(anon: Any, world: dict[str, Any], response_cache: None) -> None:
    """STIX adds the relationships between the development's entities, which its mark does not follow."""
    a = world["development"]
    stix = anon.get(f"/api/developments/{a.pk}/?format=stix")
    services.relationship_record(source="huawei", relation="partner_of", target="smic")
    again = anon.get(f"/api/developments/{a.pk}/?format=stix")
    assert again["ETag"] != stix["ETag"]
    assert anon.get(f"/api/developments/{a.pk}/?format=stix", HTTP_IF_NONE_MATCH=stix["ETag"]).status_code == 200
