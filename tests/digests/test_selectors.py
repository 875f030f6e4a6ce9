"""Which developments a subscriber's digest holds: the window's changes and the subscription's filters."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from digests.models import Subscription
from digests.selectors import digest_window_end, slot_of_week, subscriptions_due
from digests.window import SubscriptionFilters, TimelineMatcher, state_matches_timeline_filters, window_changes
from tests.digests.conftest import CITATION_BLOG, CITATION_FT, record_week, subscribe
from timeline import services as timeline
from timeline.models import Development, NamedTimeline
from timeline.selectors import TimelineFilters, entity_resolve, timeline_developments

pytestmark = pytest.mark.django_db


def titles(filters: SubscriptionFilters, start: int) -> set[str]:
    changes = window_changes(start, digest_window_end())
    return {changes.items[index].title for index in changes.matching(filters)}


def test_a_week_is_classified_into_recorded_revised_and_retracted(old_timeline: dict[str, Development]) -> None:
    start = digest_window_end()
    week = record_week(old_timeline)
    changes = window_changes(start, digest_window_end())

    by_title = {item.title: item for item in changes.items}
    assert {title: item.change for title, item in by_title.items()} == {
        "DeepSeek releases R1": "recorded",
        "Huawei ships Ascend 910C": "recorded",
        "DeepSeek releases DeepSeek-V2": "revised",
        "Huawei fab milestone": "retracted",
    }
    revised = by_title["DeepSeek releases DeepSeek-V2"]
    assert {(c.field, c.before, c.after) for c in revised.changes} == {
        ("date", "2024-05", "2024-05-07"),
        ("title", "DeepSeek releases V2", "DeepSeek releases DeepSeek-V2"),
    }
    assert [c["title"] for c in revised.citations_added] == ["DeepSeek-V2 paper coverage"]
    assert by_title["Huawei fab milestone"].reason == "the source withdrew the claim"
    assert by_title["Huawei ships Ascend 910C"].development_id == str(week["new_huawei"].pk)
    # Figure 1's category order, then recorded before revised before retracted
    assert [item.category for item in changes.items] == ["corporate", "corporate", "technology", "technology"]


def test_a_development_recorded_and_retracted_in_the_same_week_is_left_out(old_timeline: dict) -> None:
    start = digest_window_end()
    fleeting = timeline.development_record(title="A rumour", date="2025-01", category="corporate", kind="other")
    timeline.development_retract(development_id=fleeting.pk, reason="false")
    assert window_changes(start, digest_window_end()).items == []


def test_a_revision_that_was_undone_within_the_week_is_not_news(old_timeline: dict[str, Development]) -> None:
    start = digest_window_end()
    model = old_timeline["old_model"]
    once = timeline.development_revise(development_id=model.pk, changes={"kind": "research_paper"}, expected_version=2)
    timeline.development_revise(
        development_id=model.pk, changes={"kind": "model_launch"}, expected_version=once.version
    )
    assert window_changes(start, digest_window_end()).items == []


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (SubscriptionFilters(), {"R1", "Ascend", "V2", "fab"}),
        (SubscriptionFilters(categories=frozenset({"technology"})), {"R1", "V2"}),
        (SubscriptionFilters(kinds=frozenset({"chip_launch", "fab_milestone"})), {"Ascend", "fab"}),
        (SubscriptionFilters(entities=frozenset({"huawei"})), {"Ascend", "fab"}),
        (SubscriptionFilters(entities=frozenset({"deepseek", "nvidia"})), {"R1", "V2"}),
        # V2's best grade became A when the week's citation was added; Ascend only has an E4
        (SubscriptionFilters(min_reliability="B"), {"R1", "V2", "fab"}),
        (SubscriptionFilters(min_reliability="A"), {"V2"}),
        (SubscriptionFilters(categories=frozenset({"corporate"}), min_reliability="C"), {"fab"}),
        (SubscriptionFilters(categories=frozenset({"government"})), set()),
    ],
)
def test_a_subscriptions_filters_select_the_right_developments(
    old_timeline: dict[str, Development], filters: SubscriptionFilters, expected: set[str]
) -> None:
    start = digest_window_end()
    record_week(old_timeline)
    words = {"R1": "R1", "Ascend": "Ascend", "V2": "DeepSeek-V2", "fab": "fab milestone"}
    chosen = titles(filters, start)
    assert {key for key, word in words.items() if any(word in title for title in chosen)} == expected


def test_named_timelines_select_by_their_saved_filter_and_their_pinned_developments(
    old_timeline: dict[str, Development],
) -> None:
    start = digest_window_end()
    week = record_week(old_timeline)
    timeline.timeline_define(slug="deepseek-watch", title="DeepSeek", filters={"entity": "深度求索"})
    timeline.timeline_define(slug="pinned", title="Pinned", pinned=[str(week["new_huawei"].pk)])

    assert titles(SubscriptionFilters(timelines=("deepseek-watch",)), start) == {
        "DeepSeek releases R1",
        "DeepSeek releases DeepSeek-V2",
    }
    assert titles(SubscriptionFilters(timelines=("pinned",)), start) == {"Huawei ships Ascend 910C"}
    assert titles(SubscriptionFilters(timelines=("pinned",), categories=frozenset({"technology"})), start) == set()


def test_a_development_moved_out_of_a_followed_category_is_still_reported(old_timeline: dict) -> None:
    rule = old_timeline["old_rule"]
    start = digest_window_end()
    timeline.development_revise(development_id=rule.pk, changes={"category": "corporate"}, expected_version=2)
    assert titles(SubscriptionFilters(categories=frozenset({"government"})), start) == {
        "BIS publishes the October 7 export controls"
    }


@pytest.mark.parametrize(
    "api_filters",
    [
        TimelineFilters(),
        TimelineFilters(categories=("technology", "corporate")),
        TimelineFilters(kinds=("model_launch",)),
        TimelineFilters(entity="华为"),
        TimelineFilters(min_reliability="B"),
        TimelineFilters(categories=("government",), min_reliability="A"),
        TimelineFilters(date_from=date(2024, 1, 1), date_to=date(2024, 12, 31)),
        TimelineFilters(text="deepseek"),
    ],
)
def test_in_memory_matching_agrees_with_the_api_selector(
    old_timeline: dict[str, Development], api_filters: TimelineFilters
) -> None:
    """Over a window holding the whole store, a named timeline with the API's filter picks what the API lists."""
    timeline.development_record(
        title="Nvidia H20 sales",
        date="2024",
        category="gpu_acquisition",
        kind="gpu_acquisition",
        entities=["nvidia"],
        citations=[CITATION_FT, CITATION_BLOG],
    )
    api = {str(pk) for pk in timeline_developments(api_filters).values_list("pk", flat=True)}
    entity = entity_resolve(api_filters.entity) if api_filters.entity else None
    matcher = TimelineMatcher(filters=api_filters, entity_id=entity.pk if entity else None, pinned=frozenset())
    changes = window_changes(0, digest_window_end())
    ours = {item.development_id for item in changes.items if any(matcher.matches(s) for s in item.states)}
    assert ours == api
    assert all(state_matches_timeline_filters(s, TimelineFilters(), None) for i in changes.items for s in i.states)


