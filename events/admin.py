"""A read-only browser of the event log: nothing here can add, change or delete an event."""

from __future__ import annotations

import json

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from events.models import ProjectionCheckpoint, StoredEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(StoredEvent)
class StoredEventAdmin(ReadOnlyAdmin):
    list_display = ("position", "recorded_at", "event_type", "stream", "version", "actor")
    list_filter = ("event_type", "recorded_at")
    search_fields = ("stream", "event_type", "=event_id")
    date_hierarchy = "recorded_at"
    ordering = ("-position",)
    readonly_fields = (
        "position",
        "event_id",
        "stream",
        "version",
        "event_type",
        "schema_version",
        "recorded_at",
        "pretty_data",
        "pretty_metadata",
        "hash",
    )
    exclude = ("data", "metadata")

    @admin.display(description="actor")
    def actor(self, obj: StoredEvent) -> str:
        return str(obj.metadata.get("actor") or "")

    @admin.display(description="data")
    def pretty_data(self, obj: StoredEvent) -> str:
        # format_html escapes the JSON, so hostile text inside an event is shown inert.
        return format_html("<pre>{}</pre>", json.dumps(obj.data, indent=2, ensure_ascii=False))

    @admin.display(description="metadata")
    def pretty_metadata(self, obj: StoredEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.metadata, indent=2, ensure_ascii=False))


@admin.register(ProjectionCheckpoint)
class ProjectionCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("name", "position")
