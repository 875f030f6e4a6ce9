"""A whole-log rebuild's search documents, loaded and indexed beside its transaction (PostgreSQL).

Building the documents' indexes is most of a rebuild's time (at 100,000 events 15 of 23 s: the phrase pairs' and
the trigrams' GIN indexes evaluate their expressions over every document), and one session builds them one after
the other, on one core. Sessions other than the rebuild's cannot see its uncommitted rows, so the documents go to
a table of their own instead, loaded and committed by a second connection, whose indexes two connections build at
once; the rebuild's transaction then puts that table in place of the documents' one (drop, rename, and the
constraints and trigger made again), so the read models change only when it commits, as before. A failure drops
the new table; one left by a rebuild whose transaction rolled back after the swap is dropped by the next rebuild.

Only a table this module knows how to make again is swapped: nothing but its columns, indexes, primary key and
unique constraints, foreign keys, triggers, storage parameters, owner and grants (no views on it, no rules,
policies, publications, inheritance, column defaults, rights, storage or compression, statistics objects or
targets, comments, replica identity, tablespace or TOAST options, no foreign keys to it). Anything else, or no
second connection, and the rebuild writes the documents in its own transaction.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from timeline.models import SearchDocument

# The new tables' names: this prefix and a random suffix (a leftover is found by it).
SHADOW_PREFIX = "timeline_searchdocument_rebuild_"
# The connections that build the indexes; the machine's cores are the bound worth having.
BUILDERS = 2
# Memory each index build sorts in (per connection: these are the rebuild's own sessions).
BUILD_MEMORY = "512MB"
# How long the cleanup of a leftover table waits for its lock: one still locked belongs to a transaction in
# progress (a rebuild that has swapped it in), and is left alone.
_LEFTOVER_LOCK_TIMEOUT = "100ms"

# Why the table cannot be made again here, if anything: what _Shape does not copy.
_UNUSUAL_SQL = """
    SELECT
        c.relkind <> 'r' OR c.relpersistence <> 'p' OR c.relhasrules OR c.relrowsecurity OR c.relispartition
        OR c.relhassubclass
        OR EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = c.oid OR inhparent = c.oid)
        OR EXISTS (SELECT 1 FROM pg_publication_rel WHERE prrelid = c.oid)
        OR EXISTS (SELECT 1 FROM pg_publication WHERE puballtables)
        OR EXISTS (SELECT 1 FROM pg_statistic_ext WHERE stxrelid = c.oid)
        OR EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = c.oid)
        OR EXISTS (SELECT 1 FROM pg_description WHERE objoid = c.oid AND classoid = 'pg_class'::regclass)
        OR EXISTS (SELECT 1 FROM pg_constraint WHERE confrelid = c.oid)
        OR EXISTS (
            SELECT 1 FROM pg_constraint WHERE conrelid = c.oid
            AND (contype NOT IN ('p', 'u', 'f') OR (contype IN ('p', 'u') AND condeferrable))
        )
        OR EXISTS (
            SELECT 1 FROM pg_attribute AS a JOIN pg_type AS t ON t.oid = a.atttypid
            WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped
            AND (atthasdef OR attidentity <> '' OR attgenerated <> '' OR attacl IS NOT NULL OR attstattarget <> -1
                OR attstorage <> t.typstorage OR attcompression <> '')
        )
        OR EXISTS (
            SELECT 1 FROM pg_depend WHERE refclassid = 'pg_class'::regclass AND refobjid = c.oid
            AND classid NOT IN (
                'pg_class'::regclass, 'pg_constraint'::regclass, 'pg_trigger'::regclass, 'pg_type'::regclass
            )
        )
        -- Nor the replica identity, tablespace or TOAST table's storage parameters, which the new table's CREATE
        -- does not say (kept by the rebuild that writes the documents in its own transaction: it TRUNCATEs).
        OR c.relreplident <> 'd' OR c.reltablespace <> 0
        OR EXISTS (SELECT 1 FROM pg_class AS toast WHERE toast.oid = c.reltoastrelid AND toast.reloptions IS NOT NULL)
    FROM pg_class AS c WHERE c.oid = %s::regclass
