"""The learned flagger in the admin: the editors' target precision beside the current model's precision/recall
curve, the model's figures, and the history of trainings (each a FlaggerTrained event) with the gate's verdicts.

One settings row, so the list page goes straight to it. Anyone who may see the review queue may look; those who
may change the watch-list (editors) may change the target, through sources.flagging.services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from sources.flagging.selectors import flagger_current, flagger_history
from sources.flagging.services import flagger_settings_update
from sources.models import FlaggerSettings

SVG_WIDTH, SVG_HEIGHT, SVG_PAD = 320, 220, 30


def _svg_curve(curve: list[dict[str, float]], threshold: float) -> SafeString:
    """Precision (up) against recall (across) at each threshold; the model's threshold marked."""

    def xy(point: dict[str, float]) -> tuple[float, float]:
        x = SVG_PAD + point["recall"] * (SVG_WIDTH - 2 * SVG_PAD)
        y = SVG_HEIGHT - SVG_PAD - point["precision"] * (SVG_HEIGHT - 2 * SVG_PAD)
        return round(x, 1), round(y, 1)

    points = " ".join(f"{x},{y}" for x, y in (xy(point) for point in curve))
    nearest = min(curve, key=lambda point: abs(point["threshold"] - threshold)) if curve else None
    marker = ""
    if nearest is not None:
        x, y = xy(nearest)
        marker = f'<circle cx="{x}" cy="{y}" r="5" fill="#ba2121"><title>threshold {threshold:.2f}</title></circle>'
    axis_x, axis_y = SVG_HEIGHT - SVG_PAD, SVG_PAD
    return mark_safe(  # noqa: S308 - built from numbers and constants only
        f'<svg class="pr-curve" width="{SVG_WIDTH}" height="{SVG_HEIGHT}" role="img" '
        f'aria-label="precision against recall">'
        f'<line x1="{SVG_PAD}" y1="{axis_x}" x2="{SVG_WIDTH - SVG_PAD}" y2="{axis_x}" stroke="#888"/>'
        f'<line x1="{SVG_PAD}" y1="{axis_y}" x2="{SVG_PAD}" y2="{axis_x}" stroke="#888"/>'
        f'<text x="{SVG_WIDTH / 2}" y="{SVG_HEIGHT - 8}" text-anchor="middle" font-size="11">recall</text>'
        f'<text x="10" y="{SVG_HEIGHT / 2}" font-size="11" transform="rotate(-90 10 {SVG_HEIGHT / 2})" '
        f'text-anchor="middle">precision</text>'
        f'<polyline fill="none" stroke="#417690" stroke-width="2" points="{points}"/>{marker}</svg>'
    )


def _curve_table(curve: list[dict[str, float]], threshold: float) -> SafeString:
    rows = format_html_join(
        "",
        "<tr{}><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                mark_safe(' class="selected"') if abs(point["threshold"] - threshold) < 0.025 else "",
                # format_html escapes its arguments to text first, so numbers are formatted here
                f"{point['threshold']:.2f}",
                f"{point['precision']:.3f}",
                f"{point['recall']:.3f}",
            )
            for point in curve
        ),
    )
    return format_html(
        '<table class="pr-table"><thead><tr><th>threshold</th><th>precision</th><th>recall</th></tr></thead>'
        "<tbody>{}</tbody></table>",
        rows,
    )


@admin.register(FlaggerSettings)
class FlaggerSettingsAdmin(admin.ModelAdmin):
    fields = ("target_precision", "current_model", "precision_recall_curve", "trainings")
    readonly_fields = ("current_model", "precision_recall_curve", "trainings")

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return bool(request.user.has_perm("sources.view_candidate"))

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return bool(request.user.has_perm("sources.change_watchpattern"))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        row, _ = FlaggerSettings.objects.get_or_create(pk=1)
        return HttpResponseRedirect(reverse("admin:sources_flaggersettings_change", args=[row.pk]))

    def save_model(self, request: HttpRequest, obj: FlaggerSettings, form: Any, change: bool) -> None:
        # The form has checked the field's bounds already (the model field's validators, which the service applies too).
        flagger_settings_update(target_precision=obj.target_precision)

    @admin.display(description="current model")
    def current_model(self, obj: FlaggerSettings) -> SafeString:
        current = flagger_current()
        if current is None:
            return format_html("{}", "none: flagging with the rules alone (FLAGGER_ENABLED is off)")
        meta = current.model.meta
        figures = meta.get("cross_validated", {})
        return format_html(
            "<code>{}</code> · threshold {} (for target precision {}) · cross-validated precision {}, recall {}, "
            "category accuracy {} on {} items",
            current.sha256[:12],
            f"{current.model.threshold:.3f}",
            meta.get("target_precision", "?"),
            figures.get("precision", "?"),
            figures.get("recall", "?"),
            figures.get("category_accuracy", "?"),
            figures.get("items", "?"),
        )

    @admin.display(description="precision / recall")
    def precision_recall_curve(self, obj: FlaggerSettings) -> SafeString:
        current = flagger_current()
        curve = current.model.meta.get("curve", []) if current is not None else []
        if not curve:
            return format_html("{}", "no curve recorded for this model")
        threshold = current.model.threshold if current is not None else 0.5
        return format_html(
            '<div style="display:flex;gap:2em;align-items:flex-start">{}{}</div>'
            '<p class="help">Cross-validated on the training data. The next training picks the threshold with the '
            "best recall whose precision reaches the target.</p>",
            _svg_curve(curve, threshold),
            _curve_table(curve, threshold),
        )

    @admin.display(description="trainings")
    def trainings(self, obj: FlaggerSettings) -> SafeString:
        rows = []
        for event in flagger_history():
            data = event.data
            new = data.get("gate", {}).get("new", {})
            rows.append(
                (
                    event.recorded_at.strftime("%Y-%m-%d %H:%M"),
                    str(data.get("sha256", ""))[:12],
                    data.get("training_items", ""),
                    data.get("threshold", ""),
                    f"{new.get('precision', '?')} / {new.get('recall', '?')}",
                    "accepted" if data.get("accepted") else "kept out",
                    data.get("reason", ""),
                )
            )
        if not rows:
            return format_html("{}", "no training recorded yet: the model shipped with the code is in use")
        return format_html(
            '<table class="trainings"><thead><tr><th>when</th><th>model</th><th>items</th><th>threshold</th>'
            "<th>eval precision / recall</th><th>verdict</th><th>why</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join(
                "", "<tr>{}</tr>", ((format_html_join("", "<td>{}</td>", ((c,) for c in r)),) for r in rows)
            ),
        )
