"""The relationship admin: recorded and corrected through the services (never a model save), a stale version
refused with the input kept and the other change named, and each relationship's history from its stream."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from events.models import StoredEvent
from tests.admin.conftest import form_data
from timeline import services
from timeline.models import Relationship

pytestmark = pytest.mark.django_db


@pytest.fixture
def actors(db: None) -> None:
    services.entity_register(entity_id="huawei", name="Huawei", entity_type="company", aliases=[{"name": "华为"}])
    services.entity_register(entity_id="hisilicon", name="HiSilicon", entity_type="company")


def change_url(relationship: Relationship) -> str:
    return reverse("admin:timeline_relationship_change", args=[relationship.pk])


def events_of(relationship: Relationship) -> list[StoredEvent]:
    return list(StoredEvent.objects.filter(stream=f"relationship-{relationship.pk}").order_by("position"))


def test_an_analyst_records_and_corrects_a_relationship(analyst: Client, viewer: Client, actors: None) -> None:
    add = reverse("admin:timeline_relationship_add")
    bad = {"token": str(uuid.uuid4()), "source": "hisilicon", "relation": "subsidiary_of", "target": "nobody"}
    refused = analyst.post(add, bad)
    assert refused.status_code == 200 and "nobody" in str(refused.context["form"].errors["target"])
    body = {**bad, "target": "华为", "date": "2004", "note": "", "reason": "founded as Huawei's chip arm"}
    response = analyst.post(add, body)
    assert response.status_code == 302, response.content.decode()[:2000]
    relationship = Relationship.objects.get()
    assert (relationship.source_id, relationship.target_id, relationship.edtf) == ("hisilicon", "huawei", "2004")

    data = form_data(analyst.get(change_url(relationship)), "stream_form")
    data.update(date="2004-10", reason="the month it was founded")
    assert analyst.post(change_url(relationship), data).status_code == 302
    [_, corrected] = events_of(relationship)
    assert corrected.event_type == "RelationshipCorrected" and corrected.data == {"changes": {"date": "2004-10"}}
    assert corrected.metadata["actor"] == "analyst"
    assert viewer.post(change_url(relationship), data).status_code == 403


def test_a_stale_correction_keeps_the_input_and_the_history_lists_it(analyst: Client, actors: None) -> None:
    relationship = services.relationship_record(source="hisilicon", relation="subsidiary_of", target="huawei")
    data = form_data(analyst.get(change_url(relationship)), "stream_form")
    services.relationship_correct(
        relationship_id=relationship.pk, changes={"date": "2004"}, expected_version=1, actor="colleague", reason="src"
    )
    data.update(note="Huawei's chip design arm", reason="mine")
    response = analyst.post(change_url(relationship), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else changed this relationship" in page and "colleague" in page
    assert len(events_of(relationship)) == 2
    retry = form_data(response, "stream_form")
    # The analyst's note is kept; the date they did not touch is the colleague's, so saving does not undo it.
    assert retry["note"] == "Huawei's chip design arm" and retry["date"] == "2004" and retry["version"] == "2"
    assert analyst.post(change_url(relationship), retry).status_code == 302
    relationship.refresh_from_db()
    assert (relationship.edtf, relationship.snapshot["note"], relationship.version) == (
        "2004",
        "Huawei's chip design arm",
        3,
    )
    history = analyst.get(reverse("admin:timeline_relationship_history", args=[relationship.pk]))
    assert [(v["version"], v["event_type"]) for v in history.context["versions"]] == [
        (1, "RelationshipRecorded"),
        (2, "RelationshipCorrected"),
        (3, "RelationshipCorrected"),
    ]


def test_an_unchanged_correction_or_a_refused_date_saves_nothing_and_says_why(analyst: Client, actors: None) -> None:
    relationship = services.relationship_record(source="hisilicon", relation="subsidiary_of", target="huawei")
    data = form_data(analyst.get(change_url(relationship)), "stream_form")
    unchanged = analyst.post(change_url(relationship), {**data, "reason": "no edit"})
    assert unchanged.status_code == 200
    assert "Nothing to save" in str(unchanged.context["form"].non_field_errors())
    refused = analyst.post(change_url(relationship), {**data, "date": "the autumn", "reason": "vague"})
    assert refused.status_code == 200 and refused.context["form"].errors["date"]
    assert refused.context["form"]["date"].value() == "the autumn"
    assert len(events_of(relationship)) == 1
