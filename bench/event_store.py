"""Event store benchmark on PostgreSQL: append throughput, the eventsourcing library for scale, rebuild rate.

Run: `.venv/bin/python -m bench.event_store` (see `--help`). It creates its own database (bench_events by
default) on the server named by --server, migrates it, measures, prints a table, writes
bench/results/event_store.json and drops the database. A benchmark, not a test: pytest never collects it.

What is measured, in one run against one server:
  1. single-event commands through the real services (development_record / development_revise): one append
     transaction each, with hash chain and synchronous projectors; and store.append with one event per call;
  2. batches of 100 events per append_many call (100 DevelopmentRecorded in 100 streams; and one stream
     receiving 100 CitationAdded), with projection;
     and one DevelopmentRevised per append to a stream at version 10 and to one at version 1,000, alternately:
     whether an event's cost grows with its stream's length;
  3. the same numbers of events through eventsourcing's PostgresApplicationRecorder (one insert_events per
     event, and per 100 events);
  4. rebuild_projections() over a log of --rebuild-events real timeline events (topped up with mixed
     development events through append_many), checking the rebuilt read models equal the live ones.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUTPUT = BENCH_DIR / "results" / "event_store.json"

ENTITIES = [
    ("deepseek", "DeepSeek", "company", [{"name": "深度求索", "lang": "zh"}]),
    ("high-flyer", "High-Flyer", "company", [{"name": "幻方量化", "lang": "zh"}]),
    ("nvidia", "Nvidia", "company", []),
    ("smic", "SMIC", "fab", [{"name": "中芯国际", "lang": "zh"}]),
    ("huawei", "Huawei", "company", [{"name": "华为", "lang": "zh"}]),
    ("bis", "Bureau of Industry and Security", "agency", [{"name": "BIS", "lang": "en"}]),
    ("tsmc", "TSMC", "fab", []),
    ("us-government", "United States Government", "government", []),
]
DATES = ["2015", "2019-04", "2022-10-07", "2023-10-17", "2024-12~", "2025-01-20", "2023-21", "2021-35", "201X"]
CATEGORIES = ["corporate", "government", "gpu_acquisition", "technology"]
KINDS = ["rule_release", "model_launch", "fab_milestone", "gpu_acquisition", "smuggling_case", "founding"]
SUMMARY = (
    "A development recorded by the benchmark. The text is about as long as a real summary of the report's "
    "timeline: a sentence or two on what happened, who did it and why it matters for the competition."
)


@dataclass
class Result:
    name: str
    events: int
    seconds: float
    calls: int
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "calls": self.calls,
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.rate, 1),
            "ms_per_call": round(1000 * self.seconds / self.calls, 3) if self.calls else None,
            "note": self.note,
            **self.extra,
        }


# --- database set-up (before Django is imported) ---------------------------------------------------------


def _admin_conninfo(server: str) -> str:
    return server.rstrip("/") + "/postgres"


def create_database(server: str, name: str) -> None:
    with psycopg.connect(_admin_conninfo(server), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(_admin_conninfo(server), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # As deployed at scale: DEBUG on (the embedded default) makes Django keep and format every query.
    os.environ.setdefault("DEBUG", "0")
    # Settings refuse to start without a key when DEBUG is off; this process signs nothing.
    os.environ.setdefault("SECRET_KEY", "bench-event-store-" + uuid.uuid4().hex)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


# --- helpers ------------------------------------------------------------------------------------------------


@contextmanager
def count_queries() -> Iterator[list[int]]:
    """Count the SQL statements run inside the block (used on a few extra calls, not on timed ones)."""
    from django.db import connection

    counter = [0]

    def wrapper(execute: Callable[..., Any], sql_text: str, params: Any, many: bool, context: Any) -> Any:
        counter[0] += 1
        return execute(sql_text, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield counter


@contextmanager
def maybe_profile(enabled: bool, label: str, out_dir: Path, top: int) -> Iterator[None]:
    if not enabled:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"{label}.prof"
        profiler.dump_stats(path)
        print(f"\n--- profile: {label} (top {top} by own time; full profile in {path}) ---")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def recorded_data(index: int, development_id: str) -> dict[str, Any]:
    """DevelopmentRecorded data in the shape development_record stores (dates already in normal form)."""
    from timeline.dates import parse_fuzzy_date

    return {
        "id": development_id,
        "title": f"Bench development {index}",
        "summary": SUMMARY,
        "date": parse_fuzzy_date(DATES[index % len(DATES)]).edtf,
        "category": CATEGORIES[index % len(CATEGORIES)],
        "kind": KINDS[index % len(KINDS)],
        "entities": [ENTITIES[index % len(ENTITIES)][0], ENTITIES[(index + 3) % len(ENTITIES)][0]],
        "tags": ["bench", f"group-{index % 7}"],
        "disputed": index % 11 == 0,
        "media": None,
    }


def citation_data(index: int) -> dict[str, Any]:
    """A citation in the shape services.clean_citation returns."""
    return {
        "id": str(uuid.uuid4()),
        "title": f"Source {index}: a report on export controls and AI compute",
        "url": f"https://example.org/reports/{index}",
        "publisher": "CSIS",
        "author": "A. Analyst",
        "locator": f"p. {index % 40 + 1}",
        "excerpt": "A short excerpt quoted from the source to support the claim.",
        "claim": "",
        "grading_note": "",
        "published": "2025",
        "reliability": "ABCDEF"[index % 6],
        "credibility": "123456"[index % 6],
    }


def register_entities() -> None:
    from timeline.services import entity_register

    for entity_id, name, entity_type, aliases in ENTITIES:
        entity_register(entity_id=entity_id, name=name, entity_type=entity_type, aliases=aliases)


# --- 1. single-event commands ------------------------------------------------------------------------------


def bench_service_commands(n: int) -> tuple[Result, Result, Result]:
    """n commands through the services, alternating record and revise of the development just recorded."""
    from timeline.services import development_record, development_revise

    record_time = revise_time = 0.0
    records = revises = 0
    last_id: Any = None
    for i in range(n):
        if i % 2 == 0:
            index = i // 2
            start = time.perf_counter()
            development = development_record(
                title=f"Bench command {index}",
                summary=SUMMARY,
                date=DATES[index % len(DATES)],
                category=CATEGORIES[index % len(CATEGORIES)],
                kind=KINDS[index % len(KINDS)],
                entities=[ENTITIES[index % len(ENTITIES)][1], ENTITIES[(index + 3) % len(ENTITIES)][0]],
                tags=["bench", f"group-{index % 7}"],
                actor="bench",
            )
            record_time += time.perf_counter() - start
            records += 1
            last_id = development.pk
        else:
            start = time.perf_counter()
            development_revise(
                development_id=last_id,
                changes={"title": f"Bench command {i // 2} (revised)", "date": DATES[(i + 1) % len(DATES)]},
                expected_version=1,
                actor="bench",
                reason="benchmark revision",
            )
            revise_time += time.perf_counter() - start
            revises += 1
    note = "services: validate, 1 append transaction (advisory lock, hash, 6 projectors), re-read"
    return (
        Result("service commands (record+revise)", n, record_time + revise_time, n, note),
        Result("  of which development_record", records, record_time, records),
        Result("  of which development_revise", revises, revise_time, revises),
    )


def bench_store_single(n: int) -> Result:
    """store.append with one DevelopmentRecorded per call: the store and projector without service checks."""
    from events import store
    from events.store import NewEvent

    payloads = []
    for i in range(n):
        development_id = str(uuid.uuid4())
        payloads.append((f"development-{development_id}", recorded_data(i, development_id)))
    start = time.perf_counter()
    for stream, data in payloads:
        store.append(stream, [NewEvent("DevelopmentRecorded", data)], expected_version=0)
    seconds = time.perf_counter() - start
    return Result("store.append, 1 event/call", n, seconds, n, "no service validation; same projection and hash")


# --- 2. batches of 100 -------------------------------------------------------------------------------------


def bench_batches_many_streams(n: int, batch: int) -> Result:
    from events import store
    from events.store import NewEvent

    calls = []
    for b in range(n // batch):
        items = []
        for j in range(batch):
            development_id = str(uuid.uuid4())
            data = recorded_data(b * batch + j, development_id)
            items.append((f"development-{development_id}", [NewEvent("DevelopmentRecorded", data)], 0))
        calls.append(items)
    start = time.perf_counter()
    for items in calls:
        store.append_many(items)
    seconds = time.perf_counter() - start
    events = len(calls) * batch
    return Result(
        f"append_many, {batch} streams x 1 event", events, seconds, len(calls), "DevelopmentRecorded, projected"
    )


def bench_batches_one_stream(n: int, batch: int) -> Result:
    """A recorded development receives `batch` CitationAdded in one append (recording it is not timed)."""
    from events import store
    from events.store import NewEvent

    seconds = 0.0
    calls = n // batch
    for b in range(calls):
        development_id = str(uuid.uuid4())
        stream = f"development-{development_id}"
        store.append(stream, [NewEvent("DevelopmentRecorded", recorded_data(b, development_id))], expected_version=0)
        events = [NewEvent("CitationAdded", {"citation": citation_data(b * batch + j)}) for j in range(batch)]
        start = time.perf_counter()
        store.append(stream, events, expected_version=1)
        seconds += time.perf_counter() - start
    return Result(
        f"append, 1 stream x {batch} CitationAdded",
        calls * batch,
        seconds,
        calls,
        "each event adds a version row holding the whole (growing) snapshot",
    )


def _grow_stream(stream: str, development_id: str, index: int, version: int) -> None:
    """Record a development and grow its stream to `version` events, 100 per append, in the mix a long-curated
    development collects: per 10 events 3 citations added and 1 removed, 6 revisions."""
    from events import store
    from events.store import NewEvent

    store.append(stream, [NewEvent("DevelopmentRecorded", recorded_data(index, development_id))], expected_version=0)
    current = 1
    citations: list[str] = []
    while current < version:
        events = []
        for k in range(min(100, version - current)):
            step = (current + k) % 10
            if step in (1, 4, 7):
                citation = citation_data(index * 1000 + current + k)
                citations.append(citation["id"])
                events.append(NewEvent("CitationAdded", {"citation": citation}))
            elif step == 9 and citations:
                events.append(
                    NewEvent("CitationRemoved", {"citation_id": citations.pop(0), "reason": "bench: superseded"})
                )
            else:
                events.append(NewEvent("DevelopmentRevised", {"changes": {"title": f"Bench long {index} v{step}"}}))
        store.append(stream, events, expected_version=current)
        current += len(events)


def bench_stream_length(short: int, long: int, samples: int) -> tuple[Result, Result]:
    """One DevelopmentRevised per append to a stream at version `short` and to one at `long`, alternately (so
    both see the same load): whether an event's cost grows with its stream's length. Growing them is untimed."""
    from events import store
    from events.store import NewEvent

    streams = []
    for index, version in enumerate((short, long)):
        development_id = str(uuid.uuid4())
        stream = f"development-{development_id}"
        _grow_stream(stream, development_id, index, version)
        streams.append((stream, version))
    seconds = [0.0, 0.0]
    for i in range(samples):
        for which, (stream, version) in enumerate(streams):
            change = NewEvent("DevelopmentRevised", {"changes": {"summary": f"{SUMMARY} (sample {i})"}})
            start = time.perf_counter()
            store.append(stream, [change], expected_version=version + i)
            seconds[which] += time.perf_counter() - start
    note = "DevelopmentRevised, 1 event/call, alternating between the two streams; projected"
    return (
        Result(f"append to a stream at version {short}", samples, seconds[0], samples, note),
        Result(f"append to a stream at version {long}", samples, seconds[1], samples, note),
    )


@contextmanager
def projectors_off() -> Iterator[None]:
    """Diagnostic only: append without running the projectors (the log then runs ahead of its read models)."""
    from events import store

    real_project = store.project
    store.project = lambda events, **options: None  # type: ignore[assignment]
    try:
        yield
    finally:
        store.project = real_project  # type: ignore[assignment]


def _new_stream_payload(i: int) -> tuple[str, list[Any], int]:
    """One DevelopmentRecorded on a new stream, as store.append and append_many take it."""
    from events.store import NewEvent

    development_id = str(uuid.uuid4())
    return (f"development-{development_id}", [NewEvent("DevelopmentRecorded", recorded_data(i, development_id))], 0)


def bench_store_without_projection(n: int, batch: int) -> tuple[Result, Result]:
    """store.append (1 event) and append_many (batch streams x 1 event) with the projectors switched off:
    sha256 chain from the head last written, then one call (lock, check the head, versions and ids, insert), commit."""
    from events import store

    singles = [_new_stream_payload(i) for i in range(n)]
    batches = [[_new_stream_payload(b * batch + j) for j in range(batch)] for b in range(n // batch)]
    with projectors_off():
        start = time.perf_counter()
        for stream, events, expected in singles:
            store.append(stream, events, expected_version=expected)
        single_seconds = time.perf_counter() - start
        start = time.perf_counter()
        for items in batches:
            store.append_many(items)
        batch_seconds = time.perf_counter() - start
    note = "diagnostic: projectors switched off, the store alone"
    return (
        Result("store only: append, 1 event/call", n, single_seconds, n, note),
        Result(
            f"store only: append_many, {batch} streams x 1 event",
            len(batches) * batch,
            batch_seconds,
            len(batches),
            note,
        ),
    )


# --- 3. eventsourcing ---------------------------------------------------------------------------------------


def eventsourcing_recorder(server: str, dbname: str) -> Any:
    from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

    parts = urlsplit(server)
    datastore = PostgresDatastore(
        dbname=dbname,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or "",
        schema="eventsourcing_bench",
    )
    with psycopg.connect(f"{server.rstrip('/')}/{dbname}", autocommit=True) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS eventsourcing_bench")
    recorder = PostgresApplicationRecorder(datastore, events_table_name="stored_events")
    recorder.create_table()
    return recorder


def _es_events(n: int) -> list[Any]:
    """StoredEvents carrying the same JSON as our DevelopmentRecorded data, each in its own aggregate."""
    from eventsourcing.persistence import StoredEvent as EsStoredEvent

    events = []
    for i in range(n):
        development_id = uuid.uuid4()
        state = json.dumps(recorded_data(i, str(development_id)), separators=(",", ":")).encode()
        events.append(
            EsStoredEvent(
                originator_id=development_id,
                originator_version=1,
                topic="timeline.domain:DevelopmentRecorded",
                state=state,
            )
        )
    return events


def bench_eventsourcing(recorder: Any, n: int, batch: int) -> tuple[Result, Result]:
    singles = _es_events(n)
    start = time.perf_counter()
    for event in singles:
        recorder.insert_events([event])
    single = Result("eventsourcing insert_events, 1 event/call", n, time.perf_counter() - start, n)
    batched = _es_events((n // batch) * batch)
    start = time.perf_counter()
    for b in range(0, len(batched), batch):
        recorder.insert_events(batched[b : b + batch])
    many = Result(
        f"eventsourcing insert_events, {batch} events/call",
        len(batched),
        time.perf_counter() - start,
        len(batched) // batch,
    )
    note = "PostgresApplicationRecorder: LOCK TABLE EXCLUSIVE, NOTIFY, INSERT ... unnest, RETURNING notification_id"
    single.note = many.note = note
    return single, many


def bench_store_alone_alternating(recorder: Any, n: int, batch: int, chunk: int = 100) -> tuple[Result, ...]:
    """The store alone (projectors off) and eventsourcing's recorder in turns: `chunk` single appends of one, then
    as many of the other (the first side alternating), and the batches one call each in turn. Each side's time is
    the sum of its turns, so what the machine does meanwhile (a commit's flush here moves by several times within a
    minute, and the phases above run 30-60 s apart) falls on both alike."""
    from events import store

    ours_singles = [_new_stream_payload(i) for i in range(n)]
    their_singles = _es_events(n)
    calls = n // batch
    ours_batches = [[_new_stream_payload(n + b * batch + j) for j in range(batch)] for b in range(calls)]
    their_batched = _es_events(calls * batch)
    ours_single = theirs_single = ours_batch = theirs_batch = 0.0

    def our_single_turn(first: int) -> float:
        start = time.perf_counter()
        for stream, events, expected in ours_singles[first : first + chunk]:
            store.append(stream, events, expected_version=expected)
        return time.perf_counter() - start

    def their_single_turn(first: int) -> float:
        start = time.perf_counter()
        for event in their_singles[first : first + chunk]:
            recorder.insert_events([event])
        return time.perf_counter() - start

    with projectors_off():
        for turn, first in enumerate(range(0, n, chunk)):
            if turn % 2:
                theirs_single += their_single_turn(first)
                ours_single += our_single_turn(first)
            else:
                ours_single += our_single_turn(first)
                theirs_single += their_single_turn(first)
        for b in range(calls):
            start = time.perf_counter()
            store.append_many(ours_batches[b])
            ours_batch += time.perf_counter() - start
            start = time.perf_counter()
            recorder.insert_events(their_batched[b * batch : (b + 1) * batch])
            theirs_batch += time.perf_counter() - start
    note = f"alternating: turns of {chunk} single calls, batches one call each in turn; projectors switched off"
    return (
        Result("store only, alternating: append, 1 event/call", n, ours_single, n, note),
        Result("eventsourcing, alternating: insert_events, 1 event/call", n, theirs_single, n, note),
        Result(f"store only, alternating: append_many, {batch} streams", calls * batch, ours_batch, calls, note),
        Result(f"eventsourcing, alternating: insert_events, {batch} events", calls * batch, theirs_batch, calls, note),
    )


# --- 4. rebuild ---------------------------------------------------------------------------------------------


def _mixed_batch(first_index: int, streams: int) -> list[tuple[str, list[Any], int]]:
    """`streams` new developments of 10 events each: record, 3 citations, 3 revisions, retract, restore,
    remove a citation — the mix the curation services produce."""
    from events.store import NewEvent

    items = []
    for s in range(streams):
        index = first_index + s
        development_id = str(uuid.uuid4())
        citations = [citation_data(index * 3 + k) for k in range(3)]
        events = [NewEvent("DevelopmentRecorded", recorded_data(index, development_id))]
        events += [NewEvent("CitationAdded", {"citation": c}) for c in citations]
        events += [
            NewEvent("DevelopmentRevised", {"changes": {"title": f"Bench development {index} (rev 1)"}}),
            NewEvent("DevelopmentRevised", {"changes": {"date": recorded_data(index + 1, "")["date"]}}),
            NewEvent("DevelopmentRevised", {"changes": {"tags": ["bench", "revised"], "disputed": True}}),
            NewEvent("DevelopmentRetracted", {"reason": "benchmark retraction"}),
            NewEvent("DevelopmentRestored", {"reason": "benchmark restoration"}),
            NewEvent("CitationRemoved", {"citation_id": citations[0]["id"], "reason": "benchmark removal"}),
        ]
        items.append((f"development-{development_id}", events, 0))
    return items


def _tail_batch(first_index: int, count: int) -> list[tuple[str, list[Any], int]]:
    """One development with count - 1 citations, so that the log reaches an exact size."""
    from events.store import NewEvent

    development_id = str(uuid.uuid4())
    events = [NewEvent("DevelopmentRecorded", recorded_data(first_index, development_id))]
    events += [NewEvent("CitationAdded", {"citation": citation_data(first_index + k)}) for k in range(count - 1)]
    return [(f"development-{development_id}", events, 0)]


def _fill_batches(missing: int, batch: int) -> Iterator[list[tuple[str, list[Any], int]]]:
    streams_per_call = max(1, batch // 10)
    index = 0
    left = missing
    while left >= 10:
        streams = min(streams_per_call, left // 10)
        yield _mixed_batch(index, streams)
        index += streams
        left -= streams * 10
    if left > 0:
        yield _tail_batch(index, left)


def _expected_growth(items: list[tuple[str, list[Any], int]]) -> dict[str, int]:
    """Rows each generated batch must add to the read models (the mix never changes a development's entities)."""
    growth = dict.fromkeys(READ_MODEL_FINGERPRINTS, 0)
    for _stream, events, _ in items:
        kinds = [event.event_type for event in events]
        growth["timeline_development"] += 1
        growth["timeline_developmentversion"] += len(events)
        growth["timeline_citation"] += kinds.count("CitationAdded") - kinds.count("CitationRemoved")
        growth["timeline_developmententity"] += 2
        growth["timeline_developmentversionentity"] += 2 * len(events)
        # A search document per event that changes the searched text or the category (every generated citation
        # has an excerpt).
        growth["timeline_searchdocument"] += sum(
            event.event_type in ("DevelopmentRecorded", "CitationAdded", "CitationRemoved")
            or (
                event.event_type == "DevelopmentRevised"
                and bool({"title", "summary", "category"} & set(event.data["changes"]))
            )
            for event in events
        )
    return growth


def fill_log_append(target: int, batch: int) -> tuple[Result, dict[str, int]]:
    """Top the log up to `target` events through append_many (projected live), `batch` events per call."""
    from events import store

    growth = dict.fromkeys(READ_MODEL_FINGERPRINTS, 0)
    calls = events = 0
    start = time.perf_counter()
    for items in _fill_batches(target - store.last_position(), batch):
        events += len(store.append_many(items))
        calls += 1
        for table, rows in _expected_growth(items).items():
            growth[table] += rows
    result = Result(
        f"fill: append_many, {batch} mixed events/call", events, time.perf_counter() - start, calls, "projected live"
    )
    return result, growth


def fill_log_bulk(target: int, batch: int, chunk: int = 5000) -> tuple[Result, dict[str, int]]:
    """Top the log up to `target` events by writing stored rows directly, as import_log does: positions,
    stream versions and the sha256 chain exactly as append computes them, but no projection (the rebuild
    does that). verify_log afterwards proves the chain."""
    from django.db import transaction
    from django.utils import timezone

    from events import registry, store
    from events.models import LogHead, StoredEvent

    growth = dict.fromkeys(READ_MODEL_FINGERPRINTS, 0)
    start = time.perf_counter()
    events = 0
    with transaction.atomic():
        last = StoredEvent.objects.order_by("-position").first()
        position = last.position if last else 0
        previous_hash = last.hash if last else store.GENESIS_HASH
        now = max(timezone.now(), last.recorded_at) if last else timezone.now()
        rows: list[Any] = []
        for items in _fill_batches(target - position, batch):
            for table, count in _expected_growth(items).items():
                growth[table] += count
            for stream, new_events, _ in items:
                for version, event in enumerate(new_events, start=1):
                    position += 1
                    row = StoredEvent(
                        position=position,
                        event_id=event.event_id,
                        stream=stream,
                        version=version,
                        event_type=event.event_type,
                        schema_version=registry.schema_version_of(event.event_type),
                        data=event.data,
                        metadata=event.metadata,
                        recorded_at=now,
                    )
                    row.hash = store.event_hash(previous_hash, row)
                    previous_hash = row.hash
                    rows.append(row)
            if len(rows) >= chunk:
                StoredEvent.objects.bulk_create(rows)
                events += len(rows)
                rows = []
        StoredEvent.objects.bulk_create(rows)
        events += len(rows)
        LogHead.objects.create(position=position, hash=previous_hash)  # the head's witness, as import_log writes
    result = Result(
        "fill: bulk rows with hash chain (no projection)",
        events,
        time.perf_counter() - start,
        1,
        "as import_log writes them; not an append figure",
    )
    return result, growth


# table: (columns to fingerprint, condition keeping the rows that existed at a given log position)
# Every column but surrogate ids, so that a rebuild equal here is equal row for row.
_DEVELOPMENT_COLUMNS = (
    "title, summary, edtf, date_lower, date_upper, precision, display_date, category, kind, tags_key, disputed, "
    "status, best_reliability, first_reported, version, snapshot::text"
)
READ_MODEL_FINGERPRINTS = {
    "timeline_development": (
        f"id, {_DEVELOPMENT_COLUMNS}, merged_into_id, recorded_at, recorded_position, updated_at, last_position",
        "recorded_position <= %(upto)s",
    ),
    "timeline_developmentversion": (
        f"id, development_id, {_DEVELOPMENT_COLUMNS}, valid_from_position, valid_to_position, valid_from_time, "
        "valid_to_time, event_type, change::text, reason, actor, document_id",
        "valid_from_position <= %(upto)s",
    ),
    "timeline_citation": (
        "id, development_id, url, title, publisher, author, published, published_lower, excerpt, locator, claim, "
        "reliability, credibility, grading_note, added_position",
        "added_position <= %(upto)s",
    ),
    "timeline_developmententity": (
        "development_id, entity_id",
        "development_id IN (SELECT id FROM timeline_development WHERE recorded_position <= %(upto)s)",
    ),
    "timeline_developmentversionentity": ("version_id, entity_id", "version_id <= %(upto)s"),
    "timeline_searchdocument": (
        "version_id, development_id, is_current, title, body, citations, entities, category, document::text",
        "version_id <= %(upto)s",
    ),
    "timeline_entity": (
        "id, name, entity_type, version, country, description, identifiers::text, last_position, merged_into_id, "
        "snapshot::text",
        "TRUE",
    ),
    "timeline_entityalias": ("entity_id, name, normalized, lang", "TRUE"),
    "timeline_developmentlink": ("id, source_id, target_id, relation, note, position", "position <= %(upto)s"),
    "timeline_relationship": (
        "id, source_id, target_id, relation, edtf, date_lower, date_upper, status, version, last_position, "
        "snapshot::text",
        "last_position <= %(upto)s",
    ),
    "timeline_namedtimeline": (
        "slug, title, description, filters::text, pinned::text, version, last_position",
        "last_position <= %(upto)s",
    ),
}


def read_model_fingerprint(upto: int | None = None) -> dict[str, tuple[int, str]]:
    """Row count and md5 of every read model table in a deterministic order (surrogate ids left out);
    with `upto`, only the rows of developments recorded at or before that log position."""
    from django.db import connection

    result = {}
    with connection.cursor() as cursor:
        for table, (columns, condition) in READ_MODEL_FINGERPRINTS.items():
            where = condition if upto is not None else "TRUE"
            # A digest of each row's digest: one text of all rows outgrows PostgreSQL's 1 GB at a million versions.
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(r, '' ORDER BY r), '')) "
                f"FROM (SELECT md5(concat_ws('|', {columns})) AS r FROM {table} WHERE {where}) AS rows",
                {"upto": upto},
            )
            count, digest = cursor.fetchone()
            result[table] = (int(count), str(digest))
    return result


