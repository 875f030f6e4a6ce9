"""API benchmark on PostgreSQL: p50/p95 server time of a filtered first page, current and as_of, against raw SQL.

Run: `.venv/bin/python -m bench.api` (see `--help`). It creates its own database (bench_api by default), migrates
it, fills it with 1,000,000 synthetic developments, measures, prints a table, writes bench/results/api.json and
drops the database (--keep-db keeps it; a kept database with the same size is reused). A benchmark, not a test.

How the data is made (said in the output too): the read models (developments, version history, citations,
entity links, entities with aliases) are generated inside PostgreSQL by bench/synthetic.py, NOT through the
services and projectors. The event log gets placeholder rows (positions 1..N, no valid hash chain) only so that
`as_of` positions exist; no event in it is replayable.

What is measured, in one run, each after a warm-up, N requests in sequence:
  api      GET /api/developments/?category=government&entity=Nvidia&from=2023-01-01&to=2024-12-31 (page of 50)
           through Django's full request path in-process (django.test.Client: middleware, auth, throttling,
           filters, selector, serialisation, JSON rendering, ETag), timed around the call;
  as_of    the same with &as_of=<a position before the last changes> (served from the version history);
  raw      the same page as hand-written SQL through psycopg: the 51-row keyset query on the developments table
           plus the entity names and citations of those rows (three statements), rows fetched into Python.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import psycopg

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUTPUT = BENCH_DIR / "results" / "api.json"
QUERY = "category=government&entity=Nvidia&from=2023-01-01&to=2024-12-31"

RAW_PAGE = """
SELECT d.id, d.title, d.summary, d.edtf, d.display_date, d.date_lower, d.date_upper, d.precision, d.first_reported,
       d.category, d.kind, d.status, d.disputed, d.version, d.last_position, d.updated_at, d.snapshot
FROM timeline_development d
WHERE d.category IN ('government') AND d.date_upper >= '2023-01-01' AND d.date_lower <= '2024-12-31'
  AND d.status IN ('current')
  AND d.id IN (SELECT development_id FROM timeline_developmententity WHERE entity_id = 'nvidia')
ORDER BY d.date_lower, d.date_upper, d.title, d.id
LIMIT 51
"""
RAW_ENTITIES = """
SELECT de.development_id, e.id, e.name FROM timeline_developmententity de
JOIN timeline_entity e ON e.id = de.entity_id WHERE de.development_id = ANY(%s)
"""
RAW_CITATIONS = """
SELECT id, development_id, url, title, publisher, author, published, excerpt, locator, claim, reliability,
       credibility, grading_note FROM timeline_citation WHERE development_id = ANY(%s) ORDER BY added_position, id
"""


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 3),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
        "n": len(ordered),
    }


T = TypeVar("T")


def _timed(call: Callable[[], T], *, requests: int, warmup: int) -> tuple[dict[str, float], T]:
    """`warmup` untimed calls, then the percentiles of `requests` timed ones, and what the last one returned."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        result = call()
        samples.append(time.perf_counter() - started)
    return _percentiles(samples), result


def _admin_dsn(server: str) -> str:
    return server.rstrip("/") + "/postgres"


