"""History rows name the search document holding their text, so versions whose text is unchanged share one."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0010_search_document_reverse_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="developmentversion",
            name="document",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="timeline.searchdocument",
            ),
        ),
        # Until now every history row had a document of its own, keyed by the row's position.
        migrations.RunSQL(
            "UPDATE timeline_developmentversion SET document_id = id", reverse_sql=migrations.RunSQL.noop
        ),
        migrations.AlterField(
            model_name="developmentversion",
            name="document",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="timeline.searchdocument",
            ),
        ),
    ]
