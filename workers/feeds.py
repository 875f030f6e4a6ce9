"""Celery tasks for feeds: the per-minute dispatcher and the per-source poll. Thin: ids in, services called."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError

from sources.feeds.locking import PollBusyError
from sources.feeds.scheduling import retry_countdown
from sources.flagging.services import flagger_retrain
from sources.models import Source
from sources.services import source_poll, source_record_error, sources_claim_due

logger = logging.getLogger(__name__)

POLL_TASK = "workers.feeds.poll_source"


class PollTask(Task):
    """The poll's time limits are FEEDS_POLL_SOFT_TIME_LIMIT and FEEDS_POLL_TIME_LIMIT, read whenever Celery asks
    for them (a worker as it starts, a sender as it sends), so the settings are their only definition."""

    def __init__(self) -> None:
        super().__init__()
        # Limits set by Celery's `control time_limit` command on a running worker; until then, the settings'.
        self._set_limits: dict[str, float | None] = {}

    @property
    def soft_time_limit(self) -> float | None:
        return self._set_limits.get("soft", settings.FEEDS_POLL_SOFT_TIME_LIMIT)

    @soft_time_limit.setter
    def soft_time_limit(self, seconds: float | None) -> None:
        self._set_limits["soft"] = seconds

    @property
    def time_limit(self) -> float | None:
        return self._set_limits.get("hard", settings.FEEDS_POLL_TIME_LIMIT)

    @time_limit.setter
    def time_limit(self, seconds: float | None) -> None:
        self._set_limits["hard"] = seconds


@shared_task(name="workers.feeds.dispatch_due_sources", ignore_result=True, soft_time_limit=50, time_limit=60)
def dispatch_due_sources() -> int:
    """Beat's every-minute task: claim the due sources and enqueue one poll each."""
    soft, hard = settings.FEEDS_POLL_SOFT_TIME_LIMIT, settings.FEEDS_POLL_TIME_LIMIT
    lease = settings.FEEDS_DISPATCH_LEASE_SECONDS
    claimed = sources_claim_due(limit=settings.FEEDS_DISPATCH_BATCH)
    for source_id in claimed:
        # A poll still queued when the claim's lease runs out is dropped: the source is due again by then.
        poll_source.apply_async(args=[source_id], soft_time_limit=soft, time_limit=hard, expires=lease)
    return len(claimed)


@shared_task(
    name=POLL_TASK,
    base=PollTask,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=5,
)
def poll_source(self, source_id: int) -> str:  # type: ignore[no-untyped-def]
    """Poll one source. Idempotent, so a redelivery after a lost worker stores nothing twice."""
    try:
        return str(source_poll(source_id=source_id))
    except PollBusyError as busy:
        # Another worker has this source (or its host is at its cap): come back when that is likely over.
        raise self.retry(countdown=retry_countdown(self.request.retries, floor=busy.retry_in), exc=busy) from busy
    except SoftTimeLimitExceeded:
        source = Source.objects.filter(pk=source_id).first()
        if source is not None:
            soft = settings.FEEDS_POLL_SOFT_TIME_LIMIT
            source_record_error(source=source, message=f"{source.url}: the poll took longer than {soft} s")
        return f"source {source_id}: error (time limit)"
    except (OperationalError, InterfaceError, DatabaseError) as error:
        logger.warning("poll of source %s hit a database error, retrying: %s", source_id, error)
        raise self.retry(countdown=retry_countdown(self.request.retries), exc=error) from error


# Training on a few thousand items takes seconds to a minute; the limits leave room on a busy machine.
@shared_task(name="workers.feeds.retrain_flagger_if_due", ignore_result=True, soft_time_limit=600, time_limit=660)
def retrain_flagger_if_due() -> str:
    """Beat's 5-minute check: retrain once enough new decisions are in."""
    return flagger_retrain(only_if_due=True)


@shared_task(name="workers.feeds.retrain_flagger", ignore_result=True, soft_time_limit=600, time_limit=660)
def retrain_flagger() -> str:
    """The nightly retrain (and a by-hand one from the shell)."""
    return flagger_retrain(only_if_due=False)
