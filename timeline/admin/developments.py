"""Developments in the admin: a list to find them, and forms that change them only through the timeline services.

Nothing here saves a model. The add and change pages are plain forms whose input goes to development_record /
development_revise; retract, restore, citations and merges have their own pages calling their services. Each
form carries its event id (a token), so a double submit is recorded once, and the change form carries the
version it was loaded at: on a stale version the page comes back with the other person's change and the
analyst's input merged on top of it.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from events.store import ConcurrencyError
from timeline import search, services
from timeline.admin.common import actor_of, add_service_errors, new_token, page_context, safe_link
from timeline.admin.forms import (
    CitationAddForm,
    CitationForm,
    DevelopmentForm,
    MergeForm,
    ReasonForm,
    changed_fields,
    merge_for_retry,
)
from timeline.admin.history import history_entries, state_at
from timeline.models import Citation, Development, DevelopmentEntity, Entity, EntityAlias
from timeline.selectors import normalize_name
from timeline.taxonomy import CREDIBILITY, RELIABILITY


class EntityFilter(admin.SimpleListFilter):
    title = "entity"
    parameter_name = "entity"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        used = DevelopmentEntity.objects.values("entity_id")
        return list(Entity.objects.filter(pk__in=used).order_by("name").values_list("pk", "name"))

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if not self.value():
            return queryset
        return queryset.filter(pk__in=DevelopmentEntity.objects.filter(entity_id=self.value()).values("development"))


def _entities_matching(term: str) -> QuerySet[Any]:
    """Entity ids whose id, name or any alias (any language, any case) contains the term."""
    normalized = normalize_name(term)
    return Entity.objects.filter(
        Q(pk__icontains=term)
        | Q(name__icontains=term)
        | Q(pk__in=EntityAlias.objects.filter(normalized__contains=normalized).values("entity"))
    ).values("pk")


@admin.register(Development)
class DevelopmentAdmin(admin.ModelAdmin):
    list_display = (
        "display_date",
        "title",
        "category",
        "kind",
        "entity_names",
        "status",
        "disputed",
        "best_reliability",
        "version",
        "updated_at",
    )
    list_display_links = ("display_date", "title")
    list_filter = ("category", "kind", EntityFilter, "precision", "disputed", "status")
    # The box searches as the API's q does (timeline.search, in get_search_results); the fields only make it show.
    search_fields = ("title",)
    search_help_text = (
        'Full text of titles, summaries, citations and entity names in any language (华为, BIS): words, "a phrase", '
        "OR, -word; or a development's id."
    )
    date_hierarchy = "date_lower"
    ordering = ("-date_lower", "title")
    list_per_page = 50
    actions = ("merge_selected",)

    # --- permissions: developments are retracted, never deleted ---

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Development]:
        return super().get_queryset(request).prefetch_related("entities")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Development], search_term: str
    ) -> tuple[QuerySet[Development], bool]:
        found, may_have_duplicates = queryset, False
        term = search_term.strip()
        if term:
            found = queryset.filter(search.search_filter(search.parse(term), as_of=False))
            # Part of an entity's name or alias, as the admin has always found (a prefix while typing).
            by_entity = DevelopmentEntity.objects.filter(entity_id__in=_entities_matching(term)).values("development")
            found = found | queryset.filter(pk__in=by_entity)
            with contextlib.suppress(ValueError):
                found = found | queryset.filter(pk=uuid.UUID(term))
        # A merge picks its target among current developments only.
        if request.GET.get("field_name") == "merged_into":
            found = found.filter(status="current")
        return found, may_have_duplicates

    @admin.display(description="entities")
    def entity_names(self, obj: Development) -> str:
        return ", ".join(entity.name for entity in obj.entities.all())

    # --- URLs ---

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        custom = [
            path("merge/", wrap(self.merge_view), name="timeline_development_merge"),
            path("<path:object_id>/retract/", wrap(self.retract_view), name="timeline_development_retract"),
            path("<path:object_id>/restore/", wrap(self.restore_view), name="timeline_development_restore"),
            path(
                "<path:object_id>/citations/add/",
                wrap(self.citation_add_view),
                name="timeline_development_citation_add",
            ),
            path(
                "<path:object_id>/citations/<uuid:citation_id>/remove/",
                wrap(self.citation_remove_view),
                name="timeline_development_citation_remove",
            ),
        ]
        return custom + super().get_urls()

    def _development(self, request: HttpRequest, object_id: str) -> Development:
        development = self.get_object(request, unquote(object_id))
        if not isinstance(development, Development):  # None when there is no such row
            raise Http404("No such development.")
        return development

    def _require_change(self, request: HttpRequest, development: Development | None = None) -> None:
        if not self.has_change_permission(request, development):
            raise PermissionDenied

    def _change_url(self, development: Development) -> str:
        return reverse("admin:timeline_development_change", args=[development.pk])

    # --- add and change ---

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if object_id is None:
            return self._add(request)
        return self._change(request, self._development(request, object_id))

    def _add(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = DevelopmentForm(request.POST, admin_site=self.admin_site, reason_required=False)
            citation = CitationForm(request.POST, prefix="citation")
            if form.is_valid() & citation.is_valid():
                try:
                    development = services.development_record(
                        **form.values(),
                        citations=[citation.values()],
                        actor=actor_of(request),
                        reason=form.cleaned_data["reason"],
                        event_id=form.cleaned_data["token"],
                    )
                except ValidationError as error:
                    add_service_errors(error, {"": form, "citations[0].": citation}, {"media": "media_url"})
                else:
                    messages.success(request, f"Recorded “{development.title}”.")
                    return HttpResponseRedirect(self._change_url(development))
        else:
            form = DevelopmentForm(initial={"token": new_token()}, admin_site=self.admin_site, reason_required=False)
            citation = CitationForm(prefix="citation")
        context = page_context(
            request,
            self,
            "Record a development",
            form=form,
            citation_form=citation,
            media=form.media,
            can_change=True,
        )
        return TemplateResponse(request, "admin/timeline/development/edit.html", context)

    def _change(self, request: HttpRequest, development: Development) -> HttpResponse:
        if not self.has_view_or_change_permission(request, development):
            raise PermissionDenied
        can_change = self.has_change_permission(request, development) and development.status != "merged"
        conflict: list[Any] = []
        both_changed: list[str] = []
        if request.method == "POST":
            if not can_change:
                raise PermissionDenied
            form = DevelopmentForm(request.POST, admin_site=self.admin_site)
            # Without the version it was loaded at, a save could not tell that someone else saved meanwhile.
            form.fields["version"].required = True
            if form.is_valid():
                loaded = form.cleaned_data["version"]
                base = state_at(development, loaded)
                changes = changed_fields(base, form.values())
                if not changes:
                    form.add_error(None, "Nothing to save: every value equals the one you loaded.")
                else:
                    try:
                        services.development_revise(
                            development_id=development.pk,
                            changes=changes,
                            expected_version=loaded,
                            actor=actor_of(request),
                            reason=form.cleaned_data["reason"],
                            event_id=form.cleaned_data["token"],
                        )
                    except ConcurrencyError:
                        development.refresh_from_db()
                        merged, both_changed = merge_for_retry(base, development.snapshot, form.values())
                        conflict = history_entries(development, after_version=loaded or 0)
                        form = DevelopmentForm(
                            initial={
                                **DevelopmentForm.initial_from(merged),
                                "reason": form.cleaned_data["reason"],
                                "version": development.version,
                                "token": new_token(),
                            },
                            admin_site=self.admin_site,
                        )
                        messages.warning(
                            request,
                            "Someone else changed this development after you opened it; nothing was saved. "
                            "Their change is shown below and your edits are kept on top of it: check them and save "
                            "again.",
                        )
                    except ValidationError as error:
                        add_service_errors(error, {"": form}, {"media": "media_url", "changes": "__all__"})
                    else:
                        messages.success(request, "Saved: the change is on the record.")
                        return HttpResponseRedirect(self._change_url(development))
        else:
            form = DevelopmentForm(
                initial={
                    **DevelopmentForm.initial_from(development.snapshot),
                    "version": development.version,
                    "token": new_token(),
                },
                admin_site=self.admin_site,
            )
        if not can_change:
            for field in form.fields.values():
                field.disabled = True
        context = page_context(
            request,
            self,
            f"{'Change' if can_change else 'View'} development",
            original=development,
            form=form,
            media=form.media,
            can_change=can_change,
            conflict=conflict,
            both_changed=both_changed,
            citations=self._citation_rows(development),
            citation_form=CitationAddForm(initial={"token": new_token()}) if can_change else None,
        )
        return TemplateResponse(request, "admin/timeline/development/edit.html", context)

    @staticmethod
    def _citation_rows(development: Development) -> list[dict[str, Any]]:
        rows = []
        for citation in Citation.objects.filter(development=development):
            rows.append(
                {
                    "citation": citation,
                    "link": safe_link(citation.url, citation.title),
                    "grading_help": f"{RELIABILITY.get(citation.reliability, '')}; "
                    f"{CREDIBILITY.get(citation.credibility, '')}",
                    "remove_url": reverse(
                        "admin:timeline_development_citation_remove", args=[development.pk, citation.pk]
                    ),
                }
            )
        return rows

    # --- history ---

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        development = self._development(request, object_id)
        if not self.has_view_or_change_permission(request, development):
            raise PermissionDenied
        context = page_context(
            request,
            self,
            "History",
            original=development,
            entries=history_entries(development),
            log_url=reverse("admin:events_storedevent_changelist") + f"?stream=development-{development.pk}",
        )
        return TemplateResponse(request, "admin/timeline/development/history.html", context)

    # --- retract and restore ---

    def retract_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._status_view(request, object_id, retract=True)

    def restore_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._status_view(request, object_id, retract=False)

    def _status_view(self, request: HttpRequest, object_id: str, *, retract: bool) -> HttpResponse:
        development = self._development(request, object_id)
        self._require_change(request, development)
        service = services.development_retract if retract else services.development_restore
        verb = "Retract" if retract else "Restore"
        conflict: list[Any] = []
        if request.method == "POST":
            form = ReasonForm(request.POST)
            form.fields["version"].required = True
            if form.is_valid():
                try:
                    service(
                        development_id=development.pk,
                        reason=form.cleaned_data["reason"],
                        expected_version=form.cleaned_data["version"],
                        actor=actor_of(request),
                        event_id=form.cleaned_data["token"],
                    )
                except ConcurrencyError:
                    development.refresh_from_db()
                    conflict = history_entries(development, after_version=form.cleaned_data["version"] or 0)
                    form = ReasonForm(
                        initial={
                            "reason": form.cleaned_data["reason"],
                            "version": development.version,
                            "token": new_token(),
                        }
                    )
                    messages.warning(request, "The development changed since you opened this page; nothing was done.")
                except ValidationError as error:
                    add_service_errors(error, {"": form}, {"status": "__all__"})
                else:
                    messages.success(request, f"{verb}d, with your reason on the record.")
                    return HttpResponseRedirect(self._change_url(development))
        else:
            form = ReasonForm(initial={"version": development.version, "token": new_token()})
        context = page_context(
            request,
            self,
            f"{verb} development",
            original=development,
            form=form,
            verb=verb,
            conflict=conflict,
            explanation=(
                "A retracted development leaves every timeline; it stays in the log and in answers as of earlier times."
                if retract
                else "A restored development is current again and shows on timelines."
            ),
        )
        return TemplateResponse(request, "admin/timeline/development/reason.html", context)

    # --- citations ---

    def citation_add_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        development = self._development(request, object_id)
        self._require_change(request, development)
        if request.method == "POST":
            form = CitationAddForm(request.POST)
            if form.is_valid():
                citation = {k: v for k, v in form.values().items() if k not in ("token", "reason")}
                try:
                    services.citation_add(
                        development_id=development.pk,
                        citation=citation,
                        actor=actor_of(request),
                        reason=form.cleaned_data["reason"],
                        event_id=form.cleaned_data["token"],
                    )
                except ValidationError as error:
                    add_service_errors(error, {"": form})
                else:
                    messages.success(request, "Citation added.")
                    return HttpResponseRedirect(self._change_url(development))
        else:
            form = CitationAddForm(initial={"token": new_token()})
        context = page_context(request, self, "Add a citation", original=development, form=form)
        return TemplateResponse(request, "admin/timeline/development/citation_add.html", context)

    def citation_remove_view(self, request: HttpRequest, object_id: str, citation_id: uuid.UUID) -> HttpResponse:
        development = self._development(request, object_id)
        self._require_change(request, development)
        citation = Citation.objects.filter(pk=citation_id, development=development).first()
        if citation is None:
            raise Http404("The development has no such citation.")
        if request.method == "POST":
            form = ReasonForm(request.POST)
            if form.is_valid():
                try:
                    services.citation_remove(
                        development_id=development.pk,
                        citation_id=citation.pk,
                        reason=form.cleaned_data["reason"],
                        actor=actor_of(request),
                        event_id=form.cleaned_data["token"],
                    )
                except ValidationError as error:
                    add_service_errors(error, {"": form}, {"citation_id": "__all__"})
                else:
                    messages.success(request, "Citation removed; it stays in the history.")
                    return HttpResponseRedirect(self._change_url(development))
        else:
            form = ReasonForm(initial={"token": new_token()})
        context = page_context(
            request,
            self,
            "Remove a citation",
            original=development,
            form=form,
            verb="Remove citation",
            subject=format_html("{} [{}]", citation.title, citation.grading),
            explanation="The citation leaves the development; the history keeps it with your reason.",
        )
        return TemplateResponse(request, "admin/timeline/development/reason.html", context)

    # --- merge ---

    @admin.action(description="Merge selected developments into another…", permissions=["change"])
    def merge_selected(self, request: HttpRequest, queryset: QuerySet[Development]) -> HttpResponse:
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        return HttpResponseRedirect(reverse("admin:timeline_development_merge") + f"?ids={ids}")

    def merge_view(self, request: HttpRequest) -> HttpResponse:
        self._require_change(request)
        ids = [part for part in request.GET.get("ids", "").split(",") if part]
        duplicates = []
        for part in ids:
            try:
                duplicates.append(Development.objects.get(pk=uuid.UUID(part)))
            except (ValueError, Development.DoesNotExist):
                messages.error(request, f"No development {part}.")
        if not duplicates:
            return HttpResponseRedirect(reverse("admin:timeline_development_changelist"))
        if request.method == "POST":
            form = MergeForm(request.POST, admin_site=self.admin_site)
            if form.is_valid():
                into = form.cleaned_data["into"]
                token = form.cleaned_data["token"]
                # Picking one of the selected rows as the target merges the others into it.
                merged = [duplicate for duplicate in duplicates if duplicate.pk != into.pk]
                try:
                    if not merged:
                        raise ValidationError({"duplicate": ["A development cannot be merged into itself."]})
                    # All or none: a refusal of a later duplicate must not leave the earlier ones merged.
                    with transaction.atomic():
                        for duplicate in merged:
                            services.development_merge(
                                duplicate_id=duplicate.pk,
                                into_id=into.pk,
                                reason=form.cleaned_data["reason"],
                                actor=actor_of(request),
                                event_id=uuid.uuid5(token, str(duplicate.pk)),
                            )
                except ValidationError as error:
                    add_service_errors(error, {"": form}, {"duplicate": "__all__"})
                except ConcurrencyError:
                    form.add_error(None, "One of these developments changed meanwhile; look again and retry.")
                else:
                    messages.success(request, f"Merged {len(merged)} into “{into.title}”.")
                    return HttpResponseRedirect(self._change_url(into))
        else:
            form = MergeForm(initial={"token": new_token()}, admin_site=self.admin_site)
        context = page_context(request, self, "Merge duplicates", form=form, duplicates=duplicates, media=form.media)
        return render(request, "admin/timeline/development/merge.html", context)
