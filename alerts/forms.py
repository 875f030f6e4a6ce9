"""The saved-search form of the public pages: the timeline filter bar's filters, a name, and how to hear of
matches. Checks beyond field shapes (a webhook address that may be used, an email on the account) happen in
alerts.services."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms

from alerts.models import Channel
from timeline.selectors import TimelineFilters
from timeline.web import TimelineFilterForm

# The filter bar's fields a saved search keeps (as_of is not one: a saved search follows the live timeline).
SAVED_FILTERS = ("category", "entity", "from", "to", "q")


class SavedSearchForm(TimelineFilterForm):
    name = forms.CharField(max_length=200, label="Name", help_text="e.g. Huawei and export rules")
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.EMAIL, label="Tell me by")
    webhook_url = forms.CharField(
        required=False,
        max_length=2000,
        label="Webhook URL",
        help_text="For webhooks only: a public https address that accepts signed POSTs (Standard Webhooks)",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["as_of"]
        self.order_fields(["name", *SAVED_FILTERS, "channel", "webhook_url"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("channel") == Channel.WEBHOOK and not (data.get("webhook_url") or "").strip():
            self.add_error("webhook_url", "A webhook needs its URL.")
        return data

    def saved_filters(self) -> TimelineFilters:
        return self.timeline_filters("")

    def query(self) -> str:
        """The filters as a query string, as /api/developments/ and the timeline pages take them."""
        data = self.cleaned_data
        pairs = [("category", value) for value in data.get("category") or ()]
        pairs += [(name, str(data.get(name) or "").strip()) for name in SAVED_FILTERS if name != "category"]
        return urlencode([(name, value) for name, value in pairs if value])
