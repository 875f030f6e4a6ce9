"""Liveness and readiness probes: /health/live (the process answers) and /health/ready (the service works).

/health/live is for container health checks and load balancers: 200 whenever a web process can answer.
/health/ready is for monitoring the whole service: 200 only if the database answers, the Celery broker is
reachable, beat's heartbeat is recent (so beat, the broker and a worker all work) and no projection trails the
log; otherwise 503 with the reasons. Both answer JSON and are never cached.

They are served by a middleware placed first, so that a probe reaching a container by its address over plain
HTTP is answered before ALLOWED_HOSTS validation and the HTTPS redirect (both would refuse it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.db import connection
from django.db.models import Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

LIVE_PATH = "/health/live"
READY_PATH = "/health/ready"
PROBE_TIMEOUT_SECONDS = 2.0

logger = logging.getLogger(__name__)

Check = dict[str, Any]


def check_database() -> Check:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any driver error means "not ready", with the reason
        return {"ok": False, "error": f"{type(error).__name__}: {error}".strip()}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def check_broker() -> Check:
    """Redis: PING. Filesystem transport (embedded default): its queue folder exists and is writable."""
    url = str(settings.CELERY_BROKER_URL)
    started = time.perf_counter()
    try:
        if url.startswith(("redis://", "rediss://")):
            import redis

            client = redis.Redis.from_url(
                url, socket_timeout=PROBE_TIMEOUT_SECONDS, socket_connect_timeout=PROBE_TIMEOUT_SECONDS
            )
            try:
                client.ping()
            finally:
                client.close()
            kind = "redis"
        elif url.startswith("filesystem://"):
            folder = Path(settings.CELERY_BROKER_DIR) / "queue"
            probe = folder / f".health-{uuid4().hex}"
            probe.write_bytes(b"")
            probe.unlink()
            kind = "filesystem"
        else:
            from config.celery import app

            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=PROBE_TIMEOUT_SECONDS)
            kind = url.split(":", 1)[0]
    except Exception as error:  # unreachable broker, missing folder, refused connection: all "not ready"
        return {"ok": False, "error": f"{type(error).__name__}: {error}".strip()}
    return {"ok": True, "kind": kind, "ms": round((time.perf_counter() - started) * 1000, 1)}


def check_beat() -> Check:
    """Time since the last heartbeat a worker recorded for beat (workers.Heartbeat 'beat')."""
    from workers.models import Heartbeat

    max_age = float(settings.HEALTH_MAX_BEAT_AGE_SECONDS)
    beat = Heartbeat.objects.filter(name="beat").first()
    if beat is None:
        return {"ok": False, "max_age_seconds": max_age, "error": "no heartbeat recorded yet"}
    age = (timezone.now() - beat.last_beat_at).total_seconds()
    check: Check = {
        "ok": age <= max_age,
        "last_beat_at": beat.last_beat_at.isoformat(),
        "age_seconds": round(age, 1),
        "max_age_seconds": max_age,
    }
    if not check["ok"]:
        check["error"] = f"the last heartbeat is {age:.0f} s old (more than {max_age:.0f} s)"
    return check


def check_projections() -> Check:
    """Each registered projection's lag: the log's last position minus the projection's checkpoint."""
    from events import registry
    from events.models import ProjectionCheckpoint, StoredEvent

    max_lag = int(settings.HEALTH_MAX_PROJECTION_LAG)
    # One statement, so the last position and the checkpoints come from the same snapshot even while appends run.
    newest = StoredEvent.objects.order_by("-position").values("position")[:1]
    rows = list(ProjectionCheckpoint.objects.annotate(last=Subquery(newest)).values_list("name", "position", "last"))
    if rows:
        last_position = int(rows[0][2] or 0)
    else:
        from events.store import last_position as store_last_position

        last_position = store_last_position()
    checkpoints = {name: position for name, position, _ in rows}
    lag = {p.name: max(0, last_position - checkpoints.get(p.name, 0)) for p in registry.projectors()}
    behind = {name: value for name, value in lag.items() if value > max_lag}
    check: Check = {"ok": not behind, "last_position": last_position, "lag": lag, "max_lag": max_lag}
    if behind:
        worst = max(behind, key=behind.__getitem__)
        check["error"] = f"projection {worst!r} is {behind[worst]} events behind the log (more than {max_lag})"
    return check


CHECKS: dict[str, Callable[[], Check]] = {
    "database": check_database,
    "broker": check_broker,
    "beat": check_beat,
    "projections": check_projections,
}


def readiness() -> tuple[bool, dict[str, Check]]:
    results: dict[str, Check] = {}
    for name, check in CHECKS.items():
        if name in {"beat", "projections"} and not results["database"]["ok"]:
            results[name] = {"ok": False, "error": "skipped: the database is unreachable"}
            continue
        try:
            results[name] = check()
        except Exception as error:  # a failing check makes the service not ready; it never makes the probe fail
            results[name] = {"ok": False, "error": f"{type(error).__name__}: {error}".strip()}
    return all(result["ok"] for result in results.values()), results


def live(request: HttpRequest) -> HttpResponse:
    return _json({"status": "ok"}, 200)


def ready(request: HttpRequest) -> HttpResponse:
    ok, checks = readiness()
    reasons = [f"{name}: {result['error']}" for name, result in checks.items() if not result["ok"]]
    body = {"status": "ok" if ok else "unavailable", "reasons": reasons, "checks": checks}
    response = _json(body, 200 if ok else 503)
    if not ok:
        # One line with the reasons, instead of Django's bare "Service Unavailable: /health/ready".
        logger.warning("not ready: %s", "; ".join(reasons), extra={"reasons": reasons})
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _json(body: dict[str, Any], status: int) -> HttpResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {LIVE_PATH: live, READY_PATH: ready}


class HealthMiddleware:
    """Answers GET/HEAD on the probe paths (with or without a trailing slash); everything else passes on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info.rstrip("/"))
        if probe is None or request.method not in {"GET", "HEAD"}:
            return self.get_response(request)
        return probe(request)
