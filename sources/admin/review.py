"""The review queue: candidates the flagger found, for analysts to promote, attach, reject or snooze.

The queue lists what awaits review (highest score and newest first); the review page shows the item's text, link,
source, why it was flagged, the suggested fields and its possible duplicates side by side, with one form per
decision. What the page reads comes from sources.review.selectors; every decision goes through
sources.review.services, which records it as an event.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Abs
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from sources.flagging.selectors import flag_score_threshold
from sources.models import Candidate, CandidateStatus
from sources.review import selectors as reads
from sources.review import services as review
from timeline.admin.common import actor_of, add_service_errors, new_token, page_context, safe_link
from timeline.admin.forms import (
    DATE_HELP,
    CitationForm,
    DevelopmentForm,
    TokenForm,
    developments_widget,
    use_widget,
)
from timeline.models import Development

SNOOZE_CHOICES = [("1", "1 day"), ("3", "3 days"), ("7", "1 week"), ("30", "30 days")]
QUEUE_ENTITIES = 3  # entity names a queue row shows; the review page shows them all
SCORE_BANDS = {"strong": (8.0, None), "good": (6.0, 8.0), "fair": (4.0, 6.0), "weak": (None, 4.0)}


# --- queue filters ---------------------------------------------------------------------------------------------


class QueueFilter(admin.SimpleListFilter):
    """The decision status; by default the queue shows what awaits review."""

    title = "status"
    parameter_name = "queue"
    AWAITING = "awaiting"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(self.AWAITING, "Awaiting review"), *CandidateStatus.choices, ("all", "All")]

    def choices(self, changelist: Any) -> Any:
        value = self.value() or self.AWAITING
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value() or self.AWAITING
        if value == self.AWAITING:
            return reads.candidates_awaiting_review(queryset)
        if value == "all":
            return queryset
        return queryset.filter(status=value)


class TeachFilter(admin.SimpleListFilter):
    """Teach mode: the candidates closest to the flagger's threshold first. The model is least sure of them, so a
    decision on one teaches it the most (the ordering itself is CandidateReviewAdmin.get_ordering)."""

    title = "order"
    parameter_name = "sort"
    USEFUL = "useful"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(self.USEFUL, "Most useful to decide")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset


class ScoreBandFilter(admin.SimpleListFilter):
    title = "score"
    parameter_name = "score"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("strong", "8 and more"), ("good", "6 to 8"), ("fair", "4 to 6"), ("weak", "under 4")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        band = SCORE_BANDS.get(self.value() or "")
        if band is None:
            return queryset
        low, high = band
        if low is not None:
            queryset = queryset.filter(score__gte=low)
        if high is not None:
            queryset = queryset.filter(score__lt=high)
        return queryset


# --- decision forms --------------------------------------------------------------------------------------------


class AttachForm(TokenForm):
    development = forms.ModelChoiceField(
        queryset=Development.objects.filter(status="current"),
        help_text="The development this item is another source for.",
    )
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "cols": 80}))

    def __init__(self, *args: Any, admin_site: admin.AdminSite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_widget(self.fields["development"], developments_widget(admin_site))


class RejectForm(TokenForm):
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text="Kept with the decision, e.g. “not a development: an opinion piece”.",
    )


class SnoozeForm(TokenForm):
    days = forms.TypedChoiceField(choices=SNOOZE_CHOICES, coerce=int, initial="7", label="Snooze for")
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "cols": 80}))


class BulkRejectForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "cols": 80}))


def date_hint(candidate: Candidate) -> str:
    """The date field's help: the item's publication date, as a hint, before the format's help."""
    item = candidate.item
    if item.published_at is None:
        return DATE_HELP
    published = item.published_at.date().isoformat()
    found = "" if candidate.date_edtf else " No date was found in the text."
    hint = f"Published {published} per the feed: when it was reported, not necessarily when it happened."
    if effective := (item.facts or {}).get("effective_on"):
        hint += f" Effective {effective} per the Federal Register."
    return f"{hint}{found} {DATE_HELP}"


