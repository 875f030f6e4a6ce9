"""The public subscribe form; validation beyond field shapes happens in digests.services."""

from __future__ import annotations

from django import forms

from digests.models import Weekday
from digests.selectors import time_zone_names
from timeline.models import NamedTimeline
from timeline.taxonomy import RELIABILITY, Category, Kind


class SubscribeForm(forms.Form):
    email = forms.EmailField(max_length=254)
    categories = forms.MultipleChoiceField(
        choices=Category.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    kinds = forms.MultipleChoiceField(choices=Kind.choices, required=False, widget=forms.CheckboxSelectMultiple)
    entities = forms.CharField(
        required=False, max_length=1000, help_text="Names or aliases, separated by commas (e.g. DeepSeek, 华为)."
    )
    timelines = forms.MultipleChoiceField(choices=(), required=False, widget=forms.CheckboxSelectMultiple)
    min_reliability = forms.ChoiceField(
        choices=[("", "Any source")] + [(grade, f"{grade} or better: {label}") for grade, label in RELIABILITY.items()],
        required=False,
    )
    include_review_queue = forms.BooleanField(required=False, label="Candidates waiting for review (analysts)")
    weekday = forms.TypedChoiceField(choices=Weekday.choices, coerce=int, initial=Weekday.MONDAY)
    hour = forms.TypedChoiceField(choices=[(h, f"{h:02d}:00") for h in range(24)], coerce=int, initial=8)
    time_zone = forms.CharField(max_length=64, initial="UTC")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["timelines"].choices = list(NamedTimeline.objects.values_list("slug", "title"))  # type: ignore[attr-defined]

    def clean_time_zone(self) -> str:
        value = str(self.cleaned_data["time_zone"]).strip()
        if value not in time_zone_names():
            raise forms.ValidationError("An IANA time zone such as Europe/Paris or America/New_York.")
        return value

    def clean_entities(self) -> list[str]:
        return [part.strip() for part in str(self.cleaned_data.get("entities") or "").split(",") if part.strip()]
