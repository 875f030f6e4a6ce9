"""The development aggregate: its event types and how each event changes its state.

Pure functions over plain dicts, shared by the projector (to build read models) and by the services (to
check a command against the current state before appending).
"""

from __future__ import annotations

import copy
from typing import Any

from events import registry

DEVELOPMENT_RECORDED = "DevelopmentRecorded"
DEVELOPMENT_REVISED = "DevelopmentRevised"
DEVELOPMENT_RETRACTED = "DevelopmentRetracted"
DEVELOPMENT_RESTORED = "DevelopmentRestored"
CITATION_ADDED = "CitationAdded"
CITATION_REMOVED = "CitationRemoved"
DEVELOPMENT_MERGED = "DevelopmentMerged"
DUPLICATE_ABSORBED = "DuplicateAbsorbed"
ENTITY_REGISTERED = "EntityRegistered"
ENTITY_REVISED = "EntityRevised"
TIMELINE_DEFINED = "TimelineDefined"
TIMELINE_REVISED = "TimelineRevised"

DEVELOPMENT_EVENTS = {
    DEVELOPMENT_RECORDED,
    DEVELOPMENT_REVISED,
    DEVELOPMENT_RETRACTED,
    DEVELOPMENT_RESTORED,
    CITATION_ADDED,
    CITATION_REMOVED,
    DEVELOPMENT_MERGED,
    DUPLICATE_ABSORBED,
}

# Fields a revision may change; anything else is refused by the service.
REVISABLE_FIELDS = ("title", "summary", "date", "category", "kind", "entities", "tags", "disputed", "media")

CITATION_FIELDS = (
    "url",
    "title",
    "publisher",
    "author",
    "published",
    "excerpt",
    "locator",
    "claim",
    "reliability",
    "credibility",
    "grading_note",
)


def development_stream(development_id: str) -> str:
    return f"development-{development_id}"


def entity_stream(entity_id: str) -> str:
    return f"entity-{entity_id}"


def timeline_stream(slug: str) -> str:
    return f"timeline-{slug}"


TIMELINE_EVENTS = (TIMELINE_DEFINED, TIMELINE_REVISED)
TIMELINE_FIELDS = ("title", "description", "filters", "pinned")


def timeline_changes(data: dict[str, Any]) -> dict[str, Any]:
    """The definition fields a TimelineDefined or TimelineRevised event sets."""
    return {key: data[key] for key in TIMELINE_FIELDS if key in data}


def _citation_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 stored the Admiralty grading as one string ("B2"); schema 2 keeps its two axes apart."""
    citation = dict(data["citation"])
    grading = str(citation.pop("grading", "F6"))
    citation["reliability"], citation["credibility"] = grading[0], grading[1:] or "6"
    citation.setdefault("grading_note", "")
    return {**data, "citation": citation}


def register_event_types() -> None:
    for event_type in DEVELOPMENT_EVENTS | {ENTITY_REGISTERED, ENTITY_REVISED, TIMELINE_DEFINED, TIMELINE_REVISED}:
        registry.register_event_type(event_type, 1)
    registry.register_event_type(CITATION_ADDED, 2)
    registry.register_upcaster(CITATION_ADDED, 1, _citation_v1_to_v2)


def evolve(state: dict[str, Any] | None, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The development's state after one event. `state` is None before DevelopmentRecorded."""
    if event_type == DEVELOPMENT_RECORDED:
        return {
            "id": data["id"],
            "title": data["title"],
            "summary": data.get("summary", ""),
            "date": data["date"],
            "category": data["category"],
            "kind": data["kind"],
            "entities": list(data.get("entities", [])),
            "tags": list(data.get("tags", [])),
            "disputed": bool(data.get("disputed", False)),
            "media": data.get("media"),
            "status": "current",
            "merged_into": None,
            "citations": [],
        }
    if state is None:
        raise ValueError(f"{event_type} before the development was recorded")
    new = copy.deepcopy(state)
    if event_type == DEVELOPMENT_REVISED:
        for field, value in data["changes"].items():
            new[field] = value
    elif event_type == DEVELOPMENT_RETRACTED:
        new["status"] = "retracted"
    elif event_type == DEVELOPMENT_RESTORED:
        new["status"] = "current"
    elif event_type == CITATION_ADDED:
        new["citations"].append(dict(data["citation"]))
    elif event_type == CITATION_REMOVED:
        new["citations"] = [c for c in new["citations"] if c["id"] != data["citation_id"]]
    elif event_type == DEVELOPMENT_MERGED:
        new["status"] = "merged"
        new["merged_into"] = data["into"]
    elif event_type == DUPLICATE_ABSORBED:
        new["citations"].extend(dict(c) for c in data["citations"])
        known = set(new["entities"])
        new["entities"].extend(e for e in data.get("entities", []) if e not in known)
    else:
        raise ValueError(f"unknown development event {event_type}")
    return new


def describe_change(state_before: dict[str, Any] | None, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """What an event changed, as {field: {"from": old, "to": new}} or a short summary for list-like events."""
    if event_type == DEVELOPMENT_RECORDED:
        return {"recorded": True}
    if event_type == DEVELOPMENT_REVISED:
        before = state_before or {}
        return {field: {"from": before.get(field), "to": value} for field, value in data["changes"].items()}
    if event_type in (DEVELOPMENT_RETRACTED, DEVELOPMENT_RESTORED):
        return {
            "status": {
                "from": (state_before or {}).get("status"),
                "to": evolve(state_before, event_type, data)["status"],
            }
        }
    if event_type == CITATION_ADDED:
        return {"citation_added": data["citation"]["id"]}
    if event_type == CITATION_REMOVED:
        return {"citation_removed": data["citation_id"]}
    if event_type == DEVELOPMENT_MERGED:
        return {"merged_into": data["into"]}
    if event_type == DUPLICATE_ABSORBED:
        return {"absorbed": data["duplicate_id"], "citations": [c["id"] for c in data["citations"]]}
    return {}
