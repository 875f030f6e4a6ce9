"""STIX 2.1 out for entities and what joins things: an entity is an `identity` (organisations, people,
governments) or, for a country, a `location`; a relationship between two entities and a link between two
developments are each a `relationship` object.

Ids are deterministic like the reports': an entity's is uuid5 of its stream id under its STIX type
(`identity--…` or `location--…`), a relationship's uuid5 of its stream id, a development link's uuid5 of the
link's id. Relationship types are STIX's where it has one (located_in is `located-at`), else our relation
hyphenated as STIX asks of custom types (`subsidiary-of`); the relation as recorded is kept in
`x_timeline_relation`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from itertools import islice
from typing import Any

from interop import selectors
from interop.selectors import EntityFacts, RelationshipFacts
from interop.stix_common import (
    BATCH,
    PRODUCER_CREATED,
    SPEC_VERSION,
    bundle_chunks_of,
    cited,
    day_timestamp,
    producer_id,
    stix_id,
    timestamp,
)
from timeline.domain import development_stream, entity_stream, relationship_stream
from timeline.shapes import LinkData

# Each entity type as an identity class (STIX identity-class-ov); governments and agencies also get the
# "government-national" sector. A country is a `location` (STIX's object for a place) when it has its ISO code,
# which a location needs; without one it stays an identity of an unknown class.
IDENTITY_CLASSES = {
    "company": "organization",
    "research_lab": "organization",
    "agency": "organization",
    "government": "organization",
    "fab": "organization",
    "person": "individual",
    "product": "system",
    "country": "unknown",
    "other": "unknown",
}
GOVERNMENT_TYPES = {"agency", "government"}
# An identifier scheme as an external reference: its source name and, where it has one, the page it points at.
IDENTIFIER_SOURCES = {
    "wikidata": ("wikidata", "https://www.wikidata.org/wiki/{}"),
    "lei": ("lei", "https://search.gleif.org/#/record/{}"),
    "entity_list": ("us-bis-entity-list", ""),
}
RELATIONSHIP_TYPES = {"located_in": "located-at"}


def is_location(entity_type: str, country: str) -> bool:
    return entity_type == "country" and bool(country)


def entity_stix_id(entity_id: str, entity_type: str = "", country: str = "") -> str:
    kind = "location" if is_location(entity_type, country) else "identity"
    return stix_id(kind, entity_stream(entity_id))


def facts_stix_id(entity: EntityFacts) -> str:
    return entity_stix_id(entity.id, entity.entity_type, entity.country)


def relationship_type(relation: str) -> str:
    """STIX's relationship type for ours: its own where it has one, else ours in its lowercase-hyphen form."""
    return RELATIONSHIP_TYPES.get(relation, relation.replace("_", "-"))


def _identifier_references(entity: EntityFacts) -> list[dict[str, str]]:
    references = []
    for scheme, value in entity.identifiers:
        source, url = IDENTIFIER_SOURCES.get(scheme, (scheme.replace("_", "-"), ""))
        reference = {"source_name": source, "external_id": value}
        if url:
            reference["url"] = url.format(value)
        references.append(reference)
    return references


def entity_object(entity: EntityFacts) -> dict[str, Any]:
    created = entity.created or PRODUCER_CREATED
    obj: dict[str, Any] = {
        "type": "identity",
        "spec_version": SPEC_VERSION,
        "id": facts_stix_id(entity),
        "created_by_ref": producer_id(),
        "created": timestamp(created),
        "modified": timestamp(max(entity.modified or created, created)),
        "name": entity.name,
    }
    if is_location(entity.entity_type, entity.country):
        obj["type"] = "location"
        obj["country"] = entity.country
    else:
        obj["identity_class"] = IDENTITY_CLASSES.get(entity.entity_type, "unknown")
        if entity.entity_type in GOVERNMENT_TYPES:
            obj["sectors"] = ["government-national"]
        if entity.country:  # STIX ties an identity to a place only by a relationship to a location
            obj["x_timeline_country"] = entity.country
    if entity.description:
        obj["description"] = entity.description
    if references := _identifier_references(entity):
        obj["external_references"] = references
    obj["x_timeline_entity_id"] = entity.id
    obj["x_timeline_entity_type"] = entity.entity_type
    if entity.aliases:
        obj["x_timeline_aliases"] = list(entity.aliases)
    return obj


