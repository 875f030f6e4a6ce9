"""Admin: saved searches (with their webhook's health) and the delivery log, with "send again"."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from alerts.delivery import delivery_resend
from alerts.models import AlertDelivery, SavedSearch
from alerts.services import webhook_enable


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "channel", "query", "active", "webhook_url", "webhook_disabled_at")
    list_filter = ("channel", "active")
    search_fields = ("name", "query", "owner__username", "webhook_url")
    # The filters are checked by the API's filter parsing when a search is saved there; here they are shown, not
    # edited, and the secret is never shown (it was shown once, to its owner).
    readonly_fields = (
        "query",
        "filters",
        "since_position",
        "webhook_failing_since",
        "webhook_disabled_at",
        "daily_sent_at",
        "created_at",
        "updated_at",
    )
    exclude = ("webhook_secret",)
    actions = ("enable_webhook",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # saved searches are made through the API, which checks their filters and URL

    @admin.action(description="Enable the webhook again")
    def enable_webhook(self, request: HttpRequest, queryset: QuerySet[SavedSearch]) -> None:
        for search in queryset:
            webhook_enable(search=search)
        self.message_user(request, f"Enabled {queryset.count()} webhook(s).", messages.SUCCESS)


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "delivery_id",
        "saved_search",
        "change",
        "channel",
        "state",
        "attempts",
        "last_status",
        "last_error",
        "created_at",
        "sent_at",
    )
    list_filter = ("state", "channel", "change")
    search_fields = ("development_id", "saved_search__name")
    list_select_related = ("saved_search",)
    actions = ("send_again",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # the log is written by the consumer and the senders only

    @admin.action(description="Send again (same delivery id)")
    def send_again(self, request: HttpRequest, queryset: QuerySet[AlertDelivery]) -> None:
        count = delivery_resend(delivery_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} deliveries will be sent again within seconds.", messages.SUCCESS)
