"""The entity admin: revised through entity_revise (never a model save), a stale version refused with the input
kept and the other change named, and each entity's history from its stream."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from events.models import StoredEvent
from tests.admin.conftest import form_data
from timeline import services
from timeline.models import Entity

pytestmark = pytest.mark.django_db


@pytest.fixture
def smic(db: None) -> Entity:
    return services.entity_register(
        entity_id="smic", name="SMIC", entity_type="fab", aliases=[{"name": "中芯国际", "lang": "zh"}]
    )


def change_url(entity: Entity) -> str:
    return reverse("admin:timeline_entity_change", args=[entity.pk])


def events_of(entity: Entity) -> list[StoredEvent]:
    return list(StoredEvent.objects.filter(stream=f"entity-{entity.pk}").order_by("position"))


def test_an_analyst_revises_an_entity_through_the_service(analyst: Client, viewer: Client, smic: Entity) -> None:
    data = form_data(analyst.get(change_url(smic)), "stream_form")
    assert data["aliases"] == "中芯国际|zh" and data["version"] == "1"
    data.update(country="cn", description="China's largest foundry.", wikidata="Q1046525", reason="profile")
    response = analyst.post(change_url(smic), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    [_, revised] = events_of(smic)
    assert revised.event_type == "EntityRevised" and revised.metadata["actor"] == "analyst"
    assert revised.data["country"] == "CN" and revised.data["identifiers"] == {"wikidata": "Q1046525"}
    assert "aliases" not in revised.data  # only what changed
    # The same form again (same token) records nothing more; a viewer may look but not save.
    analyst.post(change_url(smic), data)
    assert len(events_of(smic)) == 2
    assert viewer.get(change_url(smic)).status_code == 200
    assert viewer.post(change_url(smic), data).status_code == 403


def test_a_stale_version_keeps_the_input_and_names_the_other_change(analyst: Client, smic: Entity) -> None:
    data = form_data(analyst.get(change_url(smic)), "stream_form")
    services.entity_revise(
        entity_id="smic", changes={"country": "CN"}, expected_version=1, actor="colleague", reason="HQ in Shanghai"
    )
    data.update(description="A foundry.", reason="mine")
    response = analyst.post(change_url(smic), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else changed this entity" in page and "colleague" in page and "HQ in Shanghai" in page
    # Nothing was written for the analyst.
    assert len(events_of(smic)) == 2 and events_of(smic)[-1].metadata["actor"] == "colleague"
    retry = form_data(response, "stream_form")
    assert retry["description"] == "A foundry." and retry["reason"] == "mine" and retry["version"] == "2"
    assert retry["country"] == "CN"  # untouched by the analyst: the colleague's value, so saving keeps it
    saved = analyst.post(change_url(smic), retry)
    assert saved.status_code == 302
    smic.refresh_from_db()
    assert (smic.description, smic.country, smic.version) == ("A foundry.", "CN", 3)


def test_an_entity_history_lists_every_event(analyst: Client, smic: Entity) -> None:
    services.entity_revise(
        entity_id="smic", changes={"country": "CN"}, expected_version=1, actor="colleague", reason="HQ"
    )
    response = analyst.get(reverse("admin:timeline_entity_history", args=["smic"]))
    assert response.status_code == 200
    versions = response.context["versions"]
    assert [(v["version"], v["event_type"], v["actor"]) for v in versions] == [
        (1, "EntityRegistered", ""),
        (2, "EntityRevised", "colleague"),
    ]
    assert "HQ" in response.content.decode()


def test_an_unchanged_form_or_a_refused_value_saves_nothing_and_says_why(analyst: Client, smic: Entity) -> None:
    data = form_data(analyst.get(change_url(smic)), "stream_form")
    unchanged = analyst.post(change_url(smic), {**data, "reason": "no edit"})
    assert unchanged.status_code == 200
    assert "Nothing to save" in str(unchanged.context["form"].non_field_errors())
    # The form takes two characters; the service wants two letters, and its refusal stands by the field.
    refused = analyst.post(change_url(smic), {**data, "country": "c1", "reason": "typo"})
    assert refused.status_code == 200
    assert "two-letter" in str(refused.context["form"].errors["country"])
    assert refused.context["form"]["country"].value() == "c1"
    assert len(events_of(smic)) == 1
