"""Retiring a search document rewrites no index: no index holds `is_current` any more, and (PostgreSQL) each page
of documents keeps room for the new version of a row, so the UPDATE that clears the flag is a heap-only (HOT)
update. Before, it was an ordinary update, which adds the row's new version to every index: the document's
tsvector GIN indexes, its phrase pairs (timeline_search_pairs over every position of its text), its trigrams and
its unspaced grams, all of the old document's whole text again. On a development at version 1,000 (some 200
citations' excerpts) that UPDATE took 5.8 ms, nearly what writing the new document took; as a HOT update, 0.03-0.3
ms. The development's own index finds its current document among its documents."""

from django.db import migrations

# Room for one new version of about one row in seven: a document is retired once in its life.
FILLFACTOR = 85


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE timeline_searchdocument SET (fillfactor = {FILLFACTOR})", params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE timeline_searchdocument RESET (fillfactor)", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0019_version_open_row"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="searchdocument",
            name="searchdoc_current",
        ),
        migrations.RunPython(forward, backward),
    ]