# The rows of the developments in %(ids)s, by table, parents first.
_DEVELOPMENT_ROWS = {
    "timeline_development": "id = ANY(%(ids)s::uuid[])",
    "timeline_developmentversion": "development_id = ANY(%(ids)s::uuid[])",
    "timeline_citation": "development_id = ANY(%(ids)s::uuid[])",
    "timeline_developmententity": "development_id = ANY(%(ids)s::uuid[])",
    "timeline_searchdocument": "development_id = ANY(%(ids)s::uuid[])",
    "timeline_developmentversionentity": (
        "version_id IN (SELECT id FROM timeline_developmentversion WHERE development_id = ANY(%(ids)s::uuid[]))"
    ),
}


def _development_fingerprint(ids: list[str]) -> dict[str, tuple[int, str]]:
    from django.db import connection

    result = {}
    with connection.cursor() as cursor:
        for table, condition in _DEVELOPMENT_ROWS.items():
            columns = READ_MODEL_FINGERPRINTS[table][0]
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(r, '' ORDER BY r), '')) "
                f"FROM (SELECT md5(concat_ws('|', {columns})) AS r FROM {table} WHERE {condition}) AS rows",
                {"ids": ids},
            )
            count, digest = cursor.fetchone()
            result[table] = (int(count), str(digest))
    return result


