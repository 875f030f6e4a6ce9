"""Named timelines in the admin (editors): the saved filter and pinned developments, with a preview of the result.

Saving goes through timeline_define with the version the page was loaded at. The preview runs the same service
inside a transaction that is rolled back, and reads the result with timeline_developments: what the preview
shows is exactly what saving would give, and previewing writes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from events import store
from events.store import ConcurrencyError, RecordedEvent
from timeline import domain, services
from timeline.admin.common import actor_of, add_service_errors, new_token, page_context
from timeline.admin.forms import TokenForm, developments_widget, entities_widget, use_widget
from timeline.models import Development, Entity, NamedTimeline
from timeline.selectors import TimelineFilters, entity_resolve, filters_from_mapping, timeline_developments
from timeline.taxonomy import RELIABILITY, Category, Kind

PREVIEW_LIMIT = 200


class TimelineForm(TokenForm):
    slug = forms.SlugField(max_length=100, help_text="Lowercase words joined by '-': the timeline's address.")
    title = forms.CharField(max_length=300, widget=forms.TextInput(attrs={"size": 90}))
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 90}))
    category = forms.MultipleChoiceField(
        choices=Category.choices, required=False, widget=forms.CheckboxSelectMultiple, label="Filter: categories"
    )
    kind = forms.MultipleChoiceField(choices=Kind.choices, required=False, label="Filter: kinds")
    entity = forms.ModelChoiceField(queryset=Entity.objects.all(), required=False, label="Filter: entity")
    tag = forms.CharField(required=False, max_length=100, label="Filter: tag")
    date_from = forms.DateField(required=False, label="Filter: from", help_text="YYYY-MM-DD; matches on overlap")
    date_to = forms.DateField(required=False, label="Filter: to", help_text="YYYY-MM-DD")
    q = forms.CharField(required=False, max_length=200, label="Filter: words", help_text="In the title or summary")
    disputed = forms.ChoiceField(
        choices=[("", "either"), ("true", "disputed only"), ("false", "undisputed only")],
        required=False,
        label="Filter: disputed",
    )
    min_reliability = forms.ChoiceField(
        choices=[("", "any")] + [(key, f"at least {key}: {text}") for key, text in RELIABILITY.items()],
        required=False,
        label="Filter: best source at least",
    )
    pinned = forms.ModelMultipleChoiceField(
        queryset=Development.objects.all(),
        required=False,
        label="Pinned developments",
        help_text="Shown whatever the filter says (with no filter, only these are shown).",
    )
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "cols": 90}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, admin_site: admin.AdminSite, existing: NamedTimeline | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        use_widget(self.fields["entity"], entities_widget(admin_site, multiple=False))
        use_widget(self.fields["pinned"], developments_widget(admin_site, multiple=True))
        if existing is not None:
            # The slug is the timeline's identity (its stream); it is not changed by editing.
            self.fields["slug"].disabled = True

    @staticmethod
    def initial_from(timeline: NamedTimeline) -> dict[str, Any]:
        saved = filters_from_mapping(dict(timeline.filters or {}))
        entity = entity_resolve(saved.entity) if saved.entity else None
        disputed = "" if saved.disputed is None else ("true" if saved.disputed else "false")
        return {
            "slug": timeline.slug,
            "title": timeline.title,
            "description": timeline.description,
            "category": list(saved.categories),
            "kind": list(saved.kinds),
            "entity": entity.pk if entity else None,
            "tag": saved.tag,
            "date_from": saved.date_from,
            "date_to": saved.date_to,
            "q": saved.text,
            "disputed": disputed,
            "min_reliability": saved.min_reliability.upper(),
            "pinned": list(timeline.pinned or []),
            "version": timeline.version,
        }

    def filters(self) -> dict[str, Any]:
        """The saved filter in the keys timeline_define and the API use; empty criteria are left out."""
        data = self.cleaned_data
        filters: dict[str, Any] = {}
        if data["category"]:
            filters["category"] = list(data["category"])
        if data["kind"]:
            filters["kind"] = list(data["kind"])
        if data["entity"]:
            filters["entity"] = data["entity"].pk
        for key, field in (("tag", "tag"), ("q", "q"), ("min_reliability", "min_reliability")):
            if data[field]:
                filters[key] = data[field]
        for key, field in (("from", "date_from"), ("to", "date_to")):
            value: date | None = data[field]
            if value:
                filters[key] = value.isoformat()
        if data["disputed"]:
            filters["disputed"] = data["disputed"] == "true"
        return filters

    def define_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "slug": data["slug"],
            "title": data["title"],
            "description": data["description"],
            "filters": self.filters(),
            "pinned": [str(development.pk) for development in data["pinned"]],
        }


class _PreviewDone(Exception):
    """Raised to roll back the preview's trial definition."""


def preview_timeline(arguments: dict[str, Any]) -> list[Any]:
    """The developments the timeline would show if saved as `arguments` (nothing is kept)."""
    rows: list[Any] = []
    try:
        with transaction.atomic():
            services.timeline_define(**arguments, expected_version=None, reason="preview")
            rows = list(timeline_developments(TimelineFilters(timeline=arguments["slug"]))[:PREVIEW_LIMIT])
            raise _PreviewDone
    except _PreviewDone:
        pass
    return rows


