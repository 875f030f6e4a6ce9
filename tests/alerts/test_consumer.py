"""The checkpointed alert consumer, in-process on the test database (SQLite, or PostgreSQL with DATABASE_URL)."""

from __future__ import annotations

from typing import Any

import pytest

from alerts.consumer import alerts_consume, alerts_consume_all
from alerts.models import AlertCheckpoint, AlertDelivery
from events import store
from tests.alerts.conftest import make_owner, save_search
from tests.api.conftest import record
from timeline import services

pytestmark = pytest.mark.django_db


def changes(search: Any) -> list[tuple[str, str]]:
    return [
        (str(row.development_id), row.change)
        for row in AlertDelivery.objects.filter(saved_search=search).order_by("position")
    ]


def revise(development_id: Any, **fields: Any) -> None:
    services.development_revise(development_id=development_id, changes=fields, expected_version=None)


def test_a_recorded_development_that_matches_alerts_each_saved_search_once() -> None:
    owner = make_owner()
    government = save_search(owner, "category=government", name="rules")
    technology = save_search(owner, "category=technology", name="models")
    rule = record(title="BIS adds firms to the Entity List", category="government", kind="rule_release")
    record(title="A model launch", category="technology", kind="model_launch", date="2025-01-20")

    alerts_consume_all()

    assert changes(government) == [(str(rule.pk), "recorded")]
    assert [change for _, change in changes(technology)] == ["recorded"]
    assert AlertCheckpoint.objects.get(name="alerts").position == store.last_position()


def test_running_the_consumer_again_records_nothing_twice() -> None:
    search = save_search(make_owner(), "category=government")
    record()
    alerts_consume_all()
    checkpoint = AlertCheckpoint.objects.get(name="alerts").position
    # Even from an older checkpoint (a crash after sending, before anything else moved), one row per delivery id.
    AlertCheckpoint.objects.filter(name="alerts").update(position=0)
    alerts_consume_all()
    assert len(changes(search)) == 1
    assert AlertCheckpoint.objects.get(name="alerts").position == checkpoint


def test_a_revision_into_the_search_a_title_change_and_a_retraction_each_alert() -> None:
    search = save_search(make_owner(), "category=government")
    development = record(category="corporate", kind="investment", title="High-Flyer funds a lab")
    alerts_consume_all()
    assert changes(search) == []

    revise(development.pk, category="government", kind="rule_release")
    revise(development.pk, title="High-Flyer funds DeepSeek")
    revise(development.pk, summary="More detail.")  # matched before and after, nothing notable: no alert
    services.development_retract(development_id=development.pk, reason="wrong")
    alerts_consume_all()

    assert [change for _, change in changes(search)] == ["matches", "revised", "retracted"]


def test_a_search_does_not_alert_on_what_happened_before_it_was_saved() -> None:
    record()
    search = save_search(make_owner(), "category=government")
    alerts_consume_all()
    assert changes(search) == []
    record(title="Another rule")
    alerts_consume_all()
    assert len(changes(search)) == 1


def test_saved_filters_mean_what_the_developments_list_means(settings: Any) -> None:
    """EDTF ranges, several categories and a text filter, parsed by the API's FilterSet."""
    search = save_search(make_owner(), "category=government,technology&from=2023&to=2023-06&q=entity")
    record(title="Entity List additions", date="2023-03")  # matches
    record(title="Entity List additions", date="2022-12-31")  # before the range
    record(title="Something else", date="2023-03")  # no text match
    alerts_consume_all()
    assert len(changes(search)) == 1


def test_a_step_reads_at_most_a_batch_and_moves_the_checkpoint_only_that_far() -> None:
    save_search(make_owner(), "")
    for index in range(3):
        record(title=f"Rule {index}")
    first = alerts_consume(batch=2)
    assert first.events == 2 and first.position < store.last_position()
    second = alerts_consume(batch=2)
    assert second.position == store.last_position()
    assert AlertDelivery.objects.count() == 3
