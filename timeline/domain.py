"""The development aggregate: its event types and how each event changes its state.

Pure functions over the shapes in timeline.shapes, shared by the projector (to build read models) and by the
services (to check a command against the current state before appending). The store hands over each event's
data as some JSON object; its event type (and schema version, after upcasting) vouch for its shape, so the
functions here read it as that shape.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, cast

from events import registry
from events.shapes import EventData
from timeline.shapes import (
    CitationAddedData,
    CitationData,
    CitationRemovedData,
    DevelopmentChanges,
    DevelopmentLinkedData,
    DevelopmentMergedData,
    DevelopmentRecordedData,
    DevelopmentRevisedData,
    DevelopmentState,
    DevelopmentUnlinkedData,
    DuplicateAbsorbedData,
    EntityMergedData,
    EntityRegisteredData,
    EntityState,
    LinkData,
    RelationshipCitedData,
    RelationshipCorrectedData,
    RelationshipState,
    TimelineDefinedData,
    TimelineFields,
    VersionChange,
)

if TYPE_CHECKING:
    from events.store import RecordedEvent

DEVELOPMENT_RECORDED = "DevelopmentRecorded"
DEVELOPMENT_REVISED = "DevelopmentRevised"
DEVELOPMENT_RETRACTED = "DevelopmentRetracted"
DEVELOPMENT_RESTORED = "DevelopmentRestored"
CITATION_ADDED = "CitationAdded"
CITATION_REMOVED = "CitationRemoved"
DEVELOPMENT_MERGED = "DevelopmentMerged"
DUPLICATE_ABSORBED = "DuplicateAbsorbed"
DEVELOPMENT_LINKED = "DevelopmentLinked"
DEVELOPMENT_UNLINKED = "DevelopmentUnlinked"
ENTITY_REGISTERED = "EntityRegistered"
ENTITY_REVISED = "EntityRevised"
ENTITY_MERGED = "EntityMerged"
ENTITY_UNMERGED = "EntityUnmerged"
ENTITY_EVENTS = (ENTITY_REGISTERED, ENTITY_REVISED, ENTITY_MERGED, ENTITY_UNMERGED)
# Fields an entity revision may change.
ENTITY_FIELDS = ("name", "entity_type", "aliases", "country", "description", "identifiers")
RELATIONSHIP_RECORDED = "RelationshipRecorded"
RELATIONSHIP_CORRECTED = "RelationshipCorrected"
RELATIONSHIP_CITED = "RelationshipCited"
RELATIONSHIP_RETRACTED = "RelationshipRetracted"
RELATIONSHIP_EVENTS = (RELATIONSHIP_RECORDED, RELATIONSHIP_CORRECTED, RELATIONSHIP_CITED, RELATIONSHIP_RETRACTED)
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
    DEVELOPMENT_LINKED,
    DEVELOPMENT_UNLINKED,
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


def continued_developments(events: Iterable[RecordedEvent]) -> set[str]:
    """The developments whose streams had events before these (their first event here is not version 1): only
    they have an open history row and a current search document for a batch to take over."""
    first_versions: dict[str, int] = {}
    for event in events:
        first_versions.setdefault(event.stream.removeprefix("development-"), event.version)
    return {development_id for development_id, version in first_versions.items() if version > 1}


def entity_stream(entity_id: str) -> str:
    return f"entity-{entity_id}"


def evolve_entity(state: EntityState | None, event_type: str, data: EventData) -> EntityState:
    """The entity's state after one event. Events written before country, description and identifiers existed
    leave them empty."""
    if event_type == ENTITY_REGISTERED:
        registered = cast(EntityRegisteredData, data)
        return {
            "id": registered["id"],
            "name": registered["name"],
            "entity_type": registered["entity_type"],
            "aliases": copy.deepcopy(registered.get("aliases", [])),
            "country": registered.get("country", ""),
            "description": registered.get("description", ""),
            "identifiers": copy.deepcopy(registered.get("identifiers", {})),
        }
    if state is None:
        raise ValueError(f"{event_type} before the entity was registered")
    if event_type == ENTITY_MERGED:
        return {**copy.deepcopy(state), "merged_into": cast(EntityMergedData, data)["into"]}
    if event_type == ENTITY_UNMERGED:
        return {**copy.deepcopy(state), "merged_into": None}
    if event_type != ENTITY_REVISED:
        raise ValueError(f"unknown entity event {event_type}")
    # Only ENTITY_FIELDS are taken from the data, each of the type EntityState gives it.
    changes = {field: copy.deepcopy(data[field]) for field in ENTITY_FIELDS if field in data}
    return cast(EntityState, {**copy.deepcopy(state), **changes})


def relationship_stream(relationship_id: str) -> str:
    return f"relationship-{relationship_id}"


def evolve_relationship(state: RelationshipState | None, event_type: str, data: EventData) -> RelationshipState:
    """A relationship's state after one event: corrected, cited and retracted by events, never overwritten."""
    if event_type == RELATIONSHIP_RECORDED:
        return cast(RelationshipState, {**copy.deepcopy(data), "status": "current"})
    if state is None:
        raise ValueError(f"{event_type} before the relationship was recorded")
    new = copy.deepcopy(state)
    if event_type == RELATIONSHIP_CORRECTED:
        changes = cast(RelationshipCorrectedData, data)["changes"]
        for field in ("relation", "date", "note"):
            if field in changes:
                new[field] = str(changes[field])
    elif event_type == RELATIONSHIP_CITED:
        new["citations"].append(_copy(cast(RelationshipCitedData, data)["citation"]))
    elif event_type == RELATIONSHIP_RETRACTED:
        new["status"] = "retracted"
    else:
        raise ValueError(f"unknown relationship event {event_type}")
    return new