def sampled_live_equality(after: int, sample: int = 100) -> bool:
    """The rows the rebuild made for a sample of the developments written after `after` (the bulk-filled ones,
    which no live projector saw) equal the ones the live projectors make from their events, one append at a
    time: their rows deleted and projected again in a transaction rolled back afterwards."""
    import random

    from django.db import connection, transaction

    from events import store

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT stream FROM events_storedevent WHERE position > %s AND stream LIKE 'development-%%'",
            [after],
        )
        streams = sorted(row[0] for row in cursor.fetchall())
    streams = random.Random(21).sample(streams, min(sample, len(streams)))
    ids = [stream.removeprefix("development-") for stream in streams]
    rebuilt = _development_fingerprint(ids)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Children first: the version links are found through the versions.
            for table in reversed(_DEVELOPMENT_ROWS):
                cursor.execute(f"DELETE FROM {table} WHERE {_DEVELOPMENT_ROWS[table]}", {"ids": ids})
        for stream in streams:
            for event in store.read_stream(stream):
                store.project([event])
        live = _development_fingerprint(ids)
        transaction.set_rollback(True)
    return bool(ids) and live == rebuilt


def bench_rebuild(
    live_upto: int, live_before: dict[str, tuple[int, str]], growth: dict[str, int]
) -> tuple[Result, dict[str, Any]]:
    """Time rebuild_projections(); then check the rebuilt rows of the live-projected prefix equal the live ones
    and every table grew by what the generated events must add."""
    from events import maintenance, store
    from events.models import ProjectionCheckpoint

    breakdown = RebuildBreakdown()
    start = time.perf_counter()
    cpu_start = (time.process_time(), _backend_cpu_seconds())
    with breakdown.observe():
        replayed = maintenance.rebuild_projections()
    seconds = time.perf_counter() - start
    python_cpu, backend_cpu = time.process_time() - cpu_start[0], _backend_cpu_seconds() - cpu_start[1]
    prefix_after = read_model_fingerprint(upto=live_upto)
    after = read_model_fingerprint()
    counts = {table: count for table, (count, _) in after.items()}
    expected = {table: live_before[table][0] + growth[table] for table in READ_MODEL_FINGERPRINTS}
    last = store.last_position()
    checks = {
        "live_prefix_rows_equal_after_rebuild": prefix_after == live_before,
        "sampled_filled_developments_equal_live_projection": sampled_live_equality(live_upto),
        "row_counts_as_expected": counts == expected,
        "checkpoints_at_last_position": all(cp.position == last for cp in ProjectionCheckpoint.objects.all()),
        "read_model_rows": counts,
        "expected_read_model_rows": expected,
    }
    result = Result("rebuild_projections()", replayed, seconds, 1, "one transaction, whole log")
    result.extra = breakdown.summary(seconds)
    # What the other work on the machine does not change: the CPU it took (this process and its server process;
    # parallel index-build workers not counted).
    result.extra["cpu_seconds"] = {"python": round(python_cpu, 1), "postgresql_backend": round(backend_cpu, 1)}
    result.extra["events_per_cpu_second"] = round(replayed / (python_cpu + backend_cpu)) if replayed else None
    return result, checks


