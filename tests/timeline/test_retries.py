"""A command retried with the same event id (a client's retry, a redelivered task) changes nothing twice."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError

from events.models import StoredEvent
from tests.timeline.factories import citation, record
from timeline import services

pytestmark = pytest.mark.django_db


def test_a_retried_revision_answers_with_the_development_and_appends_nothing(entities: object) -> None:
    development = record()
    event_id = uuid.uuid4()
    first = services.development_revise(
        development_id=development.pk, changes={"title": "New"}, expected_version=1, event_id=event_id
    )
    count = StoredEvent.objects.count()
    again = services.development_revise(
        development_id=development.pk, changes={"title": "New"}, expected_version=1, event_id=event_id
    )
    assert StoredEvent.objects.count() == count
    assert (again.pk, again.version, again.title) == (first.pk, first.version, "New")


def test_a_retried_retraction_is_not_refused_as_already_retracted(entities: object) -> None:
    development = record()
    event_id = uuid.uuid4()
    services.development_retract(development_id=development.pk, reason="wrong", event_id=event_id)
    again = services.development_retract(development_id=development.pk, reason="wrong", event_id=event_id)
    assert again.status == "retracted"
    assert StoredEvent.objects.filter(event_type="DevelopmentRetracted").count() == 1


def test_a_retried_citation_and_merge_append_once(entities: object) -> None:
    development = record()
    duplicate = record(title="Duplicate of the controls")
    cite_id, merge_id = uuid.uuid4(), uuid.uuid4()
    for _ in range(2):
        services.citation_add(development_id=development.pk, citation=citation(), event_id=cite_id)
        target = services.development_merge(duplicate_id=duplicate.pk, into_id=development.pk, event_id=merge_id)
    assert target.pk == development.pk
    assert StoredEvent.objects.filter(event_type="CitationAdded").count() == 1
    assert StoredEvent.objects.filter(event_type="DevelopmentMerged").count() == 1


def test_registering_a_taken_entity_id_is_a_field_error(entities: object) -> None:
    count = StoredEvent.objects.count()
    with pytest.raises(ValidationError) as raised:
        services.entity_register(entity_id="deepseek", name="Another DeepSeek", entity_type="company")
    assert "entity_id" in raised.value.message_dict
    assert StoredEvent.objects.count() == count


def test_revising_entities_or_tags_to_none_clears_them(entities: object) -> None:
    development = record(entities=["deepseek"], tags=["gpu"])
    revised = services.development_revise(
        development_id=development.pk, changes={"entities": None, "tags": None}, expected_version=1
    )
    assert revised.snapshot["entities"] == [] and revised.snapshot["tags"] == []
