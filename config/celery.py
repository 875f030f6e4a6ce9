"""The Celery app: Redis when CELERY_BROKER_URL names it, kombu's filesystem transport otherwise."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import setup_logging
from kombu import Queue

from config import celery_logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("timeline")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_serializer = "json"
app.conf.accept_content = ["json"]
app.conf.result_serializer = "json"

# Queues. One per kind of work, so that one cannot starve another: a backlog of slow feed polls (up to 150 s each)
# never delays the weekly digests or the heartbeat, given a worker per queue (docker-compose.yml runs one service
# per queue). Flagging runs inside each source's poll task (fetch, parse, store, flag: one task per source), so
# "feeds" carries fetching and flagging. A worker started without -Q consumes every queue listed here, which is
# what the embedded default's single worker (`dev.py run`) does; `-Q feeds` narrows a worker to one queue.
QUEUES = ("default", "feeds", "email", "alerts")
app.conf.task_queues = [Queue(name, routing_key=name) for name in QUEUES]
app.conf.task_default_queue = "default"
app.conf.task_routes = {
    # Each dispatcher shares its queue with the tasks it enqueues: when the feed workers fall behind, the next
    # dispatch waits in the same line (and expires) instead of piling more polls on top.
    "workers.feeds.*": {"queue": "feeds"},
    "digests.*": {"queue": "email"},
    # Alerts have their own queue: a burst of webhook sends (or a slow receiver's timeouts) must not delay feed
    # polls or digests, and the minute promised for an alert must not wait behind a feed backlog.
    "alerts.*": {"queue": "alerts"},
    "workers.tasks.heartbeat": {"queue": "default"},
}

# Worker settings, and why.
# Every task is idempotent (a poll stores each item once, a digest send is claimed in the send log first), so a
# message is acknowledged only after the task ran: a worker killed mid-task gives it back to the broker.
app.conf.task_acks_late = True
app.conf.task_reject_on_worker_lost = True
# Prefetch one message per process: tasks are few and long (seconds to minutes), so a process holding a second
# message would only make it wait behind the first while another process sits idle.
app.conf.worker_prefetch_multiplier = 1
# Time limits for tasks that set none (the heartbeat); the feed and digest tasks set their own, the longest being
# the feed poll's hard limit of 150 s (FEEDS_POLL_TIME_LIMIT). The soft limit raises inside the task so it can
# record why; the hard limit kills the process.
app.conf.task_soft_time_limit = 60
app.conf.task_time_limit = 90
# With acks_late a task whose connection dropped will be redelivered; cancel it instead of finishing it twice.
app.conf.worker_cancel_long_running_tasks_on_connection_loss = True
# Containers often start before Redis answers: keep retrying the broker at start, as after a lost connection.
app.conf.broker_connection_retry_on_startup = True
# Recycle prefork processes now and then so slow memory growth (parsers, large feeds) cannot accumulate.
app.conf.worker_max_tasks_per_child = 500

# Redis hands an unacknowledged message to another worker after visibility_timeout seconds, and a retry's
# countdown is also held unacknowledged. So the timeout must exceed both the longest hard time limit (150 s)
# and the longest countdown: a digest retry waits up to 6 h x 1.2 (digests.sending.retry_backoff). Eight
# hours does; a message lost with a crashed worker then comes back late, but every dispatcher re-finds its
# work from the database each minute (sources by next_check_at, digests by the send log), so nothing waits on it.
REDIS_VISIBILITY_TIMEOUT = 8 * 3600


@app.on_configure.connect
def configure_broker(sender: Celery, **_: object) -> None:
    """Redis: the visibility timeout above. Filesystem (embedded default): folders under var/."""
    from django.conf import settings

    url = str(settings.CELERY_BROKER_URL)
    if url.startswith(("redis://", "rediss://")):
        sender.conf.broker_transport_options = {"visibility_timeout": REDIS_VISIBILITY_TIMEOUT}
        return
    if not url.startswith("filesystem://"):
        return
    broker_dir = settings.CELERY_BROKER_DIR
    for sub in ("queue", "processed", "control"):
        (broker_dir / sub).mkdir(parents=True, exist_ok=True)
    sender.conf.broker_transport_options = {
        "data_folder_in": str(broker_dir / "queue"),
        "data_folder_out": str(broker_dir / "queue"),
        "processed_folder": str(broker_dir / "processed"),
        # without this the transport writes its exchange table to ./control in whatever folder it started
        "control_folder": str(broker_dir / "control"),
        "store_processed": False,
    }


def use_django_logging(**_: object) -> None:
    """Workers and beat log through Django's LOGGING (JSON lines to stdout), not Celery's own format."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


# Routine alert ticks log only when they did something (and now and then while idle): config/celery_logs.py.
celery_logs.install()

# Connected only for LOG_FORMAT=json: a receiver on setup_logging stops Celery configuring its own logging, and
# the embedded default keeps Celery's usual output. Decided when the worker imports this module, like settings.
if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
    setup_logging.connect(use_django_logging, weak=False)


# Every task module, named once: a task a worker has not imported is "unregistered" there, and beat's messages
# for it would be discarded. tests/workers/test_heartbeat.py checks every beat entry names a registered task.
app.conf.imports = ("workers.tasks", "workers.feeds", "workers.digests", "workers.alerts")


@app.on_after_configure.connect
def install_beat_schedule(sender: Celery, **_: object) -> None:
    from workers.schedule import BEAT_SCHEDULE

    sender.conf.beat_schedule = BEAT_SCHEDULE
