"""Commands on entities: register, revise, merge and unmerge."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, cast

from django.core.exceptions import ValidationError

from events import store
from events.store import NewEvent
from timeline import domain
from timeline.models import Entity
from timeline.shapes import AliasData, EntityMergedData, EntityRegisteredData, EntityRevisedData, EntityUnmergedData
from timeline.taxonomy import EntityType
from timeline.validation import SLUG, clean_choice, clean_text, event_metadata, prior_event, raise_if

_country = re.compile(r"^[A-Z]{2}$")
_identifier_patterns = {
    "wikidata": re.compile(r"^Q[1-9][0-9]*$"),
    "lei": re.compile(r"^[A-Z0-9]{18}[0-9]{2}$"),
    "entity_list": re.compile(r"^.{1,300}$"),
}


def _clean_entity_fields(fields: Mapping[str, Any], errors: dict[str, list[str]], *, entity_id: str) -> dict[str, Any]:
    """The profile fields given (name, entity_type, aliases, country, description, identifiers), checked."""
    cleaned: dict[str, Any] = {}
    if "name" in fields:
        cleaned["name"] = clean_text(fields["name"], "name", errors, required=True, limit=200)
    if "entity_type" in fields:
        cleaned["entity_type"] = clean_choice(fields["entity_type"], "entity_type", EntityType.values, errors)
    if "country" in fields:
        country = str(fields["country"] or "").strip().upper()
        if country and not _country.match(country):
            errors.setdefault("country", []).append("a country is a two-letter ISO 3166 code, e.g. CN.")
        cleaned["country"] = country
    if "description" in fields:
        cleaned["description"] = clean_text(fields["description"], "description", errors, required=False, limit=2000)
    if "identifiers" in fields:
        given = fields["identifiers"] or {}
        identifiers: dict[str, str] = {}
        if not isinstance(given, Mapping):
            errors.setdefault("identifiers", []).append("identifiers are {wikidata, lei, entity_list}.")
            given = {}
        for key, value in given.items():
            text = str(value or "").strip()
            pattern = _identifier_patterns.get(str(key))
            if pattern is None:
                errors.setdefault("identifiers", []).append(f"'{key}' is not one of: wikidata, lei, entity_list.")
            elif text and not pattern.match(text):
                errors.setdefault("identifiers", []).append(f"'{text}' is not a {key} identifier.")
            elif text:
                identifiers[str(key)] = text
        cleaned["identifiers"] = identifiers
    if "aliases" in fields:
        aliases: list[AliasData] = []
        for alias in fields["aliases"] or []:
            alias_name = str(alias.get("name") or "").strip()
            if not alias_name:
                errors.setdefault("aliases", []).append("an alias needs a name.")
            aliases.append({"name": alias_name, "lang": str(alias.get("lang") or "")})
        cleaned["aliases"] = aliases
    return cleaned


def entity_register(
    *,
    entity_id: str,
    name: str,
    entity_type: str,
    aliases: Sequence[Mapping[str, str]] = (),
    country: str = "",
    description: str = "",
    identifiers: Mapping[str, str] | None = None,
    actor: str | None = None,
    reason: str = "",
    event_id: uuid.UUID | None = None,
    request_hash: str = "",
) -> Entity:
    """Register an entity under a slug id, with aliases in any language (深度求索 for DeepSeek)."""
    own_stream = domain.entity_stream(entity_id)
    if prior_event(event_id, request_hash, stream_ok=lambda stream: stream == own_stream) is not None:
        return Entity.objects.get(pk=entity_id)
    errors: dict[str, list[str]] = {}
    if not SLUG.match(entity_id or ""):
        errors.setdefault("entity_id", []).append("an entity id is lowercase words joined by '-'.")
    elif Entity.objects.filter(pk=entity_id).exists():
        errors.setdefault("entity_id", []).append(f"an entity '{entity_id}' is registered already.")
    fields = {"name": name, "entity_type": entity_type, "aliases": list(aliases)}
    profile = {"country": country, "description": description, "identifiers": dict(identifiers or {})}
    cleaned = _clean_entity_fields({**fields, **profile}, errors, entity_id=entity_id)
    raise_if(errors)
    # Entities registered without a profile keep the shape earlier releases stored.
    data = EntityRegisteredData(
        id=entity_id, name=cleaned["name"], entity_type=cleaned["entity_type"], aliases=cleaned["aliases"]
    )
    for key in ("country", "description", "identifiers"):
        if cleaned[key]:
            data[key] = cleaned[key]
    store.append(
        domain.entity_stream(entity_id),
        [
            NewEvent(
                domain.ENTITY_REGISTERED,
                data,
                event_id=event_id or uuid.uuid4(),
                metadata=event_metadata(actor, reason, request_hash),
            )
        ],
        expected_version=0,
    )
    return Entity.objects.get(pk=entity_id)


def entity_revise(
    *,
    entity_id: str,
    changes: Mapping[str, Any],
    expected_version: int | None,
    actor: str | None = None,
    reason: str = "",
    event_id: uuid.UUID | None = None,
    request_hash: str = "",
) -> Entity:
    """Change an entity's profile: its name to show, type, other names, country, description, identifiers."""
    entity = Entity.objects.filter(pk=entity_id).first()
    if entity is None:
        raise ValidationError({"entity": [f"no entity {entity_id}"]})
    if prior_event(event_id, request_hash) is not None:
        return entity
    errors: dict[str, list[str]] = {}
    for field in sorted(set(changes) - set(domain.ENTITY_FIELDS)):
        errors.setdefault(field, []).append(f"'{field}' cannot be revised.")
    cleaned = _clean_entity_fields(changes, errors, entity_id=entity_id)
    raise_if(errors)
    state = entity.snapshot
    real = {field: value for field, value in cleaned.items() if state.get(field) != value}
    if not real:
        raise ValidationError({"changes": ["Nothing to change: every value equals the current one."]})
    # Only ENTITY_FIELDS, each cleaned to its shape.
    data = cast(EntityRevisedData, {"id": entity_id, **real})
    store.append(
        domain.entity_stream(entity_id),
        [
            NewEvent(
                domain.ENTITY_REVISED,
                data,
                event_id=event_id or uuid.uuid4(),
                metadata=event_metadata(actor, reason, request_hash),
            )
        ],
        expected_version=expected_version,
    )
    return Entity.objects.get(pk=entity_id)


