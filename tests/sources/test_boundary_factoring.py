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
from sources.flagging.scoring import _negative_spans

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


@pytest.mark.parametrize(
    ("source", "leads"),
    [
        (r"\b(?:chips?|gpus?)\b", {"chip", "gpu"}),
        (r"\b(?:ai (?:chips?|accelerators?)|accelerators?)\b", {"ai chip", "ai accelerator", "accelerator"}),
        (r"\b(?:ai [a-z]+|ai chips?)\b", {"ai "}),  # "ai " finds every place "ai chip" would
        (r"\b(?:chip-?mak\w*|chiplets?)", {"chip"}),
        (r"\b(?:high[- ]bandwidth|hbm)", {"high ", "hbm"}),  # "-" spelt as the text spells it
        (r"\b(?:nm|nanometres?)\b", {"nm", "nanometre"}),
        (r"\b\d+ ?nm\b", set("0123456789")),  # a number starts a match
        (r"\b(?:gr\w+|grain)", {"gr"}),
        (r"\b(?:[xy]zw|xyz)", None),  # a class ends what is known: "x" or "y" alone, too short
        (r"\b(?:(?:ab)+c|abd)", {"ab"}),
        (r"\b(?:x\w+|xyz)", None),  # a letter alone starts too many words
        (r"\b(?:[a-z]+ing)", None),  # too large a class
    ],
)
def test_leading_words_are_what_every_match_starts_with(source: str, leads: set[str] | None) -> None:
    spaced = prefilter.spaced_pattern(re.compile(source, re.ASCII | re.MULTILINE))
    assert spaced is not None
    found = prefilter.leading_words(spaced)
    assert found == (frozenset(leads) if leads is not None else None)


def test_searching_at_the_leading_words_finds_every_match_a_search_finds() -> None:
    """For every rule with leading words: the matches found by trying its spaced pattern at the places the scan found
    are those found by searching the whole text, match after match, on the same texts and on words glued to
    punctuation, underscores and non-ASCII characters."""
    rules = default_rules()
    scan = rules.scan
    ordered = [(bit, rule) for bit, rule in (*scan.topics, *scan.actions, *scan.negatives)]
    led = [(bit, rule) for bit, rule in ordered if rule.leads]
    assert len(led) > 30 and all(scan.masks.leading & bit for bit, _ in led)
    words = sorted({lead for _, rule in led for lead in rule.leads or ()})
    glued = [
        " ".join(words),
        ",".join(words) + "_" + "-".join(words),
        "é".join(words) + "中" + "".join(words),
        "\n.\n".join(f"({word}s) {word}ing {word}" for word in words),
    ]
    for text in [*_texts(), *glued]:
        spaced_text = " " + text
        _, _, places = scan.masks.scan_places(text)
        for bit, rule in led:
            pattern = rule.spaced or rule.spaced_ascii
            assert pattern is not None
            start = 0
            while True:
                plain, found = pattern.search(spaced_text, start), places.search(pattern, bit, spaced_text, start)
                assert (plain.span() if plain else None) == (found.span() if found else None), (rule.name, text)
                if plain is None:
                    break
                start = plain.end() - 1


@pytest.mark.parametrize(
    ("source", "spaced"),
    [
        (r"\b(?:export bans?)|大米出口", r"[^0-9A-Za-z_](?:export bans?)"),
        (r"走私|\b(?:a)|(?:香烟|毒品)走私|\b(?:b\w*)", r"[^0-9A-Za-z_](?:(?:a)|(?:b\w*))"),
        (r"\b(?:export bans?)", None),  # nothing to leave out: spaced_pattern serves
        (r"\b(?:a)|x|大米", None),  # "x" is ASCII: it stays, and the rest is no \b pattern
        (r"体育|足球", None),  # nothing is left
    ],
)
def test_an_ascii_spaced_pattern_leaves_out_the_alternatives_that_start_with_cjk(
    source: str, spaced: str | None
) -> None:
    found = prefilter.ascii_spaced_pattern(re.compile(source, re.ASCII | re.MULTILINE))
    assert (found.pattern if found is not None else None) == spaced


def test_every_ascii_spaced_pattern_finds_what_its_rule_finds_in_ascii_texts() -> None:
    rules = default_rules()
    scan = rules.scan
    ruled = [(bit, rule) for bit, rule in (*scan.topics, *scan.actions, *scan.negatives) if rule.spaced_ascii]
    assert len(ruled) >= 3
    texts = [text for text in _texts() if text.isascii()]
    texts += [" ".join(sorted(rule.leads or ())) for _, rule in ruled]
    texts += [
        "fish and chips; rice export ban, smuggled cigarettes and football world cup recipes; export bans on rice"
    ]
    for text in texts:
        _, _, places = scan.masks.scan_places(text)
        assert places.ascii
        for bit, rule in ruled:
            assert rule.lowered is not None and rule.spaced is None and places.spaced(rule) is rule.spaced_ascii
            expected = [match.span() for match in rule.lowered.finditer(text) if match.end() > match.start()]
            assert _negative_spans(rule, text, text, bit, places) == expected, (rule.name, text)
            assert _negative_spans(rule, text, text, bit, places.whole()) == expected, (rule.name, text)
