"""Named timelines (editors) with a preview that writes nothing, their stale versions; entities registered through
the service; the read-only log browser's filters."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from events.models import StoredEvent
from tests.admin.conftest import form_data
from tests.timeline.factories import record
from timeline import services
from timeline.models import Entity, NamedTimeline

pytestmark = pytest.mark.django_db

ADD = reverse("admin:timeline_namedtimeline_add")


def change(slug: str) -> str:
    return reverse("admin:timeline_namedtimeline_change", args=[slug])


@pytest.fixture
def developments(entities: list[Entity]) -> dict[str, str]:
    made = {
        "controls": record(title="October 7 controls", entities=["bis"]),
        "founding": record(
            title="DeepSeek founded", date="2023-07", category="corporate", kind="founding", entities=["deepseek"]
        ),
        "v3": record(
            title="DeepSeek-V3 released",
            date="2024-12-26",
            category="technology",
            kind="model_launch",
            entities=["deepseek"],
        ),
    }
    return {key: str(development.pk) for key, development in made.items()}


def test_an_editor_previews_a_saved_filter_without_writing_and_then_saves_it(
    editor: Client, developments: dict[str, str]
) -> None:
    data = form_data(editor.get(ADD), "namedtimeline_form")
    data.update(slug="deepseek", title="DeepSeek", entity="deepseek", pinned=[developments["controls"]])
    before = StoredEvent.objects.count()
    preview = editor.post(ADD, {**data, "_preview": "Preview"})
    assert preview.status_code == 200
    assert [d.title for d in preview.context["preview"]] == [
        "October 7 controls",
        "DeepSeek founded",
        "DeepSeek-V3 released",
    ]
    # The preview wrote nothing, and the form kept the input.
    assert StoredEvent.objects.count() == before and not NamedTimeline.objects.exists()
    assert form_data(preview, "namedtimeline_form")["title"] == "DeepSeek"
    narrowed = editor.post(ADD, {**data, "category": ["technology"], "_preview": "Preview"})
    assert [d.title for d in narrowed.context["preview"]] == ["October 7 controls", "DeepSeek-V3 released"]
    saved = editor.post(ADD, {**data, "reason": "for the DeepSeek brief", "_save": "Save"})
    assert saved.status_code == 302
    timeline = NamedTimeline.objects.get(pk="deepseek")
    assert (timeline.filters, timeline.pinned) == ({"entity": "deepseek"}, [developments["controls"]])
    event = StoredEvent.objects.get(stream="timeline-deepseek")
    assert event.metadata == {"actor": "editor", "reason": "for the DeepSeek brief"}


def test_a_bad_filter_is_a_form_error(editor: Client, developments: dict[str, str]) -> None:
    data = form_data(editor.get(ADD), "namedtimeline_form")
    response = editor.post(ADD, {**data, "slug": "Not A Slug", "title": "", "date_from": "2024-13-01"})
    assert response.status_code == 200
    assert {"slug", "title", "date_from"} <= set(response.context["form"].errors)


def test_a_taken_slug_is_refused_not_overwritten(editor: Client, developments: dict[str, str]) -> None:
    services.timeline_define(slug="figure-1", title="Figure 1", pinned=[developments["founding"]])
    data = form_data(editor.get(ADD), "namedtimeline_form")
    response = editor.post(ADD, {**data, "slug": "figure-1", "title": "Mine", "_save": "Save"})
    assert response.status_code == 200 and "slug" in response.context["form"].errors
    assert NamedTimeline.objects.get(pk="figure-1").title == "Figure 1"


def test_a_stale_timeline_shows_the_other_change_and_keeps_the_input(
    editor: Client, developments: dict[str, str]
) -> None:
    services.timeline_define(slug="figure-1", title="Figure 1", pinned=[developments["founding"]])
    data = form_data(editor.get(change("figure-1")), "namedtimeline_form")
    assert [d.title for d in editor.get(change("figure-1")).context["preview"]] == ["DeepSeek founded"]
    services.timeline_define(
        slug="figure-1",
        title="Figure 1 (theirs)",
        pinned=[developments["v3"]],
        expected_version=1,
        actor="colleague",
        reason="add V3",
    )
    response = editor.post(change("figure-1"), {**data, "title": "Figure 1 (mine)", "_save": "Save"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "colleague" in page and "add V3" in page and "Figure 1 (theirs)" in page
    retry = form_data(response, "namedtimeline_form")
    assert retry["title"] == "Figure 1 (mine)" and retry["version"] == "2"
    assert NamedTimeline.objects.get(pk="figure-1").title == "Figure 1 (theirs)"
    assert editor.post(change("figure-1"), {**retry, "_save": "Save"}).status_code == 302
    assert NamedTimeline.objects.get(pk="figure-1").title == "Figure 1 (mine)"


def test_an_analyst_registers_an_entity_with_aliases(analyst: Client, entities: list[Entity]) -> None:
    url = reverse("admin:timeline_entity_add")
    data = form_data(analyst.get(url))
    data.update(entity_id="sien", name="SiEn", entity_type="fab", aliases="芯恩|zh\nSiEn Integrated Circuits")
    assert analyst.post(url, data).status_code == 302
    assert sorted(Entity.objects.get(pk="sien").aliases.values_list("name", flat=True)) == [
        "SiEn",
        "SiEn Integrated Circuits",
        "芯恩",
    ]
    taken = analyst.post(url, {**data, "token": "5c3d1a0e-8f0e-4b2a-9a57-2f0c1c6e8d41"})
    assert taken.status_code == 200 and "entity_id" in taken.context["form"].errors
    # The entity list and the autocomplete find it by its Chinese name.
    listed = analyst.get(reverse("admin:timeline_entity_changelist"), {"q": "芯恩"})
    assert [e.pk for e in listed.context["cl"].result_list] == ["sien"]


def test_the_log_browser_filters_by_stream_type_actor_and_time(analyst: Client, developments: dict[str, str]) -> None:
    services.development_revise(
        development_id=developments["v3"],
        changes={"disputed": True},
        expected_version=1,
        actor="colleague",
        reason="FT says otherwise",
    )
    url = reverse("admin:events_storedevent_changelist")

    def listed(query: str) -> list[StoredEvent]:
        response = analyst.get(url + query)
        assert response.status_code == 200
        return list(response.context["cl"].result_list)

    everything = listed("")
    assert len(everything) == StoredEvent.objects.count()
    assert [e.position for e in everything] == sorted((e.position for e in everything), reverse=True)
    assert {e.stream for e in listed(f"?stream=development-{developments['v3']}")} == {
        f"development-{developments['v3']}"
    }
    assert {e.stream.split("-")[0] for e in listed("?stream_kind=entity")} == {"entity"}
    assert [e.event_type for e in listed("?event_type__exact=DevelopmentRevised")] == ["DevelopmentRevised"]
    [by_colleague] = listed("?actor=colleague")
    assert by_colleague.metadata["reason"] == "FT says otherwise"
    assert len(listed("?actor=-")) == len(everything) - 1
    today = by_colleague.recorded_at
    assert len(listed(f"?recorded_at__year={today.year}&recorded_at__month={today.month}")) == len(everything)
    assert listed(f"?recorded_at__year={today.year - 1}") == []
    detail = analyst.get(reverse("admin:events_storedevent_change", args=[by_colleague.pk]))
    assert "FT says otherwise" in detail.content.decode()
