"""Entities in the admin: search (and autocomplete) by name or alias in any language; register through the service."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from timeline import services
from timeline.admin.common import actor_of, add_service_errors, new_token, page_context
from timeline.admin.forms import EntityForm
from timeline.models import Entity, EntityAlias
from timeline.selectors import normalize_name


class EntityAliasInline(admin.TabularInline):
    model = EntityAlias
    fields = ("name", "lang")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "entity_type", "alias_names")
    list_filter = ("entity_type",)
    search_fields = ("id", "name")
    search_help_text = "An id, a name or an alias in any language (深度求索, 华为, BIS)."
    inlines = (EntityAliasInline,)
    readonly_fields = ("id", "name", "entity_type", "version")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Entity]:
        return super().get_queryset(request).prefetch_related("aliases")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Entity], search_term: str
    ) -> tuple[QuerySet[Entity], bool]:
        """Names and ids as usual, plus every alias: this is also what the entity autocomplete asks."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        normalized = normalize_name(search_term)
        if normalized:
            by_alias = EntityAlias.objects.filter(normalized__contains=normalized).values("entity")
            found = found | queryset.filter(pk__in=by_alias)
        return found, may_have_duplicates

    @admin.display(description="aliases")
    def alias_names(self, obj: Entity) -> str:
        return ", ".join(alias.name for alias in obj.aliases.all() if alias.name != obj.name)

    # Entities change only through events; the service registers them, nothing edits or deletes rows here.
    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = EntityForm(request.POST)
            if form.is_valid():
                try:
                    entity = services.entity_register(
                        entity_id=form.cleaned_data["entity_id"],
                        name=form.cleaned_data["name"],
                        entity_type=form.cleaned_data["entity_type"],
                        aliases=form.alias_list(),
                        actor=actor_of(request),
                        event_id=form.cleaned_data["token"],
                    )
                except ValidationError as error:
                    add_service_errors(error, {"": form})
                else:
                    messages.success(request, f"Registered {entity.name}.")
                    return HttpResponseRedirect(reverse("admin:timeline_entity_change", args=[entity.pk]))
        else:
            form = EntityForm(initial={"token": new_token()})
        context = page_context(request, self, "Register an entity", form=form)
        return TemplateResponse(request, "admin/timeline/entity/add.html", context)
