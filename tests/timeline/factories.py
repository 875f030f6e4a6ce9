"""Builders shared by the event-store and timeline tests: entities, developments, citations, random commands,
and a row-for-row snapshot of every projection table."""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection

from events.models import ProjectionCheckpoint
from timeline import services
from timeline.models import (
    Citation,
    Development,
    DevelopmentEntity,
    DevelopmentVersion,
    DevelopmentVersionEntity,
    Entity,
    EntityAlias,
    NamedTimeline,
    SearchDocument,
)
from timeline.taxonomy import Category, Kind

ENTITIES = [
    ("deepseek", "DeepSeek", "company", [("深度求索", "zh"), ("DeepSeek AI", "en")]),
    ("high-flyer", "High-Flyer", "company", [("幻方量化", "zh"), ("High-Flyer Capital Management", "en")]),
    ("huawei", "Huawei", "company", [("华为", "zh")]),
    ("smic", "SMIC", "fab", [("中芯国际", "zh"), ("Semiconductor Manufacturing International Corporation", "en")]),
    ("nvidia", "Nvidia", "company", [("英伟达", "zh")]),
    ("bis", "Bureau of Industry and Security", "agency", [("BIS", "en")]),
]


def register_entities() -> list[Entity]:
    return [
        services.entity_register(
            entity_id=entity_id,
            name=name,
            entity_type=entity_type,
            aliases=[{"name": alias, "lang": lang} for alias, lang in aliases],
        )
        for entity_id, name, entity_type, aliases in ENTITIES
    ]


def citation(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "url": "https://www.csis.org/analysis/deepseek-huawei-export-controls-and-future-us-china-ai-race",
        "title": "DeepSeek, Huawei, Export Controls, and the Future of the U.S.-China AI Race",
        "publisher": "CSIS",
        "author": "Gregory C. Allen",
        "published": "2025-03",
        "locator": "Judgment 1",
        "reliability": "B",
        "credibility": "2",
    }
    fields.update(overrides)
    return fields


def record(**overrides: Any) -> Development:
    fields: dict[str, Any] = {
        "title": "BIS publishes the October 7, 2022 controls",
        "date": "2022-10-07",
        "category": "government",
        "kind": "rule_release",
    }
    fields.update(overrides)
    return services.development_record(**fields)


def projection_rows() -> dict[str, list[dict[str, Any]]]:
    """Every projection table as a sorted list of row dicts.

    EntityAlias, DevelopmentEntity and DevelopmentVersionEntity have auto-increment surrogate ids that a rebuild
    hands out afresh; they are compared without that `id` column (each has a unique natural key instead). Every
    other table's primary key is deterministic (entity slug, development/citation uuid, the position that made
    a version, timeline slug, projector name) and is compared too.
    """
    tables: dict[str, tuple[Any, tuple[str, ...]]] = {
        "entity": (Entity, ()),
        "entity_alias": (EntityAlias, ("id",)),
        "development": (Development, ()),
        "development_entity": (DevelopmentEntity, ("id",)),
        "citation": (Citation, ()),
        "development_version": (DevelopmentVersion, ()),
        "development_version_entity": (DevelopmentVersionEntity, ("id",)),
        "named_timeline": (NamedTimeline, ()),
        "search_document": (SearchDocument, ()),
        "projection_checkpoint": (ProjectionCheckpoint, ()),
    }
    snapshot = {}
    for name, (model, surrogate) in tables.items():
        rows = [{k: v for k, v in row.items() if k not in surrogate} for row in model.objects.values()]
        snapshot[name] = sorted(rows, key=lambda row: json.dumps(row, sort_keys=True, default=str))
    if connection.vendor == "postgresql":
        # The search vector, a column no model field names (migration 0005): a rebuild computes it too.
        with connection.cursor() as cursor:
            cursor.execute("SELECT version_id, document::text FROM timeline_searchdocument ORDER BY version_id")
            snapshot["search_vector"] = [{"version_id": key, "document": text} for key, text in cursor.fetchall()]
    return snapshot


DATES = ["2015", "2019", "2022-10-07", "2023-10", "2024-36", "2022-07~", "2023-07/2023-09", "2021-05-17", "2024-12"]
TAGS = ["export-controls", "open-weights", "smuggling", "hbm", "yield", "gpu"]
CHINESE_NAMES = ["芯恩", "芯新", "寒武纪", "长江存储", "智谱", "月之暗面"]