def _backend_cpu_seconds() -> float:
    """User and system CPU time of this connection's PostgreSQL server process (same machine: /proc)."""
    from django.db import connection

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RebuildBreakdown:
    """Where a rebuild spends its time: the reset, each replayed batch, and SQL statements by kind.

    It wraps maintenance.project (delegating to it unchanged) to time each batch, every projector's reset,
    and times each statement with a Django execute wrapper (about a microsecond each, against hundreds).
    """

    def __init__(self) -> None:
        self.batches: list[tuple[int, float]] = []
        self.reset_seconds = 0.0
        self.statements: dict[str, list[float]] = {}

    @contextmanager
    def observe(self) -> Iterator[None]:
        from django.db import connection

        from events import maintenance, registry

        real_project = maintenance.project
        projectors = list(registry.projectors())

        def project(events: Any) -> None:
            start = time.perf_counter()
            real_project(events)
            self.batches.append((len(events), time.perf_counter() - start))

        def timed_reset(reset: Callable[[], None]) -> Callable[[], None]:
            def wrapper() -> None:
                start = time.perf_counter()
                reset()
                self.reset_seconds += time.perf_counter() - start

            return wrapper

        def on_execute(execute: Callable[..., Any], sql_text: str, params: Any, many: bool, context: Any) -> Any:
            start = time.perf_counter()
            try:
                return execute(sql_text, params, many, context)
            finally:
                words = sql_text.split(None, 4)
                verb = words[0].upper() if words else "?"
                table = next((w for w in words[1:] if w.startswith('"')), "").split(".")[0].strip('"')
                if verb in ("CREATE", "ALTER") and len(words) > 2:
                    # The set-based rebuild's index builds and constraints: each by its name.
                    table = f"{words[1]} {words[2]}"
                entry = self.statements.setdefault(f"{verb} {table}".strip(), [0, 0.0])
                entry[0] += 1
                entry[1] += time.perf_counter() - start

        maintenance.project = project  # type: ignore[assignment]
        for projector in projectors:
            projector.reset = timed_reset(projector.reset)  # type: ignore[method-assign]
        try:
            with connection.execute_wrapper(on_execute):
                yield
        finally:
            maintenance.project = real_project  # type: ignore[assignment]
            for projector in projectors:
                del projector.reset  # the class's method shows through again

    def summary(self, total: float) -> dict[str, Any]:
        in_sql = sum(seconds for _, seconds in self.statements.values())
        statements = sum(int(count) for count, _ in self.statements.values())
        top = sorted(self.statements.items(), key=lambda item: -item[1][1])[:8]
        return {
            "reset_seconds": round(self.reset_seconds, 2),
            "batch_events_per_second": [round(n / s) for n, s in self.batches if n and s],
            "sql_statements": statements,
            "sql_statements_per_event": round(statements / max(1, sum(n for n, _ in self.batches)), 2),
            "seconds_in_sql_execute": round(in_sql, 1),
            "share_in_sql_execute": round(in_sql / total, 3) if total else None,
            "top_statements": {
                name: {"count": int(count), "seconds": round(seconds, 1), "ms_each": round(1000 * seconds / count, 3)}
                for name, (count, seconds) in top
            },
        }


