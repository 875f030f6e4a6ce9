"""Links indexed by entity then development (version): the entity filter reads a rare entity's developments
through its links (timeline.selectors.developments._entities_query) from the index alone, without visiting
the link table. They replace the indexes on the entity alone, which they cover; built before those are dropped."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0012_search_unspaced_grams"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="developmententity",
            index=models.Index(fields=["entity", "development"], name="dev_entity_entity_dev"),
        ),
        migrations.AddIndex(
            model_name="developmentversionentity",
            index=models.Index(fields=["entity", "version"], name="version_entity_entity_ver"),
        ),
        migrations.AlterField(
            model_name="developmententity",
            name="entity",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="development_links",
                to="timeline.entity",
            ),
        ),
        migrations.AlterField(
            model_name="developmentversionentity",
            name="entity",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="timeline.entity"
            ),
        ),
    ]
