"""Admin for digests: subscriptions (with their paused state), the send log, a preview, "send a test"."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from digests import sending, services
from digests.confirmations import SubscribeLimitError
from digests.models import ConfirmationMail, Delivery, DeliveryState, Subscription, SubscriptionStatus


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = (
        "email",
        "user",
        "status_badge",
        "schedule",
        "filters_summary",
        "consecutive_failures",
        "last_sent_at",
        "preview_link",
    )
    list_filter = ("status", "weekday", "include_review_queue", "time_zone")
    search_fields = ("email", "user__username", "user__email")
    readonly_fields = (
        "status",
        "pending",
        "covered_to_position",
        "requested_at",
        "confirmed_at",
        "unsubscribed_at",
        "paused_at",
        "pause_reason",
        "consecutive_failures",
        "last_sent_at",
        "created_at",
        "preview_link",
    )
    actions = ("send_test", "pause", "resume")

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: Subscription) -> str:
        if obj.status == SubscriptionStatus.PAUSED:
            since = obj.paused_at.strftime("%Y-%m-%d") if obj.paused_at else "?"
            return format_html(
                '<strong style="color:#cf222e">PAUSED</strong> since {}: {}', since, obj.pause_reason[:200]
            )
        return obj.get_status_display()

    @admin.display(description="when")
    def schedule(self, obj: Subscription) -> str:
        return f"{obj.get_weekday_display()} {obj.hour:02d}:00 {obj.time_zone}"

    @admin.display(description="filters")
    def filters_summary(self, obj: Subscription) -> str:
        parts = [
            ",".join(obj.categories or []),
            ",".join(obj.kinds or []),
            ",".join(obj.entities or []),
            ",".join(obj.timelines or []),
            f"≥{obj.min_reliability}" if obj.min_reliability else "",
        ]
        return " | ".join(part for part in parts if part) or "everything"

    @admin.display(description="next digest")
    def preview_link(self, obj: Subscription) -> str:
        if not obj.pk:
            return "-"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">preview</a>',
            reverse("admin:digests_subscription_preview", args=[obj.pk]),
        )

    def get_urls(self) -> list[URLPattern]:
        preview = path(
            "<int:subscription_id>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name="digests_subscription_preview",
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request: HttpRequest, subscription_id: int) -> HttpResponse:
        """The subscriber's next digest as it would go out now: HTML, or ?part=text for the plain-text part."""
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        subscription = get_object_or_404(Subscription.objects.select_related("user"), pk=subscription_id)
        digest = sending.digest_preview(subscription=subscription, week=sending.week_now())
        if request.GET.get("part") == "text":
            return HttpResponse(digest.text, content_type="text/plain; charset=utf-8")
        return HttpResponse(digest.html)

    @admin.action(description="Send a test of the next digest (to your own address if you have one)")
    def send_test(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        to = str(getattr(request.user, "email", "") or "")
        for subscription in queryset:
            try:
                digest = sending.digest_send_test(subscription_id=subscription.pk, week=sending.week_now(), to=to)
            except OSError as error:
                self.message_user(request, f"{subscription.email}: sending failed: {error}", messages.ERROR)
                continue
            self.message_user(
                request,
                f"Test digest for {subscription.email} ({digest.item_count} items) sent to {to or subscription.email}.",
            )

    @admin.action(description="Pause")
    def pause(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        for subscription in queryset:
            services.subscription_pause(subscription_id=subscription.pk, reason=f"paused by {request.user}")
        self.message_user(request, "Paused the active ones among the selected subscriptions.")

    @admin.action(description="Resume (after fixing the address)")
    def resume(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        resumed = sum(services.subscription_resume(subscription_id=s.pk) for s in queryset)
        self.message_user(request, f"Resumed {resumed} paused subscription(s).")

    def save_model(self, request: HttpRequest, obj: Subscription, form: Any, change: bool) -> None:
        """New subscriptions go through the service, which sends the double opt-in link."""
        if change:
            super().save_model(request, obj, form, change)
            return
        try:
            created = services.subscription_request(
                email=obj.email,
                user=obj.user,
                categories=obj.categories or [],
                kinds=obj.kinds or [],
                entities=obj.entities or [],
                timelines=obj.timelines or [],
                min_reliability=obj.min_reliability,
                include_review_queue=obj.include_review_queue,
                weekday=obj.weekday,
                hour=obj.hour,
                time_zone=obj.time_zone,
            )
        except (ValidationError, SubscribeLimitError) as error:
            self.message_user(request, f"Not saved: {error}", messages.ERROR)
            return
        obj.pk = created.pk
        self.message_user(request, f"A confirmation link was sent to {created.email}.")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The send log, read-only; a stale claim (worker died mid-send) can be released for another attempt."""

    list_display = (
        "subscription",
        "week",
        "state",
        "attempts",
        "item_count",
        "claimed_at",
        "finished_at",
        "last_error",
    )
    list_filter = ("state", "week")
    search_fields = ("subscription__email", "week", "message_id")
    list_select_related = ("subscription",)
    actions = ("release",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description="Release a stale claim so the week can be sent again (may duplicate!)")
    def release(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        released = sum(
            sending.delivery_release(delivery_id=row.pk) for row in queryset.filter(state=DeliveryState.CLAIMED)
        )
        self.message_user(
            request, f"Released {released} claim(s); `python3 dev.py manage send_digests --week WEEK` sends them again."
        )


@admin.register(ConfirmationMail)
class ConfirmationMailAdmin(admin.ModelAdmin):
    """The confirmation outbox, read-only: whether each subscriber's link went out, and why not if it did not."""

    list_display = ("email", "state", "attempts", "created_at", "sent_at", "client_address", "last_error")
    list_filter = ("state",)
    search_fields = ("email", "client_address")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
