"""The watch-list's admins, with a "try against recent items" preview: what a changed rule would flag.

The preview saves the edited rule inside a transaction that is rolled back, compiles the watch-list with the
same selector the workers use (sources.selectors.watchlist_rules), and scores the most recent items with both
the current and the trial rules. What it shows is what saving would do to those items; nothing is kept.
Both watch-list admins (patterns and entities) are TryPreviewAdmins, so both offer that page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from sources.flagging.rules import RuleError, RuleSet, compile_pattern
from sources.flagging.scoring import FlagResult, flag_text
from sources.models import Item, WatchEntity, WatchPattern
from sources.selectors import watchlist_rules
from timeline.admin.common import page_context

RECENT_ITEMS = 500


@dataclass
class TrialRow:
    item: Item
    before: FlagResult
    after: FlagResult

    @property
    def delta(self) -> float:
        return self.after.score - self.before.score

    @property
    def rule_reasons(self) -> list[dict[str, Any]]:
        """The reasons that changed between the two scorings (what the edited rule did)."""
        return _missing_from(self.after.reasons, self.before.reasons)

    @property
    def lost_reasons(self) -> list[dict[str, Any]]:
        return _missing_from(self.before.reasons, self.after.reasons)


def _missing_from(reasons: list[dict[str, Any]], other: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reasons of `reasons` that `other` has not (the same rule, role, match and weight)."""
    known = {(r.get("rule"), r.get("role"), r.get("match"), r.get("weight")) for r in other}
    return [r for r in reasons if (r.get("rule"), r.get("role"), r.get("match"), r.get("weight")) not in known]


class _TrialDone(Exception):
    """Raised to roll back the trial save."""


def trial_rules(form: forms.ModelForm[Any]) -> RuleSet:
    """The watch-list as it would be with `form` saved (the save is rolled back)."""
    rules: RuleSet | None = None
    try:
        with transaction.atomic():
            form.save()
            rules = watchlist_rules()
            raise _TrialDone
    except _TrialDone:
        pass
    # The selector caches compiled rules by a stamp of the watch-list; compile again from what is really stored,
    # so the trial set never lingers in the cache.
    watchlist_rules()
    assert rules is not None
    return rules


def try_against_recent(form: forms.ModelForm[Any], limit: int = RECENT_ITEMS) -> dict[str, Any]:
    """Score the most recent items with the current and the trial watch-list; group what would change."""
    current = watchlist_rules()
    trial = trial_rules(form)
    items = list(Item.objects.select_related("source").order_by("-fetched_at", "-id")[:limit])
    newly, no_longer, changed = [], [], []
    flagged_before = 0
    for item in items:
        before = flag_text(title=item.title, summary=item.summary, published=item.published_at, rules=current)
        after = flag_text(title=item.title, summary=item.summary, published=item.published_at, rules=trial)
        row = TrialRow(item, before, after)
        flagged_before += before.flagged
        if after.flagged and not before.flagged:
            newly.append(row)
        elif before.flagged and not after.flagged:
            no_longer.append(row)
        elif abs(row.delta) > 1e-9:
            changed.append(row)
    changed.sort(key=lambda row: -abs(row.delta))
    return {
        "items_tried": len(items),
        "newly_flagged": newly,
        "no_longer_flagged": no_longer,
        "score_changed": changed[:100],
        "flagged_before": flagged_before,
    }


class TryPreviewAdmin(admin.ModelAdmin):
    """A watch-list admin with <id>/try/ and try/ (a new rule): the rule's form and what it would flag."""

    change_form_template = "admin/sources/watchlist/change_form.html"
    change_list_template = "admin/sources/watchlist/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        name = f"sources_{self.model._meta.model_name}"
        custom = [
            path("try/", wrap(self.try_view), name=f"{name}_try_new"),
            path("<path:object_id>/try/", wrap(self.try_view), name=f"{name}_try"),
        ]
        return custom + super().get_urls()

    def try_view(self, request: HttpRequest, object_id: str | None = None) -> HttpResponse:
        obj = None
        if object_id is not None:
            obj = self.model._default_manager.filter(pk=unquote(object_id)).first()
            if obj is None:
                raise Http404("No such rule.")
        # Trying a rule is part of editing the watch-list: it needs the permission to change (or add) it.
        allowed = self.has_change_permission(request, obj) if obj else self.has_add_permission(request)
        if not allowed:
            raise PermissionDenied
        form_class = self.get_form(request, obj)
        result = None
        if request.method == "POST":
            form = form_class(request.POST, instance=obj)
            if form.is_valid():
                result = try_against_recent(form)
        else:
            form = form_class(instance=obj)
        save_url = (
            reverse(f"admin:sources_{self.model._meta.model_name}_change", args=[obj.pk])
            if obj
            else reverse(f"admin:sources_{self.model._meta.model_name}_add")
        )
        context = page_context(
            request,
            self,
            "Try against recent items",
            original=obj,
            form=form,
            result=result,
            save_url=save_url,
            recent_items=RECENT_ITEMS,
        )
        return TemplateResponse(request, "admin/sources/watchlist/try.html", context)


# --- the admins -------------------------------------------------------------------------------------------------


class WatchPatternForm(forms.ModelForm):
    class Meta:
        model = WatchPattern
        fields = ["name", "role", "pattern", "is_regex", "weight", "kind", "category", "active", "notes"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("pattern"):
            try:
                compile_pattern(str(data["pattern"]), is_regex=bool(data.get("is_regex")))
            except RuleError as error:
                self.add_error("pattern", str(error))
        return data


@admin.register(WatchPattern)
class WatchPatternAdmin(TryPreviewAdmin):
    form = WatchPatternForm
    list_display = ["name", "role", "weight", "kind", "category", "active"]
    list_filter = ["role", "kind", "category", "active"]
    search_fields = ["name", "pattern", "notes"]


@admin.register(WatchEntity)
class WatchEntityAdmin(TryPreviewAdmin):
    list_display = ["name", "entity_type", "weight", "is_government", "timeline_entity_id", "active"]
    list_filter = ["entity_type", "is_government", "active"]
    search_fields = ["name", "aliases"]