def _create_database(server: str, name: str, *, reuse: bool) -> bool:
    """Create the bench database; True if an existing one was kept for reuse."""
    with psycopg.connect(_admin_dsn(server), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reuse:
            return True
        if exists:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return False


def _drop_database(server: str, name: str) -> None:
    with psycopg.connect(_admin_dsn(server), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _placeholder_log(last_position: int) -> None:
    """Positions 1..last in the log, so that as_of positions exist. Not events anyone could replay."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(position), 0) FROM events_storedevent")
        start = cursor.fetchone()[0]
        if start >= last_position:
            return
        cursor.execute(
            """
            INSERT INTO events_storedevent
                (position, event_id, stream, version, event_type, schema_version, data, metadata, recorded_at, hash)
            SELECT p, md5('bench-event-' || p)::uuid, 'bench-placeholder-' || p, 1, 'BenchPlaceholder', 1,
                   '{}'::jsonb, '{}'::jsonb,
                   timestamptz '2025-01-27 00:00:00+00' - make_interval(secs => ((%s - p) * 30)::float8),
                   repeat('0', 64)
            FROM generate_series(%s, %s) AS p
            """,
            [last_position, start + 1, last_position],
        )
        cursor.execute("ANALYZE events_storedevent")


@dataclass(frozen=True)
class SyntheticDatabase:
    """A read benchmark's database, ready to measure: created (or reused), migrated, filled by bench.synthetic."""

    dsn: str
    reused: bool
    store: Any  # bench.synthetic's store, imported only once Django is set up
    generation_s: float
    load_start: float


def _parser(description: str, *, db_name: str, requests: int, warmup: int, output: Path) -> argparse.ArgumentParser:
    """The options every PostgreSQL read benchmark takes (bench.api, bench.entities), with its own defaults."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db-name", default=db_name)
    parser.add_argument("--developments", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=requests)
    parser.add_argument("--warmup", type=int, default=warmup)
    parser.add_argument("--keep-db", action="store_true", help="keep (and reuse) the database")
    parser.add_argument("--output", type=Path, default=output)
    parser.add_argument("--no-output", action="store_true")
    return parser


def _synthetic_database(args: argparse.Namespace, name: str) -> SyntheticDatabase | None:
    """Create (or, with --keep-db, reuse) the database, set Django up on it as a deployment runs, migrate it and
    fill it with --developments synthetic developments. None, said on stderr, when --server is not PostgreSQL."""
    if urlsplit(args.server).scheme not in ("postgres", "postgresql"):
        print(f"{name}: --server must be a postgres:// URL", file=sys.stderr)
        return None
    dsn = f"{args.server.rstrip('/')}/{args.db_name}"
    reused = _create_database(args.server, args.db_name, reuse=args.keep_db)
    os.environ["DATABASE_URL"] = dsn
    os.environ.setdefault("DEBUG", "0")
    # Persistent connections, as a deployment runs them (and as the raw SQL side has): no connect per request.
    os.environ.setdefault("DB_CONN_MAX_AGE", "600")
    os.environ["API_THROTTLE_ANON"] = "100000000/minute"
    os.environ["API_THROTTLE_USER"] = "100000000/minute"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from bench import synthetic

    load_start = os.getloadavg()[0]
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    store = synthetic.existing(args.developments) if reused else None
    if store is None:
        synthetic.reset()
        store = synthetic.generate(developments=args.developments)
    _placeholder_log(store.window_end)
    return SyntheticDatabase(dsn, reused, store, time.perf_counter() - started, load_start)


def _finish(args: argparse.Namespace, result: dict[str, Any]) -> None:
    """Write the result (unless --no-output) and drop the database (unless --keep-db)."""
    if not args.no_output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.output}")
    if not args.keep_db:
        from django.db import connections

        connections.close_all()
        _drop_database(args.server, args.db_name)


def _time_api(client: Any, url: str, *, requests: int, warmup: int) -> tuple[dict[str, float], dict[str, Any]]:
    def get() -> Any:
        response = client.get(url)
        assert response.status_code == 200, response.content[:500]
        return response

    stats, response = _timed(get, requests=requests, warmup=warmup)
    body = response.json()
    return stats, {"rows": len(body["results"]), "has_next": bool(body["next"])}


def _time_raw(dsn: str, *, requests: int, warmup: int) -> tuple[dict[str, float], dict[str, Any]]:
    with psycopg.connect(dsn) as conn:

        def page() -> int:
            rows = conn.execute(RAW_PAGE).fetchall()
            ids = [row[0] for row in rows[:50]]
            conn.execute(RAW_ENTITIES, [ids]).fetchall()
            conn.execute(RAW_CITATIONS, [ids]).fetchall()
            return len(rows)

        stats, count = _timed(page, requests=requests, warmup=warmup)
        plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) " + RAW_PAGE).fetchall()
    return stats, {"rows": min(count, 50), "plan": [line[0] for line in plan]}


def main(argv: list[str] | None = None) -> int:
    parser = _parser(__doc__, db_name="bench_api", requests=200, warmup=20, output=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    database = _synthetic_database(args, "bench.api")
    if database is None:
        return 2
    from django.test import Client

    print(
        f"bench.api: {database.store.developments:,} synthetic developments in PostgreSQL "
        f"({database.generation_s:.0f} s); read models generated directly by SQL (bench/synthetic.py), not through "
        "the projectors; the log holds placeholder rows for positions only."
    )

    # Measure on a fresh connection, as the raw SQL side does: the server process that just counted or generated
    # a million rows answers later queries measurably slower (about 10-15 ms per page here), which no request
    # connection in a deployment would inherit.
    from django.db import connections

    connections.close_all()
    client = Client()
    as_of = database.store.window_start
    current_url = f"/api/developments/?{QUERY}"
    as_of_url = f"{current_url}&as_of={as_of}"
    api, api_page = _time_api(client, current_url, requests=args.requests, warmup=args.warmup)
    past, past_page = _time_api(client, as_of_url, requests=args.requests, warmup=args.warmup)
    raw, raw_page = _time_raw(database.dsn, requests=args.requests, warmup=args.warmup)
    # A second API round after raw SQL, so drift on a shared machine shows up.
    api_again, _ = _time_api(client, current_url, requests=args.requests, warmup=0)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(current_url)
    with CaptureQueriesContext(connection) as captured_as_of:
        client.get(as_of_url)

    ratios = {
        "api_over_raw_p50": round(api["p50_ms"] / raw["p50_ms"], 2),
        "api_over_raw_p95": round(api["p95_ms"] / raw["p95_ms"], 2),
        "as_of_over_current_p50": round(past["p50_ms"] / api["p50_ms"], 2),
        "as_of_over_current_p95": round(past["p95_ms"] / api["p95_ms"], 2),
    }
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_1m_start": database.load_start,
            "load_1m_end": os.getloadavg()[0],
        },
        "data": {
            "developments": database.store.developments,
            "entities": database.store.entities,
            "log_positions": database.store.window_end,
            "how": "read models generated in PostgreSQL by bench/synthetic.py (not through projectors); "
            "placeholder log rows for positions",
            "generation_s": round(database.generation_s, 1),
            "reused_database": database.reused,
        },
        "query": QUERY,
        "as_of_position": as_of,
        "api": {**api, **api_page, "queries": len(captured.captured_queries)},
        "api_second_round": api_again,
        "as_of": {**past, **past_page, "queries": len(captured_as_of.captured_queries)},
        "raw_sql": {key: value for key, value in {**raw, **raw_page}.items() if key != "plan"},
        "raw_sql_plan": raw_page["plan"],
        "ratios": ratios,
        "aims": {"api_over_raw": 3.0, "as_of_over_current": 1.5},
    }
    print(f"{'':10} {'p50 ms':>9} {'p95 ms':>9} {'rows':>5} {'queries':>8}")
    for name, figures, rows, queries in (
        ("api", api, api_page["rows"], len(captured.captured_queries)),
        ("as_of", past, past_page["rows"], len(captured_as_of.captured_queries)),
        ("raw SQL", raw, raw_page["rows"], 3),
        ("api again", api_again, api_page["rows"], len(captured.captured_queries)),
    ):
        print(f"{name:10} {figures['p50_ms']:9.2f} {figures['p95_ms']:9.2f} {rows:5} {queries:8}")
    print(
        f"API/raw SQL: p50 {ratios['api_over_raw_p50']}x, p95 {ratios['api_over_raw_p95']}x (aim <= 3x); "
        f"as_of/current: p50 {ratios['as_of_over_current_p50']}x, p95 {ratios['as_of_over_current_p95']}x "
        "(aim <= 1.5x)"
    )
    _finish(args, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
