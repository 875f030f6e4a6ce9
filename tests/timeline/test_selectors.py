"""The selector for filtered timelines: each filter, named timelines, order, and what is never shown."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.timeline.factories import citation, record
from timeline import services
from timeline.models import Development, Entity
from timeline.selectors import SelectorError, TimelineFilters, timeline_developments
from timeline.selectors import developments as developments_selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def figure(entities: list[Entity]) -> dict[str, Development]:
    """Eight developments spread over the categories, kinds, entities, tags, dates and gradings filtered on."""
    developments = {
        "high-flyer": record(
            title="High-Flyer is founded",
            date="2015",
            category="corporate",
            kind="founding",
            entities=["high-flyer"],
            tags=["hedge-fund"],
            citations=[citation(reliability="C", credibility="3")],
        ),
        "oct-2022": record(
            title="BIS publishes the October 7, 2022 controls",
            date="2022-10-07",
            category="government",
            kind="rule_release",
            entities=["bis", "nvidia"],
            tags=["export-controls"],
            citations=[citation(reliability="A", credibility="1")],
        ),
        "gpus": record(
            title="High-Flyer stockpiles A100s",
            date="2022-07~",
            category="gpu_acquisition",
            kind="gpu_acquisition",
            summary="Ten thousand Nvidia GPUs bought before the controls",
            entities=["high-flyer", "nvidia"],
            tags=["gpu"],
        ),
        "deepseek": record(
            title="DeepSeek is founded",
            date="2023-07",
            category="corporate",
            kind="founding",
            entities=["deepseek", "high-flyer"],
            citations=[citation(reliability="B", credibility="2")],
        ),
        "hiring": record(
            title="Hiring spree",
            date="2023-07/2023-09",
            category="corporate",
            kind="corporate_move",
            entities=["深度求索"],
        ),
        "oct-2023": record(
            title="BIS updates the controls",
            date="2023-10",
            category="government",
            kind="rule_release",
            entities=["bis"],
            tags=["export-controls", "hbm"],
            citations=[citation(reliability="A", credibility="2"), citation(reliability="D", credibility="4")],
        ),
        "smic-yield": record(
            title="SMIC 7nm yield estimates",
            date="2024-36",
            category="technology",
            kind="fab_milestone",
            entities=["smic", "huawei"],
            disputed=True,
            citations=[
                citation(publisher="Financial Times", claim="40%", reliability="B", credibility="3"),
                citation(publisher="CSIS", claim="20%", reliability="C", credibility="3"),
            ],
        ),
        "v3": record(
            title="DeepSeek-V3 is released",
            date="2024-12-26",
            category="technology",
            kind="model_launch",
            entities=["deepseek"],
            tags=["open-weights"],
            citations=[citation(reliability="B", credibility="2")],
        ),
    }
    return developments


def names(figure: dict[str, Development], **filters: Any) -> list[str]:
    by_id = {development.pk: name for name, development in figure.items()}
    rows = timeline_developments(TimelineFilters(**filters))
    return [by_id[getattr(row, "development_id", row.pk)] for row in rows]


ALL_IN_DATE_ORDER = ["high-flyer", "gpus", "oct-2022", "deepseek", "hiring", "oct-2023", "smic-yield", "v3"]


def test_an_unfiltered_timeline_shows_every_current_development_sorted_by_the_lower_bound_of_its_date(
    figure: dict[str, Development],
) -> None:
    assert names(figure) == ALL_IN_DATE_ORDER


def test_filter_by_category(figure: dict[str, Development]) -> None:
    assert names(figure, categories=("government",)) == ["oct-2022", "oct-2023"]
    assert names(figure, categories=("government", "gpu_acquisition")) == ["gpus", "oct-2022", "oct-2023"]


def test_filter_by_kind(figure: dict[str, Development]) -> None:
    assert names(figure, kinds=("founding",)) == ["high-flyer", "deepseek"]
    assert names(figure, kinds=("model_launch", "fab_milestone")) == ["smic-yield", "v3"]


@pytest.mark.parametrize("term", ["deepseek", "DeepSeek", "deepseek ai", "深度求索"])
def test_filter_by_entity_by_id_name_or_alias(figure: dict[str, Development], term: str) -> None:
    assert names(figure, entity=term) == ["deepseek", "hiring", "v3"]


def test_filter_by_an_entity_chinese_name_for_huawei_and_smic(figure: dict[str, Development]) -> None:
    assert names(figure, entity="华为") == ["smic-yield"]
    assert names(figure, entity="中芯国际") == ["smic-yield"]


def test_filter_by_an_unknown_entity_matches_nothing(figure: dict[str, Development]) -> None:
    assert names(figure, entity="Cambricon") == []
    assert names(figure, entity="Cambricon", as_of=3) == []
    services.timeline_define(slug="odd", title="Odd", filters={"entity": "cambricon"}, pinned=[figure["v3"].pk])
    assert names(figure, timeline="odd") == ["v3"]


def test_filter_by_tag_matches_whole_tags_only(figure: dict[str, Development]) -> None:
    assert names(figure, tag="export-controls") == ["oct-2022", "oct-2023"]
    assert names(figure, tag="HBM") == ["oct-2023"]
    assert names(figure, tag="export") == []
    assert names(figure, tag="controls") == []


@pytest.mark.parametrize(
    ("date_from", "date_to", "expected"),
    [
        # Aug 2023 lies inside the Jul–Sep 2023 interval only.
        (date(2023, 8, 1), date(2023, 8, 31), ["hiring"]),
        # 2023-07 (month) and the interval both overlap mid-July.
        (date(2023, 7, 15), date(2023, 7, 15), ["deepseek", "hiring"]),
        # Touching ends count: the interval ends Sep 30, the October controls start Oct 1.
        (date(2023, 9, 30), date(2023, 10, 1), ["hiring", "oct-2023"]),
        # "2015" spans the whole year.
        (None, date(2015, 12, 31), ["high-flyer"]),
        (None, date(2015, 1, 1), ["high-flyer"]),
        # The last day of the widest span: a walk in date order that starts late would miss it.
        (date(2015, 12, 31), date(2016, 1, 1), ["high-flyer"]),
        # Q4 2024 overlaps December 2024, as does the day in it.
        (date(2024, 12, 1), None, ["smic-yield", "v3"]),
        (date(2024, 11, 15), date(2024, 11, 15), ["smic-yield"]),
        (date(2025, 1, 1), None, []),
    ],
)
def test_filter_by_date_range_matches_on_overlap(
    figure: dict[str, Development], date_from: date | None, date_to: date | None, expected: list[str]
) -> None:
    assert names(figure, date_from=date_from, date_to=date_to) == expected


def test_a_past_timeline_from_a_date_finds_a_version_whose_wider_date_was_narrowed_since(
    figure: dict[str, Development],
) -> None:
    """On PostgreSQL a `from=` walk starts the widest date span before `from`: as of a past position, the widest
    span of the versions then, not of today's developments, which would start the walk too late here."""
    before = figure["v3"].last_position
    services.development_revise(
        development_id=figure["high-flyer"].pk, changes={"date": "2015-03-01"}, expected_version=None
    )
    assert names(figure, date_from=date(2015, 12, 31), date_to=date(2016, 1, 1)) == []
    assert names(figure, date_from=date(2015, 12, 31), date_to=date(2016, 1, 1), as_of=before) == ["high-flyer"]
    assert names(figure, date_from=date(2015, 12, 31), categories=("corporate",), as_of=before) == [
        "high-flyer",
        "deepseek",
        "hiring",
    ]


