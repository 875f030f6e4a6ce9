"""PostgreSQL: the search document's weighted tsvector built from one function per field, which a bulk writer
may call itself, once for each field text a development's documents share, and hand the document in.

The vector is the same as 0005's trigger built (tsvector concatenation is associative). The trigger now keeps a
document an INSERT supplies: SearchProjector.apply_batch supplies it, computed with timeline_search_field_vector
for each distinct (development, field text), so that the documents of a development that differ in one field do
not parse the others again (a rebuild writes a document per change of the text). SQLite is untouched."""

from django.db import migrations

POSTGRES_FORWARD = [
    """
    CREATE FUNCTION timeline_search_field_vector(text, "char") RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT setweight(to_tsvector('english', $1), $2) || setweight(to_tsvector('simple', $1), $2)
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION timeline_searchdocument_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' AND NEW.document IS NOT NULL THEN
            RETURN NEW;
        END IF;
        NEW.document :=
            timeline_search_field_vector(NEW.title, 'A') || timeline_search_field_vector(NEW.entities, 'B')
            || timeline_search_field_vector(NEW.body, 'C') || timeline_search_field_vector(NEW.citations, 'D');
        RETURN NEW;
    END
    $$
    """,
]
# 0005's function, as it was.
POSTGRES_BACKWARD = [
    """
    CREATE OR REPLACE FUNCTION timeline_searchdocument_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.document :=
            setweight(to_tsvector('english', NEW.title), 'A') || setweight(to_tsvector('simple', NEW.title), 'A')
            || setweight(to_tsvector('english', NEW.entities), 'B') || setweight(to_tsvector('simple', NEW.entities), 'B')
            || setweight(to_tsvector('english', NEW.body), 'C') || setweight(to_tsvector('simple', NEW.body), 'C')
            || setweight(to_tsvector('english', NEW.citations), 'D')
            || setweight(to_tsvector('simple', NEW.citations), 'D');
        RETURN NEW;
    END
    $$
    """,
    "DROP FUNCTION IF EXISTS timeline_search_field_vector(text, \"char\")",
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
