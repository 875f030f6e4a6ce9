"""Plain forms for the curation pages. They only shape input; the timeline services validate and write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib.admin.sites import AdminSite
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple

from timeline.dates import FuzzyDateError, parse_fuzzy_date
from timeline.models import Development, Entity
from timeline.taxonomy import CREDIBILITY, RELIABILITY, Category, EntityType, Kind

# The fields of a development an analyst edits, in the service's vocabulary.
DEVELOPMENT_FIELDS = ("title", "summary", "date", "category", "kind", "entities", "tags", "disputed", "media")

DATE_HELP = (
    "EDTF at the precision the source gives: 2022-10-07, 2023-10, 2019, 2024-36 (Q4 2024), 2022-07~ (about), "
    "2023-07/2023-09 (a range)."
)


def entities_widget(admin_site: AdminSite, multiple: bool = True) -> forms.Widget:
    """Select2 autocomplete over entities; the entity admin's search also finds aliases (深度求索, 华为)."""
    field = Development._meta.get_field("entities")
    if multiple:
        return AutocompleteSelectMultiple(field, admin_site)
    return AutocompleteSelect(field, admin_site)


def developments_widget(admin_site: AdminSite, multiple: bool = False) -> forms.Widget:
    """Select2 autocomplete over developments (through the self-reference `merged_into`)."""
    field = Development._meta.get_field("merged_into")
    if multiple:
        return AutocompleteSelectMultiple(field, admin_site)
    return AutocompleteSelect(field, admin_site)


def use_widget(field: forms.Field, widget: forms.Widget) -> None:
    """Swap a choice field's widget after construction (the admin site is known only then), keeping its choices."""
    widget.choices = field.choices  # type: ignore[attr-defined]
    widget.is_required = field.required
    field.widget = widget


class TokenForm(forms.Form):
    """Every writing form carries its event id, so submitting twice records once."""

    token = forms.UUIDField(widget=forms.HiddenInput)


class DevelopmentForm(TokenForm):
    title = forms.CharField(max_length=300, widget=forms.TextInput(attrs={"size": 90}))
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5, "cols": 90}))
    date = forms.CharField(max_length=64, help_text=DATE_HELP, label="When it happened")
    category = forms.ChoiceField(choices=Category.choices, help_text="Figure 1's legend.")
    kind = forms.ChoiceField(choices=Kind.choices)
    entities = forms.ModelMultipleChoiceField(queryset=Entity.objects.all(), required=False)
    tags = forms.CharField(required=False, max_length=1000, help_text="Comma-separated, lowercase words joined by '-'.")
    disputed = forms.BooleanField(required=False, help_text="Sources disagree; their claims are kept side by side.")
    media_url = forms.URLField(
        required=False, assume_scheme="https", label="Media URL", widget=forms.URLInput(attrs={"size": 90})
    )
    media_caption = forms.CharField(required=False, max_length=500)
    media_credit = forms.CharField(required=False, max_length=200)
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 90}),
        help_text="Why: kept with the change in the history.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, admin_site: AdminSite, reason_required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_widget(self.fields["entities"], entities_widget(admin_site))
        self.fields["reason"].required = reason_required

    def clean_date(self) -> str:
        try:
            return parse_fuzzy_date(self.cleaned_data["date"]).edtf
        except FuzzyDateError as error:
            raise forms.ValidationError(str(error)) from error

    def clean_tags(self) -> list[str]:
        return [tag.strip().lower() for tag in self.cleaned_data["tags"].split(",") if tag.strip()]

    @staticmethod
    def initial_from(state: Mapping[str, Any]) -> dict[str, Any]:
        """Form values for a development state (a snapshot)."""
        media = state.get("media") or {}
        return {
            "title": state.get("title", ""),
            "summary": state.get("summary", ""),
            "date": state.get("date", ""),
            "category": state.get("category", ""),
            "kind": state.get("kind", ""),
            "entities": list(state.get("entities", [])),
            "tags": ", ".join(state.get("tags", [])),
            "disputed": bool(state.get("disputed")),
            "media_url": media.get("url", ""),
            "media_caption": media.get("caption", ""),
            "media_credit": media.get("credit", ""),
        }

    def values(self) -> dict[str, Any]:
        """The cleaned input in the services' vocabulary."""
        data = self.cleaned_data
        media = None
        if data.get("media_url"):
            media = {"url": data["media_url"], "caption": data["media_caption"], "credit": data["media_credit"]}
        return {
            "title": data["title"],
            "summary": data["summary"],
            "date": data["date"],
            "category": data["category"],
            "kind": data["kind"],
            "entities": [entity.pk for entity in data["entities"]],
            "tags": data["tags"],
            "disputed": data["disputed"],
            "media": media,
        }


