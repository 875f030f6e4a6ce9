"""Seed the watch-list with the default entities, vocabulary, actions and false friends."""

from django.db import migrations


def seed(apps, schema_editor):
    from sources.flagging.defaults import seed_watchlist

    seed_watchlist(apps.get_model("sources", "WatchEntity"), apps.get_model("sources", "WatchPattern"))


def unseed(apps, schema_editor):
    from sources.flagging.defaults import ENTITIES, PATTERNS

    apps.get_model("sources", "WatchEntity").objects.filter(name__in=[e["name"] for e in ENTITIES]).delete()
    apps.get_model("sources", "WatchPattern").objects.filter(name__in=[p["name"] for p in PATTERNS]).delete()


class Migration(migrations.Migration):
    dependencies = [("sources", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
