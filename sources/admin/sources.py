"""Admin for ingestion: sources with their health, the items fetched from them, and stories.

Feed text is shown through Django's escaping (plain text) or as nh3-sanitised HTML only; nothing from a feed
is marked safe without going through sources.feeds.sanitising.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from sources.feeds.fetching import parse_target
from sources.feeds.sanitising import html_clean
from sources.kinds import federal_register, screening_list
from sources.kinds.queries import source_query
from sources.models import Health, Item, ListSnapshot, Source, SourceKind, Story
from sources.services import source_fetch_now, source_unpark, source_url_problem


class SourceForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    kind = forms.ChoiceField(choices=SourceKind.choices, required=False, initial=SourceKind.FEED)
    # A primary source's query (Source.query), edited as fields: see sources.kinds.
    agencies = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 60}),
        help_text="Federal Register: agency slugs, one a line (e.g. industry-and-security-bureau).",
    )
    document_types = forms.MultipleChoiceField(
        required=False,
        choices=list(federal_register.DOCUMENT_TYPES.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text="Federal Register: the document types to take.",
    )
    term = forms.CharField(
        required=False, max_length=500, help_text="Federal Register: a search term (the site's syntax), optional."
    )
    lists = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Screening list: the lists to watch, one a line, as the export's source column names them.",
    )

    class Meta:
        model = Source
        fields = ["url", "name", "kind", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        query = self.instance.query or {}
        self.fields["agencies"].initial = "\n".join(query.get("agencies", federal_register.DEFAULT_AGENCIES))
        self.fields["document_types"].initial = query.get("types", list(federal_register.DOCUMENT_TYPES))
        self.fields["term"].initial = query.get("term", "")
        self.fields["lists"].initial = "\n".join(query.get("lists", [screening_list.ENTITY_LIST]))

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"]).strip()
        problem = source_url_problem(url)
        if problem:
            raise forms.ValidationError(problem)
        return url

    def clean_kind(self) -> str:
        return str(self.cleaned_data.get("kind") or SourceKind.FEED)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.instance.query = source_query(
            kind=str(data.get("kind") or SourceKind.FEED),
            agencies=str(data.get("agencies") or "").split(),
            types=list(data.get("document_types") or []),
            term=str(data.get("term") or ""),
            lists=str(data.get("lists") or "").splitlines(),
        )
        if data.get("kind") == SourceKind.FEDERAL_REGISTER and not self.instance.query["types"]:
            self.add_error("document_types", "Choose at least one document type.")
        return data


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    form = SourceForm
    list_display = [
        "__str__",
        "kind",
        "health",
        "error_count",
        "short_error",
        "next_check_at",
        "last_checked_at",
        "items_seen",
        "active",
    ]
    list_filter = ["kind", "health", "active"]
    search_fields = ["url", "name", "feed_title"]
    actions = ["fetch_now", "unpark"]
    readonly_fields = [
        "host",
        "health",
        "error_count",
        "last_error",
        "last_error_at",
        "last_status",
        "bozo_message",
        "etag",
        "last_modified",
        "next_check_at",
        "interval_seconds",
        "observed_interval_seconds",
        "ttl_seconds",
        "last_checked_at",
        "last_success_at",
        "last_new_item_at",
        "feed_title",
        "feed_link",
        "items_seen",
        "created_at",
    ]

    @admin.display(description="last error")
    def short_error(self, source: Source) -> str:
        return source.last_error[:120]

    def save_model(self, request: HttpRequest, obj: Source, form: Any, change: bool) -> None:
        obj.host = (parse_target(obj.url).host or "").lower()
        if not change:
            from django.utils import timezone

            obj.next_check_at = timezone.now()
        super().save_model(request, obj, form, change)

    # Fetching and unparking change the source's schedule and health: offered only to those who may change
    # sources (editors), not to every role that may view them.
    @admin.action(description="Fetch now (within a minute)", permissions=["change"])
    def fetch_now(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        for source in queryset:
            source_fetch_now(source_id=source.pk)
        self.message_user(request, f"{queryset.count()} source(s) will be fetched at the next dispatch.")

    @admin.action(description="Unpark (healthy again, due now)", permissions=["change"])
    def unpark(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        for source in queryset.exclude(health=Health.OK):
            source_unpark(source_id=source.pk)
        self.message_user(request, "Unparked.", messages.SUCCESS)


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["title", "source", "published_at", "fetched_at", "flag_score", "story"]
    list_filter = ["source"]
    search_fields = ["title", "summary", "link", "guid"]
    list_select_related = ["source", "story"]
    readonly_fields = [
        "source",
        "dedup_key",
        "guid",
        "link",
        "title",
        "summary",
        "sanitised_summary",
        "author",
        "language",
        "published_raw",
        "published_at",
        "updated_raw",
        "updated_at",
        "fetched_at",
        "story",
        "flag_score",
        "facts",
    ]
    exclude = ["summary_html"]

    @admin.display(description="summary (sanitised HTML)")
    def sanitised_summary(self, item: Item) -> SafeString:
        # Stored sanitised already; cleaned again on the way out so that a row written by other code is inert too.
        return format_html("<div>{}</div>", SafeString(html_clean(item.summary_html)))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ["title", "item_count", "updated_at"]
    search_fields = ["title"]
    readonly_fields = ["title", "tokens", "item_count", "created_at", "updated_at"]


@admin.register(ListSnapshot)
class ListSnapshotAdmin(admin.ModelAdmin):
    """What each screening-list poll found, for an analyst checking a diff; the entries themselves (30,000 for
    the Consolidated Screening List) are too many for a page and stay out of it."""

    list_display = ["source", "taken_at", "entry_count", "digest"]
    list_filter = ["source"]
    fields = ["source", "taken_at", "entry_count", "digest"]
    readonly_fields = ["source", "taken_at", "entry_count", "digest"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ListSnapshot]:
        return super().get_queryset(request).defer("entries")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ListSnapshot | None = None) -> bool:
        return False
