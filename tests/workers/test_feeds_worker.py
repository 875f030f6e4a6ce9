"""Real Celery workers on real servers: `celery -A tests.workers.feeds_celery worker` subprocesses with this
machine's Redis as broker (127.0.0.1:6379, database 7, flushed before and after) and the PostgreSQL test
database (its name passed to the worker in DATABASE_URL), fetching feeds from a threaded HTTP server on
loopback started by the test (tests/sources/feedserver.py). PostgreSQL only: a worker cannot share SQLite's
in-memory test database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from config.celery import QUEUES
from config.celery import app as project_app
from sources.flagging.defaults import seed_watchlist
from sources.flagging.learned import Example
from sources.flagging.services import flagger_train
from sources.models import Candidate, Health, Item, Source, WatchEntity, WatchPattern
from sources.services import source_add
from tests.sources import feedserver
from tests.sources.feedserver import FeedServer, gzip_bomb_cached, rss

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/7"
CELERY = str(Path(sys.executable).parent / "celery")

ITEMS = [
    ("w1", "BIS adds 40 Chinese AI chip firms to the Entity List", "The rule was published on April 2, 2025."),
    ("w2", "SMIC begins 5nm volume production for Huawei Ascend chips", ""),
    ("w3", "Local bakery wins award for sourdough", "Bread."),
]


def _redis() -> Any:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return client


def _database_url() -> str:
    db = django_settings.DATABASES["default"]
    return f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _start_worker(
    log: Path, *, pool: str = "prefork", extra_env: dict[str, str] | None = None, extra_args: tuple[str, ...] = ()
) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.workers.feeds_settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": REDIS_URL,
        **(extra_env or {}),
    }
    args = [
        CELERY,
        "-A",
        "tests.workers.feeds_celery",
        "worker",
        f"--pool={pool}",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"feeds-test-{time.time_ns()}@%h",
    ]
    if pool == "prefork":
        args.append("--concurrency=4")
    args.extend(extra_args)
    handle = log.open("ab")
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


def _wait_for(condition: Callable[[], bool], timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        connection.close()  # read what the worker committed, not a stale snapshot
        if condition():
            return
        time.sleep(0.3)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")


@pytest.fixture
def broker() -> Iterator[Celery]:
    client = _redis()
    client.flushdb()
    producer = Celery("feeds-test-producer", broker=REDIS_URL)
    # Route like the project does (feed tasks go to the "feeds" queue), so the workers see what the test sends.
    producer.conf.task_queues = project_app.conf.task_queues
    producer.conf.task_routes = project_app.conf.task_routes
    yield producer
    producer.close()
    client.flushdb()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    started = FeedServer().start()
    yield started
    started.stop()


@pytest.fixture
def loopback(settings: Any) -> Any:
    settings.FEEDS_ALLOW_LOOPBACK = True
    if not WatchPattern.objects.exists():  # a transactional test before this one flushed the seeded rows
        seed_watchlist(WatchEntity, WatchPattern)
    return settings


def _dispatch(broker: Celery) -> None:
    broker.send_task("workers.feeds.dispatch_due_sources")


@pytest.mark.django_db(transaction=True)
def test_a_worker_turns_new_items_into_candidates_and_a_second_poll_gets_304(
    broker: Celery, server: FeedServer, loopback: Any, tmp_path: Path
) -> None:
    server.routes["/desk"] = feedserver.feed(rss(*ITEMS))
    source = source_add(url=server.url("/desk"), name="Desk")
    worker = _start_worker(tmp_path / "worker.log")
    try:
        _dispatch(broker)
        _wait_for(
            lambda: Source.objects.get(pk=source.pk).last_success_at is not None,
            60,
            "the first poll",
            tmp_path / "worker.log",
        )
        assert Item.objects.count() == 3
        assert set(Candidate.objects.values_list("item__guid", flat=True)) == {"w1", "w2"}
        assert Candidate.objects.get(item__guid="w1").date_edtf == "2025-04-02"
        first_check = Source.objects.get(pk=source.pk).last_checked_at

        Source.objects.filter(pk=source.pk).update(next_check_at=timezone.now())
        _dispatch(broker)
        _wait_for(
            lambda: Source.objects.get(pk=source.pk).last_checked_at != first_check,
            60,
            "the second poll",
            tmp_path / "worker.log",
        )
        source.refresh_from_db()
        assert source.last_status == 304 and source.health == Health.OK
        assert server.hits("/desk")[-1].headers.get("if-none-match") == source.etag
        assert Item.objects.count() == 3 and Candidate.objects.count() == 2
    finally:
        _stop(worker)


@pytest.mark.django_db(transaction=True)
def test_each_broken_source_marks_only_itself_unhealthy_while_the_healthy_ones_are_processed_in_the_same_cycle(
    broker: Celery, server: FeedServer, loopback: Any, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    server.routes["/good-1"] = feedserver.feed(rss(ITEMS[0]))
    server.routes["/good-2"] = feedserver.feed(rss(ITEMS[1]))
    server.routes["/timeout"] = feedserver.stall(8)
    server.routes["/error"] = feedserver.status(500)
    server.routes["/bomb"] = feedserver.bomb(gzip_bomb_cached(tmp_path_factory.mktemp("bomb")))
    server.routes["/metadata"] = feedserver.redirect("http://169.254.169.254/latest/meta-data/")
    server.routes["/prose"] = feedserver.feed(b"Dear reader, this page is not a feed.", content_type="text/html")
    sources = {path: source_add(url=server.url(path), name=path) for path in server.routes}
    worker = _start_worker(tmp_path / "worker.log")
    try:
        _dispatch(broker)
        _wait_for(
            lambda: not Source.objects.filter(last_checked_at__isnull=True).exists(),
            90,
            "every poll",
            tmp_path / "worker.log",
        )
        state = {source.name: source for source in Source.objects.all()}
        for path in ("/good-1", "/good-2"):
            assert state[path].health == Health.OK and state[path].last_error == ""
        assert Candidate.objects.filter(item__source__name__in=["/good-1", "/good-2"]).count() == 2
        expected = {
            "/timeout": "read timeout",
            "/error": "HTTP 500",
            "/bomb": "after decoding",
            "/metadata": "link-local",
            "/prose": "not a feed",
        }
        for path, reason in expected.items():
            assert state[path].health == Health.FAILING and state[path].error_count == 1, (path, state[path].last_error)
            assert reason in state[path].last_error, (path, state[path].last_error)
            assert state[path].next_check_at > timezone.now()
        assert Item.objects.exclude(source__name__in=["/good-1", "/good-2"]).count() == 0
        assert set(sources) == set(state)
    finally:
        _stop(worker)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_after_committing_a_poll_but_before_its_ack_leaves_no_duplicate_after_redelivery(
    broker: Celery, server: FeedServer, loopback: Any, tmp_path: Path
) -> None:
    server.routes["/desk"] = feedserver.feed(rss(*ITEMS), conditional=False)  # every poll gets the full feed
    source = source_add(url=server.url("/desk"))
    marker = tmp_path / "committed"
    # A short visibility timeout, so Redis hands the unacknowledged message to the next worker within seconds.
    quick = {"TEST_VISIBILITY_TIMEOUT": "3"}
    first = _start_worker(
        tmp_path / "first.log", pool="solo", extra_env={**quick, "TEST_PAUSE_AFTER_POLL": str(marker)}
    )
    try:
        broker.send_task("workers.feeds.poll_source", args=[source.pk])
        _wait_for(marker.exists, 60, "the poll to commit", tmp_path / "first.log")
        assert Item.objects.count() == 3 and Candidate.objects.count() == 2
    finally:
        _stop(first, signal.SIGKILL)  # the whole process group, mid-task: the message is never acknowledged
    assert len(server.hits("/desk")) == 1

    second = _start_worker(tmp_path / "second.log", pool="solo", extra_env=quick)
    try:
        _wait_for(lambda: len(server.hits("/desk")) >= 2, 60, "the redelivered poll", tmp_path / "second.log")
        _wait_for(
            lambda: "succeeded" in (tmp_path / "second.log").read_text(errors="replace"),
            30,
            "the redelivered poll to finish",
            tmp_path / "second.log",
        )
    finally:
        _stop(second)
    assert Item.objects.count() == 3
    assert Item.objects.values("dedup_key").distinct().count() == 3
    assert Candidate.objects.count() == 2
    assert Source.objects.get(pk=source.pk).items_seen == 3


def _slow(body: bytes, seconds: float) -> Any:
    """Serve the feed after a pause (under the workers' 1 s read timeout), so the first worker is still busy when
    the second poll is handed out."""
    serve = feedserver.feed(body)

    def handle(request: Any) -> None:
        time.sleep(seconds)
        serve(request)

    return handle


@pytest.mark.django_db(transaction=True)
def test_two_workers_score_with_the_same_model_version_from_the_database(
    broker: Celery, server: FeedServer, loopback: Any, tmp_path: Path, settings: Any
) -> None:
    # A model trained here (not the shipped one), let through the gate: the workers can only know it from the database.
    settings.FLAGGER_GATE_TOLERANCE = 1.0
    labelled = [Example(title, summary, relevant=True, category="government") for _, title, summary in ITEMS[:2]]
    labelled += [Example(f"Local bakery wins award number {n}", "Bread.", relevant=False) for n in range(30)]
    labelled += [Example(f"芯片出口管制新规第{n}条", "", relevant=True, category="government") for n in range(8)]
    labelled += [Example(f"北京庙会第{n}天", "", relevant=False) for n in range(8)]
    trained = flagger_train(extra=labelled, use_seed=False, use_decisions=False)
    assert trained.data["accepted"] and trained.recorded
    server.routes["/a"] = _slow(rss(ITEMS[0], ITEMS[2]), 0.8)
    server.routes["/b"] = _slow(rss(ITEMS[1]), 0.8)
    sources = [source_add(url=server.url(path), name=path) for path in ("/a", "/b")]
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    # Each worker also listens on a queue of its own, and each poll is sent to one of them: two workers sharing one
    # queue may both take from it, but nothing stops one of them from taking both polls (CI saw it happen).
    queues = [f"feeds-test-{n}-{time.time_ns()}" for n in range(2)]
    workers = [
        _start_worker(log, pool="solo", extra_args=("--prefetch-multiplier=1", "-Q", ",".join((*QUEUES, queue))))
        for log, queue in zip(logs, queues, strict=True)
    ]
    try:
        time.sleep(3)  # both workers connected before the polls are sent
        for source, queue in zip(sources, queues, strict=True):
            broker.send_task("workers.feeds.poll_source", args=[source.pk], queue=queue)
        _wait_for(lambda: not Source.objects.filter(last_success_at__isnull=True).exists(), 90, "both polls", logs[0])
        for log in logs:
            assert "poll_source" in log.read_text(errors="replace").split("ready.", 1)[-1], "each worker polled"
        assert set(Item.objects.values_list("flag_model", flat=True)) == {trained.data["sha256"]}
        assert Candidate.objects.count() >= 1
        assert set(Candidate.objects.values_list("model_version", flat=True)) == {trained.data["sha256"]}
    finally:
        for worker in workers:
            _stop(worker)
