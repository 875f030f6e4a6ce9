"""The rules' regexes with their word boundaries factored out (sources.flagging.prefilter.boundary_factored) find
exactly what they found before, on every rule of the default watch-list. No database."""

from __future__ import annotations

import json
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
