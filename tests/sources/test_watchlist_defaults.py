"""The default watch-list file: checked against the taxonomy on load, and seeded as the migration froze it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sources.flagging import defaults
from sources.models import WatchEntity, WatchPattern

FROZEN = Path(defaults.__file__).parents[1] / "migrations" / "0002_seed_watchlist.json"


def test_an_unknown_kind_in_the_watch_list_file_fails_loudly_on_load(tmp_path, monkeypatch) -> None:
    bad = tmp_path / "watchlist.toml"
    bad.write_text("[[pattern]]\nname = 'x'\nrole = 'action'\nweight = 1.0\nkind = 'rule_relase'\npattern = 'x'\n")
    monkeypatch.setattr(defaults, "WATCHLIST_FILE", bad)
    defaults.default_watchlist.cache_clear()
    try:
        with pytest.raises(defaults.WatchlistFileError, match="'x' has unknown kind 'rule_relase'"):
            defaults.default_watchlist()
    finally:
        defaults.default_watchlist.cache_clear()


@pytest.mark.django_db
def test_a_fresh_database_holds_the_rows_the_migration_froze() -> None:
    frozen = json.loads(FROZEN.read_text(encoding="utf-8"))
    assert set(WatchEntity.objects.values_list("name", flat=True)) == {row["name"] for row in frozen["entities"]}
    assert set(WatchPattern.objects.values_list("name", flat=True)) == {row["name"] for row in frozen["patterns"]}
