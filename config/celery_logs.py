"""Quiet idle ticks: beat runs the alert consumer every ALERTS_CONSUME_SECONDS and the alert dispatcher every 10 s,
and Celery logs three INFO lines for each run ("Sending due task", "received", "succeeded ...: 0"), which buried
everything else in the embedded default's output. For these tasks, the lines are kept when a run did something
(a result other than 0) and, while idle, one "succeeded" line per IDLE_LOG_SECONDS shows they still run.
Warnings and errors, and every other task's lines, pass untouched. Imports no app (config's shared helpers rule).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

# Task name -> its beat entry name (workers/schedule.py).
QUIET_TASKS = {"alerts.consume": "alerts-consume", "alerts.dispatch_due": "alerts-dispatch-due"}
IDLE_LOG_SECONDS = 600.0
# The loggers Celery writes these lines with: beat's "Sending due task", the worker's "received", the tracer's
# "succeeded".
LOGGERS = ("celery.beat", "celery.worker.strategy", "celery.app.trace")
_IDLE_RESULTS = {"0", "None", "[]"}


class IdleTickFilter(logging.Filter):
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._clock = clock
        self._last_idle: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        args = record.args
        if isinstance(args, tuple):  # beat: ("Scheduler: Sending due task %s (%s)", entry name, task name)
            return not (len(args) == 2 and args[1] in QUIET_TASKS and args[0] == QUIET_TASKS[str(args[1])])
        if not isinstance(args, Mapping) or args.get("name") not in QUIET_TASKS:
            return True
        if "return_value" not in args:  # "received": the "succeeded" line says what matters
            return False
        if str(args["return_value"]) not in _IDLE_RESULTS:
            return True
        now = self._clock()
        name = str(args["name"])
        last = self._last_idle.get(name)
        if last is not None and now - last < IDLE_LOG_SECONDS:
            return False
        self._last_idle[name] = now
        return True


def install() -> IdleTickFilter:
    """Add one filter to each of Celery's loggers above (idempotent: once per process)."""
    tick_filter = next(
        (f for f in logging.getLogger(LOGGERS[0]).filters if isinstance(f, IdleTickFilter)), IdleTickFilter()
    )
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if tick_filter not in logger.filters:
            logger.addFilter(tick_filter)
    return tick_filter