def test_named_timeline_definitions_are_read_as_the_api_reads_them(old_timeline: dict) -> None:
    timeline.timeline_define(slug="gov", title="Gov", filters={"category": "government", "min_reliability": "A"})
    matcher = TimelineMatcher.of(NamedTimeline.objects.get(slug="gov"))
    api = {str(pk) for pk in timeline_developments(TimelineFilters(timeline="gov")).values_list("pk", flat=True)}
    changes = window_changes(0, digest_window_end())
    assert {i.development_id for i in changes.items if any(matcher.matches(s) for s in i.states)} == api != set()


def test_slots_follow_each_subscribers_time_zone_and_iso_week() -> None:
    # Sunday 2 March 2025 23:30 UTC is already Monday 3 March (ISO week 10) in Shanghai, still week 9 in London.
    moment = datetime(2025, 3, 2, 23, 30, tzinfo=UTC)
    shanghai, week = slot_of_week(moment, 1, 7, "Asia/Shanghai")
    assert (week, shanghai.isoformat()) == ("2025-W10", "2025-03-03T07:00:00+08:00")
    london, week = slot_of_week(moment, 1, 7, "Europe/London")
    assert (week, london.isoformat()) == ("2025-W09", "2025-02-24T07:00:00+00:00")
    # across the spring change in New York (9 March 2025), 08:00 local is 12:00 UTC
    ny, _ = slot_of_week(datetime(2025, 3, 10, 15, tzinfo=UTC), 1, 8, "America/New_York")
    assert ny.astimezone(UTC).hour == 12


def test_only_subscriptions_whose_slot_passed_after_confirmation_are_due(old_timeline: dict) -> None:
    early = subscribe(email="early@example.org", weekday=1, hour=6, time_zone="UTC")
    late = subscribe(email="late@example.org", weekday=1, hour=18, time_zone="UTC")
    fresh = subscribe(email="fresh@example.org", weekday=1, hour=6, time_zone="UTC")
    Subscription.objects.exclude(pk=fresh.pk).update(confirmed_at=datetime(2025, 1, 1, tzinfo=UTC))
    Subscription.objects.filter(pk=fresh.pk).update(confirmed_at=datetime(2025, 2, 3, 9, tzinfo=UTC))
    paused = subscribe(email="paused@example.org", weekday=1, hour=6)
    Subscription.objects.filter(pk=paused.pk).update(status="paused", confirmed_at=datetime(2025, 1, 1, tzinfo=UTC))

    monday_noon = datetime(2025, 2, 3, 12, tzinfo=UTC)
    assert subscriptions_due(monday_noon) == [(early.pk, "2025-W06")]
    # missed by a beat that was down: still due later in the week; `late` comes due in the evening
    assert set(subscriptions_due(datetime(2025, 2, 5, 9, tzinfo=UTC))) == {
        (early.pk, "2025-W06"),
        (late.pk, "2025-W06"),
    }
