"""`python3 dev.py run` end to end: it starts web + worker + beat on loopback, serves, beats, and stops cleanly.

Slow (about half a minute): it runs the real command on a free loopback port, with its own var/ folder in a
temporary directory (SQLite, the filesystem broker, the beat schedule) and a 2-second heartbeat.
"""

from __future__ import annotations

import email
import email.policy
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(os.environ.get("DATABASE_URL")), reason="dev.py run is the embedded default; proven on the SQLite run"
    ),
]


@dataclass
class Running:
    process: subprocess.Popen[str]
    port: int
    var: Path
    marker: str
    output: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def text(self) -> str:
        return "".join(self.output)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def processes_with_marker(marker: str) -> list[int]:
    """Every live process that inherited the marker from dev.py: dev.py itself, its children and grandchildren."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if marker.encode() in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


@pytest.fixture(scope="module")
def running() -> Iterator[Running]:
    # Not pytest's own temporary folder, private to the user running the tests: started by root, dev.py runs
    # the service as an unprivileged account, which must reach var/.
    top = Path(tempfile.mkdtemp(prefix="dev-run-"))
    top.chmod(0o755)
    var = top / "var"
    marker = f"DEV_RUN_TEST_{uuid.uuid4().hex}"
    outside = {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    env = {k: v for k, v in os.environ.items() if k not in outside}
    env |= {"TIMELINE_VAR_DIR": str(var), "HEARTBEAT_SECONDS": "2", "DEV_RUN_TEST_MARKER": marker}
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "dev.py"),
            "run",
            "--port",
            str(port := free_port()),
            "--feeds-port",
            str(free_port()),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    handle = Running(process=process, port=port, var=var, marker=marker)
    assert process.stdout is not None
    threading.Thread(target=lambda: handle.output.extend(process.stdout or []), daemon=True).start()
    deadline = time.monotonic() + 180
    while "Press Ctrl-C to stop." not in handle.text():
        assert process.poll() is None, f"dev.py run exited early:\n{handle.text()}"
        assert time.monotonic() < deadline, f"dev.py run did not start in 180 s:\n{handle.text()}"
        time.sleep(0.2)
    yield handle
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    shutil.rmtree(top, ignore_errors=True)


def test_it_prints_the_urls_and_an_admin_login_that_works(running: Running) -> None:
    out = running.text()
    for path in ("/admin/", "/api/timelines/deepseek-development/", "/api/schema/"):
        assert running.url(path) in out
    password = (running.var / "admin-password").read_text().strip()
    assert f"user 'admin', password '{password}'" in out
    with sqlite3.connect(running.var / "timeline.sqlite3") as db:
        (stored,) = db.execute("SELECT password FROM auth_user WHERE username = 'admin' AND is_superuser").fetchone()
    assert check_password(password, stored)


def test_it_starts_without_warnings_from_celery_or_kombu(running: Running) -> None:
    """No "No hostname was supplied" (the broker URL names its host); no SecurityWarning, because started by
    root dev.py runs the service as an unprivileged account, unless it said why it could not."""
    out = running.text()
    assert "No hostname was supplied" not in out
    assert "SecurityWarning" not in out or "so the service runs as root" in out


def test_the_admin_login_page_is_served(running: Running) -> None:
    with urllib.request.urlopen(running.url("/admin/login/"), timeout=10) as response:
        assert response.status == 200
        assert "Django administration" in response.read().decode()


def test_the_named_timeline_is_served_as_json(running: Running) -> None:
    with urllib.request.urlopen(running.url("/api/timelines/deepseek-development/"), timeout=10) as response:
        assert response.status == 200
        body = json.loads(response.read())
    assert "deepseek" in json.dumps(body).lower()


def test_beat_and_the_worker_record_heartbeats(running: Running) -> None:
    deadline = time.monotonic() + 60
    beats = 0
    while beats < 2:
        assert time.monotonic() < deadline, f"fewer than 2 heartbeats in 60 s:\n{running.text()[-3000:]}"
        time.sleep(0.5)
        with sqlite3.connect(running.var / "timeline.sqlite3") as db:
            row = db.execute("SELECT beats FROM workers_heartbeat WHERE name = 'beat'").fetchone()
        beats = row[0] if row else 0


def test_the_sample_feeds_are_polled_and_candidates_appear_with_no_network(running: Running) -> None:
    deadline = time.monotonic() + 60
    candidates = 0
    while candidates == 0:
        assert time.monotonic() < deadline, f"no candidate in 60 s:\n{running.text()[-3000:]}"
        time.sleep(0.5)
        with sqlite3.connect(running.var / "timeline.sqlite3") as db:
            (candidates,) = db.execute("SELECT count(*) FROM sources_candidate").fetchone()
    with sqlite3.connect(running.var / "timeline.sqlite3") as db:
        healths = {health for (health,) in db.execute("SELECT health FROM sources_source")}
    assert healths == {"ok"}


def test_the_confirmation_mail_links_to_the_port_the_service_runs_on(running: Running) -> None:
    """Started with --port N (not 8000) and no SITE_URL: the mail's links must reach this server."""
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page_url = running.url("/digests/subscribe/")
    with browser.open(page_url, timeout=10) as response:
        page = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    address = f"reader-{uuid.uuid4().hex[:8]}@example.org"
    form = {"csrfmiddlewaretoken": token.group(1), "email": address, "weekday": "1", "hour": "8", "time_zone": "UTC"}
    request = urllib.request.Request(
        page_url, data=urllib.parse.urlencode(form).encode(), headers={"Referer": page_url}
    )
    with browser.open(request, timeout=10) as response:
        assert response.status == 200
    deadline = time.monotonic() + 60
    while not (texts := _mail_texts_to(running.var / "mail", address)):
        assert time.monotonic() < deadline, "no confirmation mail in var/mail/ after 60 s"
        time.sleep(0.5)
    links = re.findall(r"https?://[^\s\"'<>]+/digests/confirm/", "\n".join(texts))
    assert links and {link.split("/digests/")[0] for link in links} == {running.url("")}, links


def _mail_texts_to(folder: Path, address: str) -> list[str]:
    """The decoded text parts of every message Django's file backend wrote to the address."""
    texts = []
    for path in folder.glob("*") if folder.exists() else []:
        for chunk in path.read_text(errors="replace").split("-" * 79):
            message = email.message_from_string(chunk.strip(), policy=email.policy.default)
            if address in str(message.get("To", "")):
                texts += [str(part.get_content()) for part in message.walk() if part.get_content_maintype() == "text"]
    return texts


def test_sigterm_stops_every_child_and_exits_zero(running: Running) -> None:
    assert len(processes_with_marker(running.marker)) >= 3  # dev.py, the web server, the worker (and beat)
    running.process.send_signal(signal.SIGTERM)
    assert running.process.wait(timeout=30) == 0
    time.sleep(0.5)
    assert processes_with_marker(running.marker) == []
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(running.url("/admin/login/"), timeout=2)
