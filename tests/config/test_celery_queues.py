"""Celery queues and worker settings (config/celery.py): routes, limits, and real workers consuming the queues.

The worker cases start real `celery worker` subprocesses, each with its own SQLite file in a temporary folder
(migrated by `manage.py migrate`): the embedded default's worker exactly as `dev.py run` starts it, on the
filesystem broker; and a worker narrowed to one queue (`-Q email`, as docker-compose.yml's worker-email) on this
machine's Redis, database 11, flushed before and after (skipped if Redis is down).
"""

from __future__ import annotations

import os
import random
import re
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from django.test import override_settings

import dev
from config.celery import QUEUES, REDIS_VISIBILITY_TIMEOUT, app, configure_broker
from digests import sending as digest_sending
from workers.schedule import BEAT_SCHEDULE

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/11"
OUTSIDE = {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE", "LOG_FORMAT", "DEBUG", "SECRET_KEY"}

ROUTES = {
    "workers.feeds.poll_source": "feeds",
    "workers.feeds.dispatch_due_sources": "feeds",
    "digests.send": "email",
    "digests.dispatch_due": "email",
    "workers.tasks.heartbeat": "default",
    "some.future.task": "default",
}

# Sent from a `manage.py shell` with the project's own app and routes: the heartbeat explicitly to every queue,
# and the two dispatchers by name only, so that task_routes chooses their queues.
SEND = """
from config.celery import QUEUES, app
for queue in QUEUES:
    app.send_task("workers.tasks.heartbeat", queue=queue)
app.send_task("workers.feeds.dispatch_due_sources")
app.send_task("digests.dispatch_due")
print("sent")
"""


def queue_of(task_name: str) -> str:
    app.loader.import_default_modules()
    return str(app.amqp.router.route({}, task_name)["queue"].name)


@pytest.mark.parametrize(("task_name", "queue"), ROUTES.items())
def test_each_task_goes_to_its_queue(task_name: str, queue: str) -> None:
    assert queue_of(task_name) == queue


def test_every_beat_entry_lands_on_a_declared_queue() -> None:
    assert {queue_of(entry["task"]) for entry in BEAT_SCHEDULE.values()} == set(QUEUES)


def test_worker_settings_one_message_per_process_acknowledged_after_the_task() -> None:
    conf = app.conf
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_acks_late is True and conf.task_reject_on_worker_lost is True
    assert conf.broker_connection_retry_on_startup is True
    assert conf.worker_cancel_long_running_tasks_on_connection_loss is True
    assert (conf.task_soft_time_limit, conf.task_time_limit) == (60, 90)
    assert conf.task_default_queue == "default"
    assert [queue.name for queue in conf.task_queues] == list(QUEUES)


def test_every_task_has_a_hard_time_limit_below_the_redis_visibility_timeout() -> None:
    app.loader.import_default_modules()
    project_tasks = [task for name, task in app.tasks.items() if not name.startswith("celery.")]
    assert {"workers.feeds.poll_source", "digests.send", "workers.tasks.heartbeat"} <= {t.name for t in project_tasks}
    for task in project_tasks:
        limit = task.time_limit or app.conf.task_time_limit
        assert 0 < limit < REDIS_VISIBILITY_TIMEOUT, task.name


def test_the_longest_retry_countdown_is_below_the_redis_visibility_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    # a countdown longer than the visibility timeout would be handed to a second worker while the first waits
    monkeypatch.setattr(random, "uniform", lambda low, high: high)
    with override_settings(DIGEST_RETRY_BACKOFF_SECONDS=3600):
        longest = max(digest_sending.retry_backoff(retries) for retries in range(60))
    assert longest == pytest.approx(6 * 3600 * 1.2)
    assert longest < REDIS_VISIBILITY_TIMEOUT


def test_a_redis_broker_gets_the_visibility_timeout_and_the_filesystem_broker_its_folders(tmp_path: Path) -> None:
    probe = Celery("probe", set_as_current=False)
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:6379/0"):
        configure_broker(sender=probe)
    assert probe.conf.broker_transport_options == {"visibility_timeout": REDIS_VISIBILITY_TIMEOUT}
    probe = Celery("probe", set_as_current=False)
    with override_settings(CELERY_BROKER_URL="filesystem://", CELERY_BROKER_DIR=tmp_path):
        configure_broker(sender=probe)
    assert probe.conf.broker_transport_options["data_folder_in"] == str(tmp_path / "queue")
    assert (tmp_path / "queue").is_dir()


def test_the_embedded_default_broker_connects_without_kombu_warning_of_a_missing_hostname(tmp_path: Path) -> None:
    """Every worker, beat and web process opens broker connections; each used to log this warning."""
    code = (
        "import django; django.setup(); from config.celery import app\n"
        "with app.connection_for_write() as connection: print(connection.as_uri())"
    )
    env = base_env(tmp_path / "var", DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("filesystem://")
    assert "No hostname was supplied" not in result.stdout + result.stderr


# --- real workers -------------------------------------------------------------------------------------------


def base_env(var: Path, **extra: str) -> dict[str, str]:
    var.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items() if key not in OUTSIDE}
    env |= {"TIMELINE_VAR_DIR": str(var), "HEARTBEAT_SECONDS": "3600", "PYTHONUNBUFFERED": "1"}
    return env | extra


def migrate(env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "--verbosity", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def send(env: dict[str, str], code: str = SEND) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0 and "sent" in result.stdout, result.stderr


def beats(var: Path) -> int:
    with sqlite3.connect(var / "timeline.sqlite3") as db:
        row = db.execute("SELECT beats FROM workers_heartbeat WHERE name = 'beat'").fetchone()
    return int(row[0]) if row else 0


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return condition()


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., tuple[subprocess.Popen[str], Path]]]:
    started: list[subprocess.Popen[str]] = []

    def start(command: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[str], Path]:
        log = tmp_path / f"worker-{len(started)}.log"
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip
        started.append(process)
        return process, log

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, 15)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()


