"""PostgreSQL: an index that finds a one- or two-character term of a script written without spaces (华为).

pg_trgm cannot: such a term inside a longer run of characters holds no whole trigram, so the trigram index returns
every document and each is read and matched with ILIKE (1.5 s at a million documents). This index lists, per
document, every character and every pair of adjacent characters in its runs of those scripts (the ranges of
timeline.search._UNSPACED); a term of one or two such characters is in a document only if it is in that list.
SQLite is untouched: FTS5's trigram table already matches shorter terms with LIKE on its own documents."""

from django.db import migrations

# The runs of timeline.search._UNSPACED's scripts, as a PostgreSQL regular expression.
_RUNS = r"'[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\u0e00-\u0e7f]+'"
POSTGRES_FORWARD = [
    """
    CREATE FUNCTION timeline_search_unspaced_grams(text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT coalesce(array_agg(DISTINCT substr(run[1], i, n)), '{}')
        FROM regexp_matches($1, """
    + _RUNS
    + """, 'g') AS run,
             generate_series(1, 2) AS n,
             generate_series(1, char_length(run[1]) - n + 1) AS i
    $$
    """,
    "CREATE INDEX searchdoc_unspaced_grams ON timeline_searchdocument USING gin "
    "(timeline_search_unspaced_grams(title || ' ' || body || ' ' || citations || ' ' || entities))",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS searchdoc_unspaced_grams",
    "DROP FUNCTION IF EXISTS timeline_search_unspaced_grams(text)",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_FORWARD:
            schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_BACKWARD:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0011_version_document"),
    ]

    operations = [migrations.RunPython(forward, backward)]