def test_filter_by_text_searches_titles_summaries_and_entity_names_case_insensitively(
    figure: dict[str, Development],
) -> None:
    # "Hiring spree" says DeepSeek only through its entity.
    assert names(figure, text="DEEPSEEK") == ["deepseek", "hiring", "v3"]
    assert names(figure, text="ten thousand") == ["gpus"]
    assert names(figure, text="founded") == ["high-flyer", "deepseek"]


def test_filter_by_disputed(figure: dict[str, Development]) -> None:
    assert names(figure, disputed=True) == ["smic-yield"]
    assert names(figure, disputed=False) == [n for n in ALL_IN_DATE_ORDER if n != "smic-yield"]


def test_filter_by_minimum_reliability_uses_the_best_citation_and_never_shows_uncited_ones(
    figure: dict[str, Development],
) -> None:
    assert names(figure, min_reliability="A") == ["oct-2022", "oct-2023"]
    assert names(figure, min_reliability="b") == ["oct-2022", "deepseek", "oct-2023", "smic-yield", "v3"]
    assert names(figure, min_reliability="C") == ["high-flyer", "oct-2022", "deepseek", "oct-2023", "smic-yield", "v3"]
    assert names(figure, min_reliability="F") == names(figure, min_reliability="C")


def test_filters_combine(figure: dict[str, Development]) -> None:
    assert names(figure, categories=("corporate",), entity="High-Flyer") == ["high-flyer", "deepseek"]
    assert names(figure, categories=("corporate",), entity="幻方量化", date_from=date(2020, 1, 1)) == ["deepseek"]
    assert names(figure, kinds=("rule_release",), tag="hbm", min_reliability="A") == ["oct-2023"]


def test_a_named_timeline_of_pinned_developments(figure: dict[str, Development]) -> None:
    services.timeline_define(slug="picked", title="Picked", pinned=[figure["v3"].pk, figure["high-flyer"].pk])
    assert names(figure, timeline="picked") == ["high-flyer", "v3"]
    assert names(figure, timeline="picked", categories=("technology",)) == ["v3"]


def test_a_named_timeline_with_a_saved_filter(figure: dict[str, Development]) -> None:
    services.timeline_define(
        slug="controls", title="Controls", filters={"category": ["government"], "tag": "export-controls"}
    )
    assert names(figure, timeline="controls") == ["oct-2022", "oct-2023"]
    # A later development that fits the saved filter joins the timeline by itself.
    later = record(title="BIS adds HBM controls", date="2024-12-02", tags=["export-controls", "hbm"])
    figure["hbm"] = later
    assert names(figure, timeline="controls") == ["oct-2022", "oct-2023", "hbm"]