"""
_COLUMNS_SQL = """
    SELECT quote_ident(attname), format_type(atttypid, atttypmod),
        CASE WHEN attcollation NOT IN (0, t.typcollation) THEN (SELECT quote_ident(collname) FROM pg_collation
            WHERE oid = attcollation) END,
        attnotnull
    FROM pg_attribute JOIN pg_type AS t ON t.oid = atttypid
    WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum
"""
_TABLE_SQL = """
    SELECT quote_ident(n.nspname), c.reloptions, pg_get_userbyid(c.relowner) = current_user,
        quote_ident(pg_get_userbyid(c.relowner)),
        coalesce((SELECT array_agg(format('GRANT %%s ON %%%%s TO %%s%%s', a.privilege_type,
            CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,
            CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END))
            FROM aclexplode(c.relacl) AS a WHERE a.grantee <> c.relowner), '{}')
    FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace WHERE c.oid = %s::regclass
"""
# Every index, with the constraint it backs if any.
_INDEXES_SQL = """
    SELECT quote_ident(ic.relname), pg_get_indexdef(i.indexrelid), i.indexprs IS NOT NULL, i.indpred IS NOT NULL,
        quote_ident(con.conname), con.contype
    FROM pg_index AS i JOIN pg_class AS ic ON ic.oid = i.indexrelid
        LEFT JOIN pg_constraint AS con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
    WHERE i.indrelid = %s::regclass ORDER BY ic.relname
"""
_FOREIGN_SQL = """
    SELECT quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint
    WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname
"""
_TRIGGERS_SQL = """
    SELECT pg_get_triggerdef(oid), quote_ident(tgname), tgenabled FROM pg_trigger
    WHERE tgrelid = %s::regclass AND NOT tgisinternal ORDER BY tgname
"""


@dataclass(frozen=True)
class _Index:
    """One index of the documents' table: built on the new table under `temporary`, named `name` at the swap."""

    name: str
    temporary: str
    build: str
    # The constraint it backs, "PRIMARY KEY" or "UNIQUE", with its name; None for a plain index.
    constraint: tuple[str, str] | None
    # Built first: an expression's evaluation over every row is what costs (the GIN indexes of pairs, trigrams).
    cost_rank: int


@dataclass(frozen=True)
class _Shape:
    """The documents' table as the new one is made to be: its definition and what the swap makes again."""

    table: str
    shadow: str
    create: str
    pause_autovacuum: bool
    indexes: tuple[_Index, ...]
    foreign: tuple[tuple[str, str], ...]
    triggers: tuple[tuple[str, str, str], ...]
    owner: str | None
    grants: tuple[str, ...]


def _shape() -> _Shape | None:
    """The documents' table, as read from the catalog; None when it holds what the swap would not keep."""
    table = SearchDocument._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(_UNUSUAL_SQL, [table])
        (unusual,) = cursor.fetchone()
        if unusual:
            return None
        cursor.execute(_TABLE_SQL, [table])
        schema, reloptions, owned, owner, grants = cursor.fetchone()
        cursor.execute(_COLUMNS_SQL, [table])
        columns = cursor.fetchall()
        cursor.execute(_INDEXES_SQL, [table])
        index_rows = cursor.fetchall()
        cursor.execute(_FOREIGN_SQL, [table])
        foreign = tuple(cursor.fetchall())
        cursor.execute(_TRIGGERS_SQL, [table])
        triggers = tuple(cursor.fetchall())
    qualified = f"{schema}.{connection.ops.quote_name(table)}"
    shadow_name = f"{SHADOW_PREFIX}{uuid.uuid4().hex[:12]}"
    shadow = f"{schema}.{shadow_name}"
    definition = ", ".join(
        f"{name} {kind}{f' COLLATE {collation}' if collation else ''}{' NOT NULL' if not_null else ''}"
        for name, kind, collation, not_null in columns
    )
    options = list(reloptions or [])
    # No autovacuum of the new table while it is built: its lock would hold up an index build or the swap (until
    # the server cancels it); the table's own setting is back at the swap.
    pause_autovacuum = not any(option.startswith("autovacuum_enabled=") for option in options)
    if pause_autovacuum:
        options.append("autovacuum_enabled=false")
    indexes = []
    for number, (name, sql, expression, partial, constraint, kind) in enumerate(index_rows):
        temporary = f"{shadow_name}_{number}"
        unique = "UNIQUE " if sql.startswith("CREATE UNIQUE ") else ""
        build = f"CREATE {unique}INDEX {temporary} ON {shadow}{sql[sql.index(' USING ') :]}"
        backs = (constraint, "PRIMARY KEY" if kind == "p" else "UNIQUE") if constraint else None
        indexes.append(_Index(name, temporary, build, backs, 0 if expression else 2 if partial else 1))
    return _Shape(
        table=qualified,
        shadow=shadow,
        create=f"CREATE TABLE {shadow} ({definition}) WITH ({', '.join(options)})",
        pause_autovacuum=pause_autovacuum,
        indexes=tuple(sorted(indexes, key=lambda index: index.cost_rank)),
        foreign=foreign,
        triggers=triggers,
        owner=None if owned else owner,
        grants=tuple(grants),
    )


