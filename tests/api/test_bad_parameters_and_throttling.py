"""Every malformed parameter is a 400 naming the field; anonymous and authenticated callers are throttled.

The throttle tests that take `counts` run with the counts in this process's memory and, when this machine's Redis
on 127.0.0.1:6379 answers, in Redis (database 15, a key prefix of the test's own, removed afterwards)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import signing
from django.core.cache import cache

from api.throttling import count_in_windows
from tests.api.conftest import cache_of_kind, record

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2023-13-40", "from"),
        ("to=not-a-date", "to"),
        ("from=2023-25", "from"),
        ("from=2023-?10", "from"),
        ("to=2023-XX-05", "to"),
        ("from=2024&to=2023", "to"),
        ("category=sports", "category"),
        ("category=government,sports", "category"),
        ("kind=party", "kind"),
        ("as_of=2999-01-01T00:00:00Z", "as_of"),
        ("as_of=99999999", "as_of"),
        ("as_of=2025-01-01T00:00:00", "as_of"),
        ("as_of=yesterday", "as_of"),
        ("cursor=garbage", "cursor"),
        ("page_size=501", "page_size"),
        ("page_size=0", "page_size"),
        ("page_size=ten", "page_size"),
        ("page_size=²", "page_size"),  # a digit to str.isdigit(), not to int()
        ("as_of=²", "as_of"),
        ("from=٢٠٢٣", "from"),
        ("disputed=maybe", "disputed"),
        ("min_reliability=G", "min_reliability"),
        ("ordering=title", "ordering"),
        ("entity=nobody-at-all", "entity"),
        ("timeline=no-such-timeline", "timeline"),
        ("format=xml", "format"),
    ],
)
def test_a_malformed_parameter_is_a_400_naming_it(anon: Any, entities: None, query: str, field: str) -> None:
    record()
    response = anon.get(f"/api/developments/?{query}")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()


def test_an_as_of_before_the_log_began_is_an_empty_timeline(anon: Any, entities: None) -> None:
    record()
    # The first has no UTC time in Python's range (SQLite raised OverflowError on it).
    for as_of in ("0001-01-01T00:00+01:00", "1900-01-01T00:00Z", "0"):
        response = anon.get("/api/developments/", {"as_of": as_of})
        assert response.status_code == 200, response.content
        assert (response.json()["as_of"], response.json()["results"]) == (0, [])


def test_a_tampered_cursor_is_a_400(anon: Any, entities: None) -> None:
    for index in range(3):
        record(title=f"D{index}")
    cursor = anon.get("/api/developments/?page_size=1").json()["next_cursor"]
    assert anon.get("/api/developments/", {"page_size": 1, "cursor": cursor}).status_code == 200
    payload = signing.loads(cursor, salt="api.cursor.v1")
    payload["k"][2] = "A"  # a forged position in the order
    unsigned = signing.dumps(payload, salt="not-the-api", compress=True)
    for forged in (unsigned, cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB"), cursor + "x"):
        response = anon.get("/api/developments/", {"page_size": 1, "cursor": forged})
        assert response.status_code == 400 and "cursor" in response.json()


def test_named_timelines_answer_the_same_400s(anon: Any, entities: None) -> None:
    from timeline import services

    services.timeline_define(slug="figure", title="Figure", pinned=[record().pk])
    assert "from" in anon.get("/api/timelines/figure/?from=20x4").json()
    assert anon.get("/api/developments/1/").status_code == 404


@pytest.fixture(params=["memory", "redis"])
def counts(request: pytest.FixtureRequest, settings: Any) -> Iterator[None]:
    """The throttles' counts, empty, in the default cache of each kind."""
    with cache_of_kind(request.param, "throttle") as backend:
        settings.CACHES = {**settings.CACHES, "default": backend}
        yield


def _set_rates(settings: Any, anon_rate: str, user_rate: str) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": anon_rate, "user": user_rate},
    }


def _rates(settings: Any, anon_rate: str, user_rate: str) -> None:
    _set_rates(settings, anon_rate, user_rate)
    cache.clear()


def test_anonymous_callers_are_throttled_at_the_anon_rate(anon: Any, db: None, settings: Any, counts: None) -> None:
    _set_rates(settings, "3/minute", "100/minute")
    statuses = [anon.get("/api/timelines/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    throttled = anon.get("/api/developments/")
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) > 0


def test_a_forged_forwarded_for_gives_an_anonymous_caller_no_fresh_budget(anon: Any, db: None, settings: Any) -> None:
    _rates(settings, "3/minute", "100/minute")
    statuses = [anon.get("/api/timelines/", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_behind_a_trusted_proxy_each_anonymous_client_has_its_own_budget(anon: Any, db: None, settings: Any) -> None:
    _rates(settings, "2/minute", "100/minute")
    settings.TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "172.18.0.5"}
    first = [anon.get("/api/timelines/", HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy).status_code for _ in range(3)]
    assert first == [200, 200, 429]
    assert anon.get("/api/timelines/", HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy).status_code == 200


def test_authenticated_callers_have_their_own_rate(
    analyst: Any, anon: Any, db: None, settings: Any, counts: None
) -> None:
    _set_rates(settings, "1/minute", "5/minute")
    assert [analyst.get("/api/timelines/").status_code for _ in range(6)] == [200] * 5 + [429]
    assert anon.get("/api/timelines/").status_code == 200


def test_a_refused_caller_is_told_when_its_window_closes_and_is_answered_after(
    anon: Any, db: None, settings: Any, counts: None
) -> None:
    _set_rates(settings, "2/second", "100/minute")
    assert [anon.get("/api/timelines/").status_code for _ in range(2)] == [200, 200]
    refused = anon.get("/api/timelines/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) == 1
    time.sleep(1.1)
    assert anon.get("/api/timelines/").status_code == 200


def test_a_window_counts_each_request_and_shrinks_as_it_runs(counts: None) -> None:
    [(first, left_first)] = count_in_windows([("some-caller", 60)])
    time.sleep(0.05)
    [(second, left_second), (other, left_other)] = count_in_windows([("some-caller", 60), ("another-caller", 5)])
    assert (first, second, other) == (1, 2, 1)
    assert 59 < left_first <= 60 and left_second < left_first and 4 < left_other <= 5


def test_a_cache_that_does_not_answer_lets_requests_through_instead_of_failing_them(
    anon: Any, analyst: Any, db: None, settings: Any, unreachable_cache: None, caplog: pytest.LogCaptureFixture
) -> None:
    """CACHE_URL's Redis down (here: nothing listens on the port): the throttles step aside and say so in the log."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/minute", "user": "1/minute"},
    }
    assert [anon.get("/api/timelines/").status_code for _ in range(3)] == [200] * 3
    assert [analyst.get("/api/timelines/").status_code for _ in range(2)] == [200] * 2
    assert "API throttle (anon) skipped: the cache is unavailable" in caplog.text
    assert "API throttle (user) skipped" in caplog.text