def bench_verify() -> Result:
    from events import maintenance

    start = time.perf_counter()
    result = maintenance.verify_log()
    seconds = time.perf_counter() - start
    if not result.ok:
        raise SystemExit(f"verify_log failed at position {result.first_bad_position}: {result.problem}")
    return Result("verify_log()", result.checked, seconds, 1, "recompute the sha256 chain")


def queries_per_call(sample: int) -> dict[str, float]:
    """SQL statements per call for each append path, measured on a few extra untimed calls."""
    from events import store
    from events.store import NewEvent
    from timeline.services import development_record, development_revise

    counts: dict[str, float] = {}
    with count_queries() as counter:
        for i in range(sample):
            development_record(title=f"Counted {i}", date="2024", category="technology", kind="other")
    counts["development_record"] = counter[0] / sample
    development = development_record(title="Counted revise", date="2024", category="technology", kind="other")
    with count_queries() as counter:
        for i in range(sample):
            development_revise(
                development_id=development.pk, changes={"title": f"Counted revise {i}"}, expected_version=None
            )
    counts["development_revise"] = counter[0] / sample
    with count_queries() as counter:
        for i in range(sample):
            development_id = str(uuid.uuid4())
            store.append(
                f"development-{development_id}",
                [NewEvent("DevelopmentRecorded", recorded_data(i, development_id))],
                expected_version=0,
            )
    counts["store.append 1 event"] = counter[0] / sample
    items = [
        (f"development-{d}", [NewEvent("DevelopmentRecorded", recorded_data(j, d))], 0)
        for j, d in enumerate(str(uuid.uuid4()) for _ in range(100))
    ]
    with count_queries() as counter:
        store.append_many(items)
    counts["append_many 100 streams x 1 event"] = float(counter[0])
    return counts


