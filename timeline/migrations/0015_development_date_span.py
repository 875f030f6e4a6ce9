"""PostgreSQL: an index on how many days each development's date spans, so that the widest is one index read.

A `from=` filter keeps developments ending on or after it, and a timeline is walked in the order of their lower
bounds: without a bound on where to start, the walk read every development that ended before `from` (2 s and more
at a million developments for a recent one). With the widest span known, the walk starts that many days before
`from` (timeline.selectors.developments._earliest_start). SQLite is untouched: the embedded default's timelines
are small enough to walk."""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX dev_date_span ON timeline_development ((date_upper - date_lower))", params=None
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS dev_date_span", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0014_search_phrase_pairs"),
    ]

    operations = [migrations.RunPython(forward, backward)]
