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
