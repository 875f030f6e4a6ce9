"""What the event store's aims would cost with less projected in the append: the floors under issue 21's figures.

bench.event_store measures the append as it is: six projectors in the append's transaction. This diagnostic takes
projectors out of the registry, one group at a time, and measures the same appends against the eventsourcing
library in the same window:

- every projector (as bench.event_store measures);
- without the search projector (the search documents and their eight text indexes);
- the developments projector alone (a development's row, its version history, its entity links and citations);
- the store alone (no projector).

If a figure misses its aim even with a group of projectors gone, no tuning of the rest can reach it while that
group runs in the append. The rebuild's floor is measured the same way: the rebuild of the whole log as it is,
then again with the search documents' text indexes dropped (they are built afresh by every rebuild).

Taking projectors out leaves the log ahead of its read models, so this runs in a database of its own and drops
it (or, with --keep-db, leaves it inconsistent: not for anything but looking).

    python -m bench.event_store_floors [--events 2000] [--rebuild-events 100000] [--no-output]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import event_store as bench

DEFAULT_OUTPUT = bench.BENCH_DIR / "results" / "event_store_floors.json"

# The aims of issue 21 these floors are read against (ours / eventsourcing, events per second; "single" is
# store.append, which a service command costs more than, against the service commands' aim; the stream length
# figure is a cost ratio, 1.0 = flat).
AIMS = {"single": 0.5, "append_many": 0.5, "one_stream": 0.3, "version_1000_over_10": 1.0}

ALL_PROJECTORS = frozenset({"entities", "developments", "search", "development_links", "relationships", "timelines"})
CONFIGURATIONS: list[tuple[str, frozenset[str]]] = [
    ("every projector", frozenset()),
    ("without the search projector", frozenset({"search"})),
    ("the developments projector alone", ALL_PROJECTORS - {"developments"}),
    ("the store alone", ALL_PROJECTORS),
]


@dataclass
class Floor:
    """One configuration's figures: milliseconds a call, and ours / eventsourcing from the same window."""

    configuration: str
    single_ms: float
    append_many_ms: float
    one_stream_ms: float
    version_10_ms: float
    version_1000_ms: float
    peer_single_ms: float
    peer_batch_ms: float

    @property
    def ratios(self) -> dict[str, float]:
        return {
            "single": round(self.peer_single_ms / self.single_ms, 3),
            "append_many": round(self.peer_batch_ms / self.append_many_ms, 3),
            "one_stream": round(self.peer_batch_ms / self.one_stream_ms, 3),
            "version_1000_over_10": round(self.version_1000_ms / self.version_10_ms, 3),
        }


@contextmanager
def projectors_removed(names: frozenset[str]) -> Iterator[None]:
    """Take the named projectors out of the registry for the block: the store then neither runs them nor moves
    their checkpoints (it asks the registry for both)."""
    from events import registry

    # The registry has no public way to unregister: a running service never does it.
    kept = dict(registry._projectors)
    unknown = names - set(kept)
    if unknown:
        raise SystemExit(f"bench.event_store_floors: no projector named {', '.join(sorted(unknown))}")
    for name in names:
        del registry._projectors[name]
    try:
        yield
    finally:
        registry._projectors.clear()
        registry._projectors.update(kept)


def ms_per_call(result: bench.Result) -> float:
    return 1000 * result.seconds / result.calls


def measure(label: str, removed: frozenset[str], recorder: Any, events: int, batch: int, samples: int) -> Floor:
    with projectors_removed(removed):
        single = bench.bench_store_single(events)
        many = bench.bench_batches_many_streams(events, batch)
        one = bench.bench_batches_one_stream(events, batch)
        short, long = bench.bench_stream_length(10, 1000, samples)
    # The peer straight after, so that both sides see the machine as it was.
    peer_single, peer_batch = bench.bench_eventsourcing(recorder, events, batch)
    return Floor(
        configuration=label,
        single_ms=ms_per_call(single),
        append_many_ms=ms_per_call(many),
        one_stream_ms=ms_per_call(one),
        version_10_ms=ms_per_call(short),
        version_1000_ms=ms_per_call(long),
        peer_single_ms=ms_per_call(peer_single),
        peer_batch_ms=ms_per_call(peer_batch),
    )


