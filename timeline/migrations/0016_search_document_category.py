"""A search document carries its versions' category, and a change of category writes a document of its own.

A search with a category filter read every development whose document matched, to test the category on it: at
a million developments a common word in one category of four read four developments for each it kept (about 2,000
for a block of 500). With the category on the document it reads, the filter is tested there first, and only the
developments kept are read (timeline.search._matching). A document is shared by consecutive versions whose
searchable text is the same (DevelopmentVersion.document); the category now counts as part of that text, so that
the column holds for every version sharing the document, `as_of` included.

The existing documents take the category of the version that wrote them; a version whose category differs from
its document's (a change of category that left the text as it was) then starts a document of its own, as the
projector now writes them, so that the documents equal a rebuild's."""

from django.db import migrations, models

_FIELDS = ("title", "body", "citations", "entities")


def _add_column(apps, schema_editor):
    """The column, added in place: SQLite's schema editor would copy the table into a new one to add a column with
    a default, dropping the triggers that keep its full-text table in step (migration 0005). Every writer gives a
    category; the default only fills the existing rows until _backfill (PostgreSQL drops it, as Django would)."""
    schema_editor.execute(
        "ALTER TABLE timeline_searchdocument ADD COLUMN category varchar(20) NOT NULL DEFAULT ''", params=None
    )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE timeline_searchdocument ALTER COLUMN category DROP DEFAULT", params=None)


def _drop_column(apps, schema_editor):
    schema_editor.execute("ALTER TABLE timeline_searchdocument DROP COLUMN category", params=None)


def _backfill(apps, schema_editor):
    schema_editor.execute(
        "UPDATE timeline_searchdocument SET category = (SELECT v.category FROM timeline_developmentversion v "
        "WHERE v.id = timeline_searchdocument.version_id)",
        params=None,
    )


def _split(apps, schema_editor):
    """Give each version whose category differs from its document's the document the projector would have:
    its own where its category or text changed from its predecessor's, else its predecessor's."""
    version_model = apps.get_model("timeline", "DevelopmentVersion")
    document_model = apps.get_model("timeline", "SearchDocument")
    with_document = version_model.objects.filter(document__category__isnull=False)
    differing = with_document.exclude(category=models.F("document__category"))
    developments = set(differing.values_list("development_id", flat=True))
    for development_id in sorted(developments, key=str):
        versions = list(version_model.objects.filter(development_id=development_id).order_by("id"))
        documents = {d.version_id: d for d in document_model.objects.filter(development_id=development_id)}
        previous = None
        added, moved = [], []
        for version in versions:
            old = version.document_id
            if previous is not None and old == previous[0] and version.category == previous[1].category:
                new = previous[1].document_id
            else:
                new = version.id
            if new == version.id and old != version.id and old in documents:
                copied = {name: getattr(documents[old], name) for name in _FIELDS}
                added.append(
                    document_model(
                        version_id=version.id,
                        development_id=development_id,
                        is_current=False,
                        category=version.category,
                        **copied,
                    )
                )
            previous = (old, version)
            if new != old:
                version.document_id = new
                moved.append(version)
        document_model.objects.bulk_create(added)
        version_model.objects.bulk_update(moved, ["document"])
        current = next((v.document_id for v in versions if v.valid_to_position is None), None)
        document_model.objects.filter(development_id=development_id).update(is_current=False)
        document_model.objects.filter(version_id=current).update(is_current=True)


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0015_development_date_span"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(_add_column, _drop_column)],
            state_operations=[
                migrations.AddField(
                    model_name="searchdocument",
                    name="category",
                    field=models.CharField(
                        choices=[
                            ("corporate", "Corporate"),
                            ("government", "Government"),
                            ("gpu_acquisition", "GPU acquisition"),
                            ("technology", "Technology"),
                        ],
                        default="",
                        max_length=20,
                    ),
                    preserve_default=False,
                ),
            ],
        ),
        migrations.RunPython(_backfill, migrations.RunPython.noop),
        migrations.RunPython(_split, migrations.RunPython.noop),
    ]