def random_commands(rng: random.Random, count: int) -> Counter[str]:
    """Apply `count` random commands (a seeded mix of every service) and count the ones that were appended.

    Commands are chosen to be mostly valid for the current state; the few that a service refuses with a
    ValidationError (e.g. a revision that changes nothing) are skipped and not counted.
    """
    done: Counter[str] = Counter()
    entity_ids = list(Entity.objects.values_list("pk", flat=True))
    slugs: list[str] = []

    def developments(status: str | None = None) -> list[Development]:
        queryset = Development.objects.order_by("pk")
        return list(queryset.filter(status=status) if status else queryset)

    def some_citation() -> dict[str, Any]:
        return citation(
            title=f"Source {rng.randrange(10_000)}",
            url=rng.choice(["https://www.ft.com/content/x", "http://example.org/report", ""]),
            reliability=rng.choice("ABCDEF"),
            credibility=rng.choice("123456"),
            published=rng.choice(["", "2024-01-15", "2023-10"]),
        )

    for step in range(count):
        current = developments("current")
        retracted = developments("retracted")
        options = ["record", "entity"] * 2 + ["timeline"]
        if current:
            options += ["revise"] * 4 + ["retract", "cite", "cite"]
            cited = [d for d in current if d.snapshot["citations"]]
            if cited:
                options += ["uncite"]
            if len(current) >= 2:
                options += ["merge"]
        if retracted:
            options += ["restore"] * 2
        action = rng.choice(options)
        try:
            if action == "record":
                services.development_record(
                    title=f"Development {step}",
                    date=rng.choice(DATES),
                    category=rng.choice(Category.values),
                    kind=rng.choice(Kind.values),
                    summary=rng.choice(["", f"Summary of step {step}"]),
                    entities=rng.sample(entity_ids, k=min(len(entity_ids), rng.randrange(3))),
                    tags=rng.sample(TAGS, k=rng.randrange(3)),
                    disputed=rng.random() < 0.1,
                    citations=[some_citation() for _ in range(rng.randrange(3))],
                    actor=rng.choice(["analyst-1", "analyst-2", None]),
                )
            elif action == "entity":
                entity_id = f"entity-{step}"
                services.entity_register(
                    entity_id=entity_id,
                    name=f"Entity {step}",
                    entity_type=rng.choice(["company", "agency", "fab", "person"]),
                    aliases=[{"name": f"{rng.choice(CHINESE_NAMES)}{step}", "lang": "zh"}],
                )
                entity_ids.append(entity_id)
            elif action == "timeline":
                slug = rng.choice([*slugs, f"timeline-{step}"]) if slugs else f"timeline-{step}"
                pinned = [d.pk for d in rng.sample(current, k=min(len(current), rng.randrange(4)))]
                filters = rng.choice([{}, {"category": ["government"]}, {"tag": "hbm", "disputed": True}])
                services.timeline_define(slug=slug, title=f"Timeline {step}", filters=filters, pinned=pinned)
                slugs.append(slug)
            elif action == "revise":
                development = rng.choice(current)
                field = rng.choice(["title", "summary", "date", "category", "kind", "entities", "tags", "disputed"])
                value: Any = {
                    "title": f"Revised title {step}",
                    "summary": f"Revised summary {step}",
                    "date": rng.choice(DATES),
                    "category": rng.choice(Category.values),
                    "kind": rng.choice(Kind.values),
                    "entities": rng.sample(entity_ids, k=min(len(entity_ids), rng.randrange(3))),
                    "tags": rng.sample(TAGS, k=rng.randrange(3)),
                    "disputed": not development.disputed,
                }[field]
                services.development_revise(
                    development_id=development.pk,
                    changes={field: value},
                    expected_version=development.version,
                    reason=f"correction {step}",
                )
            elif action == "retract":
                development = rng.choice(current)
                services.development_retract(
                    development_id=development.pk, reason="not what happened", expected_version=development.version
                )
            elif action == "restore":
                development = rng.choice(retracted)
                services.development_restore(development_id=development.pk, reason="confirmed after all")
            elif action == "cite":
                development = rng.choice(current)
                services.citation_add(development_id=development.pk, citation=some_citation())
            elif action == "uncite":
                development = rng.choice([d for d in current if d.snapshot["citations"]])
                services.citation_remove(
                    development_id=development.pk,
                    citation_id=rng.choice(development.snapshot["citations"])["id"],
                    reason="the source was withdrawn",
                )
            elif action == "merge":
                duplicate, target = rng.sample(current, k=2)
                services.development_merge(duplicate_id=duplicate.pk, into_id=target.pk, reason="same happening")
        except ValidationError:
            continue
        done[action] += 1
    return done