# --- machine and report -------------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    import django
    from django.conf import settings as django_settings
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0]
        settings = {}
        for name in ("synchronous_commit", "fsync", "wal_sync_method", "shared_buffers", "max_wal_size"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=BENCH_DIR, check=False
        ).stdout.strip()
    except OSError:
        commit = ""
    from importlib.metadata import version

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "psycopg": psycopg.__version__,
        "eventsourcing": version("eventsourcing"),
        "postgresql": pg_version,
        "postgresql_settings": settings,
        "django_debug": django_settings.DEBUG,
        "git_commit": commit,
    }


def run_rebuild(args: argparse.Namespace, phase: Callable[[str], Any]) -> tuple[list[Result], dict[str, Any]]:
    """Fill the log to --rebuild-events, verify it, rebuild and check the read models: the three results."""
    from events import store

    live_upto = store.last_position()
    live_before = read_model_fingerprint(upto=live_upto)
    print(f"… filling the log from {live_upto} to {args.rebuild_events} events ({args.fill})", flush=True)
    with phase("fill_log"):
        if args.fill == "append":
            fill, growth = fill_log_append(args.rebuild_events, args.batch)
            # everything is projected live now: compare the whole log after the rebuild
            live_upto = store.last_position()
            live_before = read_model_fingerprint(upto=live_upto)
            growth = dict.fromkeys(growth, 0)
        else:
            fill, growth = fill_log_bulk(args.rebuild_events, args.batch)
    print("… verify_log", flush=True)
    verify = bench_verify()
    print("… rebuild_projections", flush=True)
    with phase("rebuild"):
        rebuild, checks = bench_rebuild(live_upto, live_before, growth)
    rebuild_info = {"rebuild_checks": {"live_projected_prefix_last_position": live_upto, **checks}}
    for check in (
        "live_prefix_rows_equal_after_rebuild",
        "sampled_filled_developments_equal_live_projection",
        "row_counts_as_expected",
        "checkpoints_at_last_position",
    ):
        if not checks[check]:
            print(f"WARNING: rebuild check failed: {check}", file=sys.stderr)
    return [fill, verify, rebuild], rebuild_info