def relationship_object(relationship: RelationshipFacts, ends: Mapping[str, str]) -> dict[str, Any]:
    """`ends` maps an entity id to its STIX id (identity or location)."""
    created = relationship.created or PRODUCER_CREATED
    obj: dict[str, Any] = {
        "type": "relationship",
        "spec_version": SPEC_VERSION,
        "id": stix_id("relationship", relationship_stream(relationship.id)),
        "created_by_ref": producer_id(),
        "created": timestamp(created),
        "modified": timestamp(max(relationship.modified or created, created)),
        "relationship_type": relationship_type(relationship.relation),
        "source_ref": ends[relationship.source],
        "target_ref": ends[relationship.target],
        "x_timeline_relationship_id": relationship.id,
        "x_timeline_relation": relationship.relation,
        "x_timeline_version": relationship.version,
    }
    if relationship.note:
        obj["description"] = relationship.note
    if relationship.date and relationship.date_lower is not None and relationship.date_upper is not None:
        # From when the sources say it held; the date as recorded keeps its precision.
        obj["start_time"] = day_timestamp(relationship.date_lower)
        obj["x_timeline_date"] = relationship.date
        obj["x_timeline_date_lower"] = relationship.date_lower.isoformat()
        obj["x_timeline_date_upper"] = relationship.date_upper.isoformat()
    if relationship.status == "retracted":
        obj["revoked"] = True
    return cited(obj, relationship.citations)


def link_stix_id(link_id: str) -> str:
    return stix_id("relationship", f"development-link-{link_id}")


def link_object(source: str, link: LinkData, recorded: datetime) -> dict[str, Any]:
    """A development's link to another ("amends", "responds-to", ...) between their reports."""
    obj: dict[str, Any] = {
        "type": "relationship",
        "spec_version": SPEC_VERSION,
        "id": link_stix_id(link["id"]),
        "created_by_ref": producer_id(),
        "created": timestamp(recorded),
        "modified": timestamp(recorded),
        "relationship_type": relationship_type(link["relation"]),
        "source_ref": stix_id("report", development_stream(source)),
        "target_ref": stix_id("report", development_stream(link["target"])),
        "x_timeline_link_id": link["id"],
        "x_timeline_relation": link["relation"],
    }
    if link.get("note"):
        obj["description"] = link["note"]
    return obj


def entity_objects(
    entities: Iterable[EntityFacts], relationships: Iterable[RelationshipFacts] | None = None
) -> Iterator[dict[str, Any]]:
    """The entities, then the relationships whose both ends are among them: the given ones (as a reader was
    shown them), or when None every current relationship among them, read a batch of entities at a time."""
    ends: dict[str, str] = {}
    emitted: set[str] = set()
    iterator = iter(entities)
    while batch := list(islice(iterator, BATCH)):
        for entity in batch:
            ends[entity.id] = facts_stix_id(entity)
            yield entity_object(entity)
        if relationships is None:
            for relationship in selectors.relationships_touching(entity.id for entity in batch):
                if relationship.id not in emitted and {relationship.source, relationship.target} <= ends.keys():
                    emitted.add(relationship.id)
                    yield relationship_object(relationship, ends)
    for relationship in relationships or ():
        if {relationship.source, relationship.target} <= ends.keys():
            yield relationship_object(relationship, ends)


def entities_bundle_chunks(
    entities: Iterable[EntityFacts], *, scope: str, relationships: Iterable[RelationshipFacts] | None = None
) -> Iterator[str]:
    return bundle_chunks_of(entity_objects(entities, relationships), scope=scope)


def entities_bundle_text(
    shown: Iterable[tuple[EntityFacts, int]], *, scope: str, relationship_ids: Iterable[str] | None = None
) -> str:
    """A bundle of the entities a reader was shown (each with the log position of the version shown) and:
    when `relationship_ids` is None, every current relationship among them; else those relationships, with the
    entities at their other ends as they are now."""
    entities = selectors.with_stream_times(shown)
    relationships = None
    if relationship_ids is not None:
        relationships = selectors.relationships_get(relationship_ids)
        others = {end for r in relationships for end in (r.source, r.target)} - {entity.id for entity in entities}
        entities += sorted(selectors.entity_facts(others).values(), key=lambda entity: entity.id)
    return "".join(entities_bundle_chunks(entities, scope=scope, relationships=relationships))
