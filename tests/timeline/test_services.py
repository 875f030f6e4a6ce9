"""The timeline's commands: each appends events, and the projections show the result at once."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from events import store
from tests.timeline.factories import citation, record
from timeline import services
from timeline.models import Citation, Development, DevelopmentVersion, Entity, NamedTimeline
from timeline.selectors import development_history, entity_resolve

pytestmark = pytest.mark.django_db


def event_types(development: Development) -> list[str]:
    return [e.event_type for e in store.read_stream(f"development-{development.pk}")]


def test_recording_a_development_projects_its_dates_entities_tags_and_citations(entities: list[Entity]) -> None:
    development = services.development_record(
        title="  BIS publishes the October 7, 2022 controls ",
        date="2022-10-07",
        category="government",
        kind="rule_release",
        summary="Advanced computing and semiconductor manufacturing rules.",
        entities=["BIS", "英伟达"],
        tags=["Export-Controls", "export-controls", "hbm"],
        citations=[citation(locator="Judgment 2", reliability="a", credibility="1", published="2025-03")],
        actor="analyst-1",
        reason="from the CSIS report",
    )

    row = Development.objects.get(pk=development.pk)
    assert row.title == "BIS publishes the October 7, 2022 controls"
    assert (row.edtf, row.date_lower, row.date_upper, row.precision, row.display_date) == (
        "2022-10-07",
        date(2022, 10, 7),
        date(2022, 10, 7),
        "day",
        "Oct 7, 2022",
    )
    assert (row.category, row.kind, row.status, row.disputed, row.version) == (
        "government",
        "rule_release",
        "current",
        False,
        2,
    )
    assert sorted(e.pk for e in row.entities.all()) == ["bis", "nvidia"]
    assert row.tags_key == "|export-controls|hbm|"
    assert row.best_reliability == "A"
    (cited,) = row.citations.all()
    assert (cited.publisher, cited.locator, cited.grading, cited.published_lower) == (
        "CSIS",
        "Judgment 2",
        "A1",
        date(2025, 3, 1),
    )
    assert event_types(row) == ["DevelopmentRecorded", "CitationAdded"]
    first = store.read_stream(f"development-{row.pk}")[0]
    assert first.metadata == {"actor": "analyst-1", "reason": "from the CSIS report"}


def test_revising_records_only_the_fields_that_change_and_keeps_the_old_version_in_history(
    entities: list[Entity],
) -> None:
    development = record(entities=["bis"])
    revised = services.development_revise(
        development_id=development.pk,
        changes={"title": development.title, "date": "2022-10", "entities": ["bis", "Nvidia"], "disputed": True},
        expected_version=1,
        actor="analyst-2",
        reason="the report gives only the month",
    )

    assert (revised.version, revised.display_date, revised.disputed) == (2, "Oct 2022", True)
    assert sorted(e.pk for e in revised.entities.all()) == ["bis", "nvidia"]
    (event,) = [e for e in store.read_stream(f"development-{development.pk}") if e.event_type == "DevelopmentRevised"]
    assert event.data == {"changes": {"date": "2022-10", "entities": ["bis", "nvidia"], "disputed": True}}

    old, new = development_history(str(development.pk))
    assert (old.version, old.edtf, old.valid_to_position) == (1, "2022-10-07", new.valid_from_position)
    assert (new.version, new.edtf, new.valid_to_position) == (2, "2022-10", None)
    assert new.change["date"] == {"from": "2022-10-07", "to": "2022-10"}
    assert (new.reason, new.actor) == ("the report gives only the month", "analyst-2")
    assert sorted(e.pk for e in old.entities.all()) == ["bis"]


def test_retracting_hides_a_development_and_restoring_brings_it_back() -> None:
    development = record()
    retracted = services.development_retract(
        development_id=development.pk, reason="It was a draft rule, never published", expected_version=1
    )
    assert retracted.status == "retracted"
    restored = services.development_restore(development_id=development.pk, reason="It was published after all")
    assert restored.status == "current"
    assert event_types(restored) == ["DevelopmentRecorded", "DevelopmentRetracted", "DevelopmentRestored"]
    assert [v.status for v in development_history(str(development.pk))] == ["current", "retracted", "current"]


def test_citations_can_be_added_and_removed_and_the_best_reliability_follows() -> None:
    development = record(citations=[citation(reliability="C", credibility="3")])
    added = services.citation_add(
        development_id=development.pk,
        citation=citation(title="Financial Times", url="http://www.ft.com/x", reliability="B", credibility="2"),
    )
    assert added.best_reliability == "B"
    assert sorted(c.grading for c in added.citations.all()) == ["B2", "C3"]

    ft = Citation.objects.get(development=development, title="Financial Times")
    after = services.citation_remove(development_id=development.pk, citation_id=ft.pk, reason="paywalled duplicate")
    assert after.best_reliability == "C"
    assert [c.grading for c in after.citations.all()] == ["C3"]
    assert not Citation.objects.filter(pk=ft.pk).exists()


def test_the_first_reported_date_is_the_earliest_citation_publication() -> None:
    development = record(citations=[citation(published="2024-03-05"), citation(published="2023-11")])
    assert Development.objects.get(pk=development.pk).first_reported == date(2023, 11, 1)


def test_merging_a_duplicate_moves_its_citations_and_entities_into_the_other_development(
    entities: list[Entity],
) -> None:
    target = record(title="SMIC reaches 7nm", entities=["smic"], citations=[citation(title="CSIS")])
    duplicate = record(
        title="SMIC 7nm chips found in Huawei phone",
        entities=["smic", "huawei"],
        citations=[citation(title="TechInsights teardown", reliability="A", credibility="2")],
    )

    merged = services.development_merge(duplicate_id=duplicate.pk, into_id=target.pk, reason="same milestone")

    assert merged.pk == target.pk
    assert sorted(c.title for c in merged.citations.all()) == ["CSIS", "TechInsights teardown"]
    assert merged.best_reliability == "A"
    assert sorted(e.pk for e in merged.entities.all()) == ["huawei", "smic"]
    gone = Development.objects.get(pk=duplicate.pk)
    assert (gone.status, gone.merged_into_id) == ("merged", target.pk)
    assert event_types(gone)[-1] == "DevelopmentMerged"
    assert event_types(merged)[-1] == "DuplicateAbsorbed"
    # The merge's two events are adjacent in the log: one transaction.
    last_two = store.read_all(after=store.last_position() - 2)
    assert [e.event_type for e in last_two] == ["DevelopmentMerged", "DuplicateAbsorbed"]


def test_defining_a_named_timeline_and_redefining_it() -> None:
    first = record()
    second = record(title="Second")
    timeline = services.timeline_define(
        slug="deepseek-development",
        title="Timeline of Major Events in DeepSeek's Development",
        filters={"category": ["government"]},
        pinned=[first.pk],
    )
    assert (timeline.version, timeline.filters, timeline.pinned) == (1, {"category": ["government"]}, [str(first.pk)])

    again = services.timeline_define(
        slug="deepseek-development", title="Figure 1", pinned=[first.pk, second.pk], expected_version=1
    )
    assert (again.title, again.version, again.filters) == ("Figure 1", 2, {})
    assert again.pinned == [str(first.pk), str(second.pk)]
    assert [e.event_type for e in store.read_stream("timeline-deepseek-development")] == [
        "TimelineDefined",
        "TimelineRevised",
    ]
    assert NamedTimeline.objects.count() == 1


def test_a_stale_redefinition_of_a_named_timeline_is_a_concurrency_error() -> None:
    services.timeline_define(slug="figure-1", title="Figure 1")
    services.timeline_define(slug="figure-1", title="Figure 1 (revised)", expected_version=1)
    with pytest.raises(store.ConcurrencyError):
        services.timeline_define(slug="figure-1", title="Lost update", expected_version=1)
    assert NamedTimeline.objects.get().title == "Figure 1 (revised)"


def test_entities_are_found_by_id_name_or_any_alias_including_chinese(entities: list[Entity]) -> None:
    for term in ["deepseek", "DeepSeek", "  deepseek ai ", "DEEPSEEK", "深度求索"]:
        entity = entity_resolve(term)
        assert entity is not None and entity.pk == "deepseek", term
    assert entity_resolve("幻方量化").pk == "high-flyer"  # type: ignore[union-attr]
    assert entity_resolve("华为").pk == "huawei"  # type: ignore[union-attr]
    assert entity_resolve("中芯国际").pk == "smic"  # type: ignore[union-attr]
    assert entity_resolve("Semiconductor   Manufacturing International Corporation").pk == "smic"  # type: ignore[union-attr]
    assert entity_resolve("Deep") is None
    assert entity_resolve("") is None


def test_an_entity_id_wins_over_another_entitys_alias_and_resolving_takes_one_query(
    entities: list[Entity], django_assert_num_queries: Any
) -> None:
    # "smic" is SMIC's id; an entity that takes it as an alias (and sorts first) must not capture it.
    services.entity_register(
        entity_id="chip-watchers", name="Chip Watchers", entity_type="company", aliases=[{"name": "SMIC"}]
    )
    with django_assert_num_queries(1):
        found = entity_resolve("smic")
    assert found is not None and found.pk == "smic"
    assert entity_resolve("Chip Watchers").pk == "chip-watchers"  # type: ignore[union-attr]


def test_a_development_recorded_with_a_chinese_alias_links_the_entity(entities: list[Entity]) -> None:
    development = record(entities=["深度求索", "DeepSeek", "幻方量化"])
    assert sorted(e.pk for e in development.entities.all()) == ["deepseek", "high-flyer"]
    assert development.snapshot["entities"] == ["deepseek", "high-flyer"]


def test_an_entity_keeps_its_chinese_aliases_with_their_language(entities: list[Entity]) -> None:
    deepseek = Entity.objects.get(pk="deepseek")
    aliases = {(a.name, a.lang) for a in deepseek.aliases.all()}
    assert aliases == {("DeepSeek", ""), ("深度求索", "zh"), ("DeepSeek AI", "en")}


def test_recording_with_a_chosen_event_id_derives_the_development_id_from_it() -> None:
    event_id = uuid.uuid4()
    development = record(event_id=event_id)
    assert development.pk == uuid.uuid5(event_id, "development")
    assert DevelopmentVersion.objects.filter(development=development).count() == 1
