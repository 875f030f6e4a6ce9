"""The set-based rebuild (timeline.bulk_rebuild): on PostgreSQL rebuild_projections builds the read models with
COPY and set-based statements, row for row what the live projectors left; SQLite replays the log; a failure
midway leaves the read models, their indexes and constraints as they were."""

from __future__ import annotations

import random
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections

from events import registry, store
from events.guards import drop_guard, install_guard
from events.maintenance import rebuild_projections
from events.models import ProjectionCheckpoint
from tests.timeline.factories import citation, projection_rows, random_commands, record, register_entities
from timeline import bulk_rebuild, rebuild_search, services
from timeline.models import DevelopmentLink, Relationship

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based rebuild is PostgreSQL's")


def every_row() -> dict[str, list[dict[str, object]]]:
    """projection_rows and the two read models its random commands leave empty."""
    rows = projection_rows()
    rows["development_link"] = list(DevelopmentLink.objects.order_by("pk").values())
    rows["relationship"] = list(Relationship.objects.order_by("pk").values())
    return rows


def read_model_schema() -> list[tuple[str, str]]:
    """Every index and constraint of the read models, by name, with its definition."""
    tables = [model._meta.db_table for model in bulk_rebuild.READ_MODELS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = ANY(%s::regclass[]) UNION ALL "
            "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) "
            "UNION ALL SELECT tgname::text, tgenabled::text FROM pg_trigger "
            "WHERE tgrelid = ANY(%s::regclass[]) AND NOT tgisinternal ORDER BY 1, 2",
            [tables, tables, tables],
        )
        return cursor.fetchall()


def linked_and_related() -> None:
    """Links between developments (one added and removed again) and a relationship between entities."""
    first, second, third = (record(title=f"Linked {n}", entities=["nvidia"]) for n in range(3))
    services.development_link(development_id=third.pk, relation="responds_to", target_id=first.pk)
    linked = services.development_link(development_id=second.pk, relation="amends", target_id=first.pk)
    services.development_unlink(development_id=second.pk, link_id=linked.snapshot["links"][0]["id"], reason="x")
    services.development_link(development_id=second.pk, relation="responds_to", target_id=third.pk)
    relationship = services.relationship_record(source="smic", relation="partner_of", target="huawei")
    services.relationship_correct(relationship_id=relationship.pk, changes={"date": "2020"}, expected_version=1)


def test_the_rebuild_is_set_based_on_postgresql_and_a_replay_elsewhere() -> None:
    bulk = registry.bulk_rebuilder()
    if connection.vendor == "postgresql":
        assert isinstance(bulk, bulk_rebuild.BulkRebuilder)
    else:
        assert bulk is None


@postgresql_only
def test_the_set_based_rebuild_equals_the_live_projection_row_for_row() -> None:
    register_entities()
    done = random_commands(random.Random(20251206), 250)
    assert {"record", "entity", "timeline", "revise", "cite", "uncite", "merge"} <= set(done)
    linked_and_related()
    live = every_row()
    assert all(live.values()), {name: len(rows) for name, rows in live.items()}
    schema = read_model_schema()

    assert rebuild_projections() == store.last_position()

    rebuilt = every_row()
    for table in live:
        assert rebuilt[table] == live[table], table
    # The indexes, constraints and the search vector's trigger are all back, as they were.
    assert read_model_schema() == schema
    assert set(ProjectionCheckpoint.objects.values_list("position", flat=True)) == {store.last_position()}


@postgresql_only
def test_the_set_based_rebuild_of_rebuilt_models_and_of_an_empty_log() -> None:
    assert rebuild_projections() == 0
    assert not ProjectionCheckpoint.objects.exists()
    register_entities()
    random_commands(random.Random(3), 40)
    live = every_row()
    rebuild_projections()
    call_command("rebuild_projections", stdout=StringIO())
    assert every_row() == live


