"""Invariant 4 under load: many writers at once, one reader tailing `position > last`, nothing missed."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter, defaultdict

import pytest
from django.db import connection

from events import store
from events.maintenance import verify_log
from events.models import StoredEvent
from events.store import ConcurrencyError, NewEvent

WRITERS = 8
EVENTS_PER_WRITER = 260  # 2,080 events in all
SHARED_STREAMS = [f"shared-{n}" for n in range(4)]
DEADLINE_SECONDS = 60


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_writers_and_a_tailing_reader_see_every_event_once_in_gapless_order(
    guard_lifted_for_flush: None,
) -> None:
    appended: list[list[uuid.UUID]] = [[] for _ in range(WRITERS)]
    conflicts = Counter[int]()
    errors: list[BaseException] = []
    writers_done = threading.Event()
    seen: list[store.RecordedEvent] = []
    deadline = time.monotonic() + DEADLINE_SECONDS

    def write(number: int) -> None:
        rng = random.Random(number)
        own = [f"writer-{number}-{n}" for n in range(3)]
        try:
            written = 0
            while written < EVENTS_PER_WRITER:
                stream = rng.choice(own + SHARED_STREAMS)
                size = min(rng.randint(1, 5), EVENTS_PER_WRITER - written)
                events = [NewEvent("Noted", {"writer": number, "n": written + i}) for i in range(size)]
                while True:  # read the version just before appending; on a conflict read again and retry
                    expected = store.stream_version(stream)
                    try:
                        store.append(stream, events, expected_version=expected)
                        break
                    except ConcurrencyError:
                        conflicts[number] += 1
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"writer {number} kept conflicting")
                appended[number].extend(e.event_id for e in events)
                written += size
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    def read() -> None:
        last = 0
        try:
            while time.monotonic() < deadline:
                batch = store.read_all(after=last, limit=500)
                seen.extend(batch)
                if batch:
                    last = batch[-1].position
                elif writers_done.is_set() and last == store.last_position():
                    return
                else:
                    time.sleep(0.001)
            raise TimeoutError("the reader did not catch up")
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    reader = threading.Thread(target=read)
    writers = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    reader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    writers_done.set()
    reader.join()

    assert not errors, errors
    total = WRITERS * EVENTS_PER_WRITER
    all_appended = [event_id for ids in appended for event_id in ids]
    assert len(all_appended) == total >= 2000
    # The streams really were contended: several writers lost a race and retried.
    assert sum(conflicts.values()) > 0

    # The reader saw every event exactly once, in position order 1..N, without gaps.
    assert [e.position for e in seen] == list(range(1, total + 1))
    assert Counter(e.event_id for e in seen) == Counter(all_appended)

    # Each stream's versions are 1..n without gaps or duplicates, and every writer's events kept their order.
    versions: dict[str, list[int]] = defaultdict(list)
    for event in seen:
        versions[event.stream].append(event.version)
    for stream, numbers in versions.items():
        assert numbers == list(range(1, len(numbers) + 1)), stream
    by_writer: dict[int, list[int]] = defaultdict(list)
    for event in seen:
        by_writer[event.data["writer"]].append(event.data["n"])
    assert all(numbers == list(range(EVENTS_PER_WRITER)) for numbers in by_writer.values())

    assert StoredEvent.objects.count() == total
    assert verify_log().ok