def test_a_named_timeline_with_a_saved_filter_and_pinned_developments_shows_both(
    figure: dict[str, Development],
) -> None:
    services.timeline_define(
        slug="figure-1", title="Figure 1", filters={"category": "government"}, pinned=[figure["deepseek"].pk]
    )
    assert names(figure, timeline="figure-1") == ["oct-2022", "deepseek", "oct-2023"]


def test_a_named_timeline_with_an_entity_filter_and_pins_lists_each_development_once(
    figure: dict[str, Development],
) -> None:
    services.timeline_define(
        slug="nvidia",
        title="Nvidia",
        filters={"entity": "Nvidia"},
        pinned=[figure["smic-yield"].pk, figure["oct-2022"].pk],
    )
    assert names(figure, timeline="nvidia") == ["gpus", "oct-2022", "smic-yield"]


def test_an_entity_filter_on_a_named_timeline_with_a_saved_entity_filter_needs_both_entities(
    figure: dict[str, Development],
) -> None:
    services.timeline_define(slug="nvidia", title="Nvidia", filters={"entity": "nvidia"})
    assert names(figure, timeline="nvidia") == ["gpus", "oct-2022"]
    assert names(figure, timeline="nvidia", entity="BIS") == ["oct-2022"]
    assert names(figure, timeline="nvidia", entity="High-Flyer") == ["gpus"]


def test_an_empty_named_timeline_shows_nothing_and_an_unknown_one_is_an_error(figure: dict[str, Development]) -> None:
    services.timeline_define(slug="empty", title="Nothing yet")
    assert names(figure, timeline="empty") == []
    with pytest.raises(SelectorError) as raised:
        names(figure, timeline="no-such-timeline")
    assert raised.value.field_name == "timeline"


def test_retracted_and_merged_developments_are_not_shown_unless_retracted_ones_are_asked_for(
    figure: dict[str, Development],
) -> None:
    services.development_retract(development_id=figure["gpus"].pk, reason="unconfirmed")
    services.development_merge(duplicate_id=figure["hiring"].pk, into_id=figure["deepseek"].pk)
    assert names(figure) == ["high-flyer", "oct-2022", "deepseek", "oct-2023", "smic-yield", "v3"]
    assert names(figure, include_retracted=True) == [
        "high-flyer",
        "gpus",
        "oct-2022",
        "deepseek",
        "oct-2023",
        "smic-yield",
        "v3",
    ]
    # The merged duplicate's entity moved over: DeepSeek's timeline still has the founding, once.
    assert names(figure, entity="deepseek") == ["deepseek", "v3"]


@pytest.mark.parametrize("few_links", [0, 3, 10_000])
def test_an_entity_filter_answers_alike_whether_the_developments_are_read_through_the_links_or_not(
    figure: dict[str, Development], monkeypatch: pytest.MonkeyPatch, few_links: int
) -> None:
    """Below FEW_LINKS links an entity's subquery is fenced off (read through the links); at 0 none is, at 3
    High-Flyer (3 links) is not and BIS (2) is, at 10,000 all are: the answers are the same."""
    monkeypatch.setattr(developments_selectors, "FEW_LINKS", few_links)
    assert names(figure, entity="high-flyer") == ["high-flyer", "gpus", "deepseek"]
    assert names(figure, entity="bis") == ["oct-2022", "oct-2023"]
    assert names(figure, entity="bis", categories=("government",), date_from=date(2023, 1, 1)) == ["oct-2023"]
    assert names(figure, entity="high-flyer", as_of=figure["deepseek"].last_position) == [
        "high-flyer",
        "gpus",
        "deepseek",
    ]
    assert names(figure, entity_ids=("bis", "high-flyer")) == ["high-flyer", "gpus", "oct-2022", "deepseek", "oct-2023"]
    services.timeline_define(slug="bis", title="BIS", filters={"entity": "bis"}, pinned=[figure["v3"].pk])
    assert names(figure, timeline="bis", entity="nvidia") == ["oct-2022"]
    assert names(figure, timeline="bis") == ["oct-2022", "oct-2023", "v3"]


def test_an_entity_with_few_links_is_read_through_them_and_a_common_one_is_not(
    figure: dict[str, Development], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the speed of the entity filter rests on (a million developments, PostgreSQL): the subquery of a rare
    entity's links carries a LIMIT, so it is not merged into the outer query and walked in date order."""
    monkeypatch.setattr(developments_selectors, "FEW_LINKS", 3)
    rare = str(timeline_developments(TimelineFilters(entity="bis")).query)
    common = str(timeline_developments(TimelineFilters(entity="high-flyer")).query)
    assert f"LIMIT {developments_selectors.ALL_LINKS}" in rare
    assert "LIMIT" not in common