@postgresql_only
def test_a_rebuild_that_fails_midway_leaves_the_read_models_as_they_were() -> None:
    register_entities()
    random_commands(random.Random(5), 60)
    live = every_row()
    schema = read_model_schema()
    # An event no projector can apply (a revision of a development never recorded), last in the log: the rebuild
    # has emptied the read models and copied most rows by the time it reaches it.
    last = store.head()
    stream = f"development-{uuid.uuid4()}"
    drop_guard(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO events_storedevent (position, event_id, stream, version, event_type, schema_version, "
                "data, metadata, recorded_at, hash) "
                "SELECT %s, %s, %s, 1, 'DevelopmentRevised', 1, '{\"changes\": {}}', '{}', now(), %s",
                [last.position + 1, uuid.uuid4(), stream, "0" * 64],
            )
    finally:
        install_guard(connection)

    with pytest.raises(ValueError, match="before the development was recorded"):
        rebuild_projections()

    assert every_row() == live
    assert read_model_schema() == schema


def documents_table() -> tuple[int, tuple[list[str], str], list[str]]:
    """The search documents' table's oid, its storage parameters and grants, and the tables of rebuilds' documents
    this transaction sees."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT oid, reloptions, relacl::text FROM pg_class WHERE oid = 'timeline_searchdocument'::regclass"
        )
        oid, *options = cursor.fetchone()
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname LIKE %s",
            [rebuild_search.SHADOW_PREFIX.replace("_", "\\_") + "%"],
        )
        return oid, (options[0], options[1]), [name for (name,) in cursor.fetchall()]


@postgresql_only
def test_the_search_documents_are_built_in_a_table_of_their_own_and_swapped_in() -> None:
    register_entities()
    random_commands(random.Random(7), 60)
    live = every_row()
    with connection.cursor() as cursor:
        cursor.execute("GRANT SELECT ON timeline_searchdocument TO PUBLIC")
    before, options, _ = documents_table()
    assert options[0] == ["fillfactor=85"]
    assert "=r/" in options[1]

    rebuild_projections()

    after, options_after, left = documents_table()
    assert after != before
    assert options_after == options
    assert left == []
    assert every_row() == live
    # Analysed whole: the phrase pairs' index expression has statistics for the planner, as migration 0014 left.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'searchdoc_pairs'")
        assert cursor.fetchone()[0] == 1


@postgresql_only
def test_a_failed_rebuild_drops_its_documents_table_and_the_next_drops_one_left_behind() -> None:
    register_entities()
    random_commands(random.Random(8), 30)
    live = every_row()
    # As a rebuild whose transaction rolled back after its swap leaves it: committed, by another connection.
    left_behind = f"{rebuild_search.SHADOW_PREFIX}000000000000"
    other = type(connections["default"])({**connections["default"].settings_dict}, "default")
    try:
        with other.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {left_behind} (x integer)")
        assert left_behind in documents_table()[2]
        stream = f"development-{uuid.uuid4()}"
        drop_guard(connection)
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO events_storedevent (position, event_id, stream, version, event_type, "
                    "schema_version, data, metadata, recorded_at, hash) "
                    "SELECT %s, %s, %s, 1, 'DevelopmentRevised', 1, '{\"changes\": {}}', '{}', now(), %s",
                    [store.head().position + 1, uuid.uuid4(), stream, "0" * 64],
                )
        finally:
            install_guard(connection)

        with pytest.raises(ValueError, match="before the development was recorded"):
            rebuild_projections()

        assert documents_table()[2] == []
        assert every_row() == live
    finally:
        with other.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {left_behind}")
        other.close()


@postgresql_only
def test_a_document_past_the_largest_tsvector_position_is_rebuilt_as_the_trigger_made_it() -> None:
    # A tsvector holds positions up to 16,383 and clamps the rest. The trigger concatenates a document's eight
    # parts in turn, as the rebuild does (each part computed once per distinct text): this long-cited document
    # checks the clamped positions come out the same.
    register_entities()
    development = record(title="A long-cited rule", entities=["bis"])
    for n in range(8):
        words = " ".join(f"w{n}x{i}" for i in range(700))
        development = services.citation_add(
            development_id=development.pk,
            citation={"title": f"Source {n}", "reliability": "B", "credibility": "2", "claim": words, "excerpt": words},
        )
    services.development_revise(development_id=development.pk, changes={"summary": "Revised."}, expected_version=9)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(p) FROM timeline_searchdocument, unnest(document) AS w, unnest(w.positions) AS p "
            "WHERE development_id = %s",
            [development.pk],
        )
        assert cursor.fetchone()[0] == 16383  # clamped: the case this test is about
    live = every_row()

    rebuild_projections()

    assert every_row()["search_vector"] == live["search_vector"]


@postgresql_only
def test_a_document_with_a_lexeme_past_256_positions_is_rebuilt_as_the_trigger_made_it() -> None:
    # A lexeme holds at most 256 positions and `||` drops the rest; when the dropped ones hold the left operand's
    # last position the shift of what follows depends on the grouping: the rebuild must join the parts in turn,
    # as the trigger does, not each field's two parts first.
    register_entities()
    record(
        title="A court ruling",
        summary=" ".join(["The court held."] * 130),
        citations=[citation(claim="Appeal to the court", excerpt="Upheld by the court")],
    )
    live = every_row()

    rebuild_projections()

    assert every_row()["search_vector"] == live["search_vector"]


# Settings of the documents' table or its columns that a swap of the table would lose, each with the query that
# reads it back.
KEPT_SETTINGS = [
    (
        "ALTER TABLE timeline_searchdocument REPLICA IDENTITY FULL",
        "SELECT relreplident FROM pg_class WHERE oid = 'timeline_searchdocument'::regclass",
    ),
    (
        "ALTER TABLE timeline_searchdocument SET (toast.autovacuum_vacuum_cost_delay = 5)",
        "SELECT reloptions FROM pg_class WHERE oid = "
        "(SELECT reltoastrelid FROM pg_class WHERE oid = 'timeline_searchdocument'::regclass)",
    ),
    (
        "ALTER TABLE timeline_searchdocument ALTER COLUMN citations SET STORAGE EXTERNAL",
        "SELECT attstorage FROM pg_attribute WHERE attrelid = 'timeline_searchdocument'::regclass"
        " AND attname = 'citations'",
    ),
    (
        "ALTER TABLE timeline_searchdocument ALTER COLUMN citations SET COMPRESSION pglz",
        "SELECT attcompression FROM pg_attribute WHERE attrelid = 'timeline_searchdocument'::regclass"
        " AND attname = 'citations'",
    ),
]


@postgresql_only
@pytest.mark.parametrize(("change", "query"), KEPT_SETTINGS)
def test_a_rebuild_keeps_the_documents_table_settings(change: str, query: str) -> None:
    # Before the commands: their rows' deferred checks, pending, would forbid the ALTER.
    with connection.cursor() as cursor:
        cursor.execute(change)
        cursor.execute(query)
        before = cursor.fetchall()
    register_entities()
    random_commands(random.Random(9), 20)
    live = every_row()

    rebuild_projections()

    with connection.cursor() as cursor:
        cursor.execute(query)
        assert cursor.fetchall() == before
    assert every_row() == live
