"""Load the CSIS report's timeline (timeline/data/deepseek_timeline.json) through the timeline services.

Every event id is derived from the item's key, so loading twice appends nothing the second time. Beside the
report's citations, a development that is a Federal Register rule cites the rule itself (a `document` entry);
a citation a later data file adds is added to a development an earlier file loaded.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from events.models import StoredEvent
from timeline import domain, services
from timeline.models import Development, Entity, NamedTimeline
from timeline.taxonomy import Status

DATA_FILE = Path(__file__).resolve().parent / "data" / "deepseek_timeline.json"
# A fixed namespace: the ids of the report's developments are the same in every installation.
REPORT_NAMESPACE = uuid.UUID("5b0c6f8e-0f5e-4d8a-9a51-2f4d0a1c7e11")
LOADER_ACTOR = "loader:csis-report"


FEDERAL_REGISTER_SHORT_URL = "https://www.federalregister.gov/d/{number}"


@dataclass(frozen=True)
class LoadResult:
    entities_added: int
    developments_added: int
    developments_total: int
    timelines_changed: int
    citations_added: int = 0
    links_added: int = 0
    relationships_added: int = 0


def entity_id_for(key: str) -> str:
    return key.replace("_", "-").lower()


def development_event_id(key: str) -> uuid.UUID:
    return uuid.uuid5(REPORT_NAMESPACE, f"development:{key}")


def development_id_for(key: str) -> str:
    # Mirrors services.development_record: the development id follows from the event id.
    return str(uuid.uuid5(development_event_id(key), "development"))


def _document_citation(item: dict[str, Any], index: int, key: str) -> dict[str, Any]:
    """A primary source the data file names: the Federal Register document a rule was published as."""
    document = item["document"]
    number, citation = document["document_number"], document["citation"]
    return {
        "id": str(uuid.uuid5(REPORT_NAMESPACE, f"citation:{key}:{index}")),
        "title": document["title"],
        "url": FEDERAL_REGISTER_SHORT_URL.format(number=number),
        "author": document.get("agency", ""),
        "publisher": document.get("publisher", "Federal Register"),
        "published": document["publication_date"],
        "locator": f"{citation} (FR Doc. {number})",
        "excerpt": item.get("excerpt", ""),
        "claim": item.get("claim") or "",
        "reliability": item["reliability"],
        "credibility": str(item["credibility"]),
        "grading_note": item.get("grading_note", ""),
    }


def _citation(report: dict[str, Any], item: dict[str, Any], index: int, key: str) -> dict[str, Any]:
    if "document" in item:
        return _document_citation(item, index, key)
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

    developments_added = citations_added = 0
    figure: list[str] = []
    for item in data["developments"]:
        key = item["key"]
        citations = [_citation(report, c, i, key) for i, c in enumerate(item["citations"])]
        development = Development.objects.filter(pk=development_id_for(key)).first()
        if development is None:
            developments_added += 1
            development = services.development_record(
                title=item["title"],
                summary=item.get("summary", ""),
                date=item["date"],
                category=item["category"],
                kind=item["kind"],
                entities=[entity_id_for(e) for e in item.get("entities", [])],
                tags=item.get("tags", []),
                disputed=bool(item.get("disputed", False)),
                citations=citations,
                actor=LOADER_ACTOR,
                reason="Loaded from the CSIS report",
                event_id=development_event_id(key),
            )
        elif development.status == Status.CURRENT:
            # Loaded from an earlier file: recording it again would be another batch under the same event id,
            # so only the citations the file has gained since are added.
            development, added = _citations_add(development, citations)
            citations_added += added
        if item.get("in_figure_1"):
            figure.append(str(development.pk))

    links_added = _links_add(data.get("links", []))
    relationships_added = _relationships_add(report, data.get("relationships", []))

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

    return LoadResult(
        entities_added,
        developments_added,
        len(data["developments"]),
        timelines_changed,
        citations_added,
        links_added,
        relationships_added,
    )


def _relationships_add(report: dict[str, Any], relationships: list[dict[str, Any]]) -> int:
    """Record the relationships between entities the report states, each cited to its passage. One loaded before
    is not recorded again, even if an analyst has since retracted it."""
    added = 0
    for item in relationships:
        key = f"relationship:{item['source']}:{item['relation']}:{item['target']}"
        event_id = uuid.uuid5(REPORT_NAMESPACE, key)
        source, target = entity_id_for(item["source"]), entity_id_for(item["target"])
        if (
            StoredEvent.objects.filter(event_id=event_id).exists()
            or Entity.objects.filter(pk__in=[source, target]).count() < 2
        ):
            continue
        services.relationship_record(
            source=source,
            relation=item["relation"],
            target=target,
            date=item.get("date", ""),
            note=item.get("note", ""),
            citations=[_citation(report, c, i, key) for i, c in enumerate(item["citations"])],
            actor=LOADER_ACTOR,
            reason="Loaded from the CSIS report",
            event_id=event_id,
        )
        added += 1
    return added


def _links_add(links: list[dict[str, Any]]) -> int:
    """Link the report's developments as the report relates them, each note quoting its passage. A link loaded
    before is not linked again, even if an analyst has since removed it."""
    added = 0
    for link in links:
        event_id = uuid.uuid5(REPORT_NAMESPACE, f"link:{link['from']}:{link['relation']}:{link['to']}")
        source = Development.objects.filter(pk=development_id_for(link["from"])).first()
        target_loaded = Development.objects.filter(pk=development_id_for(link["to"])).exists()
        if StoredEvent.objects.filter(event_id=event_id).exists() or source is None or not target_loaded:
            continue
        if source.status != Status.CURRENT:
            continue
        services.development_link(
            development_id=source.pk,
            relation=link["relation"],
            target_id=development_id_for(link["to"]),
            note=f'CSIS, key judgment {link["judgment"]}: "{link["excerpt"]}"',
            actor=LOADER_ACTOR,
            reason="Loaded from the CSIS report",
            event_id=event_id,
        )
        added += 1
    return added


def _citations_add(development: Development, citations: list[dict[str, Any]]) -> tuple[Development, int]:
    """Add the citations a development loaded from an earlier data file never had. One it had and an analyst
    removed stays removed; an analyst's own citations stay."""
    ever_cited = {
        str(cited)
        for cited in StoredEvent.objects.filter(
            stream=domain.development_stream(str(development.pk)), event_type=domain.CITATION_ADDED
        ).values_list("data__citation__id", flat=True)
    }
    added = 0
    for citation in citations:
        if citation["id"] in ever_cited:
            continue
        development = services.citation_add(
            development_id=development.pk,
            citation=citation,
            actor=LOADER_ACTOR,
            reason="Loaded from the data file: a source beside the CSIS report's",
            event_id=uuid.uuid5(REPORT_NAMESPACE, f"citation-added:{citation['id']}"),
        )
        added += 1
    return development, added
