"""Load benchmark: gunicorn on loopback, 50 concurrent API readers for 60 s while 4 analysts write with tokens.

Run: `.venv/bin/python -m bench.load` (see `--help`). It creates its own PostgreSQL database (timeline_load by
default; `--database-url sqlite:///path` works too), migrates it, loads the report's timeline, makes 4 analysts
with API tokens, starts gunicorn (`config.wsgi`, sync workers unless `--worker-class gthread --threads N`;
docker-compose.yml runs gevent ones, against slow clients) on a free 127.0.0.1 port, and runs for `--seconds`:

  readers  `--clients` threads, each a loop of GETs over a fixed mix (filtered lists, a named timeline, one
           development, its history, the change feed, CSV and Atom), one new connection per request
           (gunicorn's sync workers close each connection), no think time;
  writers  `--writers` threads, one analyst token each, each a loop of POST /api/developments/ (with an
           Idempotency-Key) then PATCH of that development with its version (If-Match), no think time.

Checks, written to the JSON beside the figures: no answer is a 5xx; every write answered 201/200 is in the store
afterwards (each recorded development exists with its title, each revision raised its version), and nothing was
stored that no writer was told about. Latency is measured at the client (connect + request + full response),
p50/p95/p99 per kind. The API's anonymous throttle is raised for the run (every reader shares 127.0.0.1, so
the default per-address limit would measure the throttle, not the service). The machine's load average is
recorded: the clients run on the same cores as the server.

`--cache-url redis://127.0.0.1:6379/15` gives the server a CACHE_URL: the throttles count in that Redis and the
response cache (api/response_cache.py) is on, unless `--no-response-cache`. Without it, as before the response
cache: each process counts in its own memory and nothing is cached. The readers are anonymous, as the public is.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "load.json"
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
READ_PATHS = [
    "/api/developments/",
    "/api/developments/?category=government&page_size=20",
    "/api/developments/?entity=DeepSeek&from=2023-01-01&to=2025-12-31",
    "/api/developments/?q=export&ordering=-date",
    "/api/timelines/deepseek-development/",
    "/api/developments/?format=csv",
    "/api/feed/",
    "/api/changes/?after=0&limit=200",
    "DETAIL",
    "HISTORY",
]
CATEGORY_KINDS = [
    ("government", "rule_release"),
    ("technology", "model_launch"),
    ("corporate", "investment"),
    ("gpu_acquisition", "gpu_acquisition"),
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the server --------------------------------------------------------------------------------------------------


@dataclass
class Gunicorn:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def start_gunicorn(
    env: dict[str, str], *, workers: int, log: Path, worker_class: str = "sync", threads: int = 1, timeout: float = 60
) -> Gunicorn:
    """gunicorn config.wsgi on a free loopback port, in its own process group; waits for /health/live."""
    port = free_port()
    handle = log.open("ab")
    process = subprocess.Popen(
        [
            GUNICORN, "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--worker-class", worker_class, "--threads", str(threads),
            "--timeout", "60", "--backlog", "2048", "--access-logfile", "-", "--error-logfile", "-",
        ],
        cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    server = Gunicorn(process, port, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        status, _, _ = request(server.url, "GET", "/health/live")
        if status == 200:
            return server
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"gunicorn did not answer on port {port} within {timeout:.0f} s")


@contextmanager
def running_gunicorn(
    env: dict[str, str], *, workers: int, log: Path, worker_class: str = "sync", threads: int = 1
) -> Iterator[Gunicorn]:
    server = start_gunicorn(env, workers=workers, log=log, worker_class=worker_class, threads=threads)
    try:
        yield server
    finally:
        server.stop()


# --- the clients -------------------------------------------------------------------------------------------------


def request(
    base_url: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes, float]:
    """(status, body, seconds); status 0 when the connection failed."""
    parts = urlsplit(base_url)
    started = time.perf_counter()
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=60)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        sent = {"Accept": "*/*", **(headers or {})}
        if payload is not None:
            sent["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        data = response.read()
        return response.status, data, time.perf_counter() - started
    except (OSError, http.client.HTTPException):
        return 0, b"", time.perf_counter() - started
    finally:
        connection.close()


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    recorded: dict[str, str] = field(default_factory=dict)  # development id -> title, every 201
    revised: dict[str, int] = field(default_factory=dict)  # development id -> version after an acknowledged PATCH
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            self.statuses.setdefault(kind, Counter())[status] += 1


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def reader(base_url: str, detail_ids: list[str], tally: Tally, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    while not stop.is_set():
        path = rng.choice(READ_PATHS)
        if path == "DETAIL":
            path = f"/api/developments/{rng.choice(detail_ids)}/"
        elif path == "HISTORY":
            path = f"/api/developments/{rng.choice(detail_ids)}/history/"
        status, body, seconds = request(base_url, "GET", path)
        tally.add("read", status, seconds)
        if status >= 500 or status == 0:
            with tally.lock:
                tally.errors.append(f"GET {path}: {status} {body[:200]!r}")


def writer(base_url: str, token: str, number: int, tally: Tally, stop: threading.Event) -> None:
    auth = {"Authorization": f"Token {token}"}
    item = 0
    while not stop.is_set():
        item += 1
        category, kind = CATEGORY_KINDS[item % len(CATEGORY_KINDS)]
        title = f"Load writer {number} item {item} {uuid.uuid4().hex[:8]}"
        body = {
            "title": title,
            "date": f"2024-{(item % 12) + 1:02d}",
            "category": category,
            "kind": kind,
            "summary": "Recorded under load.",
            "entities": ["deepseek"] if item % 2 else [],
            "citations": [{"url": "https://example.org/load", "title": "Load", "reliability": "C", "credibility": "3"}],
        }
        key = f"load-{number}-{item}-{uuid.uuid4().hex}"
        status, data, seconds = request(base_url, "POST", "/api/developments/", body, {**auth, "Idempotency-Key": key})
        tally.add("write", status, seconds)
        if status != 201:
            with tally.lock:
                tally.errors.append(f"POST: {status} {data[:200]!r}")
            continue
        created = json.loads(data)
        with tally.lock:
            tally.recorded[created["id"]] = title
        change = {"summary": f"Revised under load, pass {item}.", "expected_version": created["version"]}
        status, data, seconds = request(base_url, "PATCH", f"/api/developments/{created['id']}/", change, auth)
        tally.add("revise", status, seconds)
        if status == 200:
            with tally.lock:
                tally.revised[created["id"]] = json.loads(data)["version"]
        else:
            with tally.lock:
                tally.errors.append(f"PATCH: {status} {data[:200]!r}")


def run_load(
    base_url: str, *, tokens: list[str], detail_ids: list[str], clients: int, seconds: float
) -> tuple[Tally, float]:
    """Readers and writers against `base_url` for `seconds`; returns the tally and the wall time."""
    tally = Tally()
    stop = threading.Event()
    threads = [
        threading.Thread(target=reader, args=(base_url, detail_ids, tally, stop, n), daemon=True)
        for n in range(clients)
    ]
    threads += [
        threading.Thread(target=writer, args=(base_url, token, n, tally, stop), daemon=True)
        for n, token in enumerate(tokens)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    return tally, time.monotonic() - started


def lost_writes(tally: Tally, stored: Callable[[list[str]], dict[str, tuple[str, int]]]) -> dict[str, Any]:
    """Compare what the writers were told with what the store holds; `stored(ids)` -> {id: (title, version)}."""
    found = stored(list(tally.recorded))
    missing = [pk for pk in tally.recorded if pk not in found]
    wrong_title = [pk for pk, title in tally.recorded.items() if pk in found and found[pk][0] != title]
    unrevised = [pk for pk, version in tally.revised.items() if pk in found and found[pk][1] < version]
    return {
        "acknowledged_records": len(tally.recorded),
        "acknowledged_revisions": len(tally.revised),
        "missing": missing,
        "wrong_title": wrong_title,
        "revision_lost": unrevised,
    }


def summary(tally: Tally, wall: float) -> dict[str, Any]:
    kinds = {}
    for kind, values in sorted(tally.latencies.items()):
        statuses = tally.statuses[kind]
        kinds[kind] = {
            "requests": len(values),
            "per_second": round(len(values) / wall, 1),
            "p50_ms": round(percentile(values, 0.50) * 1000, 1),
            "p95_ms": round(percentile(values, 0.95) * 1000, 1),
            "p99_ms": round(percentile(values, 0.99) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1),
            "mean_ms": round(statistics.fmean(values) * 1000, 1),
            "statuses": {str(code): count for code, count in sorted(statuses.items())},
        }
    every = [status for counter in tally.statuses.values() for status, n in counter.items() for _ in range(n)]
    return {
        "wall_seconds": round(wall, 1),
        "by_kind": kinds,
        "server_errors_5xx": sum(1 for status in every if status >= 500),
        "connection_failures": sum(1 for status in every if status == 0),
        "first_errors": tally.errors[:10],
    }


# --- the standalone run ------------------------------------------------------------------------------------------


def prepare_database(database_url: str, env: dict[str, str], writers: int) -> tuple[list[str], list[str]]:
    """Migrate, load the report's timeline, make the analysts; return (tokens, development ids)."""
    if database_url.startswith("postgres"):
        import psycopg

        parts = urlsplit(database_url)
        name = parts.path.lstrip("/")
        admin = database_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "load_deepseek_timeline"], cwd=ROOT, env=env, check=True, capture_output=True)
    script = f"""
import json
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from timeline.models import Development
from timeline.roles import ANALYST
tokens = []
for n in range({writers}):
    user, _ = User.objects.get_or_create(username=f"load-analyst-{{n}}")
    user.groups.add(Group.objects.get(name=ANALYST))
    tokens.append(Token.objects.get_or_create(user=user)[0].key)
print(json.dumps({{"tokens": tokens, "ids": [str(pk) for pk in Development.objects.values_list("pk", flat=True)]}}))
"""
    out = subprocess.run(
        [*manage, "shell", "--no-imports", "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    prepared = json.loads(out.stdout.strip().splitlines()[-1])
    return prepared["tokens"], prepared["ids"]


def stored_in(env: dict[str, str]) -> Callable[[list[str]], dict[str, tuple[str, int]]]:
    def stored(ids: list[str]) -> dict[str, tuple[str, int]]:
        script = (
            "import json, sys\n"
            "from timeline.models import Development\n"
            "ids = json.load(sys.stdin)\n"
            "rows = Development.objects.filter(pk__in=ids).values_list('pk', 'title', 'version')\n"
            "print(json.dumps({str(pk): [title, version] for pk, title, version in rows}))\n"
        )
        out = subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True, input=json.dumps(ids),
        )  # fmt: skip
        return {
            pk: (title, version) for pk, (title, version) in json.loads(out.stdout.strip().splitlines()[-1]).items()
        }

    return stored


def cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def load_average() -> float:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/timeline_load")
    parser.add_argument("--clients", type=int, default=50, help="concurrent readers (default 50)")
    parser.add_argument("--writers", type=int, default=4, help="analysts writing at once (default 4)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long (default 60)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (default 3, as compose)")
    parser.add_argument(
        "--worker-class",
        default="sync",
        # Not gevent: with the run's persistent connections every greenlet keeps one, and PostgreSQL runs out.
        choices=["sync", "gthread"],
        help="gunicorn's worker class (default sync, as every earlier run; docker-compose.yml runs gevent)",
    )
    parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker (default 1)")
    parser.add_argument(
        "--cache-url",
        default="",
        help="CACHE_URL for the server (redis://127.0.0.1:6379/15): throttles and the response cache in Redis; "
        "default: none, each process counts in its own memory and the response cache is off",
    )
    parser.add_argument(
        "--no-response-cache", action="store_true", help="API_RESPONSE_CACHE=0 (the cache is on with --cache-url)"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--no-output", action="store_true", help="print, do not write the JSON")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)

    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-load-only-" + uuid.uuid4().hex),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "API_THROTTLE_ANON": "100000000/minute",
        "API_THROTTLE_USER": "100000000/minute",
        "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "60"),
        "STATIC_ROOT": str(ROOT / "var" / "bench-static"),
        "PYTHONUNBUFFERED": "1",
        "CACHE_URL": args.cache_url,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("API_RESPONSE_CACHE", None)
    if args.no_response_cache:
        env["API_RESPONSE_CACHE"] = "0"
    print(f"bench.load: preparing {urlsplit(args.database_url).path.lstrip('/') or args.database_url}", flush=True)
    tokens, ids = prepare_database(args.database_url, env, args.writers)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    log = ROOT / "var" / "bench-load-gunicorn.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("")
    load_before = load_average()
    # CPU seconds of this process (the clients) and of gunicorn (master and workers, counted once they exit).
    clients_before = resource.getrusage(resource.RUSAGE_SELF)
    server_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with running_gunicorn(
        env, workers=args.workers, log=log, worker_class=args.worker_class, threads=args.threads
    ) as server:
        print(
            f"bench.load: {args.clients} readers + {args.writers} writers for {args.seconds:.0f} s against "
            f"gunicorn ({args.workers} {args.worker_class} workers) at {server.url}",
            flush=True,
        )
        tally, wall = run_load(server.url, tokens=tokens, detail_ids=ids, clients=args.clients, seconds=args.seconds)
    load_after = load_average()
    clients_after = resource.getrusage(resource.RUSAGE_SELF)
    server_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = summary(tally, wall)
    result["cpu_seconds"] = {
        "clients": round(cpu(clients_after) - cpu(clients_before), 1),
        "gunicorn": round(cpu(server_after) - cpu(server_before), 1),
        "note": "user + system; PostgreSQL and Redis are not counted, nor anything else on the machine",
    }
    result["writes"] = lost_writes(tally, stored_in(env))
    result["ok"] = (
        result["server_errors_5xx"] == 0
        and result["connection_failures"] == 0
        and not result["writes"]["missing"]
        and not result["writes"]["wrong_title"]
        and not result["writes"]["revision_lost"]
    )
    result["setup"] = {
        "clients": args.clients,
        "writers": args.writers,
        "seconds": args.seconds,
        "gunicorn_workers": args.workers,
        "gunicorn_worker_class": args.worker_class,
        "gunicorn_threads": args.threads,
        "database": "postgresql" if args.database_url.startswith("postgres") else "sqlite",
        "db_conn_max_age": env["DB_CONN_MAX_AGE"],
        "cache_url": args.cache_url,
        "response_cache": bool(args.cache_url) and not args.no_response_cache,
        "developments_at_start": len(ids),
        "read_mix": READ_PATHS,
    }
    result["machine"] = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_1m_before": load_before,
        "load_average_1m_after": load_after,
    }
    result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    if not args.keep_db and args.database_url.startswith("postgres"):
        import psycopg

        name = urlsplit(args.database_url).path.lstrip("/")
        with psycopg.connect(args.database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    text = json.dumps(result, indent=2)
    print(text)
    if not args.no_output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text + "\n")
        print(f"bench.load: wrote {args.output}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