def timeline_stream(slug: str) -> str:
    return f"timeline-{slug}"


TIMELINE_EVENTS = (TIMELINE_DEFINED, TIMELINE_REVISED)
TIMELINE_FIELDS = ("title", "description", "filters", "pinned")


def timeline_definition(data: EventData) -> TimelineDefinedData:
    """The data of a TimelineDefined or TimelineRevised event, as its shape."""
    return cast(TimelineDefinedData, data)


def timeline_changes(data: EventData) -> TimelineFields:
    """The definition fields a TimelineDefined or TimelineRevised event sets."""
    # Only TIMELINE_FIELDS are taken, so the result is TimelineFields whatever else the data holds.
    return cast(TimelineFields, {key: data[key] for key in TIMELINE_FIELDS if key in data})


def _citation_v1_to_v2(data: dict[str, object]) -> CitationAddedData:
    """Schema 1 stored the Admiralty grading as one string ("B2"); schema 2 keeps its two axes apart."""
    citation = dict(cast(dict[str, object], data["citation"]))
    grading = str(citation.pop("grading", "F6"))
    citation["reliability"], citation["credibility"] = grading[0], grading[1:] or "6"
    citation.setdefault("grading_note", "")
    return cast(CitationAddedData, {**data, "citation": citation})


def register_event_types() -> None:
    for event_type in DEVELOPMENT_EVENTS | {ENTITY_REGISTERED, ENTITY_REVISED, TIMELINE_DEFINED, TIMELINE_REVISED}:
        registry.register_event_type(event_type, 1)
    for event_type in (ENTITY_MERGED, ENTITY_UNMERGED, *RELATIONSHIP_EVENTS):
        registry.register_event_type(event_type, 1)
    registry.register_event_type(CITATION_ADDED, 2)
    registry.register_upcaster(CITATION_ADDED, 1, _citation_v1_to_v2)


