"""The search index: a document per history row, and each backend's index over it (PostgreSQL or SQLite)."""

import django.db.models.deletion
import sqlite3

from django.db import migrations, models

# PostgreSQL: a weighted tsvector of the 'english' and 'simple' configurations (title A, entity names B, summary C,
# citations D), kept by a trigger so that every writer fills it; GIN indexes on it, on the whole text for pg_trgm
# (Chinese, and any term inside a longer word), and on entity aliases (misspelt names).
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE timeline_searchdocument ADD COLUMN document tsvector",
    """
    CREATE FUNCTION timeline_searchdocument_vector() RETURNS trigger LANGUAGE plpgsql AS $$
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
    """
    CREATE TRIGGER timeline_searchdocument_vector BEFORE INSERT OR UPDATE OF title, body, citations, entities
    ON timeline_searchdocument FOR EACH ROW EXECUTE FUNCTION timeline_searchdocument_vector()
    """,
    "CREATE INDEX searchdoc_document ON timeline_searchdocument USING gin (document)",
    "CREATE INDEX searchdoc_text_trgm ON timeline_searchdocument "
    "USING gin ((title || ' ' || body || ' ' || citations || ' ' || entities) gin_trgm_ops)",
    "CREATE INDEX entityalias_normalized_trgm ON timeline_entityalias USING gin (normalized gin_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS entityalias_normalized_trgm",
    "DROP TRIGGER IF EXISTS timeline_searchdocument_vector ON timeline_searchdocument",
    "DROP FUNCTION IF EXISTS timeline_searchdocument_vector()",
    "ALTER TABLE timeline_searchdocument DROP COLUMN IF EXISTS document",
]

# SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34+) over the documents' columns, kept in step by
# triggers (FTS5's external-content pattern), so deleting the documents (a rebuild) empties it too.
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE timeline_search_fts USING fts5(title, body, citations, entities, "
    "content='timeline_searchdocument', content_rowid='version_id', tokenize='trigram')",
    """
    CREATE TRIGGER timeline_search_fts_insert AFTER INSERT ON timeline_searchdocument BEGIN
        INSERT INTO timeline_search_fts(rowid, title, body, citations, entities)
        VALUES (new.version_id, new.title, new.body, new.citations, new.entities);
    END
    """,
    """
    CREATE TRIGGER timeline_search_fts_delete AFTER DELETE ON timeline_searchdocument BEGIN
        INSERT INTO timeline_search_fts(timeline_search_fts, rowid, title, body, citations, entities)
        VALUES ('delete', old.version_id, old.title, old.body, old.citations, old.entities);
    END
    """,
    """
    CREATE TRIGGER timeline_search_fts_update AFTER UPDATE OF title, body, citations, entities
    ON timeline_searchdocument BEGIN
        INSERT INTO timeline_search_fts(timeline_search_fts, rowid, title, body, citations, entities)
        VALUES ('delete', old.version_id, old.title, old.body, old.citations, old.entities);
        INSERT INTO timeline_search_fts(rowid, title, body, citations, entities)
        VALUES (new.version_id, new.title, new.body, new.citations, new.entities);
    END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS timeline_search_fts_update",
    "DROP TRIGGER IF EXISTS timeline_search_fts_delete",
    "DROP TRIGGER IF EXISTS timeline_search_fts_insert",
    "DROP TABLE IF EXISTS timeline_search_fts",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES_FORWARD)
    elif vendor == "sqlite":
        if sqlite3.sqlite_version_info < (3, 34):
            raise RuntimeError(
                f"SQLite {sqlite3.sqlite_version} has no FTS5 trigram tokenizer; search needs SQLite 3.34 or later."
            )
        _run(schema_editor, SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, POSTGRES_BACKWARD if vendor == "postgresql" else SQLITE_BACKWARD if vendor == "sqlite" else [])


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0004_primary_source_kinds"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                (
                    "version",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="timeline.developmentversion",
                    ),
                ),
                ("is_current", models.BooleanField(default=True)),
                ("title", models.TextField()),
                ("body", models.TextField(blank=True)),
                ("citations", models.TextField(blank=True)),
                ("entities", models.TextField(blank=True)),
                (
                    "development",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="timeline.development"
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["development", "is_current"], name="searchdoc_current")],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
