"""PostgreSQL: an index that finds a phrase's documents by its adjacent words, not by each word on its own.

The GIN index on the tsvector keeps which documents hold a word, not where: a phrase of two words in a tenth of the
documents each came back as every document holding both (9,550 of a million), each read from the table to check
the phrase (130 ms). This index lists, per document, each pair of lexemes at adjacent positions of its tsvector, so a
phrase's candidates are the documents holding its pairs (timeline.search._text_matches); `@@` still decides. The
pairs are taken from the stored tsvector itself, whose positions are the ones `<->` compares, so a document the
phrase matches always holds them. SQLite is untouched: FTS5 matches a phrase from its own index."""

from django.db import migrations

POSTGRES_FORWARD = [
    """
    CREATE FUNCTION timeline_search_pairs(tsvector) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT coalesce(array_agg(DISTINCT first.lexeme || ' ' || second.lexeme), '{}')
        FROM (SELECT lexeme, position FROM unnest($1) AS word, unnest(word.positions) AS position) AS first
        JOIN (SELECT lexeme, position FROM unnest($1) AS word, unnest(word.positions) AS position) AS second
            ON second.position = first.position + 1
    $$
    """,
    "CREATE INDEX searchdoc_pairs ON timeline_searchdocument USING gin (timeline_search_pairs(document))",
    # Statistics of the indexed pairs now, not whenever autovacuum next analyses the table: without them the
    # planner guesses a phrase's candidates by the thousand and adds a bitmap of the whole range of positions
    # (45 ms at a million documents, against 8 for the candidates alone).
    "ANALYZE timeline_searchdocument",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS searchdoc_pairs",
    "DROP FUNCTION IF EXISTS timeline_search_pairs(tsvector)",
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
        ("timeline", "0013_entity_link_indexes"),
    ]

    operations = [migrations.RunPython(forward, backward)]
