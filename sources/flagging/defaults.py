"""The default watch-list, loaded from watchlist.toml: what scoring uses before a database exists, and a seeder.

The data lives in a file, not in code, so that analysts can read and review it; each entry's kind, category and
entity type are checked against timeline.taxonomy when it is loaded, so a misspelt kind fails loudly instead of
never being suggested. Data migrations keep frozen copies of what they write (sources/migrations/).
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

from timeline.taxonomy import Category, EntityType, Kind

WATCHLIST_FILE = Path(__file__).with_name("watchlist.toml")
ROLES = ("topic", "action", "negative")


class WatchlistFileError(ValueError):
    """The watch-list file has an entry that names an unknown kind, category, type or role."""


@dataclass(frozen=True)
class EntitySpec:
    """A watched entity as the WatchEntity model stores it."""

    name: str
    aliases: str  # one per line, as WatchEntity.aliases
    weight: float
    entity_type: str
    is_government: bool


@dataclass(frozen=True)
class PatternSpec:
    """A watch-list pattern as the WatchPattern model stores it."""

    name: str
    role: str
    pattern: str
    is_regex: bool
    weight: float
    kind: str
    category: str


@dataclass(frozen=True)
class Watchlist:
    entities: tuple[EntitySpec, ...]
    patterns: tuple[PatternSpec, ...]


def _check(value: str, allowed: Any, what: str, name: str) -> str:
    if value and value not in set(allowed):
        raise WatchlistFileError(f"{WATCHLIST_FILE.name}: {name!r} has unknown {what} {value!r}")
    return value


def _entity(row: dict[str, Any]) -> EntitySpec:
    name = row["name"]
    return EntitySpec(
        name=name,
        aliases="\n".join(alias.strip() for alias in row.get("aliases", []) if alias.strip()),
        weight=float(row.get("weight", 2.0)),
        entity_type=_check(row.get("type", EntityType.COMPANY.value), EntityType.values, "type", name),
        is_government=bool(row.get("government", False)),
    )


def _pattern(row: dict[str, Any]) -> PatternSpec:
    name = row["name"]
    pattern = row["pattern"]
    return PatternSpec(
        name=name,
        role=_check(row["role"], ROLES, "role", name),
        pattern=pattern if isinstance(pattern, str) else "".join(pattern),
        is_regex=True,
        weight=float(row["weight"]),
        kind=_check(row.get("kind", ""), Kind.values, "kind", name),
        category=_check(row.get("category", ""), Category.values, "category", name),
    )


@cache
def default_watchlist() -> Watchlist:
    """The watch-list in watchlist.toml, read and checked once per process."""
    data = tomllib.loads(WATCHLIST_FILE.read_text(encoding="utf-8"))
    return Watchlist(
        entities=tuple(_entity(row) for row in data.get("entity", [])),
        patterns=tuple(_pattern(row) for row in data.get("pattern", [])),
    )


def seed_watchlist(entity_model: Any, pattern_model: Any) -> tuple[int, int]:
    """Create the default entities and patterns that do not exist yet (by name); return how many were made."""
    watchlist = default_watchlist()
    made_entities = made_patterns = 0
    for entity in watchlist.entities:
        _, created = entity_model.objects.get_or_create(name=entity.name, defaults=asdict(entity))
        made_entities += int(created)
    for pattern in watchlist.patterns:
        _, created = pattern_model.objects.get_or_create(name=pattern.name, defaults=asdict(pattern))
        made_patterns += int(created)
    return made_entities, made_patterns
