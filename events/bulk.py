"""Insert many new rows at once: PostgreSQL's COPY, the ORM's bulk_create elsewhere."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import orjson
from django.db import connection, models
from psycopg.types.json import Jsonb

from events import deferred

Row = TypeVar("Row", bound=models.Model)

# Fields whose Python values psycopg adapts as they are: COPY skips get_db_prep_save's per-value work for them.
_PLAIN = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
    "URLField",
    "UUIDField",
}


def _json_bytes(value: Any) -> bytes | str:
    """JSON for a jsonb column: orjson's, several times faster; json's for what orjson refuses (integers beyond
    64 bits, keys that are not strings). PostgreSQL parses either into the same jsonb."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value)


def _adapt(field: models.Field[object, object]) -> Callable[[object], object] | None:
    """How COPY sends one field's Python value (None: as it is); a foreign key's target field decides."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if target.get_internal_type() in _PLAIN:
        return None
    if isinstance(target, models.JSONField):
        return lambda value: None if value is None else Jsonb(value, dumps=_json_bytes)
    return lambda value: field.get_db_prep_save(value, connection)


def _copy_value(field: models.Field[object, object]) -> Callable[[models.Model], object]:
    """How COPY reads one field's value off an instance."""
    attname = field.attname
    adapt = _adapt(field)
    if adapt is None:
        return lambda row: getattr(row, attname)
    return lambda row: adapt(getattr(row, attname))


def delete_all(*tables: type[models.Model]) -> None:
    """Empty each model's table in the order given with one plain DELETE each (a rebuild's reset).

    QuerySet.delete() first loads every row to collect cascades and signals; a read model emptied whole,
    children first, needs neither.
    """
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def insert_rows(model: type[Row], rows: Iterable[Row]) -> None:
    """Insert `rows` (new, unsaved instances of `model`) the fastest way the database offers (inside an append's
    deferred writes on PostgreSQL, a few rows: one queued INSERT, events.deferred).

    For rebuilds and batched appends: COPY streams the values without building a statement with a parameter
    per value, several times faster than a multi-row INSERT on PostgreSQL. Values go as bulk_create sends
    them (JSON as jsonb, plain types as they are, anything else through get_db_prep_save); an automatic
    primary key left unset is filled by the database. The instances do not learn such keys.
    """
    rows = list(rows)
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(rows, batch_size=1000)
        return
    fields = [
        field
        for field in model._meta.concrete_fields
        if not (field is model._meta.auto_field and all(getattr(row, field.attname) is None for row in rows))
    ]
    if deferred.queues(len(rows)):
        attnames = [field.attname for field in fields]
        deferred.insert_json(model, fields, ([getattr(row, name) for name in attnames] for row in rows))
        return
    deferred.flush()  # COPY cannot join the pipeline: what was queued goes first
    values = [_copy_value(field) for field in fields]
    _copy(model, fields, ([value(row) for value in values] for row in rows))


def insert_values(model: type[Row], names: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """insert_rows for rows given as tuples of field values, in the order of `names` (attribute names: a foreign
    key as `version_id`), without building a model instance per row on PostgreSQL; the other fields take their
    database defaults (an automatic primary key: the next value)."""
    rows = list(rows)
    if not rows:
        return
    if connection.vendor != "postgresql":
        insert_rows(model, (model(**dict(zip(names, row, strict=True))) for row in rows))
        return
    if deferred.queues(len(rows)):
        by_attname = {field.attname: field for field in model._meta.concrete_fields}
        deferred.insert_json(model, [by_attname[name] for name in names], rows)
        return
    copy_values(model, names, rows)


def copy_values(model: type[Row], names: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """PostgreSQL: insert_values' COPY, reading `rows` as it sends them (a generator is not first made a list, so
    the server stores rows while the caller still computes the next); answers how many rows it sent."""
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    fields = [by_attname[name] for name in names]
    deferred.flush()  # COPY cannot join the pipeline: what was queued goes first
    adapters = [_adapt(field) for field in fields]
    if all(adapt is None for adapt in adapters):
        return _copy(model, fields, rows)
    pairs = (zip(adapters, row, strict=True) for row in rows)
    return _copy(model, fields, ([value if adapt is None else adapt(value) for adapt, value in pair] for pair in pairs))


def _copy(model: type[models.Model], fields: Sequence[models.Field[Any, Any]], rows: Iterable[Sequence[object]]) -> int:
    columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    # The driver's own cursor bypasses Django's error translation: wrap it, so that a dropped connection is
    # django.db's OperationalError (a 503 and a connection Django knows to replace), not a bare psycopg error.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        sent = 0
        for row in rows:
            copy.write_row(row)
            sent += 1
    return sent
