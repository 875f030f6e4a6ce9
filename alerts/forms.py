"""The saved-search forms of the public pages: the timeline filter bar's filters, a name, and how to hear of
matches. Checks beyond field shapes (a webhook address that may be used, an email on the account) happen in
alerts.services."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict

from alerts.consumer import saved_filters as stored_filters
from alerts.models import Channel, SavedSearch
from alerts.services import SavedSearchChanges
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

    def changes(self) -> SavedSearchChanges:
        """What the valid form asks alerts.services to keep; a webhook URL only goes with the webhook channel."""
        data = self.cleaned_data
        return SavedSearchChanges(
            name=data["name"],
            query=self.query(),
            filters=self.saved_filters(),
            channel=data["channel"],
            webhook_url=data["webhook_url"].strip() if data["channel"] == Channel.WEBHOOK else "",
        )


class SavedSearchEditForm(SavedSearchForm):
    """An existing saved search, filled in with what its owner saved. Filters the pages have no field for (kind,
    tag, disputed, min_reliability, timeline: the API takes them) are shown and kept as they are, so editing the
    name on a page never widens what a search saved through the API matches."""

    active = forms.BooleanField(
        required=False, label="Send alerts", help_text="Untick to pause this search without deleting it"
    )

    def __init__(self, data: Any = None, *, search: SavedSearch, **kwargs: Any) -> None:
        self.search = search
        params = QueryDict(search.query)
        self.kept_query = [(name, value) for name, value in params.lists() if name not in SAVED_FILTERS]
        super().__init__(data, initial=self.saved_values(search, params), **kwargs)

    @staticmethod
    def saved_values(search: SavedSearch, params: QueryDict) -> dict[str, Any]:
        # The filters as the owner wrote them (2023, not the 2023-01-01 the mapping keeps; a name, not an id).
        categories = [part.strip() for value in params.getlist("category") for part in value.split(",")]
        return {
            "name": search.name,
            "category": [value for value in categories if value],
            **{name: params.get(name, "") for name in SAVED_FILTERS if name != "category"},
            "channel": search.channel,
            "webhook_url": search.webhook_url,
            "active": search.active,
        }

    def kept_filters(self) -> str:
        """The filters kept from the API, as a query string to show."""
        return urlencode([(name, value) for name, values in self.kept_query for value in values])

    def query(self) -> str:
        return "&".join(part for part in (super().query(), self.kept_filters()) if part)

    def saved_filters(self) -> TimelineFilters:
        kept = stored_filters(self.search)
        return replace(
            super().saved_filters(),
            kinds=kept.kinds,
            tag=kept.tag,
            disputed=kept.disputed,
            min_reliability=kept.min_reliability,
            timeline=kept.timeline,
        )

    def changes(self) -> SavedSearchChanges:
        return replace(super().changes(), active=self.cleaned_data["active"])
