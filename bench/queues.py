"""Celery throughput on this machine's Redis: the worker settings config/celery.py chose vs Celery's defaults.

Run: `.venv/bin/python -m bench.queues` (see `--help`). A benchmark, not a test. For each variant a real worker
(`celery -A bench.queues_worker worker -Q default`, prefork, 2 processes, as docker-compose.yml runs one) is started,
then N tiny tasks are published and the clock stops when the last one has run (each task increments a Redis
counter; no result backend). Variants, each measured --rounds times in alternating order, medians reported:

  redis, ours        Redis broker; prefetch 1 per process, acknowledged after the task (config/celery.py)
  redis, defaults    Redis broker; Celery's defaults: prefetch 4 per process, acknowledged on receipt
  filesystem, ours   kombu's filesystem transport (the embedded default's broker), our settings, with
                     --filesystem-tasks tasks (it polls its folder once a second: a few tasks a second at most)

The tasks do nothing, so this is the worst case for our settings: the per-message overhead of fetching one message
at a time and acknowledging late is all there is. Real tasks (feed polls, digest sends) take milliseconds to
minutes, where that overhead vanishes and prefetching would only make tasks wait behind a busy process.
Uses Redis databases 12 (counter) and 13 (broker), flushed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
from celery import Celery
from kombu import Queue

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "queues.json"
COUNTER_URL = "redis://127.0.0.1:6379/12"
BROKER_URL = "redis://127.0.0.1:6379/13"
CELERY = str(Path(sys.executable).parent / "celery")
VARIANTS = {
    "redis_ours": {"broker": "redis", "defaults": False},
    "redis_celery_defaults": {"broker": "redis", "defaults": True},
    "filesystem_ours": {"broker": "filesystem", "defaults": False},
}


def publisher(broker: str, var: Path) -> Celery:
    app = Celery("bench-queues-publisher", set_as_current=False)
    app.conf.task_serializer = "json"
    app.conf.task_queues = [Queue("default", routing_key="default")]
    if broker == "redis":
        app.conf.broker_url = BROKER_URL
    else:
        app.conf.broker_url = "filesystem://"
        folder = var / "broker"
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        app.conf.broker_transport_options = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
    return app


def start_worker(variant: dict[str, Any], var: Path, concurrency: int, log: Path) -> subprocess.Popen[bytes]:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "LOG_FORMAT"}}
    env |= {
        "TIMELINE_VAR_DIR": str(var),
        "CELERY_BROKER_URL": BROKER_URL if variant["broker"] == "redis" else "filesystem://",
        "BENCH_QUEUES_COUNTER_URL": COUNTER_URL,
        "BENCH_CELERY_DEFAULTS": "1" if variant["defaults"] else "0",
    }
    command = [CELERY, "-A", "bench.queues_worker", "worker", "-Q", "default", f"--concurrency={concurrency}",
               "--pool=prefork", "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
               "-n", f"bench-queues-{uuid.uuid4().hex[:8]}@%h"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                               start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 120
    while " ready." not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not start:\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.1)
    return process


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def measure(name: str, tasks: int, concurrency: int, counter: redis.Redis) -> float:
    variant = VARIANTS[name]
    redis.Redis.from_url(BROKER_URL).flushdb()
    with tempfile.TemporaryDirectory(prefix="bench-queues-") as folder:
        var = Path(folder)
        app = publisher(variant["broker"], var)
        worker = start_worker(variant, var, concurrency, var / "worker.log")
        try:
            key = f"done-{uuid.uuid4().hex}"
            started = time.perf_counter()
            with app.producer_or_acquire() as producer:
                for _ in range(tasks):
                    app.send_task("bench.queues.touch", args=[key], queue="default", producer=producer)
            deadline = time.monotonic() + 600
            while int(counter.get(key) or 0) < tasks:
                if time.monotonic() > deadline or worker.poll() is not None:
                    raise RuntimeError(f"{name}: {counter.get(key)} of {tasks} tasks ran")
                time.sleep(0.01)
            seconds = time.perf_counter() - started
        finally:
            stop_worker(worker)
    return tasks / seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.queues", description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--filesystem-tasks", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--no-output", action="store_true")
    args = parser.parse_args(argv)

    counter = redis.Redis.from_url(COUNTER_URL)
    try:
        redis_version = counter.info("server")["redis_version"]
    except redis.ConnectionError:
        print("bench.queues: no Redis on 127.0.0.1:6379", file=sys.stderr)
        return 2
    counter.flushdb()
    load_start = os.getloadavg()[0]
    rates: dict[str, list[float]] = {name: [] for name in VARIANTS}
    try:
        for number in range(args.rounds):
            order = list(VARIANTS) if number % 2 == 0 else list(reversed(VARIANTS))
            for name in order:
                tasks = args.filesystem_tasks if VARIANTS[name]["broker"] == "filesystem" else args.tasks
                rate = measure(name, tasks, args.concurrency, counter)
                rates[name].append(rate)
                print(f"round {number + 1}: {name:<24} {rate:8.0f} tasks/s", flush=True)
    finally:
        counter.flushdb()
        redis.Redis.from_url(BROKER_URL).flushdb()
    median = {name: statistics.median(values) for name, values in rates.items()}
    ratios = {
        "ours_over_celery_defaults_redis": round(median["redis_ours"] / median["redis_celery_defaults"], 3),
        "redis_over_filesystem_ours": round(median["redis_ours"] / median["filesystem_ours"], 3),
    }
    result = {
        "what": "no-op Celery tasks per second, published then run by one prefork worker (median of rounds)",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "tasks": {"redis": args.tasks, "filesystem": args.filesystem_tasks},
        "rounds": args.rounds,
        "concurrency": args.concurrency,
        "tasks_per_second": {name: round(value, 1) for name, value in median.items()},
        "all_rounds": {name: [round(v, 1) for v in values] for name, values in rates.items()},
        "ratios": ratios,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "redis": redis_version,
            "load_1m_start_end": [round(load_start, 2), round(os.getloadavg()[0], 2)],
        },
    }
    for name, value in median.items():
        print(f"{name:<24} {value:8.0f} tasks/s")
    print(f"ours / Celery defaults (Redis): {ratios['ours_over_celery_defaults_redis']:.2f}; "
          f"Redis / filesystem (ours): {ratios['redis_over_filesystem_ours']:.2f}")  # fmt: skip
    if not args.no_output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
