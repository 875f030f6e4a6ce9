"""One Idempotency-Key sent by eight requests at the same moment: one recording, one answer for every retry.

Real concurrency: each request runs in its own thread with its own database connection, all released
together by a barrier. On PostgreSQL the threads share the test database; on SQLite (where the test database
lives in memory) the same requests go to a live `manage.py runserver` (threaded) on a temporary SQLite file,
started by the `sqlite_server` fixture on a free loopback port.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from events.models import StoredEvent
from tests.api.conftest import make_user
from tests.api.livesqlite import LiveSQLiteServer, live_sqlite_server

REQUESTS = 8


@dataclass(frozen=True)
class Answer:
    status: int
    replayed: bool
    body: dict[str, object]


def body(title: str) -> dict[str, object]:
    return {"title": title, "date": "2024-12-02", "category": "government", "kind": "rule_release"}


def send_together(send: Callable[[int], Answer]) -> list[Answer]:
    """Run send(0..7) in eight threads released at once; every thread's answer, in order."""
    barrier = threading.Barrier(REQUESTS)
    answers: list[Answer | BaseException | None] = [None] * REQUESTS

    def run(number: int) -> None:
        try:
            barrier.wait(10)
            answers[number] = send(number)
        except BaseException as error:  # reported below, with the others' answers
            answers[number] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    failed = [a for a in answers if not isinstance(a, Answer)]
    assert not failed, failed
    return [a for a in answers if isinstance(a, Answer)]


def assert_one_recording_for_eight_bodies(answers: list[Answer], titles: list[str]) -> str:
    created = [a for a in answers if a.status == 201]
    assert len(created) == 1, [(a.status, a.body) for a in answers]
    assert sorted(a.status for a in answers) == [201] + [422] * (REQUESTS - 1)
    winner = created[0]
    assert not winner.replayed
    # The one 201 carries its own request's development, not another's.
    assert winner.body["title"] == titles[answers.index(winner)]
    return str(winner.body["id"])


def assert_identical_retries_answer_as_the_first(answers: list[Answer], status: int) -> str:
    assert [a.status for a in answers] == [status] * REQUESTS, [(a.status, a.body) for a in answers]
    assert sorted(a.replayed for a in answers) == [False] + [True] * (REQUESTS - 1)
    assert all(a.body == answers[0].body for a in answers)
    return str(answers[0].body["id"])


Send = Callable[[str, str, dict[str, object], str], Answer]


def exercise(send: Send) -> None:
    """Three rounds of eight POSTs (eight bodies with one key, then one body eight times with another key), then
    the same for a PATCH of one development."""
    for round_ in range(3):
        titles = [f"Round {round_} body {n}" for n in range(REQUESTS)]
        answers = send_together(
            lambda n, r=round_, t=titles: send("POST", "/api/developments/", body(t[n]), f"mixed-{r}")
        )
        assert_one_recording_for_eight_bodies(answers, titles)
        answers = send_together(
            lambda n, r=round_: send("POST", "/api/developments/", body(f"Round {r} retried"), f"same-{r}")
        )
        assert_identical_retries_answer_as_the_first(answers, 201)

    created = send("POST", "/api/developments/", body("To revise"), "revise-me")
    address = f"/api/developments/{created.body['id']}/"
    summaries = [f"summary {n}" for n in range(REQUESTS)]
    answers = send_together(
        lambda n: send("PATCH", address, {"summary": summaries[n], "expected_version": 1}, "patch-mixed")
    )
    assert sorted(a.status for a in answers) == [200] + [422] * (REQUESTS - 1), [(a.status, a.body) for a in answers]
    winner = next(a for a in answers if a.status == 200)
    assert winner.body["summary"] == summaries[answers.index(winner)]
    answers = send_together(
        lambda n: send("PATCH", address, {"summary": "the same", "expected_version": 2}, "patch-same")
    )
    assert_identical_retries_answer_as_the_first(answers, 200)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_writes_with_one_key_record_once_and_the_other_bodies_get_422() -> None:
    _, token = make_user("ada", "analyst")

    def send(method: str, path: str, payload: dict[str, object], key: str) -> Answer:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        response = client.generic(method, path, json.dumps(payload), "application/json", HTTP_IDEMPOTENCY_KEY=key)
        return Answer(response.status_code, response.get("Idempotent-Replayed") == "true", response.json())

    exercise(send)
    assert StoredEvent.objects.filter(event_type="DevelopmentRecorded").count() == 7
    assert StoredEvent.objects.filter(event_type="DevelopmentRevised").count() == 2


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[LiveSQLiteServer]:
    with live_sqlite_server(tmp_path) as server:
        yield server


@pytest.mark.slow
@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="the embedded default; proven on the SQLite run")
def test_eight_concurrent_writes_with_one_key_record_once_on_a_live_sqlite_server(
    sqlite_server: LiveSQLiteServer,
) -> None:
    token = sqlite_server.analyst_token

    def send(method: str, path: str, payload: dict[str, object], key: str) -> Answer:
        request = urllib.request.Request(
            sqlite_server.url(path),
            data=json.dumps(payload).encode(),
            method=method,
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json", "Idempotency-Key": key},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, headers, raw = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, headers, raw = error.code, error.headers, error.read()
        return Answer(status, headers.get("Idempotent-Replayed") == "true", json.loads(raw))

    exercise(send)
    assert sqlite_server.count_events("DevelopmentRecorded") == 7
    assert sqlite_server.count_events("DevelopmentRevised") == 2
