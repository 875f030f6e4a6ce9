"""Admin view of the workers' heartbeat, so analysts can see that beat and a worker are alive."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from workers.models import Heartbeat


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "last_beat_at", "beats")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
