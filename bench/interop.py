"""Interop figures: a STIX 2.1 export of 100,000 developments streamed in constant memory (peak RSS), and a
spreadsheet import of 10,000 rows (aim: under 60 s), then the same file again (aim: nothing recorded).

Runs against its own PostgreSQL database (BENCH_INTEROP_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/bench_interop; created, migrated, and dropped at the end unless --keep-db).
The developments come from bench.synthetic (read models written by PostgreSQL itself); the import then runs on
the emptied store, so the 10,000 rows are recorded as real events (the synthetic store has no log). Each STIX
export runs in a fresh child process (spawned), so its peak RSS (VmHWM) is its own: exporting 10x more
developments must not take 10x the memory. The export is written to a file, parsed back as JSON, and its first
objects are checked with stix2-validator. Django runs with DEBUG off (DEBUG keeps every query in memory).

    .venv/bin/python -m bench.interop [--developments 100000] [--rows 10000] [--keep-db] [--no-write]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import multiprocessing
import os
import platform
import secrets
import tempfile
import time
from itertools import islice
from pathlib import Path
from typing import Any

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_interop"
RESULTS = Path(__file__).resolve().parent / "results" / "interop.json"
IMPORT_AIM_SECONDS = 60


def database(url: str, *, drop: bool = False) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if drop and exists:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        elif not drop and not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SITE_URL", "https://timeline.example")
    if not os.environ.get("SECRET_KEY", "").strip():
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    import django

    django.setup()


def _status_kb(field: str) -> int:
    """A memory figure of this process from /proc/self/status (VmRSS: now; VmHWM: the peak), in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def _export_child(limit: int, path: str, queue: Any) -> None:
    """In a fresh interpreter: stream `limit` developments as one STIX bundle into `path`; report time and the
    process's memory before the export (Django loaded) and at its peak."""
    import django

    django.setup()
    from interop import stix

    before_kb = _status_kb("VmRSS")
    started = time.perf_counter()
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        for chunk in stix.bundle_chunks(islice(stix.all_records(), limit), scope=f"bench/{limit}"):
            out.write(chunk)
            written += len(chunk)
    seconds = time.perf_counter() - started
    peak_kb = _status_kb("VmHWM")
    queue.put({"seconds": seconds, "chars": written, "before_kb": before_kb, "peak_kb": peak_kb})


def export_stix(limit: int) -> dict[str, Any]:
    # spawn, not fork: the child starts with none of the parent's memory, so its peak is the export's own.
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "bundle.json")
        child = context.Process(target=_export_child, args=(limit, path, queue))
        child.start()
        figures = queue.get(timeout=3600)
        child.join()
        with open(path, encoding="utf-8") as bundle_file:
            bundle = json.load(bundle_file)
    reports = sum(1 for obj in bundle["objects"] if obj["type"] == "report")
    from stix2validator import ValidationOptions, validate_string

    sample = {"type": "bundle", "id": bundle["id"], "objects": bundle["objects"][:2000]}
    valid = validate_string(json.dumps(sample), ValidationOptions(version="2.1")).is_valid
    return {
        "developments": limit,
        "reports": reports,
        "objects": len(bundle["objects"]),
        "megabytes": round(figures["chars"] / 1e6, 1),
        "seconds": round(figures["seconds"], 1),
        "reports_per_second": round(reports / figures["seconds"]),
        "rss_before_export_mb": round(figures["before_kb"] / 1024, 1),
        "peak_rss_mb": round(figures["peak_kb"] / 1024, 1),
        "peak_rss_growth_mb": round((figures["peak_kb"] - figures["before_kb"]) / 1024, 1),
        "first_2000_objects_pass_stix2_validator": valid,
    }


def spreadsheet(rows: int) -> bytes:
    """`rows` developments in the CSV export's columns, with entities, tags and two graded citations each."""
    from bench.synthetic import CATEGORIES, KINDS, KNOWN_ENTITIES

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["title", "date", "category", "kind", "summary", "entity_ids", "tags", "disputed", "citations",
                     "citation_urls"])  # fmt: skip
    for n in range(rows):
        entities = "; ".join(entity[0] for entity in KNOWN_ENTITIES[n % 3 : n % 3 + 2])
        writer.writerow([
            f"Imported development {n}", f"{2015 + n % 10}-{n % 12 + 1:02d}", CATEGORIES[n % 4], KINDS[n % len(KINDS)],
            "From an analyst's spreadsheet.", entities, "imported", "false",
            f"Report {n} [B2] | Wire {n} [C3]", f"https://news.example/{n} https://wire.example/{n}",
        ])  # fmt: skip
    return out.getvalue().encode("utf-8")


def import_rows(rows: int) -> dict[str, Any]:
    from events.models import StoredEvent
    from interop import spreadsheet as importer

    data = spreadsheet(rows)
    events_before = StoredEvent.objects.count()
    started = time.perf_counter()
    plan = importer.import_plan(data, "bench.csv")
    planned = time.perf_counter() - started
    assert plan.ok, plan.errors[:5]
    importer.import_apply(plan, actor="bench", reason="bench import")
    seconds = time.perf_counter() - started
    events_after = StoredEvent.objects.count()
    started = time.perf_counter()
    again = importer.import_plan(data, "bench.csv")
    importer.import_apply(again, actor="bench", reason="bench import")
    again_seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "megabytes": round(len(data) / 1e6, 2),
        "seconds": round(seconds, 1),
        "of_which_checking_seconds": round(planned, 1),
        "rows_per_second": round(rows / seconds),
        "events_recorded": events_after - events_before,
        "aim_met": seconds < IMPORT_AIM_SECONDS and len(plan.new) == rows,
        "same_file_again": {
            "seconds": round(again_seconds, 1),
            "unchanged": again.unchanged,
            "events_recorded": StoredEvent.objects.count() - events_after,
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--developments", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/results/interop.json")
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_INTEROP_DATABASE_URL", DEFAULT_URL)
    database(url)
    django_setup(url)
    from django.core.management import call_command
    from django.db import connection

    from bench import synthetic

    call_command("migrate", verbosity=0)
    if synthetic.existing(args.developments) is None:
        print(f"generating {args.developments:,} developments in PostgreSQL ...", flush=True)
        synthetic.reset()
        synthetic.generate(developments=args.developments)
    connection.close()
    exports = []
    for limit in (args.developments // 10, args.developments):
        exports.append(export_stix(limit))
        print(json.dumps(exports[-1]), flush=True)
    growth = exports[1]["peak_rss_mb"] / exports[0]["peak_rss_mb"]
    # The synthetic store has read models but no log, so the import runs on an emptied store (its positions
    # would collide with the synthetic rows'): the entities it names are registered through the services first.
    synthetic.reset()
    from bench.synthetic import KNOWN_ENTITIES
    from timeline import services

    for entity_id, name, entity_type, alias in KNOWN_ENTITIES:
        services.entity_register(
            entity_id=entity_id, name=name, entity_type=entity_type, aliases=[{"name": alias, "lang": "zh"}]
        )
    imported = import_rows(args.rows)
    print(json.dumps(imported), flush=True)
    result = {
        "stix_export": exports,
        # Constant memory: 10x the developments, about the same peak RSS.
        "stix_peak_rss_ratio_10x_developments": round(growth, 2),
        "spreadsheet_import": imported,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_1m": os.getloadavg()[0]},
        "database": "PostgreSQL",
    }
    if not args.no_write:
        RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    connection.close()
    if not args.keep_db:
        database(url, drop=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
