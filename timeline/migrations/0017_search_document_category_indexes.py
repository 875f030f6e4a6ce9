"""PostgreSQL: an index of the search documents' words for each category (a partial GIN index).

A word search with one category (timeline.search._matching tests it on the document, migration 0016) read the
word's whole list in the index of every document's words, then kept the quarter of the matches in the category:
at a million developments 100,000 entries for a word in a tenth of the documents, for each window of a relevance
block. Through the category's own index it reads the 25,000 in that category. The categories are a fixed list
(timeline.taxonomy.Category); one added later goes through the index of all documents until a migration gives it
its own. Together these hold as many entries as the index of all documents. SQLite is untouched."""

from django.db import migrations

# The categories when this migration was written (timeline.taxonomy.Category's values).
CATEGORIES = ("corporate", "government", "gpu_acquisition", "technology")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for category in CATEGORIES:
        schema_editor.execute(
            f"CREATE INDEX searchdoc_document_{category} ON timeline_searchdocument USING gin (document) "
            f"WHERE category = '{category}'",
            params=None,
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for category in CATEGORIES:
        schema_editor.execute(f"DROP INDEX IF EXISTS searchdoc_document_{category}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0016_search_document_category"),
    ]

    operations = [migrations.RunPython(forward, backward)]
