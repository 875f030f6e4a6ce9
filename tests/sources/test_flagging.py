"""Flagging: explainable rules from the watch-list; false friends; Chinese; the labelled sets; the prefilter.

The labelled sets are the project's own: tests/sources/heldout/ (40 items written for this project, not used to
write the rules' first version) and tests/sources/heldout2/ (written afterwards to probe weak spots).
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sources.feeds.parsing import parse_feed
from sources.flagging.defaults import default_watchlist
from sources.flagging.prefilter import required_probes
from sources.flagging.rules import RuleError, compile_pattern, compile_rules, default_rules, parse_alias
from sources.flagging.scoring import _negative_spans, flag_text
from sources.models import PatternRole, WatchEntity, WatchPattern
from sources.selectors import flag_thresholds, watchlist_rules

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[1] / "sources" / "samples"


@pytest.mark.parametrize(
    ("title", "summary", "category"),
    [
        ("Commerce adds 30 Chinese chip firms to the Entity List", "", "government"),
        ("Japan tightens export rules for chipmaking equipment", "", "government"),
        ("美国宣布对华人工智能芯片实施新的出口管制", "", "government"),
        ("Engineer indicted for stealing AI chip designs", "", "government"),
        ("Singapore charges three men over servers with Nvidia chips", "", "government"),
        ("Qwen team open-sources a 72B-parameter model", "", "technology"),
        ("SMIC ramps 5nm production for Huawei", "", "technology"),
        ("Samsung reports HBM3E yield problems", "", "technology"),
        ("华为发布昇腾910C芯片", "", "technology"),
        ("Cambricon shares soar 20% on AI chip demand", "", "corporate"),
        ("Biren raises $300 million in new funding round", "", "corporate"),
        ("Tencent buys 20,000 Nvidia H20 GPUs for its data centers", "", "gpu_acquisition"),
        ("Smugglers moved Nvidia A100 chips to China through resellers", "", "gpu_acquisition"),
    ],
)
def test_domain_news_is_flagged_with_its_figure_1_category(title: str, summary: str, category: str) -> None:
    result = flag_text(title=title, summary=summary)
    assert result.flagged, result.reasons
    assert result.category == category, result.reasons


@pytest.mark.parametrize(
    "title",
    [
        "Chip shop owner celebrates 50 years of frying fish",
        "Fashion model launches her own clothing line",
        "Government tightens export controls on grain after poor harvest",
        "Beef export controls eased as trade talks progress",
        "Customs seize smuggled cigarettes worth $2 million",
        "Police arrest man for smuggling exotic birds",
        "Blue-chip stocks rally on rate-cut hopes",
        "Carmaker launches new SUV model",
        "Treasury yields rise to a two-month high",
        "Review: the best graphics cards for gaming",
        "Police arrest suspect in jewellery store robbery",
        "Apple unveils iPhone 16 with new camera button",
        "中国队在世界杯预选赛中获胜",
    ],
)
def test_false_friends_and_other_news_are_not_flagged(title: str) -> None:
    result = flag_text(title=title)
    assert not result.flagged, result.reasons


def test_a_false_friend_is_masked_so_its_words_do_not_count_and_the_reason_says_so() -> None:
    result = flag_text(title="Chip shop owner buys an AI fryer that launches new recipes")
    assert not result.flagged
    assert "not computer chips" in {reason["rule"] for reason in result.reasons}
    assert result.penalty > 0 and result.topic == 1.0  # "AI" alone; "Chip" was inside the false friend


def test_news_without_topic_evidence_is_not_scored_further() -> None:
    result = flag_text(title="Police arrest suspect in jewellery store robbery after chase")
    assert not result.flagged and result.reasons == [] and result.score == 0


def test_reasons_name_the_rules_their_matches_and_fields() -> None:
    result = flag_text(title="BIS adds SMIC to the Entity List", summary="The rule restricts exports of 7nm tools.")
    reasons = {(reason["rule"], reason["match"], reason["field"]) for reason in result.reasons}
    assert ("Entity List", "Entity List", "title") in reasons
    assert ("SMIC", "SMIC", "title") in reasons
    assert ("Bureau of Industry and Security", "BIS", "title") in reasons
    assert result.kind == "rule_release" and result.category == "government"
    assert {entity["name"] for entity in result.entities} >= {"SMIC", "Bureau of Industry and Security"}


def test_chinese_aliases_are_found_inside_running_text_and_the_longest_alias_wins() -> None:
    result = flag_text(title="美国商务部将中芯国际列入实体清单")
    assert result.flagged and result.category == "government"
    names = {entity["name"] for entity in result.entities}
    assert names == {"U.S. Department of Commerce", "SMIC"}  # not China's 商务部 inside 美国商务部


def test_capitalised_aliases_match_case_sensitively() -> None:
    assert parse_alias("BIS") == ("BIS", True)
    assert parse_alias("=Intel") == ("Intel", True)
    assert parse_alias("Nvidia") == ("Nvidia", False)
    names = {entity["name"] for entity in flag_text(title="Military intel says bis").entities}
    assert "Intel" not in names and "Bureau of Industry and Security" not in names


def test_the_date_of_the_development_is_suggested_not_the_publication_date() -> None:
    result = flag_text(
        title="BIS publishes new export controls on advanced chips",
        summary="The rules were released on October 7, 2022.",
        published=datetime(2022, 10, 9, tzinfo=UTC),
    )
    assert result.flagged and result.date == "2022-10-07"


def _figures(feed: Path, labels: Path) -> tuple[float, float, float]:
    rules = default_rules()
    truth = {item["guid"]: item for item in json.loads(labels.read_text())["items"]}
    tp = fp = fn = good_category = 0
    for entry in parse_feed(feed.read_bytes()).entries:
        result = flag_text(title=entry.title, summary=entry.summary, published=entry.dated_at, rules=rules)
        label = truth[entry.guid]
        if label["relevant"] and result.flagged:
            tp += 1
            good_category += result.category == label["category"]
        elif label["relevant"]:
            fn += 1
        elif result.flagged:
            fp += 1
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1), good_category / max(tp, 1)


def test_the_held_out_set_meets_the_targets() -> None:
    precision, recall, category = _figures(
        HERE / "heldout" / "heldout-feed.xml", HERE / "heldout" / "heldout-labels.json"
    )
    assert precision >= 0.9 and recall >= 0.9 and category >= 0.85, (precision, recall, category)


def test_the_second_held_out_set_meets_the_targets() -> None:
    """Written to probe weak spots after the rules existed; its first run gave recall 0.75 (see its README)."""
    precision, recall, category = _figures(
        HERE / "heldout2" / "heldout2-feed.xml", HERE / "heldout2" / "heldout2-labels.json"
    )
    assert precision >= 0.9 and recall >= 0.9 and category >= 0.85, (precision, recall, category)


@pytest.mark.parametrize(
    ("pattern", "probes"),
    [
        (r"\bsmuggl\w+", {("w", "smuggl")}),
        (r"\bexport[- ]controls?\b", {("w", "control")}),
        (r"\bGPUs?\b|\baccelerators?\b", {("w", "gpu"), ("w", "accelerator")}),
        (r"出口管制|实体清单", {("s", "出口管制"), ("s", "实体清单")}),
        (r"\bnew (?:chips?|GPUs?)\b", {("w", "chip"), ("w", "gpu")}),
        (r"\d+ ?nm\b", {("s", "nm")}),
        (r"\bfoo|\d+", None),
        (r"(?:alpha)?beta", {("s", "beta")}),
        # A word too short to tell much is replaced by its whole run; a common word by the run's other word.
        (r"\bn\+\d\b", {("s", "n+")}),
        (r"\bnew fabs?\b|\bmet with\b", {("w", "fab"), ("w", "met")}),
        # A long substring tells more than a set of short words.
        (r"\b(?:self|multi-head)-?attention\b", {("s", "attention")}),
        # A glued branch keeps its own probes where they are better than the glued run's.
        (r"\bai (?:chips?|data cent(?:er|re)s?)\b", {("w", "chip"), ("w", "center"), ("w", "centre")}),
    ],
)
def test_required_probes_are_read_from_the_parsed_regex(pattern: str, probes: set[tuple[str, str]] | None) -> None:
    found = required_probes(re.compile(pattern, re.I | re.A))
    assert (set(found) if found is not None else None) == probes


def _texts() -> list[tuple[str, str]]:
    texts = []
    for path in [*SAMPLES.iterdir(), HERE / "heldout" / "heldout-feed.xml", HERE / "heldout2" / "heldout2-feed.xml"]:
        texts += [(entry.title, entry.summary) for entry in parse_feed(path.read_bytes()).entries]
    texts += [("export controls on chips; smuggled GPUs, 10,000 H100s", "in chips shop fashion model yields")]
    return texts


def test_the_prefilter_never_changes_a_result() -> None:
    """Scoring with the literal prefilter equals scoring with every rule tried on every text."""
    rules = default_rules()
    brute = dataclasses.replace(
        rules,
        topics=tuple(dataclasses.replace(rule, probes=None) for rule in rules.topics),
        actions=tuple(dataclasses.replace(rule, probes=None) for rule in rules.actions),
        negatives=tuple(dataclasses.replace(rule, probes=None) for rule in rules.negatives),
    )
    assert any(rule.probes for rule in rules.actions)
    for title, summary in _texts():
        fast, slow = (
            flag_text(title=title, summary=summary, rules=rules),
            flag_text(title=title, summary=summary, rules=brute),
        )
        assert dataclasses.asdict(fast) == dataclasses.asdict(slow), title


def test_aliases_found_by_first_word_are_those_a_plain_search_finds() -> None:
    rules = default_rules()
    for title, summary in _texts():
        text = f"{title} {summary}"
        found = {
            entity["name"] for entity in flag_text(title=text, rules=dataclasses.replace(rules, min_topic=0)).entities
        }
        expected = set()
        for spec in default_watchlist().entities:
            for raw in [spec.name, *spec.aliases.splitlines()]:
                alias, cased = parse_alias(raw)
                edge = r"(?<![A-Za-z0-9])" if alias[0].isascii() and alias[0].isalnum() else ""
                tail = r"(?![A-Za-z0-9])" if alias[-1].isascii() and alias[-1].isalnum() else ""
                if re.search(edge + re.escape(alias) + tail, text, 0 if cased else re.I):
                    expected.add(spec.name)
        assert found <= expected and len(expected - found) <= 1, (text, expected - found)


def test_the_one_pass_scan_lets_in_every_rule_the_probes_do_and_finds_the_same_alias_starts() -> None:
    """RuleMasks.scan against the prefilter's regex scans and substring searches, on texts with words at the edges,
    after punctuation, underscores and non-ASCII characters, and characters whose lower case is ASCII."""
    masks = default_rules().scan.masks
    edges = [
        ("u.s. ai chips", "(ai) ai, ai. _ai xai “ai” ai—chips n+1 nm a.i. made by set up"),
        ("AI", "U.S."),
        ("\u212aLA ai\u0130 İai ai", "中国 美国 芯片 smic_ai 5nm 7-nm h20 the u.s.-china chip war 01.ai o3 SK海力士"),
    ]
    for title, summary in [*_texts(), *edges]:
        lowered = f"{title}\n.\n{summary}".lower()
        candidates, starts = masks.scan(lowered)
        assert masks.candidates(lowered) & ~candidates == 0, lowered
        assert starts == masks.prefilter.alias_starts(lowered), lowered


def test_negative_matches_found_with_the_spaced_patterns_are_those_finditer_finds() -> None:
    rules = default_rules()
    spaced = [rule for rule in rules.negatives if rule.spaced is not None]
    assert spaced
    glued = "fish and chips fish and chips chip shop chips-shop blue chips blue-chip fashion model role models"
    for title, summary in [*_texts(), (glued, glued.upper()), ("Chip shop", "model agency")]:
        text = f"{title}\n.\n{summary}"
        lowered = text.lower()
        for rule in spaced:
            assert rule.lowered is not None
            expected = [match.span() for match in rule.lowered.finditer(lowered)]
            assert _negative_spans(rule, text, lowered) == expected, (rule.name, text)


def test_a_broken_pattern_is_refused_by_compile_and_skipped_by_the_rule_set() -> None:
    with pytest.raises(RuleError):
        compile_pattern("(unclosed", is_regex=True)
    with pytest.raises(RuleError, match="empty"):
        compile_pattern("x*", is_regex=True)
    rules = compile_rules(
        [],
        [
            {"name": "bad", "role": "topic", "pattern": "(", "is_regex": True},
            {"name": "good", "role": "topic", "pattern": "chips", "weight": 2},
        ],
    )
    assert [rule.name for rule in rules.topics] == ["good"]


def test_phrases_match_whole_words_with_flexible_spacing() -> None:
    regex = compile_pattern("entity list|出口管制", is_regex=False)
    assert regex.search("added to the Entity  List today") and regex.search("实施出口管制")
    assert not regex.search("the entitylist")


@pytest.mark.django_db
def test_analysts_edit_the_watch_list_in_the_database_and_the_flagger_follows() -> None:
    title = "Zorblat Labs unveils a quantum annealer"
    assert not flag_text(title=title, rules=watchlist_rules()).flagged
    WatchEntity.objects.create(name="Zorblat Labs", aliases="佐布拉特", weight=2.0)
    WatchPattern.objects.create(
        name="annealers",
        role=PatternRole.ACTION,
        pattern="quantum annealer",
        weight=3.0,
        kind="chip_launch",
        category="technology",
    )
    result = flag_text(title=title, rules=watchlist_rules())
    assert result.flagged and result.category == "technology"
    assert {"Zorblat Labs", "annealers"} <= {reason["rule"] for reason in result.reasons}
    WatchPattern.objects.filter(name="annealers").update(active=False)
    assert not flag_text(title=title, rules=watchlist_rules()).flagged


@pytest.mark.django_db
def test_the_seeded_watch_list_flags_like_the_defaults() -> None:
    assert WatchEntity.objects.count() > 50 and WatchPattern.objects.filter(role="negative").count() >= 5
    for title, summary in _texts():
        seeded = flag_text(title=title, summary=summary, rules=watchlist_rules())
        default = flag_text(title=title, summary=summary)
        assert (seeded.flagged, seeded.category, seeded.score) == (default.flagged, default.category, default.score)


def test_the_watch_list_flags_with_the_default_rules_thresholds_unless_a_deployment_changes_them() -> None:
    defaults = default_rules()
    assert flag_thresholds() == {
        "threshold": defaults.threshold,
        "min_topic": defaults.min_topic,
        "min_action": defaults.min_action,
    }
