"""The Celery app: Redis when CELERY_BROKER_URL names it, kombu's filesystem transport otherwise."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("timeline")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_serializer = "json"
app.conf.accept_content = ["json"]
app.conf.result_serializer = "json"
app.conf.task_acks_late = True
app.conf.task_reject_on_worker_lost = True
app.conf.worker_prefetch_multiplier = 1


@app.on_configure.connect
def configure_embedded_broker(sender: Celery, **_: object) -> None:
    """Point the filesystem transport at folders under var/ when no broker server is configured."""
    from django.conf import settings

    if not str(settings.CELERY_BROKER_URL).startswith("filesystem://"):
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


# Every task module, named once: a task a worker has not imported is "unregistered" there, and beat's messages
# for it would be discarded. tests/workers/test_heartbeat.py checks every beat entry names a registered task.
app.conf.imports = ("workers.tasks", "workers.feeds", "workers.digests")


@app.on_after_configure.connect
def install_beat_schedule(sender: Celery, **_: object) -> None:
    from workers.schedule import BEAT_SCHEDULE

    sender.conf.beat_schedule = BEAT_SCHEDULE
