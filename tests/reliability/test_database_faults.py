"""The database failing under the service: read-only, full, or its connections cut (what a PostgreSQL restart
or failover looks like to clients). The API answers 503 with a clear sentence, never a 500 with a traceback,
writes nothing partial, keeps serving reads where the database still answers them, and recovers by itself.

What is simulated, and how (the machine's PostgreSQL is shared, so it is never restarted or made read-only):
- read-only: `SET default_transaction_read_only = on` on the test database's connection (PostgreSQL) or
  `PRAGMA query_only = ON` (SQLite);
- full: SQLite's `PRAGMA max_page_count` at the current size, so the next page cannot be allocated ("database
  or disk is full"); on PostgreSQL a trigger raising SQLSTATE 53100 (disk_full) on insert into the log, which is
  the error a full disk gives the driver;
- a restart: pg_terminate_backend on every connection to the test database (tests/reliability/conftest.py),
  which is what each client of a restarting server sees. The server itself keeps running.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from bench.load import request
from config.unavailable import database_problem
from events.bulk import insert_rows
from events.models import StoredEvent
from tests.admin.conftest import form_data
from tests.api.conftest import make_user
from tests.reliability.conftest import terminate_backends
from tests.timeline.factories import register_entities
from timeline import services
from timeline.models import Citation, Development, DevelopmentVersion

BODY = {
    "title": "SMIC reaches 5nm volume production",
    "date": "2025-03",
    "category": "technology",
    "kind": "fab_milestone",
    "summary": "A long summary. " * 200,
    "entities": ["smic"],
    "citations": [{"url": "https://example.org/a", "title": "Report", "reliability": "B", "credibility": "2"}],
}


def analyst_client() -> APIClient:
    _, key = make_user(f"ada-{uuid.uuid4().hex[:6]}", "analyst")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def state() -> tuple[int, int, int, int]:
    return (
        StoredEvent.objects.count(),
        Development.objects.count(),
        Citation.objects.count(),
        DevelopmentVersion.objects.count(),
    )


@pytest.fixture
def world(db: None) -> Development:
    register_entities()
    return services.development_record(
        title="BIS publishes the October 7, 2022 controls",
        date="2022-10-07",
        category="government",
        kind="rule_release",
    )


def assert_clear_503(response: Any, words: str) -> None:
    assert response.status_code == 503, (response.status_code, response.content[:500])
    detail = response.json()["detail"]
    assert words in detail and "nothing" in detail, detail
    assert "Traceback" not in detail and "psycopg" not in detail and "sqlite" not in detail.lower()
    assert int(response["Retry-After"]) > 0


def writes(client: APIClient, development: Development) -> list[Any]:
    pk = development.pk
    return [
        client.post("/api/developments/", BODY, format="json"),
        client.patch(f"/api/developments/{pk}/", {"title": "Revised", "expected_version": 1}, format="json"),
        client.post(
            f"/api/developments/{pk}/citations/",
            {"url": "https://example.org/b", "title": "Second", "reliability": "C", "credibility": "3"},
            format="json",
        ),
        client.delete(f"/api/developments/{pk}/?reason=withdrawn"),
    ]


# --- read-only -------------------------------------------------------------------------------------------------


@pytest.fixture
def analyst(world: Development) -> APIClient:
    """An analyst with a token, made before the database fails."""
    return analyst_client()


@pytest.fixture
def read_only(analyst: APIClient) -> Iterator[None]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Applies from the next transaction on; the test's own transaction is a savepoint, so say it for this
            # one as well (going read-only mid-transaction is allowed, going back is not). The foreign-key checks
            # the fixtures' inserts deferred run now, while they still may.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("SET default_transaction_read_only = on")
            cursor.execute("SET transaction_read_only = on")
        else:
            cursor.execute("PRAGMA query_only = ON")
    yield
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA query_only = OFF")


@pytest.mark.django_db
def test_a_read_only_database_gives_writes_a_clear_503_and_reads_still_work(
    world: Development, analyst: APIClient, read_only: None
) -> None:
    before = state()
    for response in writes(analyst, world):
        assert_clear_503(response, "read-only")
    assert state() == before
    listing = APIClient().get("/api/developments/")
    assert listing.status_code == 200 and len(listing.json()["results"]) == 1
    assert APIClient().get(f"/api/developments/{world.pk}/history/").status_code == 200


@pytest.fixture
def staff_analyst(world: Development) -> Client:
    """An analyst logged in to the admin before the database fails; it sees error pages as a browser would."""
    user = User.objects.create_user("staff-ada", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="analyst"))
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_a_read_only_database_gives_admin_writes_a_503_page_and_public_pages_still_read(
    world: Development, staff_analyst: Client, read_only: None
) -> None:
    before = state()
    change = reverse("admin:timeline_development_change", args=[world.pk])
    data = form_data(staff_analyst.get(change), "development_form")
    data.update(title="Revised in the admin", reason="clearer")
    response = staff_analyst.post(change, data)
    assert response.status_code == 503, (response.status_code, response.content[:300])
    page = response.content.decode()
    assert "read-only" in page and "nothing was written" in page and "go back" in page
    assert "Traceback" not in page and "sqlite" not in page.lower() and "psycopg" not in page
    assert int(response["Retry-After"]) > 0 and response["Content-Type"].startswith("text/html")
    assert state() == before
    public = Client(raise_request_exception=False)
    assert public.get("/timelines/").status_code == 200
    assert public.get(f"/developments/{world.pk}/").status_code == 200


# --- full ------------------------------------------------------------------------------------------------------


@pytest.fixture
def full(analyst: APIClient) -> Iterator[None]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                """CREATE FUNCTION reliability_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'could not extend file "base/1/2": No space left on device'
                USING ERRCODE = 'disk_full'; END $$"""
            )
            cursor.execute(
                "CREATE TRIGGER reliability_disk_full BEFORE INSERT ON events_storedevent "
                "FOR EACH ROW EXECUTE FUNCTION reliability_disk_full()"
            )
        else:
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA max_page_count = {pages}")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA max_page_count = 1073741823")
    # PostgreSQL: the trigger and function go with the test's transaction.


@pytest.mark.django_db
def test_a_full_database_gives_writes_a_clear_503_and_leaves_nothing_partial(
    world: Development, analyst: APIClient, full: None
) -> None:
    before = state()
    answers = [analyst.post("/api/developments/", {**BODY, "title": f"Big {n}"}, format="json") for n in range(3)]
    assert any(r.status_code == 503 for r in answers), [r.status_code for r in answers]
    for response in answers:
        if response.status_code != 201:  # SQLite may still fit a small write in a free page of the last one
            assert_clear_503(response, "full")
    recorded = sum(1 for r in answers if r.status_code == 201)
    events, developments, citations, versions = state()
    # Each write is all or nothing: a recorded development has its event, row, citation and version; a refused
    # one has none of them.
    assert (developments - before[1], citations - before[2], versions - before[3]) == (recorded,) * 3
    assert events - before[0] == recorded
    assert APIClient().get("/api/developments/").status_code == 200


# --- connections cut (a PostgreSQL restart as clients see it) ------------------------------------------------
#
# Django's test client deliberately keeps the test's connection across requests, so these run gunicorn (sync
# workers, as docker-compose.yml does) on the test database with persistent connections (CONN_MAX_AGE 600).


def _token() -> str:
    return make_user(f"ada-{uuid.uuid4().hex[:6]}", "analyst")[1]


def _tracebacks(log: Path) -> str:
    """What Django logged of its 500s ("Internal Server Error: PATH" and the traceback), so that a 500 explains
    itself in the failure."""
    text = log.read_text(errors="replace")
    return "\n".join(block[:4000] for block in text.split("Internal Server Error")[1:3])


def _get(server: Any, path: str = "/api/developments/") -> int:
    return request(server.url, "GET", path)[0]


def _post(server: Any, token: str, title: str, key: str | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Token {token}", **({"Idempotency-Key": key} if key else {})}
    status, data, _ = request(server.url, "POST", "/api/developments/", {**BODY, "title": title}, headers)
    return status, data


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_cut_during_a_bulk_copy_is_the_databases_state_not_a_bug(world: Development) -> None:
    """Batched appends stream rows with COPY on the driver's own cursor (events.bulk.insert_rows). A cut there
    must still reach the caller as Django's OperationalError, which the API answers with a 503: it once escaped
    as a bare psycopg error, a 500, when the connection was cut in the middle of a write."""
    connection.ensure_connection()
    assert terminate_backends(connection.settings_dict["NAME"]) >= 1
    citation = Citation(
        id=uuid.uuid4(), development=world, title="A report", reliability="B", credibility="2", added_position=1
    )
    with pytest.raises(OperationalError) as raised:
        insert_rows(Citation, [citation])
    assert database_problem(raised.value) is not None
    connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_after_the_connections_are_cut_web_processes_reconnect_by_themselves(
    world: Development, start_web: Any
) -> None:
    token = _token()
    server = start_web(workers=2, TEST_CONN_MAX_AGE="600", TEST_CONN_HEALTH_CHECKS="1")
    name = connection.settings_dict["NAME"]
    assert [_get(server) for _ in range(6)] == [200] * 6  # both workers now hold a connection
    assert terminate_backends(name) >= 2

    assert [_get(server) for _ in range(6)] == [200] * 6
    assert _post(server, token, "After the first cut")[0] == 201
    terminate_backends(name)
    assert _post(server, token, "After the second cut")[0] == 201
    connection.close()
    assert Development.objects.count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_the_health_check_a_cut_costs_one_clean_503_then_it_recovers(
    world: Development, start_web: Any
) -> None:
    """Why config/settings.py sets conn_health_checks: without it the first request on a dead connection fails.
    It fails as a 503 with a sentence and writes nothing, and Django drops the broken connection.

    One gunicorn worker: with two, the kernel decides which worker takes each request, and a run once gave every
    request after the cut to the worker that had held no connection (six 201s, no 503)."""
    token = _token()
    server = start_web(workers=1, TEST_CONN_MAX_AGE="600", TEST_CONN_HEALTH_CHECKS="0")
    assert _get(server) == 200
    assert terminate_backends(connection.settings_dict["NAME"]) >= 2  # the worker's connection and this test's
    answers = [_post(server, token, f"Attempt {n}") for n in range(4)]
    assert [status for status, _ in answers] == [503, 201, 201, 201]
    refused = json.loads(answers[0][1])
    assert "cannot be reached" in refused["detail"] and "nothing" in refused["detail"]
    connection.close()
    assert list(Development.objects.order_by("title").values_list("title", flat=True)) == [
        "Attempt 1", "Attempt 2", "Attempt 3", world.title,
    ]  # fmt: skip


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_cut_gives_public_pages_a_503_page_not_a_500_then_they_recover(world: Development, start_web: Any) -> None:
    """The admin and public pages answer a dead connection as the API does (config/unavailable.py, Django's
    handler500): a 503 page, never a 500 with a traceback. Health checks off to make the dead
    connection reach the page; one worker so that it is the one that answers (see the test above)."""
    # DEBUG off, as in production: with it on, Django answers any error with its debug page instead.
    production = {"DEBUG": "0", "SECRET_KEY": "fault-tests-" + "k" * 50, "SECURE_SSL_REDIRECT": "0"}
    server = start_web(workers=1, TEST_CONN_MAX_AGE="600", TEST_CONN_HEALTH_CHECKS="0", **production)
    assert _get(server, "/timelines/") == 200
    assert terminate_backends(connection.settings_dict["NAME"]) >= 2
    answers = [request(server.url, "GET", "/timelines/") for _ in range(3)]
    assert [status for status, _, _ in answers] == [503, 200, 200]
    page = answers[0][1].decode()
    assert "cannot be reached" in page and "Traceback" not in page and "psycopg" not in page
    connection.close()  # the cut closed this process's connection too; the teardown needs a fresh one


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_readers_and_writers_under_load_ride_out_repeated_cuts_with_nothing_lost_or_doubled(
    world: Development, start_web: Any
) -> None:
    """8 reader threads and 3 analysts writing through gunicorn while every connection to the database is cut
    three times. Writers retry a 503 or a dropped connection with the same Idempotency-Key, as the API asks:
    every development is recorded exactly once, and no answer is a 500."""
    name = connection.settings_dict["NAME"]
    tokens = [_token() for _ in range(3)]
    server = start_web(workers=3, TEST_CONN_MAX_AGE="600", TEST_CONN_HEALTH_CHECKS="1")
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    stop = threading.Event()
    acknowledged: dict[str, str] = {}

    def reader() -> None:
        while not stop.is_set():
            status = _get(server, "/api/developments/?page_size=20")
            with lock:
                statuses[status] += 1

    def writer(token: str, number: int) -> None:
        for item in range(10):
            key = f"w{number}-{item}"
            for _attempt in range(100):
                status, data = _post(server, token, f"Writer {number} item {item}", key)
                with lock:
                    statuses[status] += 1
                if status == 201:
                    acknowledged[key] = json.loads(data)["id"]
                    break
                assert status in (0, 503), (status, data[:300])
                time.sleep(0.1)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    writers = [threading.Thread(target=writer, args=(token, n)) for n, token in enumerate(tokens)]
    for thread in threads + writers:
        thread.start()
    cuts = 0
    try:
        # Three cuts, each once the server has answered a few more requests since the last (so there are
        # connections to cut): a fixed pause cut nothing when a loaded machine had not served a request yet.
        for _ in range(3):
            with lock:
                answered = statuses.total()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                time.sleep(0.3)
                with lock:
                    moved = statuses.total() >= answered + 5
                if moved and terminate_backends(name) >= 1:
                    cuts += 1
                    break
    finally:
        for thread in writers:
            thread.join(timeout=180)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    assert cuts == 3, cuts
    assert statuses[500] == 0, (statuses, _tracebacks(server.log))
    assert len(acknowledged) == 30, (len(acknowledged), statuses)
    connection.close()
    titles = Counter(Development.objects.exclude(pk=world.pk).values_list("title", flat=True))
    assert len(titles) == 30 and set(titles.values()) == {1}, titles  # every write once, none twice
    stored = {str(pk) for pk in Development.objects.exclude(pk=world.pk).values_list("pk", flat=True)}
    assert set(acknowledged.values()) == stored
    assert statuses[200] > 30, statuses  # reads went on between and after the cuts
    assert _get(server) == 200
