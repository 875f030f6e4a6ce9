"""An append's projection writes sent as prepared statements (events.deferred, prepare=True) on PostgreSQL: the
rows they leave are the ones a rebuild makes, a failing one still rolls the whole append back, and the
connection's prepared statements stay in step with psycopg's cache through rollbacks. Runs on the PostgreSQL
server DATABASE_URL names (skipped on SQLite, where nothing is deferred); transactions really commit here."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from events.maintenance import rebuild_projections
from events.models import StoredEvent
from tests.timeline.factories import projection_rows, record, register_entities
from timeline import services
from timeline.models import Development, DevelopmentVersion, SearchDocument

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def prepared() -> dict[tuple[str, str], int]:
    """How many statements this connection holds prepared, by what they do and the table they write."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    counts: dict[tuple[str, str], int] = {}
    for statement in statements:
        words = statement.split()
        if words[0] in {"INSERT", "UPDATE"}:
            key = (words[0], (words[2] if words[0] == "INSERT" else words[1]).strip('"'))
            counts[key] = counts.get(key, 0) + 1
    return counts


def commands(development_id: uuid.UUID | str, first_version: int, count: int) -> int:
    version = first_version
    for n in range(count):
        services.development_revise(
            development_id=development_id, changes={"title": f"Revision {n}"}, expected_version=version
        )
        version += 1
    return version


def test_an_append_s_writes_are_prepared_once_and_leave_the_rows_a_rebuild_makes() -> None:
    register_entities()
    developments = [record(title=f"Development {n}", entities=["bis", "huawei"]) for n in range(3)]
    for development in developments:
        commands(development.pk, 1, 3)

    statements = prepared()
    # Each once, however many appends ran it (as here, where every value has the same type each time).
    assert statements[("INSERT", Development._meta.db_table)] == 1
    assert statements[("INSERT", DevelopmentVersion._meta.db_table)] == 1
    # The statements whose plans hang on the tables' sizes: once for each power of two the log reached, of the
    # appends that ran them (each append here writes one document, keyed by its event's position).
    positions = SearchDocument.objects.values_list("version_id", flat=True)
    assert statements[("INSERT", SearchDocument._meta.db_table)] == len({p.bit_length() for p in positions}) > 1
    revisions = DevelopmentVersion.objects.filter(version__gt=1).values_list("pk", flat=True)
    sizes = len({position.bit_length() for position in revisions})
    assert statements[("UPDATE", Development._meta.db_table)] == sizes > 1
    assert statements[("UPDATE", DevelopmentVersion._meta.db_table)] == sizes  # the closing of the open one
    assert [d.title for d in Development.objects.order_by("title")] == ["Revision 2"] * 3
    before = projection_rows()
    rebuild_projections()
    assert projection_rows() == before


def test_a_failing_prepared_write_rolls_the_append_back_and_the_next_appends_prepare_again() -> None:
    register_entities()
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE {connection.ops.quote_name(Development._meta.db_table)}"
            " ADD CONSTRAINT test_refused_title CHECK (title <> 'Refused')"
        )
    try:
        development = record(title="Kept", entities=["bis"])
        version = commands(development.pk, 1, 2)
        assert ("UPDATE", Development._meta.db_table) in prepared()  # the statement that is to fail
        events, rows = StoredEvent.objects.count(), projection_rows()

        with pytest.raises(IntegrityError):
            services.development_revise(
                development_id=development.pk, changes={"title": "Refused"}, expected_version=version
            )

        assert StoredEvent.objects.count() == events
        assert projection_rows() == rows
        commands(development.pk, version, 2)  # statements psycopg no longer knows as prepared are prepared anew
        assert prepared()[("INSERT", DevelopmentVersion._meta.db_table)] == 1
        assert Development.objects.get(pk=development.pk).title == "Revision 1"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                f"ALTER TABLE {connection.ops.quote_name(Development._meta.db_table)}"
                " DROP CONSTRAINT test_refused_title"
            )
    before = projection_rows()
    rebuild_projections()
    assert projection_rows() == before


def test_an_append_in_a_savepoint_rolled_back_leaves_the_outer_transaction_s_appends_whole() -> None:
    """A rollback to a savepoint makes psycopg forget and deallocate every prepared statement, inside the
    transaction: the appends after it in the same transaction prepare theirs again."""
    register_entities()
    development = record(title="First", entities=["nvidia"])
    version = commands(development.pk, 1, 2)
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            services.development_revise(
                development_id=development.pk, changes={"title": "Undone"}, expected_version=version
            )
            raise RuntimeError("roll the savepoint back")
        commands(development.pk, version, 2)

    assert Development.objects.get(pk=development.pk).title == "Revision 1"
    before = projection_rows()
    rebuild_projections()
    assert projection_rows() == before


