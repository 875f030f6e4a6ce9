"""Relationships in the admin: recorded and corrected through the services (never a model save), a stale
version answered as for entities (the input kept, the other change named), and each one's history."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from timeline import selectors, services
from timeline.admin.common import actor_of, add_service_errors, new_token, page_context
from timeline.admin.entity_forms import RelationshipAddForm, RelationshipCorrectForm
from timeline.admin.streams import save_from_loaded_version, version_rows
from timeline.models import Relationship


@admin.register(Relationship)
class RelationshipAdmin(admin.ModelAdmin):
    list_display = ("source", "relation", "target", "edtf", "status", "version")
    list_filter = ("relation", "status")
    search_fields = ("source__name", "target__name", "source__id", "target__id")
    list_select_related = ("source", "target")

    # Relationships are corrected and retracted by events, never deleted.
    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def _change_url(self, relationship: Relationship) -> str:
        return reverse("admin:timeline_relationship_change", args=[relationship.pk])

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = RelationshipAddForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    relationship = services.relationship_record(
                        source=data["source"],
                        relation=data["relation"],
                        target=data["target"],
                        date=data["date"],
                        note=data["note"],
                        actor=actor_of(request),
                        reason=data["reason"],
                        event_id=data["token"],
                    )
                except ValidationError as error:
                    add_service_errors(error, {"": form})
                else:
                    messages.success(request, f"Recorded: {relationship}.")
                    return HttpResponseRedirect(self._change_url(relationship))
        else:
            form = RelationshipAddForm(initial={"token": new_token()})
        context = page_context(
            request, self, "Record a relationship", form=form, legend="Relationship", can_change=True, submit="Record"
        )
        return TemplateResponse(request, "admin/timeline/stream_edit.html", context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        relationship = selectors.relationship_get(unquote(object_id))
        if relationship is None:
            raise Http404("No such relationship.")
        if not self.has_view_or_change_permission(request, relationship):
            raise PermissionDenied
        can_change = self.has_change_permission(request, relationship) and relationship.status == "current"
        conflict: list[dict[str, Any]] = []
        if request.method == "POST":
            if not can_change:
                raise PermissionDenied
            outcome = save_from_loaded_version(
                request,
                RelationshipCorrectForm,
                "relationship",
                history=lambda: selectors.relationship_history(str(relationship.pk)),
                current_state=relationship.snapshot,
                values=_values,
                save=lambda form, changes, loaded: services.relationship_correct(
                    relationship_id=relationship.pk,
                    changes=changes,
                    expected_version=loaded,
                    actor=actor_of(request),
                    reason=form.cleaned_data["reason"],
                    event_id=form.cleaned_data["token"],
                ),
            )
            if outcome.saved:
                messages.success(request, "Corrected: the change is on the record.")
                return HttpResponseRedirect(self._change_url(relationship))
            form, conflict = outcome.form, outcome.conflict
        else:
            form = RelationshipCorrectForm(
                initial={**_values(relationship.snapshot), "version": relationship.version, "token": new_token()}
            )
        if not can_change:
            for field in form.fields.values():
                field.disabled = True
        context = page_context(
            request,
            self,
            f"{'Correct' if can_change else 'View'} relationship",
            original=relationship,
            form=form,
            legend=f"{relationship.source.name} → {relationship.target.name}",
            can_change=can_change,
            conflict=conflict,
            summary=f"Version {relationship.version}, {relationship.status}; "
            f"{len(relationship.snapshot.get('citations', []))} citations.",
            history_url=reverse("admin:timeline_relationship_history", args=[relationship.pk]),
        )
        return TemplateResponse(request, "admin/timeline/stream_edit.html", context)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        relationship = selectors.relationship_get(unquote(object_id))
        if relationship is None:
            raise Http404("No such relationship.")
        if not self.has_view_or_change_permission(request, relationship):
            raise PermissionDenied
        context = page_context(
            request,
            self,
            f"History of {relationship}",
            versions=version_rows(selectors.relationship_history(str(relationship.pk))),
            noun="relationship",
            log_url=reverse("admin:events_storedevent_changelist") + f"?stream=relationship-{relationship.pk}",
        )
        return TemplateResponse(request, "admin/timeline/stream_history.html", context)


def _values(state: Any) -> dict[str, str]:
    """The correctable fields of a relationship state, as the form shows them."""
    return {"relation": state["relation"], "date": state.get("date", ""), "note": state.get("note", "")}
