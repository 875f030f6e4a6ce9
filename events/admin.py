"""A read-only browser of the event log: filter by stream, event type, actor and time; nothing can be changed.

Who may look is ordinary Django permissions (`events.view_storedevent`); nobody, not even a superuser, may add,
change or delete an event here (the database refuses it too).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from events.models import ProjectionCheckpoint, StoredEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class StreamKindFilter(admin.SimpleListFilter):
    """What a stream is about: the part of its name before the first '-' (development, timeline, candidate ...)."""

    title = "stream kind"
    parameter_name = "stream_kind"
    KINDS = ("development", "entity", "timeline", "candidate")

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(kind, kind) for kind in self.KINDS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value():
            return queryset.filter(stream__startswith=f"{self.value()}-")
        return queryset


class StreamFilter(admin.SimpleListFilter):
    """One stream exactly (a development's history links here with ?stream=development-<id>)."""

    title = "stream"
    parameter_name = "stream"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        # The asked stream plus the ten most recently written ones: the log has too many streams to list.
        recent = list(StoredEvent.objects.order_by("-position").values_list("stream", flat=True).distinct()[:200])
        asked = [str(self.value())] if self.value() else []
        streams = list(dict.fromkeys(asked + recent))[:11]
        return [(stream, stream) for stream in streams if stream]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value():
            return queryset.filter(stream=self.value())
        return queryset


class ActorFilter(admin.SimpleListFilter):
    """Who did it: the `actor` in the event's metadata (analysts' user names; empty for workers and imports)."""

    title = "actor"
    parameter_name = "actor"
    NOBODY = "-"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        # Who wrote the recent part of the log (a full scan of a long log for a filter list would be slow);
        # any actor can still be asked for with ?actor=<name>.
        recent = StoredEvent.objects.order_by("-position").values_list("metadata__actor", flat=True)[:5000]
        names = sorted({str(actor) for actor in recent if actor} | ({str(self.value())} if self.value() else set()))
        names = [name for name in names if name != self.NOBODY]
        return [(name, name) for name in names] + [(self.NOBODY, "nobody (system)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == self.NOBODY:
            # A JSON null, an empty string, or no actor key at all.
            return queryset.filter(Q(metadata__actor=None) | Q(metadata__actor__isnull=True) | Q(metadata__actor=""))
        if value:
            return queryset.filter(metadata__actor=value)
        return queryset


@admin.register(StoredEvent)
class StoredEventAdmin(ReadOnlyAdmin):
    list_display = ("position", "recorded_at", "event_type", "stream", "version", "actor", "reason")
    list_filter = (StreamKindFilter, StreamFilter, "event_type", ActorFilter, "recorded_at")
    search_fields = ("stream", "event_type", "=event_id")
    search_help_text = "A stream (development-…), an event type, or an exact event id."
    date_hierarchy = "recorded_at"
    ordering = ("-position",)
    list_per_page = 100
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

    @admin.display(description="reason")
    def reason(self, obj: StoredEvent) -> str:
        text = str(obj.metadata.get("reason") or "")
        return text if len(text) <= 80 else text[:79] + "…"

    @admin.display(description="data")
    def pretty_data(self, obj: StoredEvent) -> SafeString:
        # format_html escapes the JSON, so hostile text inside an event is shown inert.
        return format_html("<pre>{}</pre>", json.dumps(obj.data, indent=2, ensure_ascii=False))

    @admin.display(description="metadata")
    def pretty_metadata(self, obj: StoredEvent) -> SafeString:
        return format_html("<pre>{}</pre>", json.dumps(obj.metadata, indent=2, ensure_ascii=False))


@admin.register(ProjectionCheckpoint)
class ProjectionCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("name", "position")
