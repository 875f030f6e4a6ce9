"""Links between developments in the admin: made and removed through development_link / development_unlink,
never a model save. A link lives on the linking development's stream, so removing one carries that
development's version (a stale one is refused, the reason kept, the other change named), and a link's history
is that development's history."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from events.store import ConcurrencyError
from timeline import services
from timeline.admin.common import actor_of, add_service_errors, new_token, page_context
from timeline.admin.entity_forms import LinkAddForm, LinkRemoveForm
from timeline.admin.streams import keep_input_after_conflict
from timeline.models import DevelopmentLink, DevelopmentVersion


@admin.register(DevelopmentLink)
class DevelopmentLinkAdmin(admin.ModelAdmin):
    list_display = ("source", "relation", "target", "note")
    list_filter = ("relation",)
    search_fields = ("source__title", "target__title")
    list_select_related = ("source", "target")

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # removed by an event (the change page), never deleted

    # A link is part of its development: who may change developments may link and unlink them.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("timeline.change_development")

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm("timeline.change_development")

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm("timeline.view_development")

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = LinkAddForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    services.development_link(
                        development_id=data["source"],
                        relation=data["relation"],
                        target_id=data["target"],
                        note=data["note"],
                        actor=actor_of(request),
                        reason=data["reason"],
                        event_id=data["token"],
                    )
                except ValidationError as error:
                    add_service_errors(error, {"": form}, {"development": "source"})
                else:
                    messages.success(request, "Linked.")
                    return HttpResponseRedirect(reverse("admin:timeline_developmentlink_changelist"))
        else:
            form = LinkAddForm(initial={"token": new_token()})
        context = page_context(request, self, "Link two developments", form=form, legend="Link", can_change=True)
        return TemplateResponse(request, "admin/timeline/stream_edit.html", context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        link = DevelopmentLink.objects.select_related("source", "target").filter(pk=unquote(object_id)).first()
        if link is None:
            raise Http404("No such link.")
        if not self.has_view_permission(request, link):
            raise PermissionDenied
        can_change = self.has_change_permission(request, link)
        conflict: list[SimpleNamespace] = []
        if request.method == "POST":
            if not can_change:
                raise PermissionDenied
            form = LinkRemoveForm(request.POST)
            if form.is_valid():
                loaded = form.cleaned_data["version"]
                try:
                    services.development_unlink(
                        development_id=link.source_id,
                        link_id=link.pk,
                        reason=form.cleaned_data["reason"],
                        expected_version=loaded,
                        actor=actor_of(request),
                        event_id=form.cleaned_data["token"],
                    )
                except ConcurrencyError:
                    newer = _versions_after(link.source_id, loaded)
                    form = keep_input_after_conflict(
                        request, LinkRemoveForm, "development", loaded, newer, loaded_values={}, current_values={}
                    )
                    conflict = newer
                except ValidationError as error:
                    add_service_errors(error, {"": form})
                else:
                    messages.success(request, "Removed the link; the log keeps it.")
                    return HttpResponseRedirect(reverse("admin:timeline_developmentlink_changelist"))
        else:
            form = LinkRemoveForm(initial={"version": link.source.version, "token": new_token()})
        context = page_context(
            request,
            self,
            "Remove a link",
            original=link,
            form=form,
            legend=f"“{link.source.title}” {link.get_relation_display().lower()} “{link.target.title}”",
            can_change=can_change,
            conflict=conflict,
            submit="Remove the link",
            history_url=reverse("admin:timeline_development_history", args=[link.source_id]),
        )
        return TemplateResponse(request, "admin/timeline/stream_edit.html", context)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        link = DevelopmentLink.objects.filter(pk=unquote(object_id)).first()
        if link is None:
            raise Http404("No such link.")
        return HttpResponseRedirect(reverse("admin:timeline_development_history", args=[link.source_id]))


def _versions_after(development_id: Any, loaded: int) -> list[SimpleNamespace]:
    """The development's versions after `loaded`, as the conflict panel lists them."""
    rows = []
    for version in DevelopmentVersion.objects.filter(development_id=development_id, version__gt=loaded).order_by(
        "version"
    ):
        rows.append(
            SimpleNamespace(
                version=version.version,
                position=version.valid_from_position,
                recorded_at=version.valid_from_time,
                event_type=version.event_type,
                actor=version.actor,
                reason=version.reason,
                shown=[(key, str(value)) for key, value in (version.change or {}).items()],
            )
        )
    return rows