def print_rebuild(rebuild_info: dict[str, Any], rebuild: Result) -> None:
    checks = rebuild_info["rebuild_checks"]
    print(
        f"\nrebuild checks: live prefix (positions 1..{checks['live_projected_prefix_last_position']}) "
        f"equal after rebuild: {checks['live_prefix_rows_equal_after_rebuild']}; 100 bulk-filled developments "
        f"equal to their live projection: {checks['sampled_filled_developments_equal_live_projection']}; "
        "row counts as expected: "
        f"{checks['row_counts_as_expected']}; checkpoints at the last position: "
        f"{checks['checkpoints_at_last_position']}"
    )
    b = rebuild.extra
    rates = b["batch_events_per_second"]
    if rates:
        print(
            f"rebuild breakdown: reset {b['reset_seconds']} s; {b['sql_statements_per_event']} SQL statements "
            f"per event, {100 * b['share_in_sql_execute']:.0f}% of the time inside cursor.execute "
            f"(driver + server); batch rates first {rates[:3]} … last {rates[-3:]} events/s"
        )
    else:
        # The set-based rebuild (PostgreSQL): no replayed batches; its COPYs bypass cursor.execute.
        print(
            f"rebuild breakdown (set-based): {b['sql_statements']} SQL statements, "
            f"{100 * b['share_in_sql_execute']:.0f}% of the time inside cursor.execute (driver + server), "
            "the rest computing rows and in COPY"
        )
    for name, stat in b["top_statements"].items():
        print(f"  {name:<52} {stat['count']:>8} x {stat['ms_each']:.3f} ms = {stat['seconds']:.1f} s")
    cpu = b["cpu_seconds"]
    print(
        f"rebuild CPU: {cpu['python']} s Python + {cpu['postgresql_backend']} s PostgreSQL backend = "
        f"{b['events_per_cpu_second']} events per CPU second"
    )