def _timeline_changes(slug: str, after_version: int) -> list[dict[str, Any]]:
    """The other person's redefinitions since `after_version`, for the stale-version page."""
    changes = []
    for event in store.read_stream(domain.timeline_stream(slug)):
        if event.version > after_version:
            changes.append(_describe(event))
    return changes


def _describe(event: RecordedEvent) -> dict[str, Any]:
    data = domain.timeline_definition(event.data)
    return {
        "version": event.version,
        "when": event.recorded_at,
        "actor": event.metadata.get("actor") or "",
        "reason": event.metadata.get("reason") or "",
        "title": data.get("title", ""),
        "filters": data.get("filters", {}),
        "pinned": len(data.get("pinned", [])),
    }


@admin.register(NamedTimeline)
class NamedTimelineAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "filter_summary", "pinned_count", "version", "public_page")
    search_fields = ("slug", "title")

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="filter")
    def filter_summary(self, obj: NamedTimeline) -> str:
        return "; ".join(f"{key}={value}" for key, value in (obj.filters or {}).items()) or "—"

    @admin.display(description="pinned")
    def pinned_count(self, obj: NamedTimeline) -> int:
        return len(obj.pinned or [])

    @admin.display(description="page")
    def public_page(self, obj: NamedTimeline) -> SafeString:
        return format_html('<a href="{}">view</a>', reverse("timeline-page", args=[obj.slug]))

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        existing = None
        if object_id is not None:
            existing = NamedTimeline.objects.filter(pk=unquote(object_id)).first()
            if existing is None:
                raise Http404("No such named timeline.")
            if not self.has_view_or_change_permission(request, existing):
                raise PermissionDenied
            can_save = self.has_change_permission(request, existing)
        else:
            if not self.has_add_permission(request):
                raise PermissionDenied
            can_save = True

        preview: list[Any] | None = None
        conflict: list[dict[str, Any]] = []
        if request.method == "POST":
            if not can_save:
                raise PermissionDenied
            data = request.POST.copy()
            # A disabled field (the slug of an existing timeline) takes its initial value, never the posted one.
            fixed = {"slug": existing.slug} if existing is not None else None
            form = TimelineForm(data, initial=fixed, admin_site=self.admin_site, existing=existing)
            if form.is_valid():
                arguments = form.define_arguments()
                try:
                    if "_preview" in request.POST:
                        preview = preview_timeline(arguments)
                    else:
                        timeline = self._save(request, form, arguments, existing)
                        messages.success(request, f"Saved the timeline “{timeline.title}”.")
                        return HttpResponseRedirect(reverse("admin:timeline_namedtimeline_change", args=[timeline.pk]))
                except ValidationError as error:
                    add_service_errors(error, {"": form}, {"filters": "__all__", "changes": "__all__"})
                except ConcurrencyError:
                    current = NamedTimeline.objects.get(pk=arguments["slug"])
                    if existing is None:
                        form.add_error("slug", "A timeline with this slug was just defined by someone else.")
                    else:
                        conflict = _timeline_changes(current.slug, form.cleaned_data["version"] or 0)
                        data["version"] = str(current.version)
                        data["token"] = new_token()
                        form = TimelineForm(data, initial=fixed, admin_site=self.admin_site, existing=existing)
                        form.is_valid()
                        messages.warning(
                            request,
                            "Someone else changed this timeline after you opened it; nothing was saved. Their "
                            "change is shown below and your input is kept: save again to replace it with yours.",
                        )
        elif existing is not None:
            form = TimelineForm(
                initial={**TimelineForm.initial_from(existing), "token": new_token()},
                admin_site=self.admin_site,
                existing=existing,
            )
            preview = list(timeline_developments(TimelineFilters(timeline=existing.slug))[:PREVIEW_LIMIT])
        else:
            form = TimelineForm(initial={"token": new_token()}, admin_site=self.admin_site, existing=None)
        if not can_save:
            for field in form.fields.values():
                field.disabled = True
        context = page_context(
            request,
            self,
            ("Change" if can_save else "View") + " named timeline" if existing else "Define a named timeline",
            original=existing,
            form=form,
            media=form.media,
            can_save=can_save,
            preview=preview,
            preview_limit=PREVIEW_LIMIT,
            conflict=conflict,
        )
        return TemplateResponse(request, "admin/timeline/namedtimeline/edit.html", context)

    def _save(
        self, request: HttpRequest, form: TimelineForm, arguments: dict[str, Any], existing: NamedTimeline | None
    ) -> NamedTimeline:
        if existing is None and NamedTimeline.objects.filter(pk=arguments["slug"]).exists():
            raise ValidationError({"slug": ["A timeline with this slug exists already."]})
        return services.timeline_define(
            **arguments,
            # A new timeline expects an empty stream, so a slug taken meanwhile is refused, not overwritten.
            expected_version=form.cleaned_data["version"] if existing else 0,
            actor=actor_of(request),
            reason=form.cleaned_data["reason"],
            event_id=form.cleaned_data["token"],
        )