def retire_statements() -> dict[str, int]:
    """The search documents' retire UPDATEs prepared on this connection: name, times run."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, generic_plans + custom_plans FROM pg_prepared_statements"
            f" WHERE statement LIKE 'UPDATE {connection.ops.quote_name(SearchDocument._meta.db_table)}%%'"
        )
        return dict(cursor.fetchall())


def grow_the_log(events: int) -> None:
    """Append `events` new developments, 500 an append (writes none of the revision's statements)."""
    for batch in range(events // 500):
        services.developments_record_many(
            developments=[
                (
                    uuid.uuid4(),
                    {
                        "title": f"Bulk {batch}.{n}",
                        "date": "2022-10-07",
                        "category": "government",
                        "kind": "rule_release",
                        "entities": ["bis"],
                    },
                )
                for n in range(500)
            ]
        )


def generic_plans(names: set[str]) -> list[str]:
    """The plan each of these prepared statements keeps (one made now if it has none)."""
    plans = []
    with connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        try:
            for name in names:
                cursor.execute(
                    "SELECT cardinality(parameter_types) FROM pg_prepared_statements WHERE name = %s", [name]
                )
                (count,) = cursor.fetchone()
                cursor.execute(f"EXPLAIN EXECUTE {name}({', '.join(['NULL'] * count)})")
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
        finally:
            cursor.execute("RESET plan_cache_mode")
    return plans


def test_a_retire_after_the_log_grew_is_planned_at_the_tables_size_then() -> None:
    """The retire UPDATE is marked with the log's length, like the search documents' insert: a revision of a
    development whose current document is old, on a connection that retired documents of the same age while the
    table was small, must not run the scan planned then. Autovacuum is off for the table, so no ANALYZE
    replans the cached plan while the test runs."""
    table = connection.ops.quote_name(SearchDocument._meta.db_table)
    connection.close()  # a connection of its own: none of the statements an earlier test prepared
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
    try:
        register_entities()
        early = [record(title=f"Early {n}", entities=["bis"]) for n in range(12)]
        for development in early:
            commands(development.pk, 1, 1)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")  # whatever an earlier test left: the table is known small
        # The revisions above retired the documents of positions 7-18, these those of 19-24: with 16-18, nine
        # retires of documents under 2^5, more than the five custom plans PostgreSQL makes before it keeps a
        # generic one, while the table has a few pages.
        for development in early[:6]:
            services.development_revise(development_id=development.pk, changes={"title": "Early"}, expected_version=2)
        grow_the_log(5000)
        before = retire_statements()

        for development in early[6:]:  # each retires a document of 25-30, under 2^5 too, in a log of 5,000
            services.development_revise(development_id=development.pk, changes={"title": "Late"}, expected_version=2)

        ran = {name for name, runs in retire_statements().items() if runs > before.get(name, 0)}
        assert ran
        # The plan these statements keep (one made now for a statement prepared now): not a scan of 5,000 rows.
        for plan in generic_plans(ran):
            assert "Seq Scan" not in plan, plan
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")


def updates(table: str) -> dict[str, int]:
    """The UPDATEs of `table` prepared on this connection: name, times run."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, generic_plans + custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"UPDATE {connection.ops.quote_name(table)} %"],
        )
        return dict(cursor.fetchall())


def test_a_revision_after_the_log_grew_finds_its_rows_by_key() -> None:
    """The revision's UPDATEs of the development's row (by key) and of its open history row (by development):
    planned while the tables had a few pages, PostgreSQL's generic plan of each is a scan, which a connection
    kept as the tables grew. Marked with the log's length, they are planned anew as it doubles. Autovacuum is
    off for the tables, so no ANALYZE replans the cached plans while the test runs."""
    tables = [connection.ops.quote_name(model._meta.db_table) for model in (Development, DevelopmentVersion)]
    connection.close()  # a connection of its own: none of the statements an earlier test prepared
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
    try:
        register_entities()
        early = [record(title=f"Early {n}", entities=["bis"]) for n in range(6)]
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(tables)}")  # whatever an earlier test left: the tables are small
        for development in early:  # more than the five custom plans before PostgreSQL keeps a generic one
            commands(development.pk, 1, 1)
        grow_the_log(5000)
        before = {**updates(Development._meta.db_table), **updates(DevelopmentVersion._meta.db_table)}

        late = [record(title=f"Late {n}", entities=["bis"]) for n in range(6)]
        for development in late:  # each continues from the row this process kept (its record's): no read
            commands(development.pk, 1, 1)

        after = {**updates(Development._meta.db_table), **updates(DevelopmentVersion._meta.db_table)}
        ran = {name for name, runs in after.items() if runs > before.get(name, 0)}
        assert len(ran) == 2
        for plan in generic_plans(ran):
            assert "Seq Scan" not in plan, plan
    finally:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")


def test_only_our_statements_are_prepared_and_django_s_connection_setting_is_kept() -> None:
    """psycopg prepares (and books the text of) statements only while the connection's prepare_threshold is set:
    our writes set it for themselves, so Django's statements, values written in, are neither prepared nor kept."""
    connection.close()  # a connection of its own: none of the statements an earlier test prepared
    register_entities()
    development = record(title="Booked", entities=["bis"])
    commands(development.pk, 1, 3)
    Development.objects.filter(title__startswith="Revision").count()  # one of Django's own, with a value in it

    assert connection.connection.prepare_threshold is None  # as Django leaves it
    assert prepared()[("INSERT", DevelopmentVersion._meta.db_table)] == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE 'SELECT%%'")
        assert cursor.fetchall() == []


def test_prepared_statements_can_be_turned_off_for_a_pooler(settings: Any) -> None:
    settings.DB_PREPARED_STATEMENTS = False
    connection.close()
    register_entities()
    development = record(title="Pooled", entities=["bis"])
    commands(development.pk, 1, 3)

    assert prepared() == {}
    assert Development.objects.get(pk=development.pk).title == "Revision 2"
    before = projection_rows()
    rebuild_projections()
    assert projection_rows() == before
