"""Digests composed and delivered per second: 10,000 subscribers with varied filters, 1,000,000 developments.

Runs against its own PostgreSQL database (BENCH_DIGESTS_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/bench_digests, created and migrated if missing) and a loopback aiosmtpd
server in a separate process that counts what it accepts. The store comes from bench.synthetic (generated
once, reused by later runs); the week's window holds 2,000 recorded, 500 revised and 100 retracted
developments. Every subscriber's digest covers that window.

What is timed: `digests.sending.digests_send` over all subscribers, as `manage.py send_digests --week`
runs it: claim in the send log, read each distinct window once, match in memory, render, send over one
reused SMTP connection, mark sent. With --processes K the subscribers are split over K processes (as K
Celery workers would share them), each with its own database and SMTP connections.

    .venv/bin/python -m bench.digests [--subscribers 10000] [--developments 1000000] [--processes 1]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import random
import secrets
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_digests"
RESULTS = Path(__file__).resolve().parent / "results" / "digests.json"
WEEK = "2025-W05"


# --- the SMTP server, in its own process so that it does not share the sender's interpreter -----------


def _smtp_server(port: int, count: Any, size: Any, sample: Any, ready: Any, stop: Any) -> None:
    from aiosmtpd.controller import Controller

    class Counting:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with count.get_lock():
                count.value += 1
                size.value += len(envelope.content)
                if count.value == 1:
                    sample.value = bytes(envelope.content[:399000])
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- setup ---------------------------------------------------------------------------------------------


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def django_setup(url: str, port: int) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    os.environ.setdefault("SITE_URL", "https://timeline.example")
    os.environ["DEBUG"] = "0"
    # Production settings want a key of their own; a throwaway one signs the bench's unsubscribe links.
    if not os.environ.get("SECRET_KEY", "").strip():
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    import django

    django.setup()


def make_subscribers(count: int, window_start: int, seed: int = 6) -> list[int]:
    """Varied filters: everything, categories, kinds, entities, named timelines, grades; many time zones."""
    from bench.synthetic import CATEGORIES, KINDS, KNOWN_ENTITIES
    from digests.models import Delivery, Subscription, SubscriptionStatus
    from timeline.models import Entity, NamedTimeline

    rng = random.Random(seed)
    Delivery.objects.all().delete()
    Subscription.objects.all().delete()
    known = [entity_id for entity_id, *_ in KNOWN_ENTITIES]
    others = list(Entity.objects.exclude(pk__in=known).values_list("pk", flat=True)[:400])
    timelines = list(NamedTimeline.objects.values_list("slug", flat=True))
    zones = ["UTC", "Europe/Paris", "America/New_York", "Asia/Shanghai", "Asia/Tokyo", "Europe/London"]
    now = datetime.now(UTC)
    rows = []
    for number in range(count):
        pick = rng.random()
        filters: dict[str, Any] = {}
        if pick < 0.10:
            pass  # everything
        elif pick < 0.40:
            filters["categories"] = rng.sample(CATEGORIES, rng.randint(1, 2))
        elif pick < 0.60:
            filters["kinds"] = rng.sample(KINDS, rng.randint(1, 3))
        elif pick < 0.80:
            pool = known if rng.random() < 0.5 else others
            filters["entities"] = rng.sample(pool, rng.randint(1, 3))
        elif pick < 0.90:
            filters["timelines"] = [rng.choice(timelines)]
        else:
            filters["categories"] = [rng.choice(CATEGORIES)]
            filters["kinds"] = rng.sample(KINDS, 4)
        if rng.random() < 0.25:
            filters["min_reliability"] = rng.choice("ABCD")
        rows.append(
            Subscription(
                email=f"subscriber{number}@bench.example",
                status=SubscriptionStatus.ACTIVE,
                weekday=rng.randint(1, 7),
                hour=rng.randint(0, 23),
                time_zone=rng.choice(zones),
                covered_to_position=window_start,
                confirmed_at=now,
                **filters,
            )
        )
    Subscription.objects.bulk_create(rows, batch_size=2000)
    return list(Subscription.objects.order_by("pk").values_list("pk", flat=True))


def _send_slice(ids: list[int], queue: Any) -> None:
    from django.db import connections

    connections.close_all()
    from digests import sending

    started = time.perf_counter()
    report = sending.digests_send(subscription_ids=ids, week=WEEK)
    queue.put(
        {
            "seconds": time.perf_counter() - started,
            "composed": report.composed,
            "sent": report.count(sending.Outcome.SENT),
            "empty": report.count(sending.Outcome.EMPTY),
            "skipped": report.count(sending.Outcome.SKIPPED),
            "failed": report.count(sending.Outcome.FAILED) + report.count(sending.Outcome.PAUSED),
        }
    )


def send_all(ids: list[int], processes: int) -> dict[str, Any]:
    from django.db import connections

    from digests import sending

    if processes <= 1:
        started = time.perf_counter()
        report = sending.digests_send(subscription_ids=ids, week=WEEK)
        seconds = time.perf_counter() - started
        return {
            "seconds": seconds,
            "composed": report.composed,
            "sent": report.count(sending.Outcome.SENT),
            "empty": report.count(sending.Outcome.EMPTY),
            "skipped": report.count(sending.Outcome.SKIPPED),
            "failed": report.count(sending.Outcome.FAILED) + report.count(sending.Outcome.PAUSED),
        }
    connections.close_all()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    slices = [ids[index::processes] for index in range(processes)]
    started = time.perf_counter()
    workers = [context.Process(target=_send_slice, args=(part, queue)) for part in slices]
    for worker in workers:
        worker.start()
    parts = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    total: dict[str, Any] = {"seconds": seconds}
    for key in ("composed", "sent", "empty", "skipped", "failed"):
        total[key] = sum(part[key] for part in parts)
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--developments", type=int, default=1_000_000)
    parser.add_argument(
        "--processes", type=int, nargs="+", default=[1, 2], help="one run per value (default: 1 then 2)"
    )
    parser.add_argument("--regenerate", action="store_true", help="drop and regenerate the synthetic store")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/results/digests.json")
    args = parser.parse_args(argv)

    url = os.environ.get("BENCH_DIGESTS_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    port = free_port()
    context = multiprocessing.get_context("fork")
    count, size = context.Value("i", 0), context.Value("q", 0)
    sample = context.Array("c", 400000)
    ready, stop = context.Event(), context.Event()
    server = context.Process(target=_smtp_server, args=(port, count, size, sample, ready, stop), daemon=True)
    server.start()
    ready.wait(10)

    django_setup(url, port)
    from django.core.management import call_command
    from django.db import connection

    from bench import synthetic
    from digests import sending, window

    call_command("migrate", verbosity=0)
    store = None if args.regenerate else synthetic.existing(args.developments)
    generated_seconds = None
    if store is None:
        print(f"generating {args.developments:,} developments in PostgreSQL ...", flush=True)
        started = time.perf_counter()
        synthetic.reset()
        store = synthetic.generate(developments=args.developments)
        generated_seconds = time.perf_counter() - started
        print(f"  generated in {generated_seconds:.1f} s", flush=True)
    started = time.perf_counter()
    changes = window.window_changes(store.window_start, store.window_end)
    window_seconds = time.perf_counter() - started

    runs = []
    for processes in args.processes:
        ids = make_subscribers(args.subscribers, store.window_start)
        print(f"{len(ids):,} subscribers, {processes} process(es); window ({store.window_start}, {store.window_end}]")
        sending._WINDOW_CACHE.clear()  # each run reads and renders the week's changes itself
        received_before = count.value
        load_before = os.getloadavg()
        run = send_all(ids, processes)
        load_after = os.getloadavg()
        deadline = time.monotonic() + 10
        while count.value - received_before < run["sent"] and time.monotonic() < deadline:
            time.sleep(0.05)
        received = count.value - received_before
        rerun = send_all(ids, processes)  # the same week again: every send is claimed already
        time.sleep(0.5)
        runs.append(
            {
                "processes": processes,
                "seconds": round(run["seconds"], 2),
                "composed": run["composed"],
                "sent": run["sent"],
                "empty_not_sent": run["empty"],
                "failed": run["failed"],
                "received_by_server": received,
                "composed_per_second": round(run["composed"] / run["seconds"], 1),
                "delivered_per_second": round(run["sent"] / run["seconds"], 1),
                "aim_met": run["seconds"] <= 60 and run["composed"] == len(ids),
                # Other work on the machine shares its CPUs with the sender, the SMTP server and PostgreSQL.
                "load_average_1m_before_and_after": [round(load_before[0], 2), round(load_after[0], 2)],
                "second_run_same_week": {
                    "seconds": round(rerun["seconds"], 2),
                    "sent": rerun["sent"],
                    "skipped": rerun["skipped"],
                    "received_by_server_after": count.value - received_before,
                },
            }
        )
        print(json.dumps(runs[-1]), flush=True)
    stop.set()
    server.join(10)

    from email import message_from_bytes
    from email.policy import default

    first = message_from_bytes(bytes(sample.value), policy=default)
    parts = sorted(part.get_content_type() for part in first.walk() if not part.is_multipart())
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0].split(",")[0]

    result = {
        "benchmark": "digests composed and delivered per second to a loopback SMTP server (aiosmtpd)",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "postgresql": pg_version,
        },
        "store": {
            "developments": store.developments,
            "entities": store.entities,
            "window_items": {
                "recorded": store.recorded_in_window,
                "revised": store.revised_in_window,
                "retracted": store.retracted_in_window,
            },
            "generated_seconds": round(generated_seconds, 1) if generated_seconds else None,
        },
        "subscribers": args.subscribers,
        "window_read_seconds": round(window_seconds, 3),
        "window_items_classified": len(changes),
        "received_megabytes_all_runs": round(size.value / 1e6, 1),
        "sample_parts": parts,
        "runs": runs,
    }
    print(json.dumps(result, indent=2))
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    ok = all(
        run["received_by_server"] == run["sent"] == run["second_run_same_week"]["received_by_server_after"]
        and run["second_run_same_week"]["sent"] == 0
        and run["failed"] == 0
        for run in runs
    )
    if not ok:
        print("MISMATCH: the server did not receive exactly one message per sent digest", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