def _entity_for(entity_id: str, field: str, errors: dict[str, list[str]]) -> Entity | None:
    entity = Entity.objects.filter(pk=entity_id).first()
    if entity is None:
        errors.setdefault(field, []).append(f"no entity {entity_id}.")
    return entity


def _append_entity(entity_id: str, event: NewEvent, expected_version: int | None) -> Entity:
    store.append(domain.entity_stream(entity_id), [event], expected_version=expected_version)
    return Entity.objects.get(pk=entity_id)


def entity_merge(
    *,
    entity_id: str,
    into_id: str,
    expected_version: int | None = None,
    actor: str | None = None,
    reason: str = "",
    event_id: uuid.UUID | None = None,
    request_hash: str = "",
) -> Entity:
    """Mark an entity as the same actor as another: a filter by the other then finds its developments too.
    Nothing is moved, so `entity_unmerge` undoes it exactly."""
    errors: dict[str, list[str]] = {}
    entity = _entity_for(entity_id, "entity", errors)
    into = _entity_for(into_id, "into", errors)
    if entity is not None and into is not None:
        if entity.pk == into.pk:
            errors.setdefault("into", []).append("An entity cannot be merged into itself.")
        elif entity.merged_into_id:
            errors.setdefault("entity", []).append(f"'{entity.pk}' is merged into '{entity.merged_into_id}' already.")
        elif into.merged_into_id:
            errors.setdefault("into", []).append(
                f"'{into.pk}' is itself merged into '{into.merged_into_id}': merge into that one."
            )
        elif Entity.objects.filter(merged_into=entity).exists():
            errors.setdefault("entity", []).append(f"other entities are merged into '{entity.pk}': unmerge them first.")
    raise_if(errors)
    assert entity is not None and into is not None
    event = NewEvent(
        domain.ENTITY_MERGED,
        EntityMergedData(id=entity.pk, into=into.pk),
        event_id=event_id or uuid.uuid4(),
        metadata=event_metadata(actor, reason, request_hash),
    )
    return _append_entity(entity.pk, event, expected_version)


def entity_unmerge(
    *,
    entity_id: str,
    reason: str,
    expected_version: int | None = None,
    actor: str | None = None,
    event_id: uuid.UUID | None = None,
    request_hash: str = "",
) -> Entity:
    """Undo a merge: the entity is an actor of its own again, with the developments it always kept."""
    errors: dict[str, list[str]] = {}
    entity = _entity_for(entity_id, "entity", errors)
    reason = clean_text(reason, "reason", errors, required=True, limit=2000)
    if entity is not None and not entity.merged_into_id:
        errors.setdefault("entity", []).append(f"'{entity.pk}' is not merged.")
    raise_if(errors)
    assert entity is not None
    event = NewEvent(
        domain.ENTITY_UNMERGED,
        EntityUnmergedData(id=entity.pk, reason=reason),
        event_id=event_id or uuid.uuid4(),
        metadata=event_metadata(actor, reason, request_hash),
    )
    return _append_entity(entity.pk, event, expected_version)
