"""The learned flagger in the admin: the target precision beside the precision/recall curve, teach mode in the queue,
and the model's reasons on the review page. Hits the real test database through Django's test client."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from sources.flagging.combined import ItemText, flag_items
from sources.flagging.rules import default_rules
from sources.flagging.selectors import flag_score_threshold, flagger_current, flagger_target_precision
from sources.models import FlaggerSettings
from tests.admin.conftest import make_candidate

SETTINGS = reverse("admin:sources_flaggersettings_changelist")
QUEUE = reverse("admin:sources_candidate_changelist")


def test_the_settings_page_shows_the_curve_beside_the_target_and_editors_change_it(editor: Client) -> None:
    page = editor.get(SETTINGS, follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<svg class="pr-curve"' in html and '<table class="pr-table">' in html
    current = flagger_current()
    assert current is not None and current.sha256[:12] in html
    assert flagger_target_precision() == 0.95
    change = reverse("admin:sources_flaggersettings_change", args=[FlaggerSettings.objects.get().pk])
    assert editor.post(change, {"target_precision": "0.9"}).status_code == 302
    assert flagger_target_precision() == 0.9
    refused = editor.post(change, {"target_precision": "1.5"})
    assert refused.status_code == 200 and "less than or equal to 0.999" in refused.content.decode()
    assert flagger_target_precision() == 0.9


def test_analysts_see_the_flagger_settings_but_cannot_change_them(analyst: Client, editor: Client) -> None:
    editor.get(SETTINGS)  # creates the row
    change = reverse("admin:sources_flaggersettings_change", args=[FlaggerSettings.objects.get().pk])
    assert analyst.get(change).status_code == 200
    assert analyst.post(change, {"target_precision": "0.6"}).status_code == 403
    assert flagger_target_precision() == 0.95


def test_teach_mode_puts_the_candidates_closest_to_the_threshold_first(analyst: Client) -> None:
    threshold = flag_score_threshold()
    # Scores placed around whatever threshold the shipped model has: by distance Unsure, Sure, Doubtful, Weak.
    # In proportion to it, since models differ in where their threshold sits on the score scale.
    placed = (
        ("Sure", threshold * 1.3),
        ("Unsure", threshold * 1.05),
        ("Doubtful", threshold * 0.6),
        ("Weak", threshold * 0.1),
    )
    assert threshold > 0, threshold
    for title, score in placed:
        make_candidate(title=title, link=f"https://a.example/{title}", score=score)
    response = analyst.get(QUEUE + "?sort=useful")
    assert response.status_code == 200
    assert [c.item.title for c in response.context["cl"].result_list] == ["Unsure", "Sure", "Doubtful", "Weak"]
    default = analyst.get(QUEUE)
    assert [c.item.title for c in default.context["cl"].result_list] == ["Sure", "Unsure", "Doubtful", "Weak"]


def test_the_review_page_shows_the_ngrams_that_pushed_the_score_and_the_model_version(analyst: Client) -> None:
    title, summary = "BIS adds 30 Chinese AI chip firms to the Entity List", "The rule takes effect on Friday."
    flag = flag_items([ItemText(title, summary)], rules=default_rules(), current=flagger_current())[0]
    candidate = make_candidate(title=title, summary=summary, score=flag.score, reasons=flag.reasons)
    candidate.model_version = flag.model
    candidate.save(update_fields=["model_version"])
    html = analyst.get(reverse("admin:sources_candidate_change", args=[candidate.pk])).content.decode()
    pushed = next(reason for reason in flag.reasons if reason["role"] == "model" and reason["field"] == "word")
    assert f"<q>{pushed['match']}</q>" in html and "Entity List" in html
    assert f"learned model <code>{flag.model[:12]}</code>" in html
