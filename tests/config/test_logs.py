"""Structured logs: JSON lines on stdout with LOG_FORMAT=json, request ids, Celery task ids; plain text otherwise.

The end-to-end cases run `manage.py` in a subprocess with its own environment (a SQLite file in a temporary folder).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from config.logs import JsonFormatter, request_id

ROOT = Path(__file__).resolve().parents[2]

LOG_SNIPPET = """
import logging
log = logging.getLogger("timeline.test")
log.warning("hello %s", "world", extra={"source_id": 7})
try:
    1 / 0
except ZeroDivisionError:
    log.exception("it broke")
"""


def record(message: str, *args: Any, **extra: Any) -> logging.LogRecord:
    made = logging.LogRecord("timeline.test", logging.INFO, __file__, 1, message, args, None)
    for key, value in extra.items():
        setattr(made, key, value)
    return made


def run_manage(*args: str, log_format: str | None, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    outside = {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE", "LOG_FORMAT", "DEBUG", "SECRET_KEY"}
    env = {key: value for key, value in os.environ.items() if key not in outside}
    env["TIMELINE_VAR_DIR"] = str(tmp_path)
    if log_format:
        env["LOG_FORMAT"] = log_format
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_record_becomes_one_json_line_with_its_extra_fields() -> None:
    line = JsonFormatter().format(record("poll of %s took %d ms", "feed", 12, source_id=3, url="https://x.test"))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "poll of feed took 12 ms"
    assert (entry["level"], entry["logger"]) == ("INFO", "timeline.test")
    assert (entry["source_id"], entry["url"]) == (3, "https://x.test")
    assert entry["time"].endswith("+00:00")
    assert "request_id" not in entry and "task_id" not in entry


def test_values_json_cannot_hold_are_written_as_text_and_non_ascii_is_kept() -> None:
    entry = json.loads(JsonFormatter().format(record("华为 %s", "ok", path=Path("/tmp/x"))))
    assert entry["message"] == "华为 ok"
    assert entry["path"] == "/tmp/x"


def test_the_current_request_id_is_added_to_every_line() -> None:
    token = request_id.set("abc-123")
    try:
        entry = json.loads(JsonFormatter().format(record("inside a request")))
    finally:
        request_id.reset(token)
    assert entry["request_id"] == "abc-123"


def test_a_celery_task_s_id_and_name_are_added_inside_the_task() -> None:
    from celery import Celery

    app = Celery("logs-test", set_as_current=False)
    app.conf.task_always_eager = True
    lines: list[dict[str, Any]] = []

    @app.task(name="tests.log_something")
    def log_something() -> None:
        lines.append(json.loads(JsonFormatter().format(record("in a task"))))

    log_something.apply(task_id="task-42")
    assert lines[0]["task_id"] == "task-42" and lines[0]["task_name"] == "tests.log_something"


@pytest.mark.django_db
def test_the_request_middleware_returns_the_id_and_logs_one_line_per_request(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    middleware = [*settings.MIDDLEWARE]
    middleware.insert(1, "config.logs.RequestLogMiddleware")
    with override_settings(MIDDLEWARE=middleware), caplog.at_level(logging.INFO, logger="timeline.request"):
        given = client.get("/api/developments/", HTTP_X_REQUEST_ID="req-from-the-proxy.1")
        made = client.get("/api/developments/", HTTP_X_REQUEST_ID="bad id with spaces\nand a newline")
    assert given["X-Request-ID"] == "req-from-the-proxy.1"
    assert len(made["X-Request-ID"]) == 32 and made["X-Request-ID"].isalnum()
    lines = [r for r in caplog.records if r.name == "timeline.request"]
    assert [(r.method, r.path, r.status) for r in lines] == [("GET", "/api/developments/", 200)] * 2  # type: ignore[attr-defined]
    assert all(r.duration_ms >= 0 for r in lines)  # type: ignore[attr-defined]


def test_log_format_json_writes_json_lines_to_stdout(tmp_path: Path) -> None:
    result = run_manage("shell", "--no-imports", "-c", LOG_SNIPPET, log_format="json", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [e["message"] for e in entries] == ["hello world", "it broke"]
    assert entries[0]["source_id"] == 7
    assert "ZeroDivisionError" in entries[1]["exception"]
    assert "hello world" not in result.stderr


def test_without_log_format_logs_stay_plain_text_on_stderr(tmp_path: Path) -> None:
    result = run_manage("shell", "--no-imports", "-c", LOG_SNIPPET, log_format=None, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "hello world" in result.stderr and not result.stderr.lstrip().startswith("{")
