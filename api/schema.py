"""What the OpenAPI schema says beyond the views' declarations: closed request bodies, the 414, write links."""

from __future__ import annotations

from typing import Any

from api.filters import EDTF_PATTERN
from timeline.taxonomy import EntityType, LinkRelation, RelationType
from timeline.validation import SLUG

# Text the service refuses whatever the field: a NUL (DRF's CharField and PostgreSQL), and blank text where a
# value is required (DRF trims it first).
NO_NUL = "^[^\u0000]*$"
NOT_BLANK = "^[^\u0000]*[^\u0000\\s][^\u0000]*$"
# What the service's URLValidator(schemes=["http", "https"]) takes, narrowed to a pattern a schema can state.
HTTP_URL = r"^https?://([a-z0-9]{1,20}\.){1,4}[a-z]{2,12}(/[A-Za-z0-9._~-]{0,40}){0,8}$"
TAG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
# Request fields the services check beyond their type (timeline.services), by property name.
_FIELD_PATTERNS = {
    "date": EDTF_PATTERN,
    "published": f"^$|{EDTF_PATTERN}",
    "url": f"^$|{HTTP_URL}",
}

# What the services check of a field beyond its type, by request component and property (timeline.services,
# alerts.services): the closed vocabularies and the identifier shapes.
_COMPONENT_FIELDS: dict[tuple[str, str], dict[str, Any]] = {
    ("EntityCreateRequest", "id"): {"pattern": SLUG.pattern},
    ("EntityCreateRequest", "entity_type"): {"enum": list(EntityType.values)},
    ("EntityReviseRequest", "entity_type"): {"enum": list(EntityType.values)},  # PatchedEntityReviseRequest
    ("RelationshipCreateRequest", "relation"): {"enum": list(RelationType.values)},
    ("RelationshipCorrectRequest", "relation"): {"enum": list(RelationType.values)},
    ("LinkCreateRequest", "relation"): {"enum": list(LinkRelation.values)},
    ("IdentifiersInputRequest", "wikidata"): {"pattern": "^$|^Q[1-9][0-9]*$"},
    ("IdentifiersInputRequest", "lei"): {"pattern": "^$|^[A-Z0-9]{18}[0-9]{2}$"},
}
COUNTRY = "^[A-Za-z]{2}$"  # ISO 3166-1 alpha-2, in either case (the service upper-cases it)

# Operations a client reaches from what a write answers, by the id it answers: {POST operation: {link: target}}.
_WRITE_LINKS: dict[tuple[str, str], dict[str, str]] = {
    ("/api/developments/", "post"): {
        "GetDevelopment": "developments_retrieve",
        "GetDevelopmentHistory": "developments_history_retrieve",
        "ReviseDevelopment": "developments_partial_update",
        "RetractDevelopment": "developments_destroy",
        "CiteDevelopment": "developments_citations_create",
        "LinkDevelopment": "developments_links_create",
    },
    ("/api/entities/", "post"): {
        "GetEntity": "entities_retrieve",
        "ReviseEntity": "entities_partial_update",
        "GetEntityDevelopments": "entity_developments",
        "GetEntityGraph": "entities_graph_retrieve",
        "MergeEntity": "entities_merge_create",
        "UnmergeEntity": "entities_unmerge_create",
    },
    ("/api/relationships/", "post"): {
        "GetRelationship": "relationships_retrieve",
        "CorrectRelationship": "relationships_partial_update",
        "CiteRelationship": "relationships_citations_create",
        "GetRelationshipHistory": "relationships_history_retrieve",
        "RetractRelationship": "relationships_destroy",
    },
    ("/api/saved-searches/", "post"): {
        "GetSavedSearch": "saved_searches_retrieve",
        "ChangeSavedSearch": "saved_searches_partial_update",
        "DeleteSavedSearch": "saved_searches_destroy",
        "RotateSavedSearchSecret": "saved_searches_secret_create",
    },
}
_TYPED = {"enum", "pattern", "format"}
URI_TOO_LONG = {"description": "The address is longer than the server reads (its front server answers)."}


def contract_details(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    components = result.get("components", {}).get("schemas", {})
    for name, component in components.items():
        # Request bodies come from api.serializers.StrictSerializer, which refuses fields it does not know.
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
            for field, prop in component.get("properties", {}).items():
                prop.update(_COMPONENT_FIELDS.get((name.removeprefix("Patched"), field), {}))
                if field == "country":
                    prop["pattern"] = f"^$|{COUNTRY}"
                _state_text_rules(name, field, prop)
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            operation.setdefault("responses", {}).setdefault("414", URI_TOO_LONG)
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter["in"] == "query" and schema.get("type") == "string" and not set(schema) & _TYPED:
                    schema["pattern"] = NO_NUL  # django-filter's CharField refuses NUL, PostgreSQL stores none
            if method == "patch" and "requestBody" in operation:
                operation["requestBody"]["required"] = True  # a revision without a body changes nothing: a 400
            if "requestBody" in operation:
                _json_only_when_nested(operation["requestBody"]["content"], components)
    operation_ids = {op.get("operationId") for item in result["paths"].values() for op in item.values()}
    for (path, method), links in _WRITE_LINKS.items():
        created = result["paths"][path][method]["responses"]["201"]
        created["links"] = {
            link: {"operationId": operation_id, "parameters": {"id": "$response.body#/id"}}
            for link, operation_id in links.items()
            if operation_id in operation_ids
        }
    linked = result["paths"]["/api/developments/{id}/links/"]["post"]["responses"]["201"]
    # The development a link was made on answers with its links; a fresh one's first is the link just made.
    linked["links"] = {
        "UnlinkDevelopment": {
            "operationId": "developments_links_destroy",
            "parameters": {"id": "$response.body#/id", "link_id": "$response.body#/links/0/id"},
        }
    }
    return result


def _state_text_rules(component: str, field: str, prop: dict[str, Any]) -> None:
    if prop.get("type") == "array" and field == "tags":
        prop["items"]["pattern"] = TAG
        return
    if prop.get("type") != "string" or "enum" in prop or "pattern" in prop:
        return
    if field in _FIELD_PATTERNS:
        pattern = _FIELD_PATTERNS[field]
        if field == "date" and prop.get("minLength", 0) < 1:
            pattern = f"^$|{pattern}"  # a relationship may be undated
        # The media's URL is required; a citation's may be left blank.
        prop["pattern"] = HTTP_URL if component.startswith("MediaInput") else pattern
    else:
        prop["pattern"] = NOT_BLANK if prop.get("minLength", 0) >= 1 else NO_NUL


def _json_only_when_nested(content: dict[str, Any], components: dict[str, Any]) -> None:
    """Forms carry flat fields only: a body with objects or lists of them (media, citations) is JSON alone."""
    reference = content.get("application/json", {}).get("schema", {}).get("$ref", "")
    component = components.get(reference.rpartition("/")[2], {})
    nested = any(
        bool({"$ref", "allOf", "anyOf"} & set(prop))
        or (prop.get("type") == "array" and prop.get("items", {}).get("type") != "string")
        for prop in component.get("properties", {}).values()
    )
    if nested:
        for media_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            content.pop(media_type, None)