@pytest.mark.slow
def test_the_embedded_worker_started_as_dev_py_does_runs_a_task_from_every_queue(
    tmp_path: Path, start_worker: Callable[..., Any]
) -> None:
    var = tmp_path / "var"
    env = base_env(var)
    migrate(env)
    command = dev.worker_command(var)
    assert "-Q" not in command and "--queues" not in command  # so it consumes every declared queue
    _, log = start_worker(command, env)
    send(env)

    assert wait_for(lambda: beats(var) == len(QUEUES), 90), log.read_text()[-3000:]
    for task in ("workers.feeds.dispatch_due_sources", "digests.dispatch_due"):
        done = re.compile(rf"Task {re.escape(task)}\[[0-9a-f-]+\] succeeded")
        assert wait_for(lambda done=done: bool(done.search(log.read_text())), 30), log.read_text()[-3000:]
    text = log.read_text()
    for queue in QUEUES:
        assert f".> {queue}" in text  # the worker's banner lists the queues it consumes


@pytest.mark.slow
def test_a_worker_narrowed_to_email_leaves_feed_tasks_queued_for_the_feed_workers(
    tmp_path: Path, start_worker: Callable[..., Any]
) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    client.flushdb()
    try:
        var = tmp_path / "var"
        env = base_env(var, CELERY_BROKER_URL=REDIS_URL)
        migrate(env)
        node = f"email-{uuid.uuid4().hex[:8]}@%h"
        command = [str(Path(sys.executable).parent / "celery"), "-A", "config", "worker", "-Q", "email", "-n", node,
                   "--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle"]  # fmt: skip
        _, log = start_worker(command, env)
        send(env)

        assert wait_for(lambda: "Task digests.dispatch_due[" in log.read_text(), 90), log.read_text()[-3000:]
        # the email worker took its two messages (the routed dispatcher and the heartbeat sent to "email")
        assert wait_for(lambda: beats(var) == 1, 30)
        time.sleep(2)  # any feed or default task it wrongly consumed would have run by now
        text = log.read_text()
        assert "Task workers.feeds.dispatch_due_sources[" not in text
        assert beats(var) == 1
        # the feeds queue still holds the dispatcher and its heartbeat, the default queue its heartbeat
        assert client.llen("feeds") == 2
        assert client.llen("default") == 1
        assert client.llen("email") == 0
    finally:
        client.flushdb()