@dataclass
class ParallelDocuments:
    """The new documents' table of one rebuild and the connections that load and index it."""

    shape: _Shape
    builders: list[BaseDatabaseWrapper]
    threads: list[threading.Thread] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    @property
    def table(self) -> str:
        """The new table, schema-qualified: what the rebuild's INSERT of the documents writes."""
        return self.shape.shadow

    def load(
        self, stage: str, copies: Iterable[tuple[str, Iterable[Sequence[object]]]], statements: Sequence[str]
    ) -> None:
        """In the first connection, in one transaction: `stage`, then `copies` (COPY statement, rows), then
        `statements`, which fill the new table; then every index of it built, over all the connections. Returns at
        once (swap waits)."""
        # The indexes, then the table's statistics: the rebuild's table kept the ones it had, this one has none.
        # The index expressions' too: without the phrase pairs' ones the planner guesses a phrase's candidates by
        # the thousand (migration 0014: 45 ms against 8 at a million documents) until autovacuum next analyses.
        pending = [index.build for index in self.shape.indexes]
        pending.append(f"ANALYZE {self.shape.shadow}")
        lock = threading.Lock()
        loaded = threading.Event()

        def take() -> str | None:
            with lock:
                return pending.pop(0) if pending else None

        def build(builder: BaseDatabaseWrapper) -> None:
            with builder.cursor() as cursor:
                cursor.execute(f"SET maintenance_work_mem = '{BUILD_MEMORY}'")
                while (statement := take()) is not None and not self.errors:
                    cursor.execute(statement)

        def first(builder: BaseDatabaseWrapper) -> None:
            try:
                with builder.cursor() as cursor:
                    cursor.execute("BEGIN")
                    cursor.execute(stage)
                    for sql, rows in copies:
                        with builder.wrap_database_errors, cursor.cursor.copy(sql) as copy:
                            for row in rows:
                                copy.write_row(row)
                    for statement in statements:
                        cursor.execute(statement)
                    cursor.execute("COMMIT")
                loaded.set()
                build(builder)
            except BaseException as error:
                self.errors.append(error)
            finally:
                loaded.set()

        def other(builder: BaseDatabaseWrapper) -> None:
            try:
                loaded.wait()
                if not self.errors:
                    build(builder)
            except BaseException as error:
                self.errors.append(error)

        for number, builder in enumerate(self.builders):
            target = first if number == 0 else other
            thread = threading.Thread(target=target, args=(builder,), name=f"rebuild-search-{number}", daemon=True)
            self.threads.append(thread)
            thread.start()

    def swap(self) -> None:
        """Wait for the loads and builds; then, in the rebuild's transaction, the new table in place of the
        documents' one, with the constraints, triggers, owner and grants of that one."""
        self._join()
        if self.errors:
            raise self.errors[0]
        shape = self.shape
        name = shape.table.rsplit(".", 1)[1]
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {shape.table}")
            cursor.execute(f"ALTER TABLE {shape.shadow} RENAME TO {name}")
            for index in shape.indexes:
                if index.constraint is None:
                    cursor.execute(f"ALTER INDEX {shape.table.split('.')[0]}.{index.temporary} RENAME TO {index.name}")
                else:
                    constraint, kind = index.constraint
                    using = f"{kind} USING INDEX {index.temporary}"
                    cursor.execute(f"ALTER TABLE {shape.table} ADD CONSTRAINT {constraint} {using}")
            for definition, trigger, enabled in shape.triggers:
                cursor.execute(definition)
                if enabled == "D":
                    cursor.execute(f"ALTER TABLE {shape.table} DISABLE TRIGGER {trigger}")
            for constraint, definition in shape.foreign:
                cursor.execute(f"ALTER TABLE {shape.table} ADD CONSTRAINT {constraint} {definition}")
            if shape.pause_autovacuum:
                cursor.execute(f"ALTER TABLE {shape.table} RESET (autovacuum_enabled)")
            if shape.owner is not None:
                cursor.execute(f"ALTER TABLE {shape.table} OWNER TO {shape.owner}")
            for grant in shape.grants:
                cursor.execute(grant % shape.table)

    def abandon(self) -> None:
        """Stop the builds and drop the new table (the rebuild failed)."""
        for builder in self.builders:
            if builder.connection is not None:
                with suppress(Exception):
                    builder.connection.cancel()
        self._join()
        with suppress(DatabaseError), self.builders[0].cursor() as cursor:
            cursor.execute("ROLLBACK")
            # Swapped in already, the table is the rebuild's (locked until it rolls back): the next one drops it.
            _drop_unlocked(cursor, self.shape.shadow)

    def _join(self) -> None:
        for thread in self.threads:
            thread.join()
        self.threads.clear()


