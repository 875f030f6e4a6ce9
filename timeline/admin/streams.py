"""What the entity and relationship admin pages share: their versions for a template, and the answer to a save
made against a version someone else has moved past (the form keeps what was typed; a message names the change)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from timeline.admin.common import new_token

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
