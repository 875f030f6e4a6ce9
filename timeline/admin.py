"""Admin views of the projected timeline. Read-only here: curation goes through the services (issue 5)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from timeline.models import Citation, Development, DevelopmentVersion, Entity, EntityAlias, NamedTimeline


class ProjectionAdmin(admin.ModelAdmin):
    """Projections are written only by projectors; the admin shows them and never saves them directly."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class CitationInline(admin.TabularInline):
    model = Citation
    fields = ("title", "publisher", "locator", "grading", "excerpt", "url")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class VersionInline(admin.TabularInline):
    model = DevelopmentVersion
    fk_name = "development"
    fields = ("version", "event_type", "valid_from_time", "valid_from_position", "valid_to_position", "actor", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("version",)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Development)
class DevelopmentAdmin(ProjectionAdmin):
    list_display = ("display_date", "title", "category", "kind", "status", "disputed", "best_reliability", "version")
    list_filter = ("category", "kind", "status", "disputed", "precision")
    search_fields = ("title", "summary", "entities__name", "entities__aliases__name")
    date_hierarchy = "date_lower"
    ordering = ("date_lower", "title")
    exclude = ("snapshot", "tags_key")
    inlines = (CitationInline, VersionInline)


class EntityAliasInline(admin.TabularInline):
    model = EntityAlias
    fields = ("name", "lang")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Entity)
class EntityAdmin(ProjectionAdmin):
    list_display = ("name", "id", "entity_type")
    list_filter = ("entity_type",)
    search_fields = ("id", "name", "aliases__name")
    inlines = (EntityAliasInline,)


@admin.register(NamedTimeline)
class NamedTimelineAdmin(ProjectionAdmin):
    list_display = ("slug", "title", "version")