@contextmanager
def parallel_documents() -> Iterator[ParallelDocuments | None]:
    """The new documents' table, made (empty) with its connections; None when it cannot be (the table holds what
    the swap would not keep, or no connection could be opened or the table made): the caller writes the documents
    in its own transaction. Left by a failure of the block, the table is dropped."""
    documents = _open()
    if documents is None:
        yield None
        return
    try:
        yield documents
    except BaseException:
        documents.abandon()
        raise
    finally:
        for builder in documents.builders:
            builder.dec_thread_sharing()
            with suppress(DatabaseError):
                builder.close()


def _open() -> ParallelDocuments | None:
    if connection.vendor != "postgresql":
        return None
    shape = _shape()
    if shape is None:
        return None
    builders: list[BaseDatabaseWrapper] = []
    # The rebuild's own connection (`connection` is a proxy to it): its class and settings make the others.
    own = connections[DEFAULT_DB_ALIAS]
    try:
        for _ in range(BUILDERS):
            builder = type(own)({**own.settings_dict}, own.alias)
            builder.inc_thread_sharing()
            builders.append(builder)
            builder.ensure_connection()
        with builders[0].cursor() as cursor:
            _drop_leftovers(cursor, shape)
            cursor.execute(shape.create)
    except DatabaseError:
        for builder in builders:
            builder.dec_thread_sharing()
            with suppress(DatabaseError):
                builder.close()
        return None
    return ParallelDocuments(shape, builders)


def _drop_leftovers(cursor: Any, shape: _Shape) -> None:
    """Tables of earlier rebuilds whose transaction rolled back after their swap (or that died): unlocked ones."""
    schema = shape.table.split(".")[0]
    cursor.execute(
        "SELECT quote_ident(relname) FROM pg_class WHERE relkind = 'r' AND relname LIKE %s "
        "AND relnamespace = to_regnamespace(%s)",
        [SHADOW_PREFIX.replace("_", "\\_") + "%", schema],
    )
    for (name,) in cursor.fetchall():
        _drop_unlocked(cursor, f"{schema}.{name}")


def _drop_unlocked(cursor: Any, table: str) -> None:
    """Drop `table` unless a transaction in progress holds it (a lock not granted at once)."""
    try:
        cursor.execute("BEGIN")
        cursor.execute(f"SET LOCAL lock_timeout = '{_LEFTOVER_LOCK_TIMEOUT}'")
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute("COMMIT")
    except DatabaseError:
        cursor.execute("ROLLBACK")
