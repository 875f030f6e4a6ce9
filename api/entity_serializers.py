"""The API's shapes for entities: rows built from the Entity read model and its history, and serializers that
describe them to the schema and check the shape of writes (what a value may be is the services' business)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from api.serializers import (
    CitationInputSerializer,
    CitationSerializer,
    EntityRefSerializer,
    StrictSerializer,
    citation_row,
)
from timeline import selectors
from timeline.models import Entity, Relationship
from timeline.shapes import EntityState
from timeline.taxonomy import EntityType, RelationType

ENTITY_TYPE_LABELS = dict(EntityType.choices)
RELATION_LABELS = dict(RelationType.choices)


def entity_state_row(
    state: EntityState, *, version: int, position: int, base_url: str, listing: selectors.ListingStatus | None
) -> dict[str, Any]:
    """One entity as the API shows it: the name to show, every other name with its language, the profile."""
    entity_id = state["id"]
    row: dict[str, Any] = {
        "id": entity_id,
        "url": f"{base_url}/api/entities/{entity_id}/",
        "name": state["name"],
        "names": [{"name": state["name"], "lang": "", "shown": True}]
        + [{"name": alias["name"], "lang": alias.get("lang", ""), "shown": False} for alias in state["aliases"]],
        "entity_type": state["entity_type"],
        "entity_type_label": ENTITY_TYPE_LABELS.get(state["entity_type"], state["entity_type"]),
        "country": state["country"],
        "description": state["description"],
        "identifiers": dict(state["identifiers"]),
        "developments_url": f"{base_url}/api/entities/{entity_id}/developments/",
        "merged_into": state.get("merged_into"),
        "version": version,
        "last_position": position,
    }
    if listing is not None:
        row["entity_list"] = {
            "listed": listing.listed,
            "changes": [
                {"development": change.development_id, "kind": change.kind, "date": change.date, "title": change.title}
                for change in listing.changes
            ],
        }
    return row


def entity_row(entity: Entity, *, base_url: str, listing: selectors.ListingStatus | None = None) -> dict[str, Any]:
    state = entity.snapshot or _state_from_columns(entity)
    return entity_state_row(
        state, version=entity.version, position=entity.last_position, base_url=base_url, listing=listing
    )


def _state_from_columns(entity: Entity) -> EntityState:
    """An entity projected before snapshots were kept (the migration fills them; this is the fallback)."""
    return {
        "id": entity.pk,
        "name": entity.name,
        "entity_type": entity.entity_type,
        "aliases": [{"name": a.name, "lang": a.lang} for a in entity.aliases.all() if a.name != entity.name],
        "country": entity.country,
        "description": entity.description,
        "identifiers": {},
    }


def relationship_row(relationship: Relationship, *, base_url: str) -> dict[str, Any]:
    """A relationship as the API shows it, read "source relation target", with its graded citations."""
    state = relationship.snapshot
    return {
        "id": str(relationship.pk),
        "url": f"{base_url}/api/relationships/{relationship.pk}/",
        "source": {"id": relationship.source_id, "name": relationship.source.name},
        "relation": relationship.relation,
        "relation_label": RELATION_LABELS.get(relationship.relation, relationship.relation),
        "target": {"id": relationship.target_id, "name": relationship.target.name},
        "date": relationship.edtf,
        "note": state.get("note", ""),
        "citations": [citation_row(citation) for citation in state.get("citations", [])],
        "status": relationship.status,
        "version": relationship.version,
        "last_position": relationship.last_position,
    }


def graph_row(graph: selectors.EntityGraph, *, base_url: str) -> dict[str, Any]:
    return {
        "center": graph.center,
        "nodes": [
            {"id": pk, "name": name, "entity_type": entity_type, "hops": hops, "url": f"{base_url}/api/entities/{pk}/"}
            for pk, (name, entity_type, hops) in sorted(graph.nodes.items(), key=lambda item: (item[1][2], item[0]))
        ],
        "edges": [
            {"id": e.id, "source": e.source, "relation": e.relation, "target": e.target, "date": e.date}
            for e in graph.edges
        ],
    }


# --- what the schema says about those rows ----------------------------------------------------------------


class EntityNameSerializer(serializers.Serializer):
    name = serializers.CharField()
    lang = serializers.CharField(allow_blank=True, help_text="A language tag; empty for another spelling")
    shown = serializers.BooleanField(help_text="Whether this is the name to show")


class IdentifiersSerializer(serializers.Serializer):
    wikidata = serializers.CharField(required=False, help_text="A Wikidata item, e.g. Q123")
    lei = serializers.CharField(required=False, help_text="A Legal Entity Identifier")
    entity_list = serializers.CharField(required=False, help_text="The Entity List entry")


class ListingChangeSerializer(serializers.Serializer):
    development = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=["entity_listing", "entity_delisting"])
    date = serializers.CharField(help_text="EDTF")
    title = serializers.CharField()


class EntityListStatusSerializer(serializers.Serializer):
    listed = serializers.BooleanField(help_text="Listed by its latest listing or delisting development")
    changes = ListingChangeSerializer(many=True)


class RelationshipSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.URLField()
    source = EntityRefSerializer()  # type: ignore[assignment]
    relation = serializers.ChoiceField(choices=RelationType.choices)
    relation_label = serializers.CharField()
    target = EntityRefSerializer()
    date = serializers.CharField(allow_blank=True, help_text="EDTF; empty when the sources give no date")
    note = serializers.CharField(allow_blank=True)
    citations = CitationSerializer(many=True)
    status = serializers.ChoiceField(choices=["current", "retracted"])
    version = serializers.IntegerField()
    last_position = serializers.IntegerField()


class EntitySerializer(serializers.Serializer):
    id = serializers.SlugField()
    url = serializers.URLField()
    name = serializers.CharField(help_text="The name to show")
    names = EntityNameSerializer(many=True, help_text="Every name, in every language")
    entity_type = serializers.ChoiceField(choices=EntityType.choices)
    entity_type_label = serializers.CharField()
    country = serializers.CharField(allow_blank=True, help_text="ISO 3166-1 alpha-2")
    description = serializers.CharField(allow_blank=True)
    identifiers = IdentifiersSerializer()
    developments_url = serializers.URLField()
    merged_into = serializers.CharField(allow_null=True, help_text="The entity this one is merged into, if any")
    version = serializers.IntegerField()
    last_position = serializers.IntegerField()
    entity_list = EntityListStatusSerializer(required=False)
    relationships = RelationshipSerializer(
        many=True, required=False, help_text="One entity only: its current relationships either way"
    )
    name_clashes = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="One entity only: its names other entities answer to as well, with those entities",
    )


class GraphNodeSerializer(serializers.Serializer):
    id = serializers.SlugField()
    name = serializers.CharField()
    entity_type = serializers.ChoiceField(choices=EntityType.choices)
    hops = serializers.IntegerField(help_text="Relationships away from the center")
    url = serializers.URLField()


class GraphEdgeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    source = serializers.SlugField()  # type: ignore[assignment]
    relation = serializers.ChoiceField(choices=RelationType.choices)
    target = serializers.SlugField()
    date = serializers.CharField(allow_blank=True)


class GraphSerializer(serializers.Serializer):
    center = serializers.SlugField()
    nodes = GraphNodeSerializer(many=True)
    edges = GraphEdgeSerializer(many=True)


class EntityListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = EntitySerializer(many=True)


class AliasInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    lang = serializers.CharField(required=False, allow_blank=True, max_length=12)


class IdentifiersInputSerializer(StrictSerializer):
    wikidata = serializers.CharField(required=False, allow_blank=True, max_length=20)
    lei = serializers.CharField(required=False, allow_blank=True, max_length=20)
    entity_list = serializers.CharField(required=False, allow_blank=True, max_length=300)


class EntityCreateSerializer(StrictSerializer):
    id = serializers.CharField(max_length=80, help_text="A slug: lowercase words joined by '-'")
    name = serializers.CharField(max_length=200)
    entity_type = serializers.CharField(max_length=20)
    aliases = AliasInputSerializer(many=True, required=False, max_length=100)  # type: ignore[call-arg]
    country = serializers.CharField(required=False, allow_blank=True, max_length=2)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    identifiers = IdentifiersInputSerializer(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class EntityReviseSerializer(StrictSerializer):
    name = serializers.CharField(required=False, max_length=200)
    entity_type = serializers.CharField(required=False, max_length=20)
    aliases = AliasInputSerializer(many=True, required=False, max_length=100)  # type: ignore[call-arg]
    country = serializers.CharField(required=False, allow_blank=True, max_length=2)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    identifiers = IdentifiersInputSerializer(required=False)
    expected_version = serializers.IntegerField(required=False, min_value=0)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RelationshipCreateSerializer(StrictSerializer):
    source = serializers.CharField(max_length=200, help_text="An entity by id, name or alias")  # type: ignore[assignment]
    relation = serializers.CharField(max_length=20, help_text=", ".join(RelationType.values))
    target = serializers.CharField(max_length=200, help_text="An entity by id, name or alias")
    date = serializers.CharField(required=False, allow_blank=True, max_length=64, help_text="EDTF")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    citations = CitationInputSerializer(many=True, required=False, max_length=50)  # type: ignore[call-arg]
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class EntityMergeSerializer(StrictSerializer):
    into = serializers.CharField(max_length=80, help_text="The id of the entity this one is the same actor as")
    expected_version = serializers.IntegerField(required=False, min_value=0)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class EntityUnmergeSerializer(StrictSerializer):
    expected_version = serializers.IntegerField(required=False, min_value=0)
    reason = serializers.CharField(max_length=2000)


class EntityConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current_version = serializers.IntegerField()
    current = EntitySerializer()


class RelationshipConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current_version = serializers.IntegerField()
    current = RelationshipSerializer()
