"""PostgreSQL: timeline_search_pairs (migration 0014) expands a tsvector's positions once instead of twice.

The pairs of lexemes at adjacent positions are the positions joined with themselves; the function listed them twice,
once for each side of the join. Listed once (a materialized CTE) the same join gives the same pairs, in a quarter
less time: 3.0 s against 3.8-4.0 s over 36,036 documents, every array equal. The function is computed for every
document written (on a development with 200 citations, 1.6-2 ms of its append) and for every document when a
rebuild makes the pairs' index again (a third of a rebuild's PostgreSQL time at 10,000 events). The results being
the same, the index built with the old body stays valid: nothing is reindexed."""

from django.db import migrations

REPLACE = """
    CREATE OR REPLACE FUNCTION timeline_search_pairs(tsvector) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        WITH listed AS MATERIALIZED (
            SELECT lexeme, position FROM unnest($1) AS word, unnest(word.positions) AS position
        )
        SELECT coalesce(array_agg(DISTINCT first.lexeme || ' ' || second.lexeme), '{}')
        FROM listed AS first JOIN listed AS second ON second.position = first.position + 1
    $$
"""
RESTORE = """
    CREATE OR REPLACE FUNCTION timeline_search_pairs(tsvector) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT coalesce(array_agg(DISTINCT first.lexeme || ' ' || second.lexeme), '{}')
        FROM (SELECT lexeme, position FROM unnest($1) AS word, unnest(word.positions) AS position) AS first
        JOIN (SELECT lexeme, position FROM unnest($1) AS word, unnest(word.positions) AS position) AS second
            ON second.position = first.position + 1
    $$
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REPLACE, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RESTORE, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0020_search_document_flag_in_place"),
    ]

    operations = [migrations.RunPython(forward, backward)]
