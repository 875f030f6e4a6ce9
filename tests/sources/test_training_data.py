"""The flagger's labelled sets in sources/training/ are well formed, large and varied enough, and the sets used for
measuring share no item with the sets used for training. No server, no database."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sources.training.make_general_news import build as build_general_news
from sources.training.make_noise_tuning import build as build_noise_tuning
from timeline.taxonomy import KIND_CATEGORY, Category, Kind

HERE = Path(__file__).resolve().parent
TRAINING = HERE.parents[1] / "sources" / "training"
HELDOUT_LABELS = [HERE / "heldout" / "heldout-labels.json", HERE / "heldout2" / "heldout2-labels.json"]
FILES = ("seed", "eval", "general_news", "shifted", "noise_tuning", "noise_tuning_b", "noise_tuning_c")
TUNING = ("noise_tuning", "noise_tuning_b", "noise_tuning_c")
FIELDS = {"id", "source", "lang", "title", "summary", "published", "relevant", "category", "kind", "noise"}
SOURCES = {"wire", "trade", "government", "company", "developer", "world", "cn_media"}
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _load(name: str) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate((TRAINING / f"{name}.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        row = json.loads(line)
        assert isinstance(row, dict), f"{name}.jsonl:{number} is not an object"
        rows.append(row)
    return rows


SETS = {name: _load(name) for name in FILES}
TRAINED_ON = SETS["seed"] + [row for row in SETS["shifted"] if row["split"] == "train"]
MEASURED_ON = SETS["eval"] + SETS["general_news"] + [row for row in SETS["shifted"] if row["split"] == "heldout"]


def _normalised(title: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", title.lower()).split())


@pytest.mark.parametrize("name", FILES)
def test_every_item_has_the_fields_and_values_the_model_reads(name: str) -> None:
    for row in SETS[name]:
        where = f"{name} {row.get('id')}"
        expected = FIELDS | ({"split"} if name == "shifted" else set())
        assert set(row) == expected, where
        assert row["source"] in SOURCES, where
        assert row["lang"] == ("zh" if _CJK.search(row["title"]) else "en"), where
        assert row["title"].strip() and row["summary"].strip(), where
        assert date.fromisoformat(row["published"]) <= date(2026, 12, 31), where
        assert isinstance(row["relevant"], bool), where
        if name == "shifted":
            assert row["split"] in {"train", "heldout"}, where


@pytest.mark.parametrize("name", FILES)
def test_relevant_items_carry_a_taxonomy_category_and_kind_and_negatives_a_noise_tag(name: str) -> None:
    for row in SETS[name]:
        where = f"{name} {row['id']}"
        if row["relevant"]:
            assert row["category"] in Category.values, where
            assert row["kind"] in Kind.values, where
            assert row["noise"] is None, where
            if row["kind"] != Kind.OTHER:
                assert KIND_CATEGORY[row["kind"]] == row["category"], where
        else:
            assert row["category"] is None and row["kind"] is None, where
            assert isinstance(row["noise"], str) and row["noise"], where


def test_ids_are_unique_across_all_files() -> None:
    ids = Counter(row["id"] for rows in SETS.values() for row in rows)
    assert [key for key, count in ids.items() if count > 1] == []


def test_no_item_measured_on_shares_a_title_with_an_item_trained_on() -> None:
    trained = {row["title"] for row in TRAINED_ON}
    trained_normalised = {_normalised(title) for title in trained}
    assert [row["id"] for row in MEASURED_ON if row["title"] in trained] == []
    assert [row["id"] for row in MEASURED_ON if _normalised(row["title"]) in trained_normalised] == []


@pytest.mark.parametrize("name", TUNING)
def test_each_noise_tuning_set_shares_no_title_with_what_is_trained_or_measured_on(name: str) -> None:
    others = {_normalised(row["title"]) for row in TRAINED_ON + MEASURED_ON}
    assert [row["id"] for row in SETS[name] if _normalised(row["title"]) in others] == []
    assert not any(row["relevant"] for row in SETS[name])


def test_no_title_repeats_within_the_labelled_sets() -> None:
    titles = Counter(_normalised(row["title"]) for name in ("seed", "eval", "shifted", *TUNING) for row in SETS[name])
    assert [title for title, count in titles.items() if count > 1] == []


def test_no_item_trained_on_copies_a_held_out_test_item_of_the_rule_set() -> None:
    held = {_normalised(item["title"]) for path in HELDOUT_LABELS for item in json.loads(path.read_text())["items"]}
    assert held, "the held-out label files are empty"
    assert [row["id"] for row in TRAINED_ON if _normalised(row["title"]) in held] == []


@pytest.mark.parametrize(("name", "minimum"), [("seed", 640), ("eval", 160), ("general_news", 1000), ("shifted", 300)])
def test_each_set_is_as_large_as_the_issue_asks(name: str, minimum: int) -> None:
    assert len(SETS[name]) >= minimum


@pytest.mark.parametrize("name", ["seed", "eval"])
def test_seed_and_evaluation_sets_are_near_half_relevant_and_one_in_eight_chinese(name: str) -> None:
    rows = SETS[name]
    relevant = sum(row["relevant"] for row in rows) / len(rows)
    chinese = sum(row["lang"] == "zh" for row in rows) / len(rows)
    assert 0.40 <= relevant <= 0.55
    assert chinese >= 0.12
    assert len({row["source"] for row in rows}) == len(SOURCES)


def test_seed_set_covers_every_category_and_kind_several_times() -> None:
    relevant = [row for row in SETS["seed"] if row["relevant"]]
    categories = Counter(row["category"] for row in relevant)
    kinds = Counter(row["kind"] for row in relevant)
    assert {value: categories[value] for value in Category.values if categories[value] < 10} == {}
    assert {value: kinds[value] for value in Kind.values if kinds[value] < 5} == {}


def test_seed_set_has_plenty_of_each_hard_negative_the_rules_flagged() -> None:
    noise = Counter(row["noise"] for row in SETS["seed"] if not row["relevant"])
    hard = ["dev_tutorial", "ai_safety_research", "privacy_fine", "political_rally", "false_friend", "gaming_gpu"]
    assert {tag: noise[tag] for tag in hard if noise[tag] < 15} == {}
    assert sum(noise.values()) >= 300


def test_shifted_set_is_balanced_in_both_splits() -> None:
    for split, minimum in (("train", 200), ("heldout", 60)):
        rows = [row for row in SETS["shifted"] if row["split"] == split]
        assert len(rows) >= minimum, split
        assert 0.40 <= sum(row["relevant"] for row in rows) / len(rows) <= 0.60, split


def test_general_news_is_almost_all_noise() -> None:
    rows = SETS["general_news"]
    assert sum(row["relevant"] for row in rows) <= len(rows) // 100


def test_general_news_file_is_what_its_script_writes() -> None:
    assert SETS["general_news"] == build_general_news()


def test_noise_tuning_file_is_what_its_script_writes() -> None:
    assert SETS["noise_tuning"] == build_noise_tuning()
