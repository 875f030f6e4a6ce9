"""Load the CSIS report's timeline (timeline/data/deepseek_timeline.json) through the timeline services.

Every event id is derived from the item's key, so loading twice appends nothing the second time.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from timeline import services
from timeline.models import Development, Entity, NamedTimeline

DATA_FILE = Path(__file__).resolve().parent / "data" / "deepseek_timeline.json"
# A fixed namespace: the ids of the report's developments are the same in every installation.
REPORT_NAMESPACE = uuid.UUID("5b0c6f8e-0f5e-4d8a-9a51-2f4d0a1c7e11")
LOADER_ACTOR = "loader:csis-report"


@dataclass(frozen=True)
class LoadResult:
    entities_added: int
    developments_added: int
    developments_total: int
    timelines_changed: int


def entity_id_for(key: str) -> str:
    return key.replace("_", "-").lower()


def development_event_id(key: str) -> uuid.UUID:
    return uuid.uuid5(REPORT_NAMESPACE, f"development:{key}")


def development_id_for(key: str) -> str:
    # Mirrors services.development_record: the development id follows from the event id.
    return str(uuid.uuid5(development_event_id(key), "development"))


def _citation(report: dict[str, Any], item: dict[str, Any], index: int, key: str) -> dict[str, Any]:
    judgment = item.get("judgment")
    relayed = item.get("publisher")
    claim = item.get("claim") or ""
    if relayed:
        claim = f"{relayed}, as reported by CSIS: {claim}" if claim else f"Reported by {relayed}, as cited by CSIS."
    return {
        "id": str(uuid.uuid5(REPORT_NAMESPACE, f"citation:{key}:{index}")),
        "title": report["title"],
        "url": report.get("url", ""),
        "author": report.get("author", ""),
        "publisher": "CSIS",
        "published": report.get("published", "2025"),
        "locator": f"Key judgment {judgment}" if judgment else "Introduction",
        "excerpt": item.get("excerpt", ""),
        "claim": claim,
        "reliability": item["reliability"],
        "credibility": str(item["credibility"]),
        "grading_note": item.get("grading_note", ""),
    }


def load_report_timeline(path: Path = DATA_FILE) -> LoadResult:
    data = json.loads(path.read_text(encoding="utf-8"))
    report = data["report"]

    entities_added = 0
    for entity in data["entities"]:
        entity_id = entity_id_for(entity["key"])
        if Entity.objects.filter(pk=entity_id).exists():
            continue
        services.entity_register(
            entity_id=entity_id,
            name=entity["name"],
            entity_type=entity["entity_type"],
            aliases=entity.get("aliases", []),
            actor=LOADER_ACTOR,
            event_id=uuid.uuid5(REPORT_NAMESPACE, f"entity:{entity['key']}"),
        )
        entities_added += 1

    developments_added = 0
    figure: list[str] = []
    for item in data["developments"]:
        key = item["key"]
        existed = Development.objects.filter(pk=development_id_for(key)).exists()
        development = services.development_record(
            title=item["title"],
            summary=item.get("summary", ""),
            date=item["date"],
            category=item["category"],
            kind=item["kind"],
            entities=[entity_id_for(e) for e in item.get("entities", [])],
            tags=item.get("tags", []),
            disputed=bool(item.get("disputed", False)),
            citations=[_citation(report, c, i, key) for i, c in enumerate(item["citations"])],
            actor=LOADER_ACTOR,
            reason="Loaded from the CSIS report",
            event_id=development_event_id(key),
        )
        developments_added += 0 if existed else 1
        if item.get("in_figure_1"):
            figure.append(str(development.pk))

    timelines_changed = 0
    for timeline in data.get("timelines", []):
        pinned = figure if timeline["slug"] == "deepseek-development" else []
        current = NamedTimeline.objects.filter(slug=timeline["slug"]).first()
        wanted = {"title": timeline["title"], "description": timeline.get("description", ""), "pinned": pinned}
        if current and {"title": current.title, "description": current.description, "pinned": current.pinned} == wanted:
            continue
        services.timeline_define(
            slug=timeline["slug"],
            expected_version=current.version if current else None,
            actor=LOADER_ACTOR,
            reason="Figure 1 of the CSIS report",
            **wanted,
        )
        timelines_changed += 1

    return LoadResult(entities_added, developments_added, len(data["developments"]), timelines_changed)
