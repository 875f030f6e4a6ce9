"""Structured logs: one JSON object per line (LOG_FORMAT=json), with the request id of the request being served.

JsonFormatter turns any log record into {"time", "level", "logger", "message", ...}: the `extra=` fields a caller
passed, the request id (RequestLogMiddleware) or the Celery task id and name, and the traceback if any.
RequestLogMiddleware gives each request an id (the caller's X-Request-ID if it is sane, else a new one), returns it
in the X-Request-ID header and logs one line per request on the `timeline.request` logger.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON; values JSON cannot hold are written with str()."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = request_id.get()
        if current:
            entry["request_id"] = current
        task = _current_task()
        if task is not None:
            entry["task_id"], entry["task_name"] = task
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _current_task() -> tuple[str, str] | None:
    from celery._state import get_current_task

    task = get_current_task()
    if task is None or task.request.id is None:
        return None
    return str(task.request.id), str(task.name)


access_logger = logging.getLogger("timeline.request")


class RequestLogMiddleware:
    """Request id in, X-Request-ID out, one log line per request (method, path, status, duration)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        rid = given if _SANE_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            access_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id.reset(token)