def same_value(field: str, left: Any, right: Any) -> bool:
    """Equal as the analyst means it: entity and tag lists compare as sets, missing media as no media."""
    if field in ("entities", "tags"):
        return set(left or []) == set(right or [])
    if field == "media":
        return _media(left) == _media(right)
    if field in ("title", "summary"):
        return str(left or "").strip() == str(right or "").strip()
    return bool(left == right)


def _media(value: Any) -> dict[str, str] | None:
    if not value or not value.get("url"):
        return None
    return {key: str(value.get(key) or "") for key in ("url", "caption", "credit")}


def changed_fields(base: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The fields whose value differs from `base` (the state the form was loaded at)."""
    return {
        field: values[field] for field in DEVELOPMENT_FIELDS if not same_value(field, base.get(field), values[field])
    }


def merge_for_retry(
    base: Mapping[str, Any], theirs: Mapping[str, Any], mine: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """A three-way merge after a stale save: the analyst's edits on top of the other person's state.

    Fields the analyst changed keep what they typed; the others take the current values, so saving again
    does not silently undo the other change. Returns the merged state and the fields both of them changed.
    """
    merged = dict(theirs)
    both: list[str] = []
    for field in DEVELOPMENT_FIELDS:
        if same_value(field, base.get(field), mine[field]):
            continue
        merged[field] = mine[field]
        if not same_value(field, base.get(field), theirs.get(field)) and not same_value(
            field, theirs.get(field), mine[field]
        ):
            both.append(field)
    return merged, both


class CitationForm(forms.Form):
    """One source for a development, graded on the Admiralty scale (reliability A-F, credibility 1-6)."""

    title = forms.CharField(max_length=500, widget=forms.TextInput(attrs={"size": 90}))
    url = forms.URLField(
        required=False,
        max_length=1000,
        assume_scheme="https",
        label="URL",
        widget=forms.URLInput(attrs={"size": 90}),
    )
    publisher = forms.CharField(required=False, max_length=200)
    author = forms.CharField(required=False, max_length=200)
    published = forms.CharField(required=False, max_length=64, help_text="EDTF, e.g. 2025-01-27")
    excerpt = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3, "cols": 90}))
    locator = forms.CharField(required=False, max_length=200, help_text="Where in the source, e.g. page 4")
    claim = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2, "cols": 90}))
    reliability = forms.ChoiceField(
        choices=[("", "---------")] + [(key, f"{key}: {text}") for key, text in RELIABILITY.items()],
        help_text="How reliable the source is.",
    )
    credibility = forms.ChoiceField(
        choices=[("", "---------")] + [(key, f"{key}: {text}") for key, text in CREDIBILITY.items()],
        help_text="How credible this information is.",
    )
    grading_note = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2, "cols": 90})
    )

    def values(self) -> dict[str, Any]:
        return {key: value for key, value in self.cleaned_data.items()}


class CitationAddForm(CitationForm, TokenForm):
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "cols": 90}))


class ReasonForm(TokenForm):
    """Retract, restore, remove a citation: always with a reason."""

    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3, "cols": 90}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class MergeForm(TokenForm):
    into = forms.ModelChoiceField(
        queryset=Development.objects.filter(status="current"),
        label="Merge into",
        help_text="The development that stays; the duplicates' citations and entities move to it.",
    )
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "cols": 90}))

    def __init__(self, *args: Any, admin_site: AdminSite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_widget(self.fields["into"], developments_widget(admin_site))


class EntityForm(TokenForm):
    entity_id = forms.SlugField(max_length=80, label="Id", help_text="Lowercase words joined by '-', e.g. deepseek")
    name = forms.CharField(max_length=200)
    entity_type = forms.ChoiceField(choices=EntityType.choices)
    aliases = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="One alias per line, optionally with its language after a '|': 深度求索|zh",
    )

    def alias_list(self) -> list[dict[str, str]]:
        aliases = []
        for line in self.cleaned_data["aliases"].splitlines():
            name, _, lang = line.partition("|")
            if name.strip():
                aliases.append({"name": name.strip(), "lang": lang.strip()})
        return aliases
