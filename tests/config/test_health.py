"""/health/live and /health/ready: each readiness condition on its own, through Django's full request path.

The Redis cases use this machine's Redis on 127.0.0.1:6379 (skipped if it is down) and a closed port.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client, override_settings
from django.utils import timezone

from config import health
from events.models import ProjectionCheckpoint
from events.store import last_position
from tests.timeline.factories import register_entities
from workers.services import heartbeat_record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def broker_folder(tmp_path: Path) -> Iterator[Path]:
    """The filesystem broker's folders in a temporary var/ (the embedded default's broker)."""
    (tmp_path / "broker" / "queue").mkdir(parents=True)
    with override_settings(CELERY_BROKER_URL="filesystem://", CELERY_BROKER_DIR=tmp_path / "broker"):
        yield tmp_path / "broker"


def ready(client: Client, **headers: Any) -> tuple[int, dict[str, Any]]:
    response = client.get("/health/ready", **headers)
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    return response.status_code, response.json()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_live_answers_200_even_to_a_probe_by_address_over_plain_http(client: Client) -> None:
    with override_settings(ALLOWED_HOSTS=["timeline.example.org"], SECURE_SSL_REDIRECT=True):
        response = client.get("/health/live", HTTP_HOST="10.0.0.7:8000")
        assert (response.status_code, response.json()) == (200, {"status": "ok"})
        # the same settings refuse and redirect everything else
        assert client.get("/api/", HTTP_HOST="10.0.0.7:8000").status_code == 400
        assert client.get("/api/", HTTP_HOST="timeline.example.org").status_code == 301


def test_live_takes_head_and_a_trailing_slash_and_leaves_other_methods_to_the_site(client: Client) -> None:
    assert client.head("/health/live").status_code == 200
    assert client.get("/health/live/").status_code == 200
    assert client.post("/health/live").status_code == 404


def test_ready_is_200_when_database_broker_beat_and_projections_are_fine(client: Client) -> None:
    register_entities()
    heartbeat_record(name="beat")
    status, body = ready(client)
    assert status == 200, body
    assert body["status"] == "ok" and body["reasons"] == []
    assert set(body["checks"]) == {"database", "broker", "beat", "projections"}
    assert body["checks"]["broker"]["kind"] == "filesystem"
    assert body["checks"]["projections"]["lag"] == {
        "entities": 0,
        "developments": 0,
        "search": 0,
        "development_links": 0,
        "relationships": 0,
        "timelines": 0,
    }
    assert body["checks"]["projections"]["last_position"] == last_position() > 0


def test_a_stale_heartbeat_makes_ready_503_with_the_reason(client: Client) -> None:
    heartbeat_record(name="beat", at=timezone.now() - timedelta(minutes=10))
    with override_settings(HEALTH_MAX_BEAT_AGE_SECONDS=120):
        status, body = ready(client)
    assert status == 503
    assert body["status"] == "unavailable"
    beat = body["checks"]["beat"]
    assert beat["ok"] is False and beat["max_age_seconds"] == 120 and 595 <= beat["age_seconds"] <= 700
    assert len(body["reasons"]) == 1 and body["reasons"][0].startswith("beat: the last heartbeat is 6")
    assert "more than 120 s" in body["reasons"][0]


def test_a_heartbeat_within_the_threshold_is_fine(client: Client) -> None:
    heartbeat_record(name="beat", at=timezone.now() - timedelta(seconds=100))
    with override_settings(HEALTH_MAX_BEAT_AGE_SECONDS=120):
        status, body = ready(client)
    assert status == 200, body
    assert 100 <= body["checks"]["beat"]["age_seconds"] < 120


def test_no_heartbeat_yet_is_not_ready(client: Client) -> None:
    status, body = ready(client)
    assert status == 503
    assert body["reasons"] == ["beat: no heartbeat recorded yet"]


def test_projection_lag_is_reported_per_projection_and_over_the_limit_is_not_ready(client: Client) -> None:
    register_entities()
    heartbeat_record(name="beat")
    last = last_position()
    ProjectionCheckpoint.objects.filter(name="developments").update(position=last - 4)
    status, body = ready(client)
    assert status == 503
    projections = body["checks"]["projections"]
    assert projections["last_position"] == last
    assert projections["lag"] == {
        "entities": 0,
        "developments": 4,
        "search": 0,
        "development_links": 0,
        "relationships": 0,
        "timelines": 0,
    }
    assert body["reasons"] == ["projections: projection 'developments' is 4 events behind the log (more than 0)"]

    with override_settings(HEALTH_MAX_PROJECTION_LAG=4):
        status, body = ready(client)
    assert status == 200
    assert body["checks"]["projections"]["lag"]["developments"] == 4


def test_a_projection_without_a_checkpoint_lags_by_the_whole_log(client: Client) -> None:
    register_entities()
    heartbeat_record(name="beat")
    ProjectionCheckpoint.objects.filter(name="timelines").delete()
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["projections"]["lag"]["timelines"] == last_position()


def test_an_unwritable_broker_folder_is_not_ready(client: Client, broker_folder: Path) -> None:
    heartbeat_record(name="beat")
    with override_settings(CELERY_BROKER_DIR=broker_folder / "missing"):
        status, body = ready(client)
    assert status == 503
    assert body["checks"]["broker"]["ok"] is False
    assert body["reasons"][0].startswith("broker: FileNotFoundError")


def test_an_unreachable_redis_is_not_ready(client: Client) -> None:
    heartbeat_record(name="beat")
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port()}/0"):
        status, body = ready(client)
    assert status == 503
    assert body["reasons"][0].startswith("broker: ConnectionError")


def test_a_reachable_redis_is_ready(client: Client) -> None:
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    heartbeat_record(name="beat")
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:6379/0"):
        status, body = ready(client)
    assert status == 200, body
    assert body["checks"]["broker"]["kind"] == "redis"


def test_an_unreachable_database_is_not_ready_and_the_checks_needing_it_are_skipped(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Down:
        def cursor(self) -> Any:
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", Down())
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["database"] == {"ok": False, "error": "OperationalError: connection refused"}
    assert body["checks"]["beat"]["error"] == "skipped: the database is unreachable"
    assert body["checks"]["broker"]["ok"] is True


def test_not_ready_is_logged_once_with_the_reasons(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING"):
        ready(client)
    lines = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert lines == ["not ready: beat: no heartbeat recorded yet"]
