"""Webhook alerts end to end: throughput of 10,000 deliveries and the latency from commit to receipt.

Run: `.venv/bin/python -m bench.alerts` (see `--help`). A benchmark, not a test. It migrates a PostgreSQL
database of its own (`bench_alerts`, dropped and created each run), starts a loopback webhook receiver in this
process, one `celery -A config worker -Q alerts --concurrency=2` (two worker processes, as docker-compose.yml's
worker-alerts) and one `celery beat` on this machine's Redis (database 14, flushed before and after), then:

  latency     one saved search; developments recorded one at a time, a second apart; for each, the time from
              the commit (development_record returned) to the receiver getting its webhook
  throughput  --searches saved searches (same filters), --events matching developments recorded at once:
              searches x events deliveries; the clock runs from the first commit to the last receipt

Every webhook goes the production path: beat -> alerts.consume (checkpointed consumer) -> alerts.send tasks ->
a signed POST through the checked connection (loopback opened by ALERTS_ALLOW_LOOPBACK for this run only).
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "alerts.json"
CELERY = str(Path(sys.executable).parent / "celery")
DATABASE = "bench_alerts"
BROKER_URL = "redis://127.0.0.1:6379/14"


class _Server(http.server.ThreadingHTTPServer):
    # A listen backlog like a production server's (socketserver's default is 5, at which connections from
    # concurrent senders are dropped and retried a second later, or reset).
    request_queue_size = 1024
    daemon_threads = True


class Receiver:
    """A loopback webhook receiver: answers 200 and notes when each webhook-id first arrived."""

    def __init__(self) -> None:
        self.first_seen: dict[str, float] = {}
        self.requests = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = time.time()
                with receiver.lock:
                    receiver.requests += 1
                    receiver.first_seen.setdefault(self.headers["webhook-id"], now)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def count(self) -> int:
        with self.lock:
            return len(self.first_seen)


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "CELERY_BROKER_URL": BROKER_URL,
        "ALERTS_ALLOW_LOOPBACK": "1",
        "ALERTS_CONSUME_SECONDS": "1",
        "EMAIL_URL": "console://",
    }


def prepare_database(env: dict[str, str]) -> None:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DATABASE], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE], check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [CELERY, "-A", "config", *args],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def wait_until(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def main(argv: list[str] | None = None) -> int:
    global DATABASE, BROKER_URL  # one run, one database and broker, read by the helpers above
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--searches", type=int, default=1000)
    parser.add_argument("--events", type=int, default=10)
    parser.add_argument("--latency-events", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--db-name", default=DATABASE, help="the PostgreSQL database to (re)create and use")
    parser.add_argument("--redis-db", type=int, default=14, help="the local Redis database (flushed) for Celery")
    options = parser.parse_args(argv)
    DATABASE, BROKER_URL = options.db_name, f"redis://127.0.0.1:6379/{options.redis_db}"

    env = environment()
    prepare_database(env)
    os.environ.update({key: env[key] for key in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL")})
    os.environ.update({"ALERTS_ALLOW_LOOPBACK": "1", "EMAIL_URL": "console://"})
    import django

    django.setup()
    import redis
    from django.contrib.auth.models import User
    from django.db import connection

    from alerts import services
    from alerts.consumer import CHECKPOINT
    from alerts.models import AlertCheckpoint, AlertDelivery, Channel, SavedSearch
    from timeline import services as timeline
    from timeline.selectors import TimelineFilters

    broker = redis.Redis.from_url(BROKER_URL)
    broker.flushdb()
    receiver = Receiver()
    owner = User.objects.create_user(username="bench", email="bench@example.org")
    government = TimelineFilters(categories=("government",))

    def save(count: int) -> None:
        for index in range(count):
            changes = services.SavedSearchChanges(
                name=f"search {index}", query="category=government", filters=government,
                channel=Channel.WEBHOOK, webhook_url=receiver.url,
            )  # fmt: skip
            services.saved_search_create(owner=owner, changes=changes)

    def record(title: str) -> float:
        timeline.development_record(title=title, date="2025-01-20", category="government", kind="rule_release")
        return time.time()

    folder = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    worker = start(["worker", "-Q", "alerts", "--concurrency=2", "--loglevel=WARNING", "-n", "bench-alerts@%h"],
                   env, folder / "worker.log")  # fmt: skip
    beat = start(["beat", "-s", str(folder / "beat-schedule"), "--loglevel=WARNING"], env, folder / "beat.log")
    result: dict[str, Any] = {"run_at": datetime.now(UTC).isoformat(timespec="seconds")}
    try:
        # Latency: one saved search, one development a second.
        save(1)
        # Beat and the worker are up once the consumer has run (its first run makes the checkpoint), however
        # long the worker takes to start on a busy machine: no latency sample waits for the start.
        if not wait_until(lambda: AlertCheckpoint.objects.filter(name=CHECKPOINT).exists(), 120):
            print("the alert consumer did not run within 120 s", file=sys.stderr)
        connection.close()
        committed: list[float] = []
        for index in range(options.latency_events):
            committed.append(record(f"Latency {index}"))
            time.sleep(1.0)
        if not wait_until(lambda: receiver.count() >= options.latency_events, 60):
            print(f"latency phase: only {receiver.count()} of {options.latency_events} arrived", file=sys.stderr)
        connection.close()
        ids = {
            row.delivery_id: row.position
            for row in AlertDelivery.objects.select_related("saved_search").order_by("position")
        }
        arrivals = sorted(receiver.first_seen[delivery_id] for delivery_id in ids if delivery_id in receiver.first_seen)
        latencies = [arrival - commit for arrival, commit in zip(arrivals, committed, strict=False)]
        result["latency"] = {
            "events": options.latency_events,
            "received": len(arrivals),
            "p50_s": round(statistics.median(latencies), 3) if latencies else None,
            "p95_s": round(percentile(latencies, 0.95), 3) if latencies else None,
            "max_s": round(max(latencies), 3) if latencies else None,
        }
        print("latency", json.dumps(result["latency"]))

        # Throughput: searches x events deliveries.
        SavedSearch.objects.all().delete()
        save(options.searches)
        before = receiver.count()
        expected = options.searches * options.events
        started = time.time()
        commits = [record(f"Burst {index}") for index in range(options.events)]
        done = wait_until(lambda: receiver.count() - before >= expected, options.timeout)
        finished = time.time()
        connection.close()
        burst_arrivals = sorted(receiver.first_seen.values())[before:]
        burst_latency = [arrival - commits[-1] for arrival in burst_arrivals]
        result["throughput"] = {
            "searches": options.searches,
            "events": options.events,
            "deliveries_expected": expected,
            "deliveries_received": receiver.count() - before,
            "requests_received": receiver.requests,
            "all_received": done,
            "seconds": round(finished - started, 2),
            "per_second": round((receiver.count() - before) / (finished - started), 1),
            "latency_p95_s": round(percentile(burst_latency, 0.95), 2) if burst_latency else None,
        }
        print("throughput", json.dumps(result["throughput"]))
    finally:
        stop(beat)
        stop(worker)
        broker.flushdb()
        connection.close()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