def evolve(state: DevelopmentState | None, event_type: str, data: EventData) -> DevelopmentState:
    """The development's state after one event. `state` is None before DevelopmentRecorded."""
    if event_type == DEVELOPMENT_RECORDED:
        recorded = cast(DevelopmentRecordedData, data)
        return {
            "id": recorded["id"],
            "title": recorded["title"],
            "summary": recorded.get("summary", ""),
            "date": recorded["date"],
            "category": recorded["category"],
            "kind": recorded["kind"],
            "entities": list(recorded.get("entities", [])),
            "tags": list(recorded.get("tags", [])),
            "disputed": bool(recorded.get("disputed", False)),
            "media": recorded.get("media"),
            "status": "current",
            "merged_into": None,
            "citations": [],
        }
    if state is None:
        raise ValueError(f"{event_type} before the development was recorded")
    # A shallow copy: a state is never changed in place once built (every list an event changes is replaced by
    # a new one below), so consecutive states share their unchanged parts. A deep copy per event made a long
    # stream quadratic (each citation added copied every earlier one).
    new = cast(DevelopmentState, dict(state))
    if event_type == DEVELOPMENT_REVISED:
        new = _revised(new, cast(DevelopmentRevisedData, data)["changes"])
    elif event_type == DEVELOPMENT_RETRACTED:
        new["status"] = "retracted"
    elif event_type == DEVELOPMENT_RESTORED:
        new["status"] = "current"
    elif event_type == CITATION_ADDED:
        new["citations"] = [*state["citations"], _copy(cast(CitationAddedData, data)["citation"])]
    elif event_type == CITATION_REMOVED:
        removed = cast(CitationRemovedData, data)["citation_id"]
        new["citations"] = [c for c in state["citations"] if c["id"] != removed]
    elif event_type == DEVELOPMENT_MERGED:
        new["status"] = "merged"
        new["merged_into"] = cast(DevelopmentMergedData, data)["into"]
    elif event_type == DUPLICATE_ABSORBED:
        absorbed = cast(DuplicateAbsorbedData, data)
        new["citations"] = [*state["citations"], *(_copy(c) for c in absorbed["citations"])]
        known = set(state["entities"])
        new["entities"] = [*state["entities"], *(e for e in absorbed.get("entities", []) if e not in known)]
    elif event_type == DEVELOPMENT_LINKED:
        new["links"] = [*state.get("links", []), cast(LinkData, dict(cast(DevelopmentLinkedData, data)["link"]))]
    elif event_type == DEVELOPMENT_UNLINKED:
        unlinked = cast(DevelopmentUnlinkedData, data)["link_id"]
        new["links"] = [link for link in state.get("links", []) if link["id"] != unlinked]
    else:
        raise ValueError(f"unknown development event {event_type}")
    return new


def _revised(state: DevelopmentState, changes: DevelopmentChanges) -> DevelopmentState:
    return {**state, **changes}


def _copy(citation: CitationData) -> CitationData:
    """A shallow copy, so that the state never shares a citation with the event it came from."""
    return cast(CitationData, dict(citation))


def describe_change(state_before: DevelopmentState | None, event_type: str, data: EventData) -> VersionChange:
    """What an event changed, as {field: {"from": old, "to": new}} or a short summary for list-like events."""
    if event_type == DEVELOPMENT_RECORDED:
        return {"recorded": True}
    if event_type == DEVELOPMENT_REVISED:
        before: Mapping[str, object] = state_before or {}
        changes = cast(DevelopmentRevisedData, data)["changes"]
        # The keys are revisable fields, and VersionChange has a FieldChange for each.
        return cast(
            VersionChange, {field: {"from": before.get(field), "to": value} for field, value in changes.items()}
        )
    if event_type in (DEVELOPMENT_RETRACTED, DEVELOPMENT_RESTORED):
        return {
            "status": {
                "from": state_before["status"] if state_before else None,
                "to": evolve(state_before, event_type, data)["status"],
            }
        }
    if event_type == CITATION_ADDED:
        return {"citation_added": cast(CitationAddedData, data)["citation"]["id"]}
    if event_type == CITATION_REMOVED:
        return {"citation_removed": cast(CitationRemovedData, data)["citation_id"]}
    if event_type == DEVELOPMENT_MERGED:
        return {"merged_into": cast(DevelopmentMergedData, data)["into"]}
    if event_type == DUPLICATE_ABSORBED:
        absorbed = cast(DuplicateAbsorbedData, data)
        return {"absorbed": absorbed["duplicate_id"], "citations": [c["id"] for c in absorbed["citations"]]}
    if event_type == DEVELOPMENT_LINKED:
        return {"link_added": cast(DevelopmentLinkedData, data)["link"]}
    if event_type == DEVELOPMENT_UNLINKED:
        return {"link_removed": cast(DevelopmentUnlinkedData, data)["link_id"]}
    return {}
