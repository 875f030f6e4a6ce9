"""PostgreSQL: a search document keeps its citations' part of the tsvector, so that a document whose citations'
text is its predecessor's takes that part from it instead of parsing every citation again.

The trigger of migration 0005 made the vector of a new document from all four texts, the citations' too, for every
document written: on a development with 200 citations that part was 2.4 of the 5 ms its document cost, on each
revision of its title or summary (and on each renaming of one of its entities). The document's vector is the
concatenation of the four parts (title, entities, body, citations, each 'english' then 'simple'); tsvector `||`
shifts the right operand's positions by the left one's last position, so the prefix followed by the kept part is the
same vector as the four parts concatenated in turn, as long as no position reaches the largest one a tsvector holds
(16,383), beyond which positions are clamped and the grouping shows: then the trigger computes the whole vector as
before. A writer offers the kept part (citations_vector) only where its document's citations are the same text
(timeline.search); the existing documents keep none (NULL), and their first successor computes it."""

from django.db import migrations

# The largest position a tsvector holds (PostgreSQL's MAXENTRYPOS - 1).
LAST_POSITION = 16383

POSTGRES_FORWARD = [
    "ALTER TABLE timeline_searchdocument ADD COLUMN citations_vector tsvector",
    f"""
    CREATE OR REPLACE FUNCTION timeline_searchdocument_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        prefix tsvector;
        english tsvector;
        simple tsvector;
    BEGIN
        prefix :=
            setweight(to_tsvector('english', NEW.title), 'A') || setweight(to_tsvector('simple', NEW.title), 'A')
            || setweight(to_tsvector('english', NEW.entities), 'B')
            || setweight(to_tsvector('simple', NEW.entities), 'B')
            || setweight(to_tsvector('english', NEW.body), 'C') || setweight(to_tsvector('simple', NEW.body), 'C');
        IF TG_OP = 'UPDATE' AND NEW.citations IS DISTINCT FROM OLD.citations THEN
            NEW.citations_vector := NULL;
        END IF;
        IF NEW.citations_vector IS NOT NULL AND (
            SELECT coalesce(max(position), 0) FROM unnest(prefix) AS word, unnest(word.positions) AS position
        ) + (
            SELECT coalesce(max(position), 0)
            FROM unnest(NEW.citations_vector) AS word, unnest(word.positions) AS position
        ) < {LAST_POSITION} THEN
            NEW.document := prefix || NEW.citations_vector;
            RETURN NEW;
        END IF;
        english := setweight(to_tsvector('english', NEW.citations), 'D');
        simple := setweight(to_tsvector('simple', NEW.citations), 'D');
        NEW.citations_vector := english || simple;
        -- Concatenated in turn, as migration 0005 did: the same vector when positions are clamped, too.
        NEW.document := prefix || english || simple;
        RETURN NEW;
    END
    $$
    """,
]
POSTGRES_BACKWARD = [
    """
    CREATE OR REPLACE FUNCTION timeline_searchdocument_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.document :=
            setweight(to_tsvector('english', NEW.title), 'A') || setweight(to_tsvector('simple', NEW.title), 'A')
            || setweight(to_tsvector('english', NEW.entities), 'B')
            || setweight(to_tsvector('simple', NEW.entities), 'B')
            || setweight(to_tsvector('english', NEW.body), 'C') || setweight(to_tsvector('simple', NEW.body), 'C')
            || setweight(to_tsvector('english', NEW.citations), 'D')
            || setweight(to_tsvector('simple', NEW.citations), 'D');
        RETURN NEW;
    END
    $$
    """,
    "ALTER TABLE timeline_searchdocument DROP COLUMN citations_vector",
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
        ("timeline", "0022_state_lz4"),
    ]

    operations = [migrations.RunPython(forward, backward)]