def print_table(results: list[Result]) -> None:
    print(f"\n{'measurement':<52} {'events':>8} {'calls':>7} {'seconds':>9} {'events/s':>10} {'ms/call':>9}")
    print("-" * 100)
    for r in results:
        ms = f"{1000 * r.seconds / r.calls:9.2f}" if r.calls else ""
        print(f"{r.name:<52} {r.events:>8} {r.calls:>7} {r.seconds:>9.2f} {r.rate:>10.0f} {ms}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.event_store", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000, help="events per append measurement (default 3000)")
    parser.add_argument("--batch", type=int, default=100, help="events per batched call (default 100)")
    parser.add_argument("--rebuild-events", type=int, default=100_000, help="log size for the rebuild (default 100000)")
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL without a database (default postgres://postgres@127.0.0.1:5432)",
    )
    parser.add_argument("--db-name", default="bench_events", help="database to create and drop (default bench_events)")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON results path")
    parser.add_argument("--no-output", action="store_true", help="print only, write no JSON")
    parser.add_argument("--profile", action="store_true", help="cProfile each phase and print the hot spots")
    parser.add_argument("--profile-top", type=int, default=25, help="functions to print per profiled phase")
    parser.add_argument(
        "--profile-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "bench_event_store_profiles",
        help="where the .prof files go (default: a directory under the system temp dir)",
    )
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument(
        "--rebuild-only",
        action="store_true",
        help="skip the append measurements but the service commands (--events of them: the live-projected "
        "prefix the rebuild is compared with), eventsourcing and store-only phases: fill, verify, rebuild",
    )
    parser.add_argument(
        "--fill",
        choices=["bulk", "append"],
        default="bulk",
        help="how the log is topped up before the rebuild: bulk rows with a valid hash chain (fast, default) "
        "or append_many with live projection (slow; the whole log is then compared after the rebuild)",
    )
    args = parser.parse_args(argv)
    if args.rebuild_only and args.skip_rebuild:
        parser.error("--rebuild-only and --skip-rebuild exclude each other")
    if args.events < args.batch or args.batch < 1:
        parser.error("--events must be at least --batch, and --batch at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    server = args.server.rstrip("/")
    wall = time.perf_counter()
    load_start = os.getloadavg()
    create_database(server, args.db_name)
    es_recorder = None
    try:
        setup_django(f"{server}/{args.db_name}")
        info = machine_info()
        print(
            f"bench.event_store: {info['nproc']} CPUs ({info['cpu']}), {info['postgresql'].split(',')[0]}, "
            f"synchronous_commit={info['postgresql_settings']['synchronous_commit']}, database {args.db_name}"
        )
        register_entities()

        def phase(label: str) -> Any:
            print(f"… {label}", flush=True)
            return maybe_profile(args.profile, label, args.profile_dir, args.profile_top)

        with phase("service_commands"):
            service, record, revise = bench_service_commands(args.events)
        if args.rebuild_only:
            only_results, only_info = run_rebuild(args, phase)
            print_table([service, record, revise, *only_results])
            print_rebuild(only_info, only_results[-1])
            load_end = os.getloadavg()
            print(f"load average at start {load_start[0]:.2f}, at end {load_end[0]:.2f}")
            return 0
        with phase("store_single"):
            store_single = bench_store_single(args.events)
        with phase("batches_many_streams"):
            many_streams = bench_batches_many_streams(args.events, args.batch)
        with phase("batches_one_stream"):
            one_stream = bench_batches_one_stream(args.events, args.batch)
        with phase("stream_length"):
            short_stream, long_stream = bench_stream_length(10, 1000, 50)
        print("… eventsourcing", flush=True)
        es_recorder = eventsourcing_recorder(server, args.db_name)
        es_single, es_batch = bench_eventsourcing(es_recorder, args.events, args.batch)
        queries = queries_per_call(20)

        results = [
            service,
            record,
            revise,
            store_single,
            many_streams,
            one_stream,
            short_stream,
            long_stream,
            es_single,
            es_batch,
        ]
        rebuild_info: dict[str, Any] = {}
        if not args.skip_rebuild:
            rebuild_results, rebuild_info = run_rebuild(args, phase)
            results += rebuild_results
            rebuild = rebuild_results[-1]

        # Last, because it leaves events without read models: how much of an append is the store itself.
        print("… store only (projectors switched off)", flush=True)
        store_only_single, store_only_batch = bench_store_without_projection(args.events, args.batch)
        results += [store_only_single, store_only_batch]
        print("… store only and eventsourcing in turns", flush=True)
        alternating = bench_store_alone_alternating(es_recorder, args.events, args.batch)
        results += list(alternating)
        ours_alone_single, theirs_alone_single, ours_alone_batch, theirs_alone_batch = alternating

        print_table(results)
        ratios = {
            "single_event_service_commands_vs_eventsourcing": round(service.rate / es_single.rate, 3),
            "single_event_store_append_vs_eventsourcing": round(store_single.rate / es_single.rate, 3),
            f"batch_{args.batch}_append_many_vs_eventsourcing": round(many_streams.rate / es_batch.rate, 3),
            f"batch_{args.batch}_one_stream_vs_eventsourcing": round(one_stream.rate / es_batch.rate, 3),
            "diagnostic_single_store_only_vs_eventsourcing": round(store_only_single.rate / es_single.rate, 3),
            # Not against eventsourcing: an event's cost on a long stream over its cost on a short one (1 = flat).
            "stream_version_1000_over_version_10_ms_per_event": round(short_stream.rate / long_stream.rate, 3),
            f"diagnostic_batch_{args.batch}_store_only_vs_eventsourcing": round(
                store_only_batch.rate / es_batch.rate, 3
            ),
            # The same two, each side timed in turns with the other (bench_store_alone_alternating).
            "single_store_only_vs_eventsourcing_alternating": round(
                ours_alone_single.rate / theirs_alone_single.rate, 3
            ),
            f"batch_{args.batch}_store_only_vs_eventsourcing_alternating": round(
                ours_alone_batch.rate / theirs_alone_batch.rate, 3
            ),
        }
        print("\nratios ours / eventsourcing (events per second):")
        for name, value in ratios.items():
            print(f"  {name:<52} {value:.3f}")
        print("\nSQL statements per call:")
        for name, value in queries.items():
            print(f"  {name:<52} {value:.1f}")
        if not args.skip_rebuild:
            print_rebuild(rebuild_info, rebuild)
        load_end = os.getloadavg()
        print(
            f"load average at start {load_start[0]:.2f}, at end {load_end[0]:.2f} "
            "(other work on this machine skews the figures)"
        )
        total = time.perf_counter() - wall
        print(f"total wall time {total:.0f} s")

        report = {
            "benchmark": "bench.event_store",
            "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "parameters": {
                "events": args.events,
                "batch": args.batch,
                "rebuild_events": None if args.skip_rebuild else args.rebuild_events,
                "fill": None if args.skip_rebuild else args.fill,
                "profiled": args.profile,
            },
            "machine": info,
            "results": {r.name.strip(): r.as_json() for r in results},
            "ratios_ours_over_eventsourcing": ratios,
            "sql_statements_per_call": queries,
            **rebuild_info,
            "what_differs": [
                "ours: each append computes positions, versions and a sha256 hash chain from the head the "
                "process last wrote and calls events_append once (a transaction-level advisory lock, then a "
                "check of that head, the stream versions and the event ids, and the insert of the events, the "
                "head witness and the checkpoint moves; when the head moved, a second call under the lock), "
                "and runs six projectors (entities, developments with version history, the "
                "search index, development links, relationships, timelines) in the same transaction; service "
                "commands also validate and re-read the development",
                "eventsourcing: PostgresApplicationRecorder only stores: LOCK TABLE ... IN EXCLUSIVE MODE (also "
                "serialising writers so notification ids follow commit order), NOTIFY, one INSERT ... unnest() "
                "RETURNING notification_id (bigserial: no gap-free guarantee after a rollback), through psycopg 3 "
                "pipeline mode and prepared statements; no hashing, no projection, concurrency via the primary key",
                "both: same server, same database, one connection, payload = the same DevelopmentRecorded JSON",
            ],
            "load_average_1min": {"start": round(load_start[0], 2), "end": round(load_end[0], 2)},
            "total_wall_seconds": round(total, 1),
        }
        if not args.no_output:
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
            print(f"wrote {args.output}")
    finally:
        if es_recorder is not None:
            es_recorder.datastore.close()
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            drop_database(server, args.db_name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
