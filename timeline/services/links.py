"""Links between developments (one amends, supersedes or responds to another), on the linking development's stream."""

from __future__ import annotations

import uuid

from events.store import NewEvent
from timeline import domain
from timeline.models import Development
from timeline.services.developments import append_development, current_development, replay_of
from timeline.shapes import DevelopmentLinkedData, DevelopmentUnlinkedData, LinkData
from timeline.taxonomy import LinkRelation
from timeline.validation import clean_choice, clean_text, event_metadata, is_uuid, raise_if


def development_link(
    *,
    development_id: uuid.UUID | str,
    relation: str,
    target_id: uuid.UUID | str,
    note: str = "",
    expected_version: int | None = None,
    actor: str | None = None,
    reason: str = "",
    event_id: uuid.UUID | None = None,
    request_hash: str = "",
) -> Development:
    """Link a development to another ("the October 2023 rule amends the October 2022 rule"), on its own stream."""
    development = current_development(development_id)  # before the retry check, as in development_revise
    if (replayed := replay_of(event_id, request_hash)) is not None:
        return replayed
    errors: dict[str, list[str]] = {}
    relation = clean_choice(relation, "relation", LinkRelation.values, errors)
    note = clean_text(note, "note", errors, required=False, limit=2000)
    target = Development.objects.filter(pk=target_id).first() if is_uuid(target_id) else None
    if target is None:
        errors.setdefault("target", []).append(f"no development {target_id}.")
    elif target.pk == development.pk:
        errors.setdefault("target", []).append("A development cannot be linked to itself.")
    elif any(
        link["relation"] == relation and link["target"] == str(target.pk)
        for link in development.snapshot.get("links", [])
    ):
        errors.setdefault("target", []).append(f"the development already {relation.replace('_', ' ')} it.")
    raise_if(errors)
    assert target is not None
    event_id = event_id or uuid.uuid4()
    link: LinkData = {
        "id": str(uuid.uuid5(event_id, "link")),
        "relation": relation,
        "target": str(target.pk),
        "note": note,
    }
    event = NewEvent(
        domain.DEVELOPMENT_LINKED,
        DevelopmentLinkedData(link=link),
        event_id=event_id,
        metadata=event_metadata(actor, reason, request_hash),
    )
    return append_development(str(development.pk), [event], expected_version, development.version)


def development_unlink(
    *,
    development_id: uuid.UUID | str,
    link_id: uuid.UUID | str,
    reason: str,
    expected_version: int | None = None,
    actor: str | None = None,
    event_id: uuid.UUID | None = None,
    request_hash: str = "",
) -> Development:
    """Remove a link the development made; the log keeps it, and `as_of` answers before now still show it."""
    development = current_development(development_id)
    if (replayed := replay_of(event_id, request_hash)) is not None:
        return replayed
    errors: dict[str, list[str]] = {}
    reason = clean_text(reason, "reason", errors, required=True, limit=2000)
    if not any(link["id"] == str(link_id) for link in development.snapshot.get("links", [])):
        errors.setdefault("link_id", []).append(f"the development has no link {link_id}.")
    raise_if(errors)
    event = NewEvent(
        domain.DEVELOPMENT_UNLINKED,
        DevelopmentUnlinkedData(link_id=str(link_id), reason=reason),
        event_id=event_id or uuid.uuid4(),
        metadata=event_metadata(actor, reason, request_hash),
    )
    return append_development(str(development.pk), [event], expected_version, development.version)
