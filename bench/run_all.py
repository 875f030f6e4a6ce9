"""Every benchmark in one run, on this machine's PostgreSQL and Redis: one table (RESULTS.md), one JSON (all.json).

    .venv/bin/python -m bench                 # the full run: 10-25 minutes on 2 cores (the first makes the 1M store)
    .venv/bin/python -m bench --quick         # small sizes, a few minutes; writes under var/bench-run/ only
    .venv/bin/python -m bench --only api ingestion

Each benchmark is its own module (bench/event_store.py, api.py, ingestion.py, primary_sources.py, queues.py,
digests.py), run as a subprocess with its usual options, its JSON captured in var/bench-run/<time>/ and its output
in a .log beside it.
Each measures its comparison inside its own run (ours and the peer or baseline, same process, same data), and
this module only reads the figures back and reports them as ratios. A benchmark whose module is missing is
reported as missing; one that fails is reported as failed with its log, and the run goes on.

Databases: bench.event_store creates and drops `bench_all_events`; bench.api and bench.digests share the
1,000,000-development synthetic store `bench_all_synthetic`, generated on the first run (about 8 minutes) and
kept for the next (drop it with `dropdb bench_all_synthetic`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
RUNS = ROOT / "var" / "bench-run"

# Runs a benchmark module whose results path is a module constant (RESULTS), writing it where we say.
PATCHED_OUTPUT = """
import importlib, inspect, sys
from pathlib import Path
module_name, output, *args = sys.argv[1:]
module = importlib.import_module(module_name)
module.RESULTS = Path(output)
sys.argv = [module_name, *args]
code = module.main(args) if inspect.signature(module.main).parameters else module.main()
sys.exit(code or 0)
"""


@dataclass
class Options:
    server: str
    quick: bool
    synthetic_db: str
    events_db: str


@dataclass
class Benchmark:
    name: str
    module: str
    what: str
    args: Callable[[Options], list[str]]
    output: str  # "flag": the module takes --output PATH; "patch": it writes to its RESULTS constant
    env: Callable[[Options], dict[str, str]] = lambda options: {}


BENCHMARKS = [
    Benchmark(
        "ingestion",
        "bench.ingestion",
        "items/s through parse-sanitise-dedup-flag vs feedparser.parse alone, same bytes (no database)",
        lambda o: ["--feeds", "40", "--rounds", "2"] if o.quick else [],
        "patch",
    ),
    Benchmark(
        "primary_sources",
        "bench.primary_sources",
        "a 30,000-entry screening-list diff; a Federal Register page vs a news feed of the same 100 texts",
        lambda o: ["--entries", "5000", "--rounds", "2"] if o.quick else [],
        "patch",
    ),
    Benchmark(
        "event_store",
        "bench.event_store",
        "appends (services, store, batches of 100) vs eventsourcing's PostgreSQL recorder; verify and rebuild",
        lambda o: (
            ["--server", o.server, "--db-name", o.events_db]
            + (["--events", "300", "--rebuild-events", "5000"] if o.quick else [])
        ),
        "flag",
    ),
    Benchmark(
        "api",
        "bench.api",
        "p50/p95 of a filtered first page, current and as_of, vs the same page in raw SQL, 1,000,000 developments",
        lambda o: (
            ["--server", o.server, "--db-name", o.synthetic_db, "--keep-db"]
            + (["--developments", "20000", "--requests", "50", "--warmup", "5"] if o.quick else [])
        ),
        "flag",
    ),
    Benchmark(
        "queues",
        "bench.queues",
        "no-op Celery tasks/s through Redis with a real worker: our worker settings vs Celery's defaults",
        lambda o: ["--tasks", "300", "--filesystem-tasks", "10", "--rounds", "1"] if o.quick else [],
        "flag",
    ),
    Benchmark(
        "digests",
        "bench.digests",
        "digests composed and delivered to a loopback SMTP server: 10,000 subscribers, 1,000,000 developments",
        lambda o: ["--subscribers", "500", "--developments", "20000"] if o.quick else [],
        "patch",
        lambda o: {"BENCH_DIGESTS_DATABASE_URL": f"{o.server.rstrip('/')}/{o.synthetic_db}"},
    ),
]


@dataclass
class Outcome:
    name: str
    status: str  # ok, failed, missing
    seconds: float = 0.0
    command: list[str] = field(default_factory=list)
    log: str = ""
    result: dict[str, Any] | None = None
    error: str = ""


# --- running ---------------------------------------------------------------------------------------------


def module_exists(module: str) -> bool:
    return (ROOT / (module.replace(".", "/") + ".py")).exists()


def run_one(bench: Benchmark, options: Options, run_dir: Path) -> Outcome:
    if not module_exists(bench.module):
        return Outcome(bench.name, "missing", error=f"{bench.module} does not exist yet")
    output = run_dir / f"{bench.name}.json"
    log = run_dir / f"{bench.name}.log"
    args = bench.args(options)
    if bench.output == "flag":
        command = [sys.executable, "-m", bench.module, "--output", str(output), *args]
    else:
        command = [sys.executable, "-c", PATCHED_OUTPUT, bench.module, str(output), *args]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **bench.env(options)}
    shown = [*command[:2], *command[3:]] if command[1] == "-c" else command  # the wrapper's code is not shown
    print(f"\n=== {bench.name}: {bench.what}\n    {' '.join(shown)}", flush=True)
    started = time.perf_counter()
    with log.open("w") as sink:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert process.stdout is not None
        for line in process.stdout:
            sink.write(line)
            sink.flush()
            print(f"    {line}", end="", flush=True)
        code = process.wait()
    seconds = time.perf_counter() - started
    outcome = Outcome(bench.name, "ok", seconds, command, str(log.relative_to(ROOT)))
    if output.exists():
        outcome.result = json.loads(output.read_text())
    if code != 0 or outcome.result is None:
        outcome.status = "failed"
        outcome.error = f"exit code {code}" + ("" if outcome.result else ", no JSON written")
    return outcome


# --- the machine -------------------------------------------------------------------------------------------


def machine(server: str) -> dict[str, Any]:
    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "cpu": "",
        "memory_gib": None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    try:
        info["cpu"] = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        info["memory_gib"] = round(kib / 1024 / 1024, 1)
    except (OSError, StopIteration, ValueError):
        pass
    try:
        import psycopg

        with psycopg.connect(server.rstrip("/") + "/postgres", connect_timeout=5) as conn:
            info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    except Exception as error:  # reported, not fatal: the benchmarks will say what is wrong
        info["postgresql"] = f"unreachable: {error}"
    try:
        import redis

        info["redis"] = redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2).info("server")[
            "redis_version"
        ]
    except Exception as error:  # no benchmark needs Redis yet; its version is recorded when it runs
        info["redis"] = f"unreachable: {error}"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    info["git_commit"] = commit.stdout.strip()
    return info


# --- the table -----------------------------------------------------------------------------------------------


@dataclass
class Row:
    benchmark: str
    measure: str
    ours: str
    peer: str
    ratio: float | None
    aim: str = ""
    note: str = ""

    @property
    def met(self) -> str:
        if self.ratio is None or not self.aim:
            return ""
        operator, value = self.aim.split(" ", 1)
        target = float(value.rstrip("x"))
        return "yes" if (self.ratio <= target if operator == "≤" else self.ratio >= target) else "no"


def _rate(result: dict[str, Any], name: str) -> float:
    return float(result["results"][name]["events_per_second"])


def rows_event_store(result: dict[str, Any]) -> list[Row]:
    rows = []
    es_single = _rate(result, "eventsourcing insert_events, 1 event/call")
    batch_name = next(
        name
        for name in result["results"]
        if name.startswith("eventsourcing insert_events, ") and "/call" in name and not name.endswith("1 event/call")
    )
    es_batch = _rate(result, batch_name)
    pairs = [
        (
            "service commands (record+revise)",
            "single-event commands through the services",
            es_single,
            "eventsourcing, 1 event/call",
        ),
        ("store.append, 1 event/call", "store.append, 1 event per call", es_single, "eventsourcing, 1 event/call"),
        (
            "append_many, 100 streams x 1 event",
            "append_many, batches of 100 streams",
            es_batch,
            "eventsourcing, 100 events/call",
        ),
        (
            "append, 1 stream x 100 CitationAdded",
            "append, batches of 100 to one stream",
            es_batch,
            "eventsourcing, 100 events/call",
        ),
    ]
    for name, label, peer, peer_label in pairs:
        if name not in result["results"]:
            continue
        ours = _rate(result, name)
        rows.append(
            Row(
                "event store",
                f"{label} (events/s)",
                f"{ours:,.0f}",
                f"{peer:,.0f} ({peer_label})",
                ours / peer,
                note="ours also hashes, checks versions and projects in the same transaction",
            )
        )
    for name, label in (("verify_log()", "verify_log"), ("rebuild_projections()", "rebuild_projections")):
        if name in result["results"]:
            figures = result["results"][name]
            rows.append(
                Row(
                    "event store",
                    f"{label} over {figures['events']:,} events (events/s)",
                    f"{figures['events_per_second']:,.0f}",
                    "",
                    None,
                    note=f"{figures['seconds']:.1f} s",
                )
            )
    return rows


def rows_api(result: dict[str, Any]) -> list[Row]:
    api, as_of, raw = result["api"], result["as_of"], result["raw_sql"]
    size = f"{result['data']['developments']:,} developments"
    rows = []
    for p in ("p50", "p95"):
        rows.append(
            Row(
                "API",
                f"filtered first page, {p} ms ({size})",
                f"{api[p + '_ms']:.2f}",
                f"{raw[p + '_ms']:.2f} (raw SQL)",
                api[p + "_ms"] / raw[p + "_ms"],
                "≤ 3x",
            )
        )
    for p in ("p50", "p95"):
        rows.append(
            Row(
                "API",
                f"same page with as_of, {p} ms",
                f"{as_of[p + '_ms']:.2f}",
                f"{api[p + '_ms']:.2f} (current)",
                as_of[p + "_ms"] / api[p + "_ms"],
                "≤ 1.5x",
            )
        )
    return rows


def rows_ingestion(result: dict[str, Any]) -> list[Row]:
    ours, peer = result["pipeline_items_per_second"], result["feedparser_items_per_second"]
    return [
        Row(
            "ingestion",
            f"items/s, {result['feeds']} feeds, {result['items']:,} items",
            f"{ours:,.0f}",
            f"{peer:,.0f} (feedparser.parse alone)",
            ours / peer,
            "≥ 0.7x",
            "parse + sanitise + dedup + flag",
        ),
    ]


def rows_primary_sources(result: dict[str, Any]) -> list[Row]:
    page, feed = result["federal_register_items_per_second"], result["news_feed_items_per_second"]
    return [
        Row(
            "primary sources",
            f"screening-list diff of two {result['entries_per_export']:,}-entry exports: seconds",
            f"{result['diff_seconds']:.2f}",
            "5 (the aim)",
            result["diff_seconds"] / 5,
            "≤ 1x",
            "read both CSVs, diff, change entries",
        ),
        Row(
            "primary sources",
            f"items/s, a {result['documents']}-document Federal Register page",
            f"{page:,.0f}",
            f"{feed:,.0f} (an RSS feed of the same texts)",
            page / feed,
            "≥ 1x",
            "parse + dedup + flag",
        ),
    ]


def rows_digests(result: dict[str, Any]) -> list[Row]:
    rows = []
    subscribers = result["subscribers"]
    developments = result["store"]["developments"]
    runs = {run["processes"]: run for run in result["runs"]}
    for processes, run in sorted(runs.items()):
        rows.append(
            Row(
                "digests",
                f"{subscribers:,} subscribers, {developments:,} developments, {processes} process"
                + ("es" if processes > 1 else "")
                + ": seconds",
                f"{run['seconds']:.1f}",
                "60 (the aim)",
                run["seconds"] / 60,
                "≤ 1x",
                f"{run['delivered_per_second']:.0f} delivered/s; {run['sent']:,} sent, {run['failed']} failed",
            )
        )
    if 1 in runs and 2 in runs:
        rows.append(
            Row(
                "digests",
                "speed-up of 2 processes over 1",
                f"{runs[1]['seconds'] / runs[2]['seconds']:.2f}x",
                "",
                None,
                note="as two Celery workers would share the sends",
            )
        )
    return rows


def rows_queues(result: dict[str, Any]) -> list[Row]:
    rates, ratios = result["tasks_per_second"], result["ratios"]
    return [
        Row(
            "queues",
            "no-op tasks/s on Redis, 1 worker x 2 processes",
            f"{rates['redis_ours']:,.0f}",
            f"{rates['redis_celery_defaults']:,.0f} (Celery defaults: prefetch 4, early ack)",
            ratios["ours_over_celery_defaults_redis"],
            note="prefetch 1 + acks_late; worst case: tasks that do nothing",
        ),
        Row(
            "queues",
            "no-op tasks/s, Redis vs the embedded filesystem broker",
            f"{rates['redis_ours']:,.0f}",
            f"{rates['filesystem_ours']:,.1f} (filesystem)",
            ratios["redis_over_filesystem_ours"],
            note="the filesystem transport polls once a second",
        ),
    ]


ROWS: dict[str, Callable[[dict[str, Any]], list[Row]]] = {
    "queues": rows_queues,
    "event_store": rows_event_store,
    "api": rows_api,
    "ingestion": rows_ingestion,
    "primary_sources": rows_primary_sources,
    "digests": rows_digests,
}


def rows_for(outcome: Outcome) -> list[Row]:
    if outcome.status != "ok" or outcome.result is None:
        return [Row(outcome.name, outcome.status.upper(), "", "", None, note=outcome.error)]
    try:
        return ROWS[outcome.name](outcome.result)
    except (KeyError, StopIteration, TypeError, ZeroDivisionError) as error:
        return [Row(outcome.name, "RESULT NOT UNDERSTOOD", "", "", None, note=f"{type(error).__name__}: {error}")]


def markdown(info: dict[str, Any], outcomes: list[Outcome], rows: list[Row], run_at: str, quick: bool) -> str:
    lines = [
        "# Benchmarks: the latest full run" if not quick else "# Benchmarks: a quick run (small sizes)",
        "",
        f"Run {run_at} with `python -m bench` at commit {info['git_commit']}. Written by bench/run_all.py; the",
        "figures of each benchmark are in all.json. Ratios are ours / the peer or baseline measured in the same run.",
        "",
        f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory_gib']} GiB memory, PostgreSQL "
        f"{info['postgresql']}, Redis {info['redis']}, Python {info['python']}, {info['platform']}; "
        f"1-minute load average {info['load_average_1m']} at the start, "
        f"{info.get('load_average_1m_end', '?')} at the end (other work on a shared machine moves the figures).",
        "",
        "| benchmark | measure | ours | peer / baseline | ratio | aim | met | note |",
        "| --- | --- | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for row in rows:
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}" if row.ratio >= 0.1 else f"{row.ratio:.3f}"
        cells = [row.benchmark, row.measure, row.ours, row.peer, ratio, row.aim, row.met, row.note]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "| benchmark | status | minutes | output (kept locally, var/ is not committed) |",
        "| --- | --- | ---: | --- |",
    ]
    for outcome in outcomes:
        lines.append(f"| {outcome.name} | {outcome.status} | {outcome.seconds / 60:.1f} | {outcome.log} |")
    return "\n".join(lines) + "\n"


# --- main -----------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--quick", action="store_true", help="small sizes; results stay under var/bench-run/")
    parser.add_argument("--only", nargs="+", choices=[b.name for b in BENCHMARKS], help="run only these")
    parser.add_argument("--results", type=Path, help="where RESULTS.md and all.json go (default bench/results/)")
    parser.add_argument("--synthetic-db", default="bench_all_synthetic")
    parser.add_argument("--events-db", default="bench_all_events")
    parser.add_argument("--rewrite", action="store_true", help="only rebuild RESULTS.md from the results' all.json")
    args = parser.parse_args(argv)
    if args.rewrite:
        return rewrite(args.results or RESULTS)

    run_at = datetime.now(UTC).isoformat(timespec="seconds")
    run_dir = RUNS / run_at.replace(":", "")
    run_dir.mkdir(parents=True, exist_ok=True)
    results_dir = args.results or (run_dir if args.quick else RESULTS)
    options = Options(args.server, args.quick, args.synthetic_db + ("_quick" if args.quick else ""), args.events_db)
    info = machine(args.server)
    print(
        f"bench: {info['nproc']} CPUs, {info['memory_gib']} GiB, PostgreSQL {info['postgresql']}, "
        f"Redis {info['redis']}, Python {info['python']}; load {info['load_average_1m']}; logs in {run_dir}"
    )

    started = time.perf_counter()
    outcomes = [run_one(bench, options, run_dir) for bench in BENCHMARKS if not args.only or bench.name in args.only]
    info["load_average_1m_end"] = round(os.getloadavg()[0], 2)
    write_report(results_dir, run_at, args.quick, round((time.perf_counter() - started) / 60, 1), info, outcomes)
    return 0 if all(o.status == "ok" for o in outcomes) else 1


def write_report(
    results_dir: Path, run_at: str, quick: bool, minutes: float, info: dict[str, Any], outcomes: list[Outcome]
) -> None:
    rows = [row for outcome in outcomes for row in rows_for(outcome)]
    report = {
        "run_at": run_at,
        "quick": quick,
        "total_minutes": minutes,
        "machine": info,
        "table": [{**vars(row), "met": row.met} for row in rows],
        "benchmarks": {
            o.name: {
                "status": o.status,
                "seconds": round(o.seconds, 1),
                "command": o.command[:1] + o.command[3:] if o.command[1:2] == ["-c"] else o.command,
                "log": o.log,
                "error": o.error,
                "result": o.result,
            }
            for o in outcomes
        },
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "all.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    table = markdown(info, outcomes, rows, run_at, quick)
    (results_dir / "RESULTS.md").write_text(table)
    print("\n" + table)
    print(f"wrote {results_dir / 'RESULTS.md'} and {results_dir / 'all.json'} ({minutes} minutes)")


def rewrite(results_dir: Path) -> int:
    """Rebuild the table from an all.json already written (after a change to how rows are made); measures nothing."""
    report = json.loads((results_dir / "all.json").read_text())
    outcomes = [
        Outcome(name, b["status"], b["seconds"], b["command"], b["log"], b["result"], b["error"])
        for name, b in report["benchmarks"].items()
    ]
    write_report(results_dir, report["run_at"], report["quick"], report["total_minutes"], report["machine"], outcomes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
