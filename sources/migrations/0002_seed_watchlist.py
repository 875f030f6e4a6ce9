"""Seed the watch-list with the default entities, vocabulary, actions and false friends.

The rows are frozen in 0002_seed_watchlist.json beside this file, as they were when this migration was written, so
a fresh database and an upgraded one get the same rows whatever the live defaults (sources/flagging/watchlist.toml)
say today, and reversing deletes exactly the rows this migration made.
"""

import json
from pathlib import Path

from django.db import migrations

ROWS = Path(__file__).with_name("0002_seed_watchlist.json")


def _rows():
    return json.loads(ROWS.read_text(encoding="utf-8"))


def seed(apps, schema_editor):
    rows = _rows()
    entity_model = apps.get_model("sources", "WatchEntity")
    pattern_model = apps.get_model("sources", "WatchPattern")
    for spec in rows["entities"]:
        entity_model.objects.get_or_create(name=spec["name"], defaults=spec)
    for spec in rows["patterns"]:
        pattern_model.objects.get_or_create(name=spec["name"], defaults=spec)


def unseed(apps, schema_editor):
    rows = _rows()
    apps.get_model("sources", "WatchEntity").objects.filter(name__in=[e["name"] for e in rows["entities"]]).delete()
    apps.get_model("sources", "WatchPattern").objects.filter(name__in=[p["name"] for p in rows["patterns"]]).delete()


class Migration(migrations.Migration):
    dependencies = [("sources", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
