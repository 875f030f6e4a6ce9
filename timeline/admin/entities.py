"""Entities in the admin: search (and autocomplete) by name or alias in any language; register through the service."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from timeline import selectors, services
from timeline.admin.common import actor_of, add_service_errors, new_token, page_context
from timeline.admin.entity_forms import EntityChangeForm
from timeline.admin.forms import EntityForm
from timeline.admin.streams import save_from_loaded_version, version_rows
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

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        entity = self.get_object(request, unquote(object_id))
        if not isinstance(entity, Entity):
            raise Http404("No such entity.")
        if not self.has_view_or_change_permission(request, entity):
            raise PermissionDenied
        can_change = self.has_change_permission(request, entity)
        state = entity.snapshot or selectors.entity_history(entity.pk)[-1].state
        conflict: list[dict[str, Any]] = []
        if request.method == "POST":
            if not can_change:
                raise PermissionDenied
            outcome = save_from_loaded_version(
                request,
                EntityChangeForm,
                "entity",
                history=lambda: selectors.entity_history(entity.pk),
                current_state=state,
                values=EntityChangeForm.initial_from,
                save=lambda form, changes, loaded: services.entity_revise(
                    entity_id=entity.pk,
                    changes=changes,
                    expected_version=loaded,
                    actor=actor_of(request),
                    reason=form.cleaned_data["reason"],
                    event_id=form.cleaned_data["token"],
                ),
            )
            if outcome.saved:
                messages.success(request, f"Saved {entity.pk}: the change is on the record.")
                return HttpResponseRedirect(reverse("admin:timeline_entity_change", args=[entity.pk]))
            form, conflict = outcome.form, outcome.conflict
        else:
            form = EntityChangeForm(
                initial={**EntityChangeForm.initial_from(state), "version": entity.version, "token": new_token()}
            )
        if not can_change:
            for field in form.fields.values():
                field.disabled = True
        context = page_context(
            request,
            self,
            f"{'Change' if can_change else 'View'} entity {entity.pk}",
            original=entity,
            form=form,
            legend="Entity",
            can_change=can_change,
            conflict=conflict,
            summary=f"Version {entity.version}.",
            history_url=reverse("admin:timeline_entity_history", args=[entity.pk]),
        )
        return TemplateResponse(request, "admin/timeline/stream_edit.html", context)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        versions = selectors.entity_history(unquote(object_id))
        if not versions:
            raise Http404("No such entity.")
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        context = page_context(
            request,
            self,
            f"History of {versions[-1].state['name']}",
            versions=version_rows(versions),
            noun="entity",
            log_url=reverse("admin:events_storedevent_changelist") + f"?stream=entity-{unquote(object_id)}",
        )
        return TemplateResponse(request, "admin/timeline/stream_history.html", context)

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

    # Entities change only through events: the services register and revise them, nothing saves or deletes rows.
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
