"""The rules' regexes with their word boundaries factored out (sources.flagging.prefilter.boundary_factored) find
exactly what they found before, on every rule of the default watch-list. No database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sources.feeds.parsing import parse_feed
from sources.flagging import prefilter
from sources.flagging.prefilter import _top_level_branches, boundary_factored
from sources.flagging.rules import default_rules

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("source", "branches", "factored"),
    [
        (r"\ba|\bb|c", [r"\ba", r"\bb", "c"], r"\b(?:a|b)|c"),
        (r"a|b(c|d)|[|]", ["a", "b(c|d)", "[|]"], r"a|b(c|d)|[|]"),
        (r"[]|]|\bx", ["[]|]", r"\bx"], r"[]|]|\b(?:x)"),
        (r"[^]|]x|\by", ["[^]|]x", r"\by"], r"[^]|]x|\b(?:y)"),
        (r"[\]|]|\bk", [r"[\]|]", r"\bk"], r"[\]|]|\b(?:k)"),
        (r"\ba\|\bb", [r"\ba\|\bb"], r"\ba\|\bb"),
        (r"(?:\ba|\bb)", [r"(?:\ba|\bb)"], r"(?:\ba|\bb)"),
        (r"\bx|y|\bz|\bw", [r"\bx", "y", r"\bz", r"\bw"], r"\b(?:x)|y|\b(?:z|w)"),
        (r"\\b|\bq", [r"\\b", r"\bq"], r"\\b|\b(?:q)"),
        (r"(?<=a|b)\bc|\bd", [r"(?<=a|b)\bc", r"\bd"], r"(?<=a|b)\bc|\b(?:d)"),
    ],
)
def test_alternatives_starting_with_a_boundary_share_it(source: str, branches: list[str], factored: str) -> None:
    assert _top_level_branches(source) == branches
    assert boundary_factored(source) == factored


def _texts() -> list[str]:
    """Titles and ledes from the committed training sets and sample feeds, plus a few written for this test."""
    texts = [
        "Football club signs a chip designer; the world cup of lithography; box office GPUs",
        "recipes for 7nm yields\n.\nentity list, smuggled H100s, 体育 芯片 足球 出口管制",
        "",
    ]
    for name in ("seed.jsonl", "shifted.jsonl"):
        for line in (ROOT / "sources" / "training" / name).read_text().splitlines():
            row = json.loads(line)
            texts.append(f"{row['title']}\n.\n{row.get('summary', '')}")
    for path in (ROOT / "sources" / "samples").glob("*.xml"):
        texts += [f"{entry.title}\n.\n{entry.summary}" for entry in parse_feed(path.read_bytes()).entries]
    return [text.lower() for text in texts]


def test_every_rule_finds_the_same_matches_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = default_rules()
    texts = _texts()
    monkeypatch.setattr(prefilter, "boundary_factored", lambda source: source)
    factored = 0
    for rule in (*rules.topics, *rules.actions, *rules.negatives):
        unfactored = prefilter.lowered_pattern(rule.regex)
        if rule.lowered is None or unfactored is None or unfactored.pattern == rule.lowered.pattern:
            continue
        factored += 1
        for text in texts:
            assert [m.span() for m in rule.lowered.finditer(text)] == [m.span() for m in unfactored.finditer(text)]
    assert factored > 10  # most of the watch-list's patterns are lists of words


@pytest.mark.parametrize(
    ("source", "spaced"),
    [
        (r"\b(?:chips?|gpus?)\b", r"[^0-9A-Za-z_](?:chips?|gpus?)\b"),
        (r"\b\d+ ?nm\b", r"[^0-9A-Za-z_]\d+ ?nm\b"),
        (r"\ba|b", None),  # \b belongs to the first alternative only
        (r"\b(?:a|\$5)", None),  # "$" is no word character: \b before it is another test
        (r"\b(?:x?y)", None),  # not sure what comes first
        (r"\b(?:(?<=a)b)", None),  # a look-behind would see the added space
        (r"\b(?:^b)", None),
        (r"体育|足球", None),
    ],
)
def test_a_spaced_pattern_replaces_a_leading_boundary_only_where_that_is_safe(source: str, spaced: str | None) -> None:
    found = prefilter.spaced_pattern(re.compile(source, re.ASCII | re.MULTILINE))
    assert (found.pattern if found is not None else None) == spaced


def test_every_spaced_pattern_finds_the_first_match_of_its_rule() -> None:
    rules = default_rules()
    texts = _texts()
    spaced = [rule for rule in (*rules.topics, *rules.actions, *rules.negatives) if rule.spaced is not None]
    assert len(spaced) > 30
    for rule in spaced:
        assert rule.lowered is not None and rule.spaced is not None
        for text in texts:
            plain, found = rule.lowered.search(text), rule.spaced.search(" " + text)
            assert (plain.span() if plain else None) == ((found.start(), found.end() - 1) if found else None)
