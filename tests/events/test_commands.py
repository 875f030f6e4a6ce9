"""The maintenance commands: verify_log, rebuild_projections, export_log and import_log (invariants 5, 6, 8),
and what each says when given bad arguments."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from events import registry, store
from events.guards import drop_guard, install_guard
from events.models import LogHead, ProjectionCheckpoint, StoredEvent
from events.store import NewEvent
from tests.timeline.factories import projection_rows, random_commands, record, register_entities

pytestmark = pytest.mark.django_db


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=out)
    return out.getvalue()


def behind_the_guard(sql: str, params: list[object]) -> None:
    """Change the log the way an attacker with database access would: drop the trigger, write, put it back."""
    drop_guard(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        install_guard(connection)


def log_rows() -> list[dict[str, object]]:
    return list(StoredEvent.objects.order_by("position").values())


def one_line(error: pytest.ExceptionInfo[CommandError]) -> str:
    message = str(error.value)
    assert message and "\n" not in message
    return message


@pytest.fixture
def small_log() -> None:
    register_entities()
    for n in range(4):
        record(
            title=f"Development {n}",
            entities=["nvidia"],
            citations=[{"title": "FT", "reliability": "B", "credibility": "3"}],
        )


# verify_log


def test_verify_log_passes_on_a_good_log(small_log: None) -> None:
    assert f"log ok: {store.last_position()} events" in run("verify_log")


def test_verify_log_passes_on_an_empty_log() -> None:
    assert "log ok: 0 events" in run("verify_log")


def test_verify_log_names_the_first_position_whose_data_was_altered_behind_the_trigger(small_log: None) -> None:
    behind_the_guard(
        "UPDATE events_storedevent SET data = %s WHERE position IN (%s, %s)", [json.dumps({"title": "forged"}), 9, 12]
    )
    with pytest.raises(CommandError) as raised:
        run("verify_log")
    assert one_line(raised) == "log verification failed at position 9: hash does not match the event's content"


def test_verify_log_notices_a_forged_hash_even_when_the_data_is_untouched(small_log: None) -> None:
    behind_the_guard("UPDATE events_storedevent SET hash = %s WHERE position = %s", ["a" * 64, 5])
    with pytest.raises(CommandError) as raised:
        run("verify_log")
    assert "at position 5:" in one_line(raised)


def test_verify_log_names_a_deleted_position(small_log: None) -> None:
    behind_the_guard("DELETE FROM events_storedevent WHERE position = %s", [7])
    with pytest.raises(CommandError) as raised:
        run("verify_log")
    assert one_line(raised) == "log verification failed at position 7: position 7 is missing"


def test_verify_log_names_events_deleted_from_the_end_of_the_log(small_log: None) -> None:
    last = store.last_position()
    head = store.head()
    behind_the_guard("DELETE FROM events_storedevent WHERE position > %s", [last - 5])
    with pytest.raises(CommandError) as raised:
        run("verify_log")
    assert one_line(raised) == (
        f"log verification failed at position {last - 4}: positions {last - 4}-{last} are missing from the end "
        f"of the log (the witnessed head is {last}:{head.hash})"
    )


def test_each_append_witnesses_the_head_in_one_row_apart_from_the_log(small_log: None) -> None:
    witnessed = list(LogHead.objects.order_by("position").values_list("position", "hash"))
    last = store.last_position()
    # small_log ends with four developments recorded with one citation each: four appends of two events.
    assert [position for position, _ in witnessed[-4:]] == [last - 6, last - 4, last - 2, last]
    assert all(hash_ == StoredEvent.objects.get(position=position).hash for position, hash_ in witnessed)


def test_verify_log_sees_a_rewritten_and_rechained_tail_through_the_witness(small_log: None) -> None:
    """Someone who rewrites the last event and recomputes its hash keeps the chain intact; the witness is not."""
    row = StoredEvent.objects.get(position=store.last_position())
    row.data = {**row.data, "citation": {**row.data["citation"], "title": "forged"}}
    forged = store.event_hash(StoredEvent.objects.get(position=row.position - 1).hash, row)
    behind_the_guard(
        "UPDATE events_storedevent SET data = %s, hash = %s WHERE position = %s",
        [json.dumps(row.data), forged, row.position],
    )
    with pytest.raises(CommandError) as raised:
        run("verify_log")
    assert f"at position {row.position}: the head witness recorded hash" in one_line(raised)


def test_verify_log_expect_head_checks_a_head_recorded_elsewhere(small_log: None) -> None:
    head = store.published_head()
    assert f"expected head {head.position} present" in run("verify_log", "--expect-head", str(head))
    earlier = store.published_head(3)
    assert "log ok" in run("verify_log", "--expect-head", f"{earlier.position}:{earlier.hash}")
    for wrong in ("a" * 64, store.head(3).hash):  # the raw chain hash is not what the feeds publish
        with pytest.raises(CommandError) as raised:
            run("verify_log", "--expect-head", f"3:{wrong}")
        assert one_line(raised) == (
            f"log verification failed at position 3: the expected head has hash {wrong} here, not {earlier.hash}"
        )


def test_the_published_head_seals_the_chain_hash_so_it_cannot_be_chained_forward(small_log: None) -> None:
    """Anyone may read the published head; chain hashes stay with analysts (they could confirm a guessed actor)."""
    raw, published = store.head(), store.published_head()
    assert published.position == raw.position and published.hash != raw.hash
    assert published.hash == store.sealed(raw.hash) and len(published.hash) == 64


def test_verify_log_expect_head_finds_a_cut_tail_even_when_the_witness_was_cut_too(small_log: None) -> None:
    head = store.published_head()
    behind_the_guard("DELETE FROM events_storedevent WHERE position > %s", [head.position - 2])
    behind_the_guard("DELETE FROM events_loghead WHERE position > %s", [head.position - 2])
    assert "log ok" in run("verify_log")  # what the copy alone can tell
    with pytest.raises(CommandError) as raised:
        run("verify_log", "--expect-head", str(head))
    assert one_line(raised) == (
        f"log verification failed at position {head.position - 1}: positions {head.position - 1}-{head.position} "
        f"are missing from the end of the log (the expected head is {head})"
    )


@pytest.mark.parametrize("value", ["12", "x:" + "a" * 64, "3:abc", "-1:" + "a" * 64, "3:" + "g" * 64])
def test_verify_log_refuses_a_malformed_expected_head_with_one_line(value: str) -> None:
    with pytest.raises(CommandError) as raised:
        run("verify_log", f"--expect-head={value}")
    assert one_line(raised).startswith("--expect-head takes POSITION:HASH")


@pytest.mark.parametrize("command", ["verify_log", "rebuild_projections"])
def test_commands_that_take_no_arguments_refuse_them_with_one_line(command: str) -> None:
    with pytest.raises(CommandError) as raised:
        call_command(command, "--everything")
    assert "unrecognized arguments: --everything" in one_line(raised)
    with pytest.raises(CommandError) as raised:
        call_command(command, "extra.jsonl")
    assert "unrecognized arguments: extra.jsonl" in one_line(raised)


# rebuild_projections


def test_rebuild_projections_yields_read_models_equal_row_for_row_to_the_live_ones() -> None:
    register_entities()
    done = random_commands(random.Random(20250127), 300)
    # Every kind of command ran, and the projections hold rows in every table: the comparison is not vacuous.
    assert set(done) == {"record", "entity", "timeline", "revise", "retract", "restore", "cite", "uncite", "merge"}
    assert min(done.values()) >= 3, done
    live = projection_rows()
    assert all(live.values()), {name: len(rows) for name, rows in live.items()}

    output = run("rebuild_projections")

    assert f"rebuilt projections from {store.last_position()} events" in output
    rebuilt = projection_rows()
    for table in live:
        assert rebuilt[table] == live[table], table


def test_rebuild_projections_restores_read_models_that_were_lost_or_damaged() -> None:
    register_entities()
    random_commands(random.Random(7), 60)
    live = projection_rows()
    for projector in reversed(list(registry.projectors())):
        projector.reset()
    ProjectionCheckpoint.objects.all().delete()
    assert not any(projection_rows().values())

    run("rebuild_projections")

    assert projection_rows() == live


def test_rebuild_projections_in_small_batches_gives_the_same_rows() -> None:
    from events.maintenance import rebuild_projections

    register_entities()
    random_commands(random.Random(11), 80)
    live = projection_rows()
    assert rebuild_projections(batch_size=7) == store.last_position()
    assert projection_rows() == live


def test_rebuild_projections_leaves_the_log_untouched(small_log: None) -> None:
    before = log_rows()
    run("rebuild_projections")
    assert log_rows() == before


# export_log and import_log


def empty_the_database() -> None:
    """What a fresh database looks like: no log, no read models. Done behind the guard, inside the test's
    transaction (rolled back afterwards), so the same database can take the import."""
    for projector in reversed(list(registry.projectors())):
        projector.reset()
    ProjectionCheckpoint.objects.all().delete()
    drop_guard(connection)
    try:
        StoredEvent.objects.all().delete()
        LogHead.objects.all().delete()
    finally:
        install_guard(connection)


def test_export_then_import_into_an_empty_database_reproduces_positions_hashes_and_projections(tmp_path: Path) -> None:
    # One database, emptied between export and import, rather than a second database alias: the test needs no
    # settings of its own, and the emptying is rolled back with the test's transaction.
    register_entities()
    random_commands(random.Random(42), 120)
    log, projections = log_rows(), projection_rows()
    path = tmp_path / "log.jsonl"

    assert f"exported {len(log)} events" in run("export_log", str(path))

    empty_the_database()
    assert StoredEvent.objects.count() == 0
    assert not any(projection_rows().values())

    assert f"imported {len(log)} events" in run("import_log", str(path))

    assert log_rows() == log
    assert LogHead.objects.order_by("-position").values_list("position", "hash").first() == (
        log[-1]["position"],
        log[-1]["hash"],
    )
    assert projection_rows() == projections
    assert "log ok" in run("verify_log")
    # The guard is back: the imported log is as append-only as the original.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        StoredEvent.objects.filter(position=1).update(stream="rewritten")


def test_the_export_is_json_lines_with_a_header_and_one_event_per_line(tmp_path: Path, small_log: None) -> None:
    path = tmp_path / "log.jsonl"
    run("export_log", str(path))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0]) == {"format": "timeline-event-log/1"}
    events = [json.loads(line) for line in lines[1:]]
    assert [e["position"] for e in events] == list(range(1, store.last_position() + 1))
    assert [e["hash"] for e in events] == [row["hash"] for row in log_rows()]


def test_export_log_to_standard_output(small_log: None, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("export_log", "-")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == store.last_position() + 1


def test_import_log_refuses_a_database_that_is_not_empty(tmp_path: Path, small_log: None) -> None:
    path = tmp_path / "log.jsonl"
    run("export_log", str(path))
    before = log_rows()
    with pytest.raises(CommandError) as raised:
        run("import_log", str(path))
    assert one_line(raised) == "import refused: the event log is not empty; import only into an empty database"
    assert log_rows() == before


def test_import_log_refuses_a_tampered_export_and_imports_nothing(tmp_path: Path, small_log: None) -> None:
    path = tmp_path / "log.jsonl"
    run("export_log", str(path))
    lines = path.read_text(encoding="utf-8").splitlines()
    event = json.loads(lines[6])
    event["data"]["title"] = "Forged"
    lines[6] = json.dumps(event)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    empty_the_database()

    with pytest.raises(CommandError) as raised:
        run("import_log", str(path))

    assert one_line(raised) == "import refused: hash mismatch at position 6: the export was altered"
    assert StoredEvent.objects.count() == 0
    assert not any(projection_rows().values())


def test_import_log_refuses_an_export_with_a_missing_line(tmp_path: Path, small_log: None) -> None:
    path = tmp_path / "log.jsonl"
    run("export_log", str(path))
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:3] + lines[4:]) + "\n", encoding="utf-8")
    empty_the_database()
    with pytest.raises(CommandError) as raised:
        run("import_log", str(path))
    assert one_line(raised) == "import refused: position 3 is missing from the export"
    assert StoredEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "import refused: not a timeline-event-log/1 export (first line is not its header)"),
        ('{"format": "other"}\n', "import refused: not a timeline-event-log/1 export (first line is not its header)"),
        ("position,stream\n1,a\n", "import refused: not a timeline-event-log/1 export (first line is not its header)"),
        ('{"format": "timeline-event-log/1"}\n{"position": 1}\n', "import refused: line 2 is not a stored event"),
        ('{"format": "timeline-event-log/1"}\nnot json\n', "import refused: line 2 is not a stored event"),
    ],
)
def test_import_log_refuses_a_file_that_is_not_an_export_with_one_line(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        run("import_log", str(path))
    assert one_line(raised).startswith(expected)
    assert StoredEvent.objects.count() == 0


def test_import_log_of_a_file_that_is_not_utf8_fails_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "binary.jsonl"
    path.write_bytes(b'{"format": "timeline-event-log/1"}\n\xff\xfe\x00bin\n')
    with pytest.raises(CommandError) as raised:
        run("import_log", str(path))
    assert one_line(raised) == f"import refused: {path} is not UTF-8 text"
    assert StoredEvent.objects.count() == 0


def test_import_log_of_a_missing_file_fails_with_one_line(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as raised:
        run("import_log", str(tmp_path / "nowhere.jsonl"))
    assert one_line(raised) == f"cannot read {tmp_path / 'nowhere.jsonl'}: No such file or directory"


def test_import_log_without_a_path_fails_with_one_line() -> None:
    with pytest.raises(CommandError) as raised:
        call_command("import_log")
    assert "path" in one_line(raised)


def test_export_log_will_not_overwrite_an_existing_file(tmp_path: Path, small_log: None) -> None:
    path = tmp_path / "precious.txt"
    path.write_text("keep me", encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        run("export_log", str(path))
    assert one_line(raised) == f"{path} exists already; export_log will not overwrite a file"
    assert path.read_text(encoding="utf-8") == "keep me"


def test_export_log_into_a_missing_directory_fails_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "dir.jsonl"
    with pytest.raises(CommandError) as raised:
        run("export_log", str(path))
    assert one_line(raised) == f"cannot write {path}: No such file or directory"


def test_appends_after_an_import_continue_the_chain(tmp_path: Path, small_log: None) -> None:
    path = tmp_path / "log.jsonl"
    run("export_log", str(path))
    count = store.last_position()
    empty_the_database()
    run("import_log", str(path))
    store.append("after-import", [NewEvent("Noted", {})], expected_version=0)
    assert store.last_position() == count + 1
    assert "log ok" in run("verify_log")


def test_load_deepseek_timeline_of_a_file_that_is_not_utf8_fails_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "timeline.json"
    path.write_bytes(b"\xff\xfe\x00bin")
    with pytest.raises(CommandError) as raised:
        run("load_deepseek_timeline", "--file", str(path))
    assert one_line(raised) == f"{path} is not UTF-8 JSON"