# The indexes of the search documents' text (migrations 0005, 0012, 0014, 0017): every rebuild builds them again.
_TEXT_INDEXES_SQL = """
    SELECT indexname FROM pg_indexes
    WHERE tablename = 'timeline_searchdocument'
      AND indexdef LIKE '%USING gin%'
"""


def rebuild_rate() -> tuple[int, float]:
    from events import maintenance

    start = time.perf_counter()
    replayed = maintenance.rebuild_projections()
    return replayed, replayed / (time.perf_counter() - start)


def rebuild_floors(target: int, batch: int) -> dict[str, float]:
    """Events per second of the whole-log rebuild as it is, and with the search documents' text indexes gone."""
    from django.db import connection

    from events import store

    if target > store.last_position():  # the measurements before may have written more already
        bench.fill_log_bulk(target, batch)
    rates: dict[str, float] = {}
    replayed, rates["as it is"] = rebuild_rate()
    with connection.cursor() as cursor:
        cursor.execute(_TEXT_INDEXES_SQL)
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
    _, rates["without the search text indexes"] = rebuild_rate()
    print(f"rebuild of {replayed} events, events/s:")
    for label, rate in rates.items():
        print(f"  {label:<40} {rate:>8.0f}")
    return {label: round(rate) for label, rate in rates.items()}


def print_floors(floors: list[Floor]) -> None:
    print(f"\n{'ours / eventsourcing':<36} {'single':>8} {'many':>8} {'one':>8} {'v1000/v10':>10}")
    print(f"{'aim':<36} " + " ".join(f"{AIMS[k]:>{w}.2f}" for k, w in zip(AIMS, (8, 8, 8, 10), strict=True)))
    for floor in floors:
        ratios = floor.ratios
        print(
            f"{floor.configuration:<36} "
            + " ".join(f"{ratios[k]:>{w}.3f}" for k, w in zip(AIMS, (8, 8, 8, 10), strict=True))
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.event_store_floors", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000, help="events per append measurement (default 2000)")
    parser.add_argument("--batch", type=int, default=100, help="events per batched call (default 100)")
    parser.add_argument("--samples", type=int, default=50, help="appends to each stream of the length measure")
    parser.add_argument(
        "--rebuild-events", type=int, default=100_000, help="log size for the rebuild floors (0: skip them)"
    )
    parser.add_argument("--server", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--db-name", default="bench_event_store_floors")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database (its read models lag)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--no-output", action="store_true", help="print only, write no JSON")
    args = parser.parse_args(argv)
    if args.events < args.batch or args.batch < 1:
        parser.error("--events must be at least --batch, and --batch at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    server = args.server.rstrip("/")
    load_start = os.getloadavg()
    bench.create_database(server, args.db_name)
    recorder = None
    try:
        bench.setup_django(f"{server}/{args.db_name}")
        bench.register_entities()
        recorder = bench.eventsourcing_recorder(server, args.db_name)
        floors = []
        for label, removed in CONFIGURATIONS:
            print(f"… {label}", flush=True)
            floors.append(measure(label, removed, recorder, args.events, args.batch, args.samples))
        print_floors(floors)
        rebuild = rebuild_floors(args.rebuild_events, args.batch) if args.rebuild_events else {}
        load_end = os.getloadavg()
        print(f"load average at start {load_start[0]:.2f}, at end {load_end[0]:.2f}")
        report = {
            "benchmark": "bench.event_store_floors",
            "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "parameters": {"events": args.events, "batch": args.batch, "samples": args.samples},
            "aims": AIMS,
            "floors": [{**asdict(floor), "ratios": floor.ratios} for floor in floors],
            "rebuild_events_per_second": rebuild,
            "rebuild_events": args.rebuild_events or None,
            "load_average_1min": {"start": round(load_start[0], 2), "end": round(load_end[0], 2)},
        }
        if not args.no_output:
            args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
            print(f"wrote {args.output}")
    finally:
        if recorder is not None:
            recorder.datastore.close()
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            bench.drop_database(server, args.db_name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
