"""Forms of the entity and relationship admin pages. They shape input; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms

from timeline.admin.forms import DATE_HELP, TokenForm
from timeline.shapes import EntityState
from timeline.taxonomy import EntityType, LinkRelation, RelationType


class VersionedForm(TokenForm):
    """A change form carries the version it was loaded at: a save against a newer one is refused, not merged
    silently."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    reason = forms.CharField(required=False, max_length=2000, widget=forms.TextInput(attrs={"size": 90}))


class EntityChangeForm(VersionedForm):
    name = forms.CharField(max_length=200, help_text="The name to show.")
    entity_type = forms.ChoiceField(choices=EntityType.choices)
    country = forms.CharField(required=False, max_length=2, help_text="ISO 3166-1 alpha-2, e.g. CN.")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 90}))
    aliases = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="Its other names, one a line, optionally with the language after a '|': 华为|zh",
    )
    wikidata = forms.CharField(required=False, max_length=20, label="Wikidata id")
    lei = forms.CharField(required=False, max_length=20, label="LEI")
    entity_list = forms.CharField(required=False, max_length=300, label="Entity List entry")

    field_order = ["name", "entity_type", "country", "description", "aliases", "wikidata", "lei", "entity_list"]

    @staticmethod
    def initial_from(state: EntityState) -> dict[str, Any]:
        identifiers = state.get("identifiers") or {}
        return {
            "name": state["name"],
            "entity_type": state["entity_type"],
            "country": state.get("country", ""),
            "description": state.get("description", ""),
            "aliases": "\n".join(
                f"{a['name']}|{a['lang']}" if a.get("lang") else a["name"] for a in state.get("aliases", [])
            ),
            "wikidata": identifiers.get("wikidata", ""),
            "lei": identifiers.get("lei", ""),
            "entity_list": identifiers.get("entity_list", ""),
        }

    def changes(self, state: EntityState) -> dict[str, Any]:
        """What differs from `state`, in entity_revise's vocabulary."""
        data = self.cleaned_data
        wanted: dict[str, Any] = {
            "name": data["name"].strip(),
            "entity_type": data["entity_type"],
            "country": data["country"].strip().upper(),
            "description": data["description"].strip(),
            "aliases": [
                {"name": name.strip(), "lang": lang.strip()}
                for name, _, lang in (line.partition("|") for line in data["aliases"].splitlines())
                if name.strip()
            ],
            "identifiers": {key: data[key].strip() for key in ("wikidata", "lei", "entity_list") if data[key].strip()},
        }
        current: dict[str, Any] = {
            **state,
            "aliases": [{"name": a["name"], "lang": a.get("lang", "")} for a in state.get("aliases", [])],
            "identifiers": {k: v for k, v in (state.get("identifiers") or {}).items() if v},
        }
        return {field: value for field, value in wanted.items() if current.get(field) != value}


class RelationshipAddForm(TokenForm):
    source = forms.CharField(max_length=200, help_text="An entity by id, name or alias (HiSilicon, 华为).")
    relation = forms.ChoiceField(choices=RelationType.choices)
    target = forms.CharField(max_length=200, help_text="An entity by id, name or alias.")
    date = forms.CharField(required=False, max_length=64, help_text=DATE_HELP)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 90}))
    reason = forms.CharField(required=False, max_length=2000, widget=forms.TextInput(attrs={"size": 90}))


class RelationshipCorrectForm(VersionedForm):
    relation = forms.ChoiceField(choices=RelationType.choices)
    date = forms.CharField(required=False, max_length=64, help_text=DATE_HELP)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 90}))

    field_order = ["relation", "date", "note"]

    def changes(self, state: dict[str, Any]) -> dict[str, str]:
        data = self.cleaned_data
        wanted = {"relation": data["relation"], "date": data["date"].strip(), "note": data["note"].strip()}
        return {field: value for field, value in wanted.items() if str(state.get(field, "")) != value}


class LinkAddForm(TokenForm):
    source = forms.UUIDField(help_text="The development that links (its id).")
    relation = forms.ChoiceField(choices=LinkRelation.choices)
    target = forms.UUIDField(help_text="The development it links to (its id).")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 90}))
    reason = forms.CharField(required=False, max_length=2000, widget=forms.TextInput(attrs={"size": 90}))


class LinkRemoveForm(VersionedForm):
    """Removing a link changes the linking development: the form carries that development's version."""

    reason = forms.CharField(max_length=2000, widget=forms.TextInput(attrs={"size": 90}), help_text="Why it goes.")
