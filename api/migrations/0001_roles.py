"""Once created the analyst and editor groups; timeline/migrations/0003_roles does that now, with their permissions.

Kept, with no operation, so that databases that applied it and fresh ones share one migration history.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]

    operations: list[migrations.operations.base.Operation] = []
