"""`flag_feed`, `add_source` and the workers' poll refuse file:, gopher: and every spelling of a loopback,
link-local or private address, with one line and a non-zero exit, before any connection is attempted.

Loopback stays closed here (FEEDS_ALLOW_LOOPBACK off, the production default). A guard on socket.connect
records every attempt and fails on any: the refusal has to come from the address check, not from a
connection that happened to fail. Nothing is sent anywhere, loopback included.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from sources.models import Health, Item, Source
from workers.feeds import poll_source

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]

SPELLINGS = [
    ("http://127.0.0.1/feed", "loopback"),
    ("http://localhost/feed", "loopback"),
    ("http://0x7f000001/", "loopback"),
    ("http://2130706433/", "loopback"),
    ("http://017700000001/", "loopback"),
    ("http://127.1/", "loopback"),
    ("http://0x7f.0.0.1/", "loopback"),
    ("http://127.000.000.001/", "loopback"),
    ("http://[::1]/", "loopback"),
    ("http://[0:0:0:0:0:0:0:1]/", "loopback"),
    ("http://[::ffff:127.0.0.1]/", "IPv4-mapped"),
    ("http://[::ffff:7f00:1]/", "IPv4-mapped"),
    ("http://[::ffff:169.254.169.254]/", "IPv4-mapped"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://2852039166/", "link-local"),
    ("http://0xa9fea9fe/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://10.0.0.1/", "private"),
    ("http://012.0.0.1/", "private"),
    ("http://172.16.0.1/", "private"),
    ("http://192.168.0.1/", "private"),
    ("http://[fd00::1]/", "private"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://0/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("https://127.0.0.1:8443/feed", "loopback"),
    ("http://127.0.0.1:6379/", "loopback"),
    ("file:///etc/passwd", "only http and https"),
    ("file://localhost/etc/passwd", "only http and https"),
    ("gopher://127.0.0.1:6379/_FLUSHALL", "only http and https"),
    ("GOPHER://example.org/", "only http and https"),
    ("ftp://127.0.0.1/", "only http and https"),
    ("dict://127.0.0.1:11211/stat", "only http and https"),
    ("http://user:pass@127.0.0.1/", "credentials"),
]
IDS = [url for url, _ in SPELLINGS]


@pytest.fixture(autouse=True)
def closed(settings: Any) -> Any:
    settings.FEEDS_ALLOW_LOOPBACK = False
    return settings


@pytest.fixture(autouse=True)
def no_connection(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Any connect() at all fails the test: a refusal must come before a socket connects anywhere."""
    attempts: list[Any] = []

    def refuse(sock: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise AssertionError(f"a connection to {address} was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


@pytest.mark.parametrize(("url", "reason"), SPELLINGS, ids=IDS)
def test_flag_feed_refuses_with_one_line_before_connecting(url: str, reason: str, no_connection: list[Any]) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("flag_feed", url, "--jsonl", "--default-rules", stdout=StringIO())
    message = str(caught.value)
    assert "\n" not in message and "refused" in message and reason in message, message
    assert no_connection == []


@pytest.mark.parametrize(("url", "reason"), SPELLINGS[:6] + SPELLINGS[-6:], ids=IDS[:6] + IDS[-6:])
def test_flag_feed_from_the_command_line_exits_non_zero_with_one_line_on_stderr(
    url: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """What `manage.py flag_feed URL` does with a CommandError: one line on stderr, exit code 1."""
    command: BaseCommand = __import__("sources.management.commands.flag_feed", fromlist=["Command"]).Command()
    with pytest.raises(SystemExit) as exited:
        command.run_from_argv(["manage.py", "flag_feed", url, "--jsonl", "--default-rules"])
    assert exited.value.code == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == "" and len(lines) == 1 and reason in lines[0], captured.err


def test_flag_feed_as_a_real_process_exits_non_zero_for_the_hex_and_mapped_spellings() -> None:
    for url, reason in (("http://0x7f000001/", "loopback"), ("http://[::ffff:169.254.169.254]/", "IPv4-mapped")):
        result = subprocess.run(
            [sys.executable, "manage.py", "flag_feed", url, "--jsonl", "--default-rules"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "FEEDS_ALLOW_LOOPBACK": "0"},
            timeout=60,
            check=False,
        )
        lines = result.stderr.strip().splitlines()
        assert result.returncode != 0 and result.stdout == "", result
        assert len(lines) == 1 and reason in lines[0], result.stderr


@pytest.mark.parametrize(("url", "reason"), SPELLINGS, ids=IDS)
def test_add_source_refuses_every_spelling(url: str, reason: str) -> None:
    with pytest.raises(CommandError, match=reason):
        call_command("add_source", url, stdout=StringIO())
    assert not Source.objects.exists()


@pytest.mark.parametrize(("url", "reason"), SPELLINGS, ids=IDS)
def test_the_worker_records_a_refusal_on_the_source_and_connects_nowhere(
    url: str, reason: str, no_connection: list[Any]
) -> None:
    """A source stored before its host's address turned private (or written to the table by hand) is refused
    at poll time by the task the workers run."""
    source = Source.objects.create(url=url, name="sneaky", host="x", next_check_at=timezone.now())
    result = poll_source.apply(args=[source.pk])
    assert "error" in result.get()
    source.refresh_from_db()
    assert source.health == Health.FAILING and source.error_count == 1
    assert "refused" in source.last_error and reason in source.last_error and "\n" not in source.last_error
    assert not Item.objects.exists()
    assert no_connection == []
