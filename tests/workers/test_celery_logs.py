"""Idle alert ticks stay out of the logs: Celery's own lines for the alert consumer and dispatcher show only when a
run did something, or once in IDLE_LOG_SECONDS while idle; every other task's lines pass. Real Celery loggers and
message formats; no worker started."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from celery.app.trace import LOG_RECEIVED, LOG_SUCCESS

from config import celery_logs


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Iterator[Clock]:
    """A filter on a fake clock in place of the one config.celery installed (put back after)."""
    clock = Clock()
    loggers = [logging.getLogger(name) for name in celery_logs.LOGGERS]
    installed = [[f for f in logger.filters if isinstance(f, celery_logs.IdleTickFilter)] for logger in loggers]
    fresh = celery_logs.IdleTickFilter(clock)
    for logger, filters in zip(loggers, installed, strict=True):
        for old in filters:
            logger.removeFilter(old)
        logger.addFilter(fresh)
    yield clock
    for logger, filters in zip(loggers, installed, strict=True):
        logger.removeFilter(fresh)
        for old in filters:
            logger.addFilter(old)


def tick(task: str, result: str) -> None:
    logging.getLogger("celery.beat").info(
        "Scheduler: Sending due task %s (%s)", celery_logs.QUIET_TASKS.get(task, task), task
    )
    logging.getLogger("celery.worker.strategy").info(LOG_RECEIVED, {"name": task, "id": "x", "args": "", "kwargs": ""})
    logging.getLogger("celery.app.trace").info(
        LOG_SUCCESS, {"name": task, "id": "x", "runtime": 0.01, "return_value": result}
    )


def test_idle_consumer_runs_log_once_in_a_while_and_busy_ones_always(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for _ in range(30):  # a minute of idle ticks
        tick("alerts.consume", "0")
        clock.now += 2
    assert [r.getMessage() for r in caplog.records] == ["Task alerts.consume[x] succeeded in 0.01s: 0"]
    caplog.clear()
    tick("alerts.consume", "3")
    assert [r.getMessage() for r in caplog.records] == ["Task alerts.consume[x] succeeded in 0.01s: 3"]
    caplog.clear()
    clock.now += celery_logs.IDLE_LOG_SECONDS
    tick("alerts.dispatch_due", "0")
    tick("alerts.consume", "0")
    assert len(caplog.records) == 2  # each still shows it runs, once per interval


def test_other_tasks_and_failures_are_logged_as_before(clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    tick("digests.dispatch_due", "0")
    assert len(caplog.records) == 3
    caplog.clear()
    logging.getLogger("celery.app.trace").error("Task %(name)s[%(id)s] raised", {"name": "alerts.consume", "id": "x"})
    assert [r.levelno for r in caplog.records] == [logging.ERROR]


def test_the_worker_and_beat_install_the_filter() -> None:
    import config.celery  # noqa: F401 - importing it installs the filter, as a worker or beat does

    for name in celery_logs.LOGGERS:
        assert any(isinstance(f, celery_logs.IdleTickFilter) for f in logging.getLogger(name).filters)
