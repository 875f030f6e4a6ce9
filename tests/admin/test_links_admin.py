"""Links between developments in the admin: made and removed through the services, a stale removal refused
with the reason kept, and a link's history being its development's."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from events.models import StoredEvent
from tests.admin.conftest import form_data
from tests.timeline.factories import record
from timeline import services
from timeline.models import Development, DevelopmentLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(db: None) -> tuple[Development, Development]:
    first = record(title="BIS publishes the October 2022 controls", date="2022-10-07")
    second = record(title="BIS updates the controls", date="2023-10-17")
    return first, second


def test_an_analyst_links_and_unlinks_through_the_services(
    analyst: Client, viewer: Client, rules: tuple[Development, Development]
) -> None:
    first, second = rules
    body = {"token": str(uuid.uuid4()), "source": str(second.pk), "relation": "amends", "target": str(second.pk)}
    refused = analyst.post(reverse("admin:timeline_developmentlink_add"), body)
    assert refused.status_code == 200 and "itself" in str(refused.context["form"].errors)
    body.update(target=str(first.pk), reason="the 2023 rule says so")
    assert analyst.post(reverse("admin:timeline_developmentlink_add"), body).status_code == 302
    link = DevelopmentLink.objects.get()
    linked = StoredEvent.objects.filter(stream=f"development-{second.pk}").order_by("position").last()
    assert linked is not None and linked.event_type == "DevelopmentLinked" and linked.metadata["actor"] == "analyst"
    change = reverse("admin:timeline_developmentlink_change", args=[link.pk])
    assert viewer.post(change, {}).status_code == 403

    data = form_data(analyst.get(change), "stream_form")
    services.development_revise(
        development_id=second.pk, changes={"summary": "Updated rules."}, expected_version=2, actor="colleague"
    )
    data.update(reason="not an amendment")
    stale = analyst.post(change, data)
    assert stale.status_code == 200 and "colleague" in stale.content.decode()
    assert DevelopmentLink.objects.exists()
    retry = form_data(stale, "stream_form")
    assert retry["reason"] == "not an amendment" and retry["version"] == "3"
    history = analyst.get(reverse("admin:timeline_developmentlink_history", args=[link.pk]))
    assert history.status_code == 302 and str(second.pk) in history["Location"]
    assert analyst.post(change, retry).status_code == 302
    assert not DevelopmentLink.objects.exists()
