"""Fixtures for the API tests: generous throttles, entities, analysts with tokens, developments made through
the timeline services (never by writing read models directly)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from timeline import services
from timeline.models import Development

ENTITIES = [
    ("deepseek", "DeepSeek", "company", [("深度求索", "zh")]),
    ("high-flyer", "High-Flyer", "company", [("幻方量化", "zh")]),
    ("huawei", "Huawei", "company", [("华为", "zh")]),
    ("smic", "SMIC", "fab", [("中芯国际", "zh")]),
    ("nvidia", "Nvidia", "company", [("英伟达", "zh"), ("NVIDIA Corporation", "en")]),
    ("bis", "Bureau of Industry and Security", "agency", [("BIS", "en")]),
]


# The Redis database of the API cache tests: keys under a prefix of their own, removed afterwards.
REDIS_CACHE_URL = "redis://127.0.0.1:6379/15"


@contextmanager
def cache_of_kind(kind: str, name: str) -> Iterator[dict[str, Any]]:
    """An empty cache's settings, in memory or in Redis ("memory" or "redis"), under a key prefix of its own that
    is cleared afterwards; skips the test when Redis does not answer."""
    prefix = f"test-{name}-{uuid.uuid4().hex}"
    if kind == "memory":
        yield {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": prefix, "KEY_PREFIX": prefix}
        return
    client = redis.Redis.from_url(REDIS_CACHE_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    yield {"BACKEND": "config.redis_cache.RedisCache", "LOCATION": REDIS_CACHE_URL, "KEY_PREFIX": prefix}
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@pytest.fixture(autouse=True)
def generous_throttles(settings: Any) -> None:
    """Throttling has its own test; elsewhere it must not turn answers into 429s."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000000/minute", "user": "1000000/minute"},
    }
    cache.clear()


@pytest.fixture(autouse=True)
def short_streams(settings: Any) -> None:
    """The live stream (/api/changes/stream/) ends after ALERTS_STREAM_MAX_SECONDS; a test client reads a
    response to its end, so here it ends within a second."""
    settings.ALERTS_STREAM_MAX_SECONDS = 0.5
    settings.ALERTS_STREAM_POLL_SECONDS = 0.1


@pytest.fixture
def entities(db: None) -> None:
    for entity_id, name, entity_type, aliases in ENTITIES:
        services.entity_register(
            entity_id=entity_id,
            name=name,
            entity_type=entity_type,
            aliases=[{"name": alias, "lang": lang} for alias, lang in aliases],
        )


def citation(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "url": "https://www.csis.org/analysis/deepseek-huawei-export-controls-and-future-us-china-ai-race",
        "title": "DeepSeek, Huawei, Export Controls, and the Future of the U.S.-China AI Race",
        "publisher": "CSIS",
        "author": "Gregory C. Allen",
        "published": "2025-05",
        "locator": "Judgment 1",
        "reliability": "B",
        "credibility": "2",
    }
    fields.update(overrides)
    return fields


def record(**overrides: Any) -> Development:
    fields: dict[str, Any] = {
        "title": "BIS publishes the October 7, 2022 controls",
        "date": "2022-10-07",
        "category": "government",
        "kind": "rule_release",
    }
    fields.update(overrides)
    return services.development_record(**fields)


def make_user(username: str, *groups: str) -> tuple[User, str]:
    user = User.objects.create_user(username=username, password="x")
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user, Token.objects.create(user=user).key


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def analyst(db: None) -> APIClient:
    _, key = make_user("ada", "analyst")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def viewer(db: None) -> APIClient:
    _, key = make_user("vic", "viewer")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client
