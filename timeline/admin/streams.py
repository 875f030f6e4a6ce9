"""What the entity and relationship admin pages share: their versions for a template, the save of a change form
against the version it was loaded at, and the answer to a save made against a version someone else has moved past
(the form keeps what was typed; a message names the change)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from events.store import ConcurrencyError
from timeline.admin.common import add_service_errors, new_token
from timeline.admin.entity_forms import EntityChangeForm, RelationshipCorrectForm

# State keys not worth a line in a version's summary.
_HIDDEN = {"id", "merged_into"}


def version_rows(versions: Sequence[Any]) -> list[dict[str, Any]]:
    """Entity or relationship versions (selectors.EntityVersion / RelationshipVersion) as template rows."""
    rows = []
    for version in versions:
        shown = []
        for key, value in version.state.items():
            if key in _HIDDEN or value in ("", [], {}, None):
                continue
            if key == "aliases":
                value = ", ".join(a["name"] + (f" ({a['lang']})" if a.get("lang") else "") for a in value)
            elif key == "citations":
                value = "; ".join(
                    f"{c.get('title') or c.get('url')} ({c.get('reliability')}{c.get('credibility')})" for c in value
                )
            elif isinstance(value, Mapping):
                value = ", ".join(f"{k} {v}" for k, v in value.items())
            shown.append((key, str(value)))
        rows.append(
            {
                "version": version.version,
                "position": version.position,
                "recorded_at": version.recorded_at,
                "event_type": version.event_type,
                "actor": version.actor,
                "reason": version.reason,
                "shown": shown,
            }
        )
    return rows


FormT = TypeVar("FormT", bound=forms.Form)


def keep_input_after_conflict(
    request: HttpRequest,
    form_class: type[FormT],
    noun: str,
    loaded: int,
    newer: Sequence[Any],
    *,
    loaded_values: Mapping[str, Any],
    current_values: Mapping[str, Any],
) -> FormT:
    """The analyst's input as typed, now against the current version (so saving again is a deliberate act),
    and a message naming who changed what since `loaded`. A field the analyst left as loaded takes the current
    value, so saving again does not undo the other change."""
    data = request.POST.copy()
    for field, before in loaded_values.items():
        if str(data.get(field, "")).replace("\r\n", "\n") == str(before) and field in current_values:
            data[field] = str(current_values[field])
    current = newer[-1].version if newer else loaded
    data["version"] = str(current)
    data["token"] = new_token()
    who = "; ".join(
        f"version {v.version}: {v.event_type} by {v.actor or 'someone'}" + (f" ({v.reason})" if v.reason else "")
        for v in newer
    )
    messages.warning(
        request,
        f"Someone else changed this {noun} after you opened it at version {loaded} ({who}); nothing was saved. "
        "Your input is kept below: check it against their change and save again.",
    )
    form = form_class(data)
    form.is_valid()
    return form


ChangeFormT = TypeVar("ChangeFormT", EntityChangeForm, RelationshipCorrectForm)


@dataclass
class VersionedSave(Generic[ChangeFormT]):
    """A change form's POST: saved, or the form to show again (with the versions a conflict found)."""

    form: ChangeFormT
    saved: bool = False
    conflict: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def save_from_loaded_version(
    request: HttpRequest,
    form_class: type[ChangeFormT],
    noun: str,
    *,
    history: Callable[[], Sequence[Any]],
    current_state: Mapping[str, Any],
    values: Callable[[Any], Mapping[str, Any]],
    save: Callable[[ChangeFormT, dict[str, Any], int], object],
) -> VersionedSave[ChangeFormT]:
    """Save the posted form through `save(form, changes, loaded version)`. The changes are the analyst's edits
    against the version they loaded (`history()`'s, or `current_state`); a save that a newer version refuses
    keeps the input (keep_input_after_conflict) and lists what came since; a service's refusal goes to its
    field. `values` shows a state as the form's fields."""
    form = form_class(request.POST)
    if not form.is_valid():
        return VersionedSave(form)
    loaded = form.cleaned_data["version"]
    # Compared with what the analyst loaded, so that only their own edits count as changes.
    base: Any = next((v.state for v in history() if v.version == loaded), current_state)
    changes = form.changes(base)
    try:
        if not changes:
            raise ValidationError({"__all__": ["Nothing to save: every value equals the one you loaded."]})
        save(form, changes, loaded)
    except ConcurrencyError:
        newer = [v for v in history() if v.version > loaded]
        kept = keep_input_after_conflict(
            request,
            form_class,
            noun,
            loaded,
            newer,
            loaded_values=values(base),
            current_values=values(newer[-1].state if newer else base),
        )
        return VersionedSave(kept, conflict=version_rows(newer))
    except ValidationError as error:
        add_service_errors(error, {"": form})
        return VersionedSave(form)
    return VersionedSave(form, saved=True)
