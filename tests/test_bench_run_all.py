"""bench/run_all.py's report: ratios from each benchmark's own figures, missing and failed benchmarks said so.

The module is loaded from its file: importing the `bench` package would set benchmark-only environment variables
in the test process.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def run_all() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run_all_under_test", ROOT / "bench" / "run_all.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def figures(rate: float, events: int = 3000, seconds: float = 1.0) -> dict[str, Any]:
    return {"events": events, "seconds": seconds, "events_per_second": rate}


EVENT_STORE = {
    "results": {
        "service commands (record+revise)": figures(100),
        "store.append, 1 event/call": figures(200),
        "append_many, 100 streams x 1 event": figures(300),
        "append, 1 stream x 100 CitationAdded": figures(150),
        "eventsourcing insert_events, 1 event/call": figures(1000),
        "eventsourcing insert_events, 100 events/call": figures(30000),
        "verify_log()": figures(40000, 100_000, 2.5),
        "rebuild_projections()": figures(500, 100_000, 200.0),
    }
}
API = {
    "data": {"developments": 1_000_000},
    "api": {"p50_ms": 12.0, "p95_ms": 20.0},
    "as_of": {"p50_ms": 15.0, "p95_ms": 40.0},
    "raw_sql": {"p50_ms": 5.0, "p95_ms": 5.0},
}
INGESTION = {"feeds": 250, "items": 6000, "pipeline_items_per_second": 800.0, "feedparser_items_per_second": 1000.0}
QUEUES = {
    "tasks_per_second": {"redis_ours": 300.0, "redis_celery_defaults": 400.0, "filesystem_ours": 2.0},
    "ratios": {"ours_over_celery_defaults_redis": 0.75, "redis_over_filesystem_ours": 150.0},
}
DIGESTS = {
    "subscribers": 10000,
    "store": {"developments": 1_000_000},
    "runs": [
        {"processes": 1, "seconds": 90.0, "delivered_per_second": 111, "sent": 9969, "failed": 0},
        {"processes": 2, "seconds": 45.0, "delivered_per_second": 222, "sent": 9969, "failed": 0},
    ],
}


def outcome(run_all: ModuleType, name: str, result: dict[str, Any] | None, status: str = "ok") -> Any:
    return run_all.Outcome(name, status, 60.0, ["python"], f"var/{name}.log", result, "" if result else "exit code 1")


def test_event_store_ratios_are_ours_over_eventsourcing_with_the_matching_batch_size(run_all: ModuleType) -> None:
    rows = run_all.rows_for(outcome(run_all, "event_store", EVENT_STORE))
    ratios = {row.measure: row.ratio for row in rows}
    assert ratios["single-event commands through the services (events/s)"] == pytest.approx(0.1)
    assert ratios["store.append, 1 event per call (events/s)"] == pytest.approx(0.2)
    assert ratios["append_many, batches of 100 streams (events/s)"] == pytest.approx(0.01)
    assert ratios["append, batches of 100 to one stream (events/s)"] == pytest.approx(0.005)
    rebuild = next(row for row in rows if row.measure.startswith("rebuild_projections"))
    assert (rebuild.measure, rebuild.ours, rebuild.ratio) == (
        "rebuild_projections over 100,000 events (events/s)",
        "500",
        None,
    )


def test_api_ratios_and_aims(run_all: ModuleType) -> None:
    rows = run_all.rows_for(outcome(run_all, "api", API))
    assert [(round(row.ratio, 2), row.aim, row.met) for row in rows] == [
        (2.4, "≤ 3x", "yes"),
        (4.0, "≤ 3x", "no"),
        (1.25, "≤ 1.5x", "yes"),
        (2.0, "≤ 1.5x", "no"),
    ]


def test_ingestion_and_digests_rows(run_all: ModuleType) -> None:
    [ingestion] = run_all.rows_for(outcome(run_all, "ingestion", INGESTION))
    assert (ingestion.ratio, ingestion.aim, ingestion.met) == (pytest.approx(0.8), "≥ 0.7x", "yes")
    one, two, speedup = run_all.rows_for(outcome(run_all, "digests", DIGESTS))
    assert (one.ratio, one.met, two.ratio, two.met) == (1.5, "no", 0.75, "yes")
    assert speedup.ours == "2.00x"


def test_queue_rows_report_our_settings_against_celery_defaults_and_redis_against_files(run_all: ModuleType) -> None:
    settings, brokers = run_all.rows_for(outcome(run_all, "queues", QUEUES))
    assert (settings.ours, settings.ratio) == ("300", 0.75)
    assert settings.peer.startswith("400 (Celery defaults")
    assert (brokers.peer, brokers.ratio) == ("2.0 (filesystem)", 150.0)


def test_a_missing_failed_or_unreadable_benchmark_is_a_row_that_says_so(run_all: ModuleType) -> None:
    missing = run_all.Outcome("ingestion", "missing", error="bench.ingestion does not exist yet")
    [row] = run_all.rows_for(missing)
    assert (row.measure, row.note) == ("MISSING", "bench.ingestion does not exist yet")
    [row] = run_all.rows_for(outcome(run_all, "api", None, status="failed"))
    assert (row.measure, row.note) == ("FAILED", "exit code 1")
    [row] = run_all.rows_for(outcome(run_all, "api", {"unexpected": 1}))
    assert row.measure == "RESULT NOT UNDERSTOOD" and row.note.startswith("KeyError")


def test_the_markdown_names_the_machine_and_lists_every_benchmark(run_all: ModuleType) -> None:
    outcomes = [outcome(run_all, "api", API), run_all.Outcome("digests", "missing", error="not yet")]
    rows = [row for o in outcomes for row in run_all.rows_for(o)]
    info = {
        "git_commit": "abc1234",
        "nproc": 2,
        "cpu": "Xeon",
        "memory_gib": 23.5,
        "postgresql": "15.20",
        "redis": "7.0.15",
        "python": "3.11.7",
        "platform": "Linux",
        "load_average_1m": 1.5,
        "load_average_1m_end": 2.5,
    }
    text = run_all.markdown(info, outcomes, rows, "2026-01-01T00:00:00+00:00", quick=False)
    assert "2 CPUs (Xeon), 23.5 GiB memory, PostgreSQL 15.20, Redis 7.0.15, Python 3.11.7" in text
    api = "| API | filtered first page, p50 ms (1,000,000 developments) | 12.00 | 5.00 (raw SQL) | 2.40 | ≤ 3x | yes |"
    assert api in text
    assert "| digests | missing | 0.0 |  |" in text


def test_primary_source_rows_compare_the_diff_with_its_aim_and_the_page_with_the_feed(run_all: ModuleType) -> None:
    result = {
        "entries_per_export": 30000,
        "diff_seconds": 2.5,
        "documents": 100,
        "federal_register_items_per_second": 3000.0,
        "news_feed_items_per_second": 2000.0,
    }
    diff, page = run_all.rows_for(outcome(run_all, "primary_sources", result))
    assert (diff.ratio, diff.aim, diff.met) == (0.5, "≤ 1x", "yes")
    assert (page.ratio, page.aim, page.met) == (1.5, "≥ 1x", "yes")
