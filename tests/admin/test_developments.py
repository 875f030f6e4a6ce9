"""The developments admin: list, search, record, revise through the services, stale versions, retract and restore,
citations, merge. Every write is checked in the event log, not only in the read model."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from events.models import StoredEvent
from tests.admin.conftest import form_data
from tests.timeline.factories import citation, record
from timeline import services
from timeline.models import Development, Entity

pytestmark = pytest.mark.django_db


def change_url(development: Development) -> str:
    return reverse("admin:timeline_development_change", args=[development.pk])


def events_of(development: Development) -> list[StoredEvent]:
    return list(StoredEvent.objects.filter(stream=f"development-{development.pk}").order_by("version"))


def test_the_list_filters_by_category_entity_and_status_and_searches_aliases(
    analyst: Client, entities: list[Entity]
) -> None:
    controls = record(title="October 7 controls", entities=["bis"])
    founding = record(
        title="DeepSeek founded", date="2023-07", category="corporate", kind="founding", entities=["deepseek"]
    )
    gone = record(title="A rumour", date="2024-01", category="corporate", kind="other")
    services.development_retract(development_id=gone.pk, reason="never happened")
    url = reverse("admin:timeline_development_changelist")

    def titles(query: str) -> set[str]:
        response = analyst.get(url + query)
        assert response.status_code == 200
        return {d.title for d in response.context["cl"].result_list}

    assert titles("") == {"October 7 controls", "DeepSeek founded", "A rumour"}
    assert titles("?category__exact=corporate") == {"DeepSeek founded", "A rumour"}
    assert titles("?entity=deepseek") == {"DeepSeek founded"}
    assert titles("?status__exact=retracted") == {"A rumour"}
    # The Chinese name of DeepSeek and an English alias of BIS find their developments.
    assert titles("?q=深度求索") == {"DeepSeek founded"}
    assert titles("?q=bureau of industry") == {"October 7 controls"}
    assert titles("?date_lower__year=2023") == {"DeepSeek founded"}
    assert controls and founding


def test_an_analyst_records_a_development_with_a_graded_citation(analyst: Client, entities: list[Entity]) -> None:
    page = analyst.get(reverse("admin:timeline_development_add"))
    assert page.status_code == 200
    data = form_data(page, "development_form")
    data.update(
        title="Nvidia launches the H20",
        date="2024-01",
        category="technology",
        kind="chip_launch",
        entities=["nvidia"],
        tags="export-controls, gpu",
        **{
            "citation-title": "Nvidia H20 report",
            "citation-url": "https://example.org/h20",
            "citation-reliability": "B",
            "citation-credibility": "2",
        },
    )
    response = analyst.post(reverse("admin:timeline_development_add"), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    development = Development.objects.get(title="Nvidia launches the H20")
    assert response["Location"] == change_url(development)
    assert [e.event_type for e in events_of(development)] == ["DevelopmentRecorded", "CitationAdded"]
    assert events_of(development)[0].metadata["actor"] == "analyst"
    assert development.snapshot["tags"] == ["export-controls", "gpu"]
    assert development.citations.get().grading == "B2"
    # The same form submitted again (a double click) records nothing more.
    again = analyst.post(reverse("admin:timeline_development_add"), data)
    assert again.status_code == 302
    assert Development.objects.filter(title="Nvidia launches the H20").count() == 1
    assert len(events_of(development)) == 2


def test_bad_input_on_the_add_form_shows_errors_and_keeps_the_input(analyst: Client, entities: list[Entity]) -> None:
    page = analyst.get(reverse("admin:timeline_development_add"))
    data = form_data(page, "development_form")
    data.update(
        title="Keep me",
        date="not a date",
        category="government",
        kind="rule_release",
        **{"citation-title": "", "citation-reliability": "B", "citation-credibility": "9"},
    )
    response = analyst.post(reverse("admin:timeline_development_add"), data)
    assert response.status_code == 200
    assert "date" in response.context["form"].errors
    assert "title" in response.context["citation_form"].errors
    assert "credibility" in response.context["citation_form"].errors
    assert 'value="Keep me"' in response.content.decode()
    assert not Development.objects.exists()


def test_the_change_form_revises_through_the_service_with_a_reason(analyst: Client, development: Development) -> None:
    page = analyst.get(change_url(development))
    assert page.status_code == 200
    data = form_data(page, "development_form")
    assert data["version"] == str(development.version)
    data.update(title="BIS publishes the October 7 controls", reason="shorter title")
    response = analyst.post(change_url(development), data)
    assert response.status_code == 302
    last = events_of(development)[-1]
    assert last.event_type == "DevelopmentRevised"
    # Only the field that changed is in the event, with the analyst and the reason.
    assert last.data == {"changes": {"title": "BIS publishes the October 7 controls"}}
    assert last.metadata == {"actor": "analyst", "reason": "shorter title"}


def test_the_change_form_needs_a_reason_and_a_change(analyst: Client, development: Development) -> None:
    data = form_data(analyst.get(change_url(development)), "development_form")
    no_reason = analyst.post(change_url(development), {**data, "title": "New", "reason": ""})
    assert "reason" in no_reason.context["form"].errors
    nothing = analyst.post(change_url(development), {**data, "reason": "just looking"})
    assert nothing.status_code == 200
    assert "Nothing to save" in str(nothing.context["form"].non_field_errors())
    assert len(events_of(development)) == 2


def test_a_stale_version_shows_the_other_change_and_keeps_the_analysts_input(
    analyst: Client, development: Development
) -> None:
    data = form_data(analyst.get(change_url(development)), "development_form")
    # Someone else changes the summary and the date while the analyst is typing.
    services.development_revise(
        development_id=development.pk,
        changes={"summary": "Rules on advanced computing and semiconductor manufacturing items.", "date": "2022-10"},
        expected_version=development.version,
        actor="colleague",
        reason="the rule's own wording",
    )
    data.update(title="BIS issues the October 7 rules", date="2022-10-07", reason="clearer title")
    response = analyst.post(change_url(development), data)
    assert response.status_code == 200
    page = response.content.decode()
    # Nothing was written for the analyst ...
    assert [e.metadata["actor"] for e in events_of(development)][-1] == "colleague"
    # ... the other person's change is shown with who and why ...
    assert "colleague" in page and "the rule&#x27;s own wording" in page
    assert "Rules on advanced computing" in page
    # ... and the form keeps the analyst's title and reason, takes the colleague's summary (which the analyst did
    # not touch) and moves to the current version. The date was changed by the colleague only: it is theirs.
    retry = form_data(response, "development_form")
    assert retry["title"] == "BIS issues the October 7 rules"
    assert retry["reason"] == "clearer title"
    assert retry["summary"] == "Rules on advanced computing and semiconductor manufacturing items."
    assert retry["date"] == "2022-10"
    assert retry["version"] == str(Development.objects.get(pk=development.pk).version)
    # Saving again records the analyst's title only; the colleague's change stays.
    again = analyst.post(change_url(development), retry)
    assert again.status_code == 302
    last = events_of(development)[-1]
    assert last.data == {"changes": {"title": "BIS issues the October 7 rules"}}
    current = Development.objects.get(pk=development.pk)
    assert (current.title, current.edtf) == ("BIS issues the October 7 rules", "2022-10")


def test_when_both_changed_the_same_field_the_analyst_is_told(analyst: Client, development: Development) -> None:
    data = form_data(analyst.get(change_url(development)), "development_form")
    services.development_revise(
        development_id=development.pk, changes={"title": "Their title"}, expected_version=development.version
    )
    response = analyst.post(change_url(development), {**data, "title": "My title", "reason": "mine"})
    assert response.context["both_changed"] == ["title"]
    assert form_data(response, "development_form")["title"] == "My title"


def test_retract_and_restore_need_a_reason_and_never_delete(analyst: Client, development: Development) -> None:
    retract = reverse("admin:timeline_development_retract", args=[development.pk])
    data = form_data(analyst.get(retract))
    assert analyst.post(retract, {**data, "reason": ""}).status_code == 200
    assert analyst.post(retract, {**data, "reason": "the rule was not published that day"}).status_code == 302
    development.refresh_from_db()
    assert development.status == "retracted"
    restore = reverse("admin:timeline_development_restore", args=[development.pk])
    data = form_data(analyst.get(restore))
    assert analyst.post(restore, {**data, "reason": "it was, after all"}).status_code == 302
    development.refresh_from_db()
    assert development.status == "current"
    assert [e.event_type for e in events_of(development)][-2:] == ["DevelopmentRetracted", "DevelopmentRestored"]
    assert events_of(development)[-2].metadata["reason"] == "the rule was not published that day"
    # There is no delete, for anyone.
    delete = reverse("admin:timeline_development_delete", args=[development.pk])
    assert analyst.post(delete, {"post": "yes"}).status_code == 403
    assert Development.objects.filter(pk=development.pk).exists()


def test_a_stale_retract_is_refused_and_shows_what_changed(analyst: Client, development: Development) -> None:
    retract = reverse("admin:timeline_development_retract", args=[development.pk])
    data = form_data(analyst.get(retract))
    services.development_revise(
        development_id=development.pk,
        changes={"title": "Renamed"},
        expected_version=development.version,
        actor="colleague",
        reason="renamed",
    )
    response = analyst.post(retract, {**data, "reason": "duplicate"})
    assert response.status_code == 200
    assert "Renamed" in response.content.decode()
    assert Development.objects.get(pk=development.pk).status == "current"
    assert form_data(response)["reason"] == "duplicate"


def test_citations_are_added_with_grading_and_removed_with_a_reason(analyst: Client, development: Development) -> None:
    page = analyst.get(change_url(development))
    assert "B2" in page.content.decode()
    data = form_data(page, "citation_form")
    data.update(
        title="Federal Register 87 FR 62186",
        url="https://www.federalregister.gov/d/2022-21658",
        publisher="Federal Register",
        reliability="A",
        credibility="1",
    )
    add = reverse("admin:timeline_development_citation_add", args=[development.pk])
    assert analyst.post(add, data).status_code == 302
    assert analyst.post(add, data).status_code == 302  # a double submit adds it once
    development.refresh_from_db()
    assert sorted(c.grading for c in development.citations.all()) == ["A1", "B2"]
    added = development.citations.get(reliability="A")
    remove = reverse("admin:timeline_development_citation_remove", args=[development.pk, added.pk])
    data = form_data(analyst.get(remove))
    assert analyst.post(remove, {**data, "reason": ""}).status_code == 200
    assert analyst.post(remove, {**data, "reason": "a secondary copy"}).status_code == 302
    last = events_of(development)[-1]
    assert (last.event_type, last.data["reason"]) == ("CitationRemoved", "a secondary copy")
    assert [c.grading for c in Development.objects.get(pk=development.pk).citations.all()] == ["B2"]


def test_merging_selected_duplicates_moves_their_citations(analyst: Client, development: Development) -> None:
    duplicate = record(title="US restricts chips to China", citations=[citation(title="Reuters", reliability="C")])
    response = analyst.post(
        reverse("admin:timeline_development_changelist"),
        {"action": "merge_selected", "_selected_action": [str(duplicate.pk)]},
    )
    assert response.status_code == 302
    merge_page = analyst.get(response["Location"])
    assert "US restricts chips to China" in merge_page.content.decode()
    data = form_data(merge_page)
    response = analyst.post(response["Location"], {**data, "into": str(development.pk), "reason": "same rule"})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    development.refresh_from_db()
    assert duplicate.status == "merged"
    assert sorted(c.title for c in development.citations.all()) == [citation()["title"], "Reuters"]


def test_choosing_a_selected_row_as_the_target_merges_the_others_into_it(
    analyst: Client, development: Development
) -> None:
    duplicate = record(title="US restricts chips to China")
    url = reverse("admin:timeline_development_merge") + f"?ids={duplicate.pk},{development.pk}"
    data = form_data(analyst.get(url))
    response = analyst.post(url, {**data, "into": str(development.pk), "reason": "same rule"})
    assert response.status_code == 302, response.content.decode()[:2000]
    duplicate.refresh_from_db()
    development.refresh_from_db()
    assert (duplicate.status, development.status) == ("merged", "current")


def test_a_merge_refused_for_one_duplicate_merges_none_of_them(analyst: Client, development: Development) -> None:
    first = record(title="US restricts chips to China")
    retracted = record(title="Withdrawn copy")
    services.development_retract(development_id=retracted.pk, reason="wrong")
    url = reverse("admin:timeline_development_merge") + f"?ids={first.pk},{retracted.pk}"
    data = form_data(analyst.get(url))
    events = StoredEvent.objects.count()
    response = analyst.post(url, {**data, "into": str(development.pk), "reason": "same rule"})
    assert response.status_code == 200  # the form again, with the refusal and what was typed
    assert "same rule" in response.content.decode()
    first.refresh_from_db()
    assert first.status == "current" and StoredEvent.objects.count() == events


def test_history_shows_each_event_with_who_when_why_and_a_word_diff(analyst: Client, development: Development) -> None:
    services.development_revise(
        development_id=development.pk,
        changes={"title": "BIS publishes the October 7 export controls", "entities": ["bis", "nvidia"]},
        expected_version=development.version,
        actor="colleague",
        reason="more precise",
    )
    response = analyst.get(reverse("admin:timeline_development_history", args=[development.pk]))
    assert response.status_code == 200
    entries = response.context["entries"]
    assert [e.label for e in entries] == ["Recorded", "Citation added", "Revised"]
    revised = entries[-1]
    assert (revised.actor, revised.reason) == ("colleague", "more precise")
    html = response.content.decode()
    assert "<del>2022</del>" in html and "<ins>export</ins>" in html
    assert "added <ins>Nvidia</ins>" in html
    assert f"stream=development-{development.pk}" in html


def test_entity_autocomplete_finds_aliases(analyst: Client, entities: list[Entity]) -> None:
    def found(term: str) -> list[str]:
        response = analyst.get(
            reverse("admin:autocomplete"),
            {"term": term, "app_label": "timeline", "model_name": "development", "field_name": "entities"},
        )
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    assert found("深度求索") == ["deepseek"]
    assert found("中芯") == ["smic"]
    assert found("high-flyer capital") == ["high-flyer"]
    assert found("nvid") == ["nvidia"]


def test_a_merge_target_autocomplete_offers_current_developments_only(
    analyst: Client, development: Development
) -> None:
    gone = record(title="October rules (wrong date)")
    services.development_retract(development_id=gone.pk, reason="wrong")
    response = analyst.get(
        reverse("admin:autocomplete"),
        {"term": "October", "app_label": "timeline", "model_name": "development", "field_name": "merged_into"},
    )
    assert [row["id"] for row in response.json()["results"]] == [str(development.pk)]


def test_an_unknown_development_is_a_404(analyst: Client, db: Any) -> None:
    assert analyst.get(reverse("admin:timeline_development_change", args=[uuid.uuid4()])).status_code in (302, 404)


def test_a_change_without_the_loaded_version_is_refused(analyst: Client, development: Development) -> None:
    data = form_data(analyst.get(change_url(development)), "development_form")
    del data["version"]
    response = analyst.post(change_url(development), {**data, "title": "No version", "reason": "r"})
    assert response.status_code == 200 and "version" in response.context["form"].errors
    assert Development.objects.get(pk=development.pk).title != "No version"