# --- the admin -------------------------------------------------------------------------------------------------


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    # Few, compact columns so the item's title gets the width (the queue is read at 1400 px beside the admin's
    # navigation and the filters): source and date go under the title, the suggestion in one column.
    list_display = ("score_shown", "title", "suggested", "suggested_entities", "duplicates")
    list_display_links = None  # the title cell links to the review page itself, so the line under it is no link
    list_filter = (
        QueueFilter,
        TeachFilter,
        ("item__source", admin.RelatedOnlyFieldListFilter),
        ScoreBandFilter,
        "category",
        "kind",
        ("item__story", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("item__title", "item__summary", "item__link", "item__source__name")
    search_help_text = "Words in the item's title or text, its link, or the source's name."
    ordering = ("-score", "-created_at")
    list_select_related = ("item", "item__source", "item__story")
    list_per_page = 50
    actions = ("reject_selected",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_ordering(self, request: HttpRequest) -> Any:
        if request.GET.get(TeachFilter.parameter_name) == TeachFilter.USEFUL:
            return (Abs(F("score") - Value(flag_score_threshold())).asc(), "-created_at")
        return super().get_ordering(request)

    @admin.display(description="score", ordering="score")
    def score_shown(self, obj: Candidate) -> str:
        return f"{obj.score:.1f}"

    @admin.display(description="item", ordering="item__title")
    def title(self, obj: Candidate) -> SafeString:
        item = obj.item
        published = item.published_at.date().isoformat() if item.published_at else "no date"
        # The status is said only where it is news: the queue's default view shows new candidates.
        status = "" if obj.status == CandidateStatus.NEW else f" · {obj.get_status_display()}"
        return format_html(
            '<a href="{}">{}</a><div class="quiet">{} · {}{}</div>',
            reverse("admin:sources_candidate_change", args=[obj.pk]),
            item.title or item.link or f"item {obj.item_id}",
            item.source,
            published,
            status,
        )

    @admin.display(description="suggested", ordering="category")
    def suggested(self, obj: Candidate) -> SafeString:
        return format_html(
            '{}<div class="quiet">{} · {}</div>',
            obj.get_category_display() or "—",
            obj.get_kind_display() or "—",
            obj.date_edtf or "no date in the text",
        )

    @admin.display(description="entities")
    def suggested_entities(self, obj: Candidate) -> str:
        names = [str(e.get("name", "")) for e in obj.entities or [] if isinstance(e, dict)]
        shown = ", ".join(names[:QUEUE_ENTITIES])
        return f"{shown} +{len(names) - QUEUE_ENTITIES}" if len(names) > QUEUE_ENTITIES else shown

    @admin.display(description="same as")
    def duplicates(self, obj: Candidate) -> int:
        return len(obj.possible_duplicates or [])

    # --- bulk reject ---

    @admin.action(description="Reject selected candidates…", permissions=["change"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Candidate]) -> HttpResponse | None:
        if request.POST.get("apply"):
            form = BulkRejectForm(request.POST)
            if form.is_valid():
                count = review.candidates_reject(
                    candidate_ids=list(queryset.values_list("pk", flat=True)),
                    reason=form.cleaned_data["reason"],
                    actor=actor_of(request),
                )
                self.message_user(request, f"Rejected {count} candidate(s).", messages.SUCCESS)
                return None
        else:
            form = BulkRejectForm()
        context = page_context(
            request,
            self,
            "Reject candidates",
            form=form,
            candidates=queryset.select_related("item"),
            action_name="reject_selected",
            action_checkbox_name=ACTION_CHECKBOX_NAME,
        )
        return TemplateResponse(request, "admin/sources/candidate/bulk_reject.html", context)

    # --- the review page ---

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if object_id is None:
            raise PermissionDenied
        candidate_id = _int_or_none(unquote(object_id))
        candidate = (
            Candidate.objects.select_related("item", "item__source", "item__story").filter(pk=candidate_id).first()
            if candidate_id is not None
            else None
        )
        if candidate is None:
            raise Http404("No such candidate.")
        if not self.has_view_or_change_permission(request, candidate):
            raise PermissionDenied
        can_decide = self.has_change_permission(request, candidate) and candidate.status in review.OPEN_STATUSES
        forms_ = self._decision_forms(request, candidate, bound=False)
        if request.method == "POST":
            if not self.has_change_permission(request, candidate):
                raise PermissionDenied
            decision = request.POST.get("decision", "")
            if decision not in forms_:
                raise PermissionDenied
            bound = self._decision_forms(request, candidate, bound=True, only=decision)
            forms_.update(bound)
            response = self._decide(request, candidate, decision, bound)
            if response is not None:
                return response
        context = page_context(
            request,
            self,
            "Review candidate",
            original=candidate,
            item=candidate.item,
            link=safe_link(candidate.item.link),
            reasons=reads.candidate_reasons(candidate),
            suggested_entities=reads.suggested_entities(candidate),
            duplicates=_duplicates(candidate),
            decided_twins=_decided_twins(candidate),
            siblings=_story_siblings(candidate),
            can_decide=can_decide,
            can_promote=can_decide and request.user.has_perm("timeline.add_development"),
            can_attach=can_decide and request.user.has_perm("timeline.change_development"),
            decisions=reads.decision_events(candidate),
            media=forms_["promote"][0].media + forms_["attach"][0].media,
            **{f"{name}_forms": pair for name, pair in forms_.items()},
        )
        return TemplateResponse(request, "admin/sources/candidate/review.html", context)

    def _decision_forms(
        self, request: HttpRequest, candidate: Candidate, *, bound: bool, only: str | None = None
    ) -> dict[str, tuple[forms.Form, forms.Form | None]]:
        data = request.POST if bound else None
        result: dict[str, tuple[forms.Form, forms.Form | None]] = {}
        duplicates = reads.duplicate_ids(candidate)
        if only in (None, "promote"):
            development = DevelopmentForm(
                data,
                initial={**reads.development_suggestion(candidate), "token": new_token()},
                prefix="promote",
                admin_site=self.admin_site,
                reason_required=False,
            )
            development.fields["date"].help_text = date_hint(candidate)
            result["promote"] = (
                development,
                CitationForm(data, initial=reads.citation_suggestion(candidate), prefix="promote-citation"),
            )
        if only in (None, "attach"):
            result["attach"] = (
                AttachForm(
                    data,
                    initial={"token": new_token(), "development": duplicates[0] if duplicates else None},
                    prefix="attach",
                    admin_site=self.admin_site,
                ),
                CitationForm(data, initial=reads.citation_suggestion(candidate), prefix="attach-citation"),
            )
        if only in (None, "reject"):
            result["reject"] = (RejectForm(data, initial={"token": new_token()}, prefix="reject"), None)
        if only in (None, "snooze"):
            result["snooze"] = (SnoozeForm(data, initial={"token": new_token()}, prefix="snooze"), None)
        return result

    def _decide(
        self,
        request: HttpRequest,
        candidate: Candidate,
        decision: str,
        bound: dict[str, tuple[forms.Form, forms.Form | None]],
    ) -> HttpResponse | None:
        form, citation = bound[decision]
        valid = form.is_valid() & (citation.is_valid() if citation is not None else True)
        if not valid:
            return None
        actor = actor_of(request)
        reason = form.cleaned_data.get("reason", "")
        try:
            if decision == "promote":
                if not request.user.has_perm("timeline.add_development"):
                    raise PermissionDenied
                assert isinstance(form, DevelopmentForm) and citation is not None
                development = review.candidate_promote(
                    candidate_id=candidate.pk,
                    development=form.values(),
                    citation=citation.cleaned_data,
                    actor=actor,
                    reason=reason,
                )
                self._done(request, format_html("Promoted to {}.", _development_link(development)))
            elif decision == "attach":
                if not request.user.has_perm("timeline.change_development"):
                    raise PermissionDenied
                assert citation is not None
                development = review.candidate_attach(
                    candidate_id=candidate.pk,
                    development_id=form.cleaned_data["development"].pk,
                    citation=citation.cleaned_data,
                    actor=actor,
                    reason=reason,
                )
                self._done(request, format_html("Attached as a citation to {}.", _development_link(development)))
            elif decision == "reject":
                review.candidate_reject(candidate_id=candidate.pk, reason=reason, actor=actor)
                self._done(request, format_html("Rejected “{}”.", candidate.item.title))
            else:
                until = timezone.now() + timedelta(days=form.cleaned_data["days"])
                review.candidate_snooze(
                    candidate_id=candidate.pk,
                    until=until,
                    actor=actor,
                    reason=reason,
                    event_id=form.cleaned_data["token"],
                )
                self._done(request, format_html("Snoozed until {}.", until.strftime("%Y-%m-%d %H:%M UTC")))
        except ValidationError as error:
            if hasattr(error, "error_dict") and "candidate" in error.error_dict:
                # Decided meanwhile by someone else: the decision forms are gone from the page, so say it on top.
                messages.error(request, " ".join(error.message_dict["candidate"]))
                return None
            targets: dict[str, forms.Form] = {"": form}
            if citation is not None:
                targets["citations[0]." if decision == "promote" else "citation."] = citation
                if decision == "attach":
                    # citation_add names citation fields plainly (title, url ...): send those to the citation form.
                    error = ValidationError(
                        {
                            (f"citation.{key}" if key in citation.fields else key): value
                            for key, value in error.message_dict.items()
                        }
                    )
            add_service_errors(error, targets, {"media": "media_url", "until": "__all__"})
            return None
        return HttpResponseRedirect(self._next_url(candidate))

    def _done(self, request: HttpRequest, message: SafeString) -> None:
        messages.success(request, message)

    def _next_url(self, decided: Candidate) -> str:
        """The next candidate awaiting review (the queue's order), else the queue itself."""
        awaiting = reads.candidates_awaiting_review(Candidate.objects.exclude(pk=decided.pk))
        following = awaiting.order_by("-score", "-created_at").first()
        if following is not None:
            return reverse("admin:sources_candidate_change", args=[following.pk])
        return reverse("admin:sources_candidate_changelist")


def _int_or_none(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _development_link(development: Development) -> SafeString:
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:timeline_development_change", args=[development.pk]), development.title
    )


def _duplicates(candidate: Candidate) -> list[dict[str, Any]]:
    return [
        {
            "development": row.development,
            "entities": row.entities,
            "citations": [
                {"link": safe_link(c.url, c.title), "grading": c.grading, "publisher": c.publisher}
                for c in row.citations
            ],
        }
        for row in reads.duplicates(candidate)
    ]


def _decided_twins(candidate: Candidate) -> list[dict[str, Any]]:
    return [
        {"candidate": twin, "url": reverse("admin:sources_candidate_change", args=[twin.pk])}
        for twin in reads.decided_twins(candidate)
    ]


def _story_siblings(candidate: Candidate) -> list[dict[str, Any]]:
    return [
        {"item": item, "link": safe_link(item.link, item.title or item.link)}
        for item in reads.story_siblings(candidate)
    ]
