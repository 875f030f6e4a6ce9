"""The management commands: flag_feed (file and URL, refusals), add_source, and the offline sample feeds
(serve_sample_feeds runs as a real subprocess on loopback; the sources are then polled for real)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sources.models import Candidate, Item, Source
from sources.services import source_poll
from tests.sources import feedserver

ROOT = Path(__file__).resolve().parents[2]
HELDOUT = Path(__file__).resolve().parent / "heldout" / "heldout-feed.xml"
KEYS = {"guid", "link", "title", "flagged", "score", "category", "kind", "entities", "date", "reasons"}


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )


@pytest.mark.django_db
def test_flag_feed_prints_one_json_object_per_entry_and_writes_nothing() -> None:
    out = StringIO()
    with CaptureQueriesContext(connection) as queries:
        call_command("flag_feed", str(HELDOUT), "--jsonl", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == 40 and all(row.keys() >= KEYS for row in rows)
    assert sum(row["flagged"] for row in rows) == 24
    writes = [
        q["sql"] for q in queries.captured_queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []
    japan = next(row for row in rows if row["guid"] == "heldout-01")
    assert japan["category"] == "government" and japan["reasons"] and "Japan's METI" in japan["entities"]


@pytest.mark.django_db
def test_flag_feed_fetches_a_url_through_the_safe_client(feed_server, allow_loopback) -> None:
    feed_server.routes["/feed"] = feedserver.feed(HELDOUT.read_bytes())
    out = StringIO()
    call_command("flag_feed", feed_server.url("/feed"), "--jsonl", stdout=out)
    assert len(out.getvalue().splitlines()) == 40
    assert feed_server.hits("/feed")[0].headers["user-agent"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("file:///etc/passwd", "only http and https"),
        ("gopher://example.org/", "only http and https"),
        ("http://0x7f000001/feed", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("/no/such/file.xml", "cannot read"),
        (str(ROOT / "manage.py"), "not a feed"),
    ],
)
def test_flag_feed_refuses_with_one_line(target: str, reason: str, settings: Any) -> None:
    settings.FEEDS_ALLOW_LOOPBACK = False
    with pytest.raises(CommandError, match=reason) as caught:
        call_command("flag_feed", target, "--jsonl", stdout=StringIO())
    assert "\n" not in str(caught.value)


def test_flag_feed_exits_non_zero_with_one_line_on_stderr() -> None:
    refused = _run("flag_feed", "http://2130706433/feed", "--jsonl", "--default-rules")
    broken = _run("flag_feed", str(ROOT / "README.md"), "--jsonl", "--default-rules")
    for result, reason in ((refused, "loopback"), (broken, "not a feed")):
        assert result.returncode != 0 and result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and reason in lines[0]


@pytest.mark.parametrize("reader_reads", [0, 1])
def test_flag_feed_into_a_pipe_that_closes_early_stops_quietly(reader_reads: int, tmp_path: Path) -> None:
    """`flag_feed FEED --jsonl | head -n 1`: once the reader is gone the command stops, with no traceback."""
    # Far more output than a pipe holds (64 KiB), so the command is still writing when the reader leaves.
    items = "".join(
        f"<item><guid>n{n}</guid><title>Commerce adds chip firm {n} to the Entity List</title></item>"
        for n in range(2000)
    )
    feed = tmp_path / "long.xml"
    feed.write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>')
    command = [sys.executable, "manage.py", "flag_feed", str(feed), "--jsonl", "--default-rules"]
    reader = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout is not None and reader.stderr is not None
    for _ in range(reader_reads):
        assert json.loads(reader.stdout.readline())["guid"]
    reader.stdout.close()
    stderr = reader.stderr.read().decode()
    assert reader.wait(timeout=60) == 141  # 128 + SIGPIPE, as `yes | head` under pipefail
    assert stderr == ""


@pytest.mark.django_db
def test_add_source_adds_once_and_refuses_unsafe_urls(settings: Any) -> None:
    settings.FEEDS_ALLOW_LOOPBACK = False
    with pytest.raises(CommandError, match="loopback"):
        call_command("add_source", "http://127.0.0.1:9/feed", stdout=StringIO())
    settings.FEEDS_ALLOW_LOOPBACK = True
    out = StringIO()
    call_command("add_source", "http://127.0.0.1:9/feed", "--name", "Local desk", stdout=out)
    assert "added source" in out.getvalue() and Source.objects.get().name == "Local desk"
    with pytest.raises(CommandError, match="exists already"):
        call_command("add_source", "http://127.0.0.1:9/feed", stdout=StringIO())


# What the shipped learned flagger makes candidates of in the sample feeds: the same 19 as the rules alone. (The
# model built from the 693-item seed set scored "Paper proposes sparse attention ...", which names no lab, chip or
# government, below its threshold and made 18; the one built from the 1,013-item set flags it, p = 0.59 against a
# threshold of 0.44, as a research paper.)
SAMPLE_CANDIDATES = 19


@pytest.mark.django_db
def test_the_sample_feeds_serve_offline_and_become_candidates(allow_loopback) -> None:
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve_sample_feeds", "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        port = line.strip().rsplit(":", 1)[1].strip("/")
        call_command("add_sample_sources", "--port", port, stdout=StringIO())
        call_command("add_sample_sources", "--port", port, stdout=StringIO())  # idempotent
        assert Source.objects.count() == 6
        outcomes = {source.name: source_poll(source_id=source.pk) for source in Source.objects.all()}
        assert all(outcome.status == "ok" for outcome in outcomes.values()), outcomes
        assert outcomes["Sample: general news"].candidates == 0
        assert all(outcome.candidates >= 3 for name, outcome in outcomes.items() if name != "Sample: general news")
        assert Candidate.objects.count() == SAMPLE_CANDIDATES and Item.objects.count() == 29
        assert {source_poll(source_id=pk).status for pk in Source.objects.values_list("pk", flat=True)} == {
            "not_modified"
        }
        assert not Candidate.objects.filter(item__title__icontains="chip shop").exists()
        for item in Item.objects.all():
            assert "<script" not in item.summary_html and "onerror" not in item.summary_html
            assert "javascript:" not in item.summary_html
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextlib.contextmanager
def _sample_feeds_served() -> Iterator[str]:
    """serve_sample_feeds on a free loopback port, as a real subprocess; yields the port."""
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve_sample_feeds", "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        yield server.stdout.readline().strip().rsplit(":", 1)[1].strip("/")
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.django_db
def test_samples_served_on_a_new_port_are_moved_there_and_their_candidates_are_not_doubled(allow_loopback) -> None:
    """`dev.py run --feeds-port N` after a run on another port: the same six sources, each polled at its new
    address, and no sample item or candidate a second time."""
    with _sample_feeds_served() as first_port:
        call_command("add_sample_sources", "--port", first_port, stdout=StringIO())
        for pk in Source.objects.values_list("pk", flat=True):
            source_poll(source_id=pk)
    before = dict(Source.objects.values_list("pk", "name"))
    assert len(before) == 6 and Candidate.objects.count() == SAMPLE_CANDIDATES
    with _sample_feeds_served() as second_port:
        out = StringIO()
        call_command("add_sample_sources", "--port", second_port, stdout=out)
        assert f"0 added, 6 moved to port {second_port}" in out.getvalue()
        assert dict(Source.objects.values_list("pk", "name")) == before
        assert all(f"127.0.0.1:{second_port}/" in url for url in Source.objects.values_list("url", flat=True))
        outcomes = [source_poll(source_id=pk) for pk in before]
    assert {outcome.status for outcome in outcomes} == {"ok"}  # fetched afresh from the new server, not a 304
    assert Candidate.objects.count() == SAMPLE_CANDIDATES and Item.objects.count() == 29


def test_add_sample_sources_says_to_open_loopback_when_it_is_closed() -> None:
    result = _run(
        "add_sample_sources", "--port", "8765", env={"FEEDS_ALLOW_LOOPBACK": "0", "DATABASE_URL": "sqlite:///:memory:"}
    )
    assert result.returncode != 0 and "FEEDS_ALLOW_LOOPBACK=1" in result.stderr
