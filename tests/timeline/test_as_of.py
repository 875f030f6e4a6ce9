"""`as_of`: the timeline exactly as it was at a past log position or time, served from the history projection."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from events import store
from tests.timeline.factories import citation, record
from timeline import services
from timeline.models import Development, Entity
from timeline.projections import DEVELOPMENT_COLUMN_NAMES
from timeline.selectors import SelectorError, TimelineFilters, timeline_developments

pytestmark = pytest.mark.django_db

COLUMNS = DEVELOPMENT_COLUMN_NAMES  # the columns current and history rows share


def said(**filters: Any) -> list[dict[str, Any]]:
    """What the timeline says: every shown development with every column a client sees, and its entities."""
    rows = []
    for row in timeline_developments(TimelineFilters(**filters)):
        shown = {column: getattr(row, column) for column in COLUMNS}
        shown["id"] = getattr(row, "development_id", row.pk)
        shown["entities"] = sorted(entity.pk for entity in row.entities.all())
        rows.append(shown)
    return rows


def moment() -> datetime:
    """Now, with the clock moved on a little so the next event is recorded strictly later."""
    now = timezone.now()
    time.sleep(0.002)
    return now


@pytest.fixture
def timeline(entities: list[Entity]) -> dict[str, Development]:
    return {
        "controls": record(entities=["bis"], citations=[citation(reliability="A", credibility="1")]),
        "founding": record(
            title="DeepSeek is founded", date="2023-07", category="corporate", kind="founding", entities=["deepseek"]
        ),
        "v3": record(title="DeepSeek-V3", date="2024-12-26", category="technology", kind="model_launch"),
    }


def test_as_of_a_position_answers_exactly_what_the_timeline_said_before_a_revision(
    timeline: dict[str, Development],
) -> None:
    before, position = said(), store.last_position()
    services.development_revise(
        development_id=timeline["founding"].pk,
        changes={"title": "DeepSeek is incorporated", "date": "2023-07-17", "entities": ["deepseek", "high-flyer"]},
        expected_version=1,
    )
    services.citation_add(development_id=timeline["founding"].pk, citation=citation(reliability="B", credibility="2"))
    now = said()
    assert now != before

    assert said(as_of=position) == before
    assert said(as_of=store.last_position()) == now


def test_as_of_a_time_answers_exactly_what_the_timeline_said_before_a_revision(
    timeline: dict[str, Development],
) -> None:
    before, then = said(), moment()
    services.development_revise(
        development_id=timeline["controls"].pk, changes={"category": "technology", "disputed": True}, expected_version=2
    )
    assert said() != before
    assert said(as_of=then) == before
    assert said(as_of=timezone.now()) == said()


def test_as_of_answers_exactly_what_the_timeline_said_before_a_retraction(timeline: dict[str, Development]) -> None:
    before, position, then = said(), store.last_position(), moment()
    services.development_retract(development_id=timeline["v3"].pk, reason="announced, not released")

    assert [row["id"] for row in said()] == [timeline["controls"].pk, timeline["founding"].pk]
    assert said(as_of=position) == before
    assert said(as_of=then) == before


def test_as_of_answers_before_a_merge_and_after_a_restore(timeline: dict[str, Development]) -> None:
    before_merge = said()
    position = store.last_position()
    services.development_merge(duplicate_id=timeline["v3"].pk, into_id=timeline["founding"].pk)
    after_merge = said()
    services.development_retract(development_id=timeline["controls"].pk, reason="wrong date")
    retracted = store.last_position()
    services.development_restore(development_id=timeline["controls"].pk, reason="right date after all")

    assert said(as_of=position) == before_merge
    assert len(after_merge) == 2
    assert [row["id"] for row in said(as_of=retracted)] == [timeline["founding"].pk]
    assert [row["id"] for row in said()] == [timeline["controls"].pk, timeline["founding"].pk]


def test_as_of_applies_the_filters_to_the_past_state(timeline: dict[str, Development]) -> None:
    position = store.last_position()
    services.development_revise(development_id=timeline["v3"].pk, changes={"category": "corporate"}, expected_version=1)
    assert [row["id"] for row in said(categories=("technology",))] == []
    assert [row["id"] for row in said(categories=("technology",), as_of=position)] == [timeline["v3"].pk]
    assert [row["id"] for row in said(entity="深度求索", as_of=position)] == [timeline["founding"].pk]


def test_as_of_a_named_timeline_shows_the_pinned_developments_as_they_were(timeline: dict[str, Development]) -> None:
    services.timeline_define(slug="picked", title="Picked", pinned=[timeline["founding"].pk, timeline["v3"].pk])
    before, position = said(timeline="picked"), store.last_position()
    services.development_revise(development_id=timeline["v3"].pk, changes={"title": "V3 (renamed)"}, expected_version=1)
    assert said(timeline="picked", as_of=position) == before
    assert [row["title"] for row in said(timeline="picked")] == ["DeepSeek is founded", "V3 (renamed)"]


def test_as_of_position_zero_is_the_empty_timeline_before_anything_was_recorded(
    timeline: dict[str, Development],
) -> None:
    assert said(as_of=0) == []


def test_as_of_each_position_replays_the_history_one_event_at_a_time(timeline: dict[str, Development]) -> None:
    development = timeline["v3"]
    positions = {}
    for title in ["one", "two", "three"]:
        services.development_revise(development_id=development.pk, changes={"title": title}, expected_version=None)
        positions[title] = store.last_position()
    for title, position in positions.items():
        (row,) = [r for r in said(as_of=position) if r["id"] == development.pk]
        assert row["title"] == title


@pytest.mark.parametrize(
    "as_of",
    [
        -1,
        10**6,
        datetime(2020, 1, 1, 12, 0),  # naive: no time zone
        "future",
    ],
)
def test_as_of_values_that_cannot_be_answered_are_a_selector_error(
    timeline: dict[str, Development], as_of: Any
) -> None:
    if as_of == "future":
        as_of = timezone.now() + timedelta(days=1)
    with pytest.raises(SelectorError) as raised:
        said(as_of=as_of)
    assert raised.value.field_name == "as_of"


def test_as_of_a_time_before_the_first_event_is_the_empty_timeline(timeline: dict[str, Development]) -> None:
    first = store.read_all(limit=1)[0].recorded_at
    assert said(as_of=first - timedelta(seconds=1)) == []
