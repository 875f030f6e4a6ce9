"""The watch-list as rules: entities with aliases and topic, action and negative patterns, compiled into a RuleSet.

Pure (no database): the rows come in as mappings, from the watch-list (sources.selectors.watchlist_rules()) or
from the defaults file (default_rules()). A pattern that does not compile is refused with a RuleError in the
admin and skipped, with a warning, when a rule set is built.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

from sources.flagging.prefilter import (
    Alias,
    Prefilter,
    Probe,
    RuleMasks,
    ascii_spaced_pattern,
    is_ascii_alnum,
    leading_words,
    lowered_pattern,
    required_probes,
    spaced_pattern,
)
from timeline.taxonomy import KIND_CATEGORY

logger = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 4.0
DEFAULT_MIN_TOPIC = 1.5
DEFAULT_MIN_ACTION = 2.0
_FLAGS = re.IGNORECASE | re.ASCII | re.MULTILINE


class RuleError(ValueError):
    """A watch-list pattern that does not compile."""


@dataclass(frozen=True)
class EntityRule:
    name: str
    weight: float
    is_government: bool = False
    entity_id: str = ""


@dataclass(frozen=True)
class PatternRule:
    name: str
    role: str  # topic | action | negative
    regex: re.Pattern[str]  # as written, case-insensitive
    weight: float
    kind: str = ""
    category: str = ""
    # The same pattern lower-cased and case-sensitive, run on lower-cased text: equivalent and several times
    # faster (case-insensitive matching defeats the regex engine's literal prefix scan). None when the pattern
    # cannot be lower-cased safely (inline flags, character escapes): then `regex` runs on the text as it is.
    lowered: re.Pattern[str] | None = None
    # Literals every match contains (see required_probes): the rule is only tried on texts holding one.
    probes: frozenset[tuple[str, str]] | None = None
    # `lowered` for finding its first match in " " + lowered text, faster (see spaced_pattern); None: use `lowered`.
    spaced: re.Pattern[str] | None = None
    # What a match of `spaced` (else `spaced_ascii`) starts with (see leading_words): tried only where the scan
    # finds one.
    leads: frozenset[str] | None = None
    # Without `spaced`: `lowered` as a spaced pattern for ASCII texts, where its CJK alternatives never match.
    spaced_ascii: re.Pattern[str] | None = None

    def may_match(self, present: set[tuple[str, str]]) -> bool:
        return self.probes is None or not self.probes.isdisjoint(present)


@dataclass(frozen=True)
class RuleScan:
    """The rules in scoring order, each with its bit in the candidates `masks.scan(lowered text)` gives."""

    masks: RuleMasks
    topics: tuple[tuple[int, PatternRule], ...]
    actions: tuple[tuple[int, PatternRule], ...]
    negatives: tuple[tuple[int, PatternRule], ...]


@dataclass(frozen=True)
class RuleSet:
    entities: tuple[EntityRule, ...]
    topics: tuple[PatternRule, ...]
    actions: tuple[PatternRule, ...]
    negatives: tuple[PatternRule, ...]
    prefilter: Prefilter
    # probe -> the rules (by id) that cannot match a text without it
    anchored: Mapping[Probe, frozenset[int]]
    unanchored: frozenset[int]  # rules whose regex has no probe: always tried
    by_key: Mapping[tuple[str, str], PatternRule]
    threshold: float = DEFAULT_THRESHOLD
    min_topic: float = DEFAULT_MIN_TOPIC
    min_action: float = DEFAULT_MIN_ACTION

    @cached_property
    def scan(self) -> RuleScan:
        # Built from this set's own rules on first use (dataclasses.replace makes a new set, which builds its own).
        ordered = (*self.topics, *self.actions, *self.negatives)
        bits = iter([1 << index for index in range(len(ordered))])
        return RuleScan(
            masks=RuleMasks.build(self.prefilter, [rule.probes for rule in ordered], [rule.leads for rule in ordered]),
            topics=tuple((next(bits), rule) for rule in self.topics),
            actions=tuple((next(bits), rule) for rule in self.actions),
            negatives=tuple((next(bits), rule) for rule in self.negatives),
        )


_T = TypeVar("_T")


def longest_spans(spans: list[tuple[int, int, _T]]) -> list[tuple[int, int, _T]]:
    """The (start, end, what) spans that overlap no longer one: where two overlap the longer wins, and of two as
    long the earlier. Longest first, as chosen."""
    if len(spans) < 2:
        return spans
    kept: list[tuple[int, int, _T]] = []
    for start, end, what in sorted(spans, key=lambda span: (span[0] - span[1], span[0])):
        # A loop, not all() over a generator: this runs for every item with two names or more.
        for other_start, other_end, _ in kept:
            if end > other_start and start < other_end:
                break
        else:
            kept.append((start, end, what))
    return kept


def _phrase_regex(phrase: str) -> str:
    """A phrase as a regex: whitespace flexible, whole words at ASCII ends (CJK needs no word boundaries)."""
    body = r"\s+".join(re.escape(part) for part in phrase.split())
    if is_ascii_alnum(phrase[0]):
        body = r"(?<![A-Za-z0-9])" + body
    if is_ascii_alnum(phrase[-1]):
        body += r"(?![A-Za-z0-9])"
    return body


def parse_alias(alias: str) -> tuple[str, bool]:
    """(alias, case_sensitive): '=Name' or an all-capitals alias (BIS, SMIC, H20) matches case-sensitively."""
    alias = alias.strip()
    if alias.startswith("="):
        return alias[1:].strip(), True
    letters = [char for char in alias if char.isascii() and char.isalpha()]
    return alias, bool(letters) and alias == alias.upper() and len(alias) <= 8


def compile_pattern(pattern: str, *, is_regex: bool) -> re.Pattern[str]:
    """Compile a watch-list pattern; RuleError with the reason when it does not compile."""
    if is_regex:
        source = pattern
    else:
        phrases = [phrase.strip() for phrase in pattern.split("|") if phrase.strip()]
        if not phrases:
            raise RuleError("the pattern is empty")
        source = "|".join(_phrase_regex(phrase) for phrase in phrases)
    try:
        regex = re.compile(source, _FLAGS)
    except re.error as error:
        raise RuleError(f"not a valid regular expression: {error}") from error
    if regex.search("") is not None:
        raise RuleError("the pattern matches empty text, so it would match everything")
    return regex


def compile_rules(
    entities: Iterable[Mapping[str, Any]],
    patterns: Iterable[Mapping[str, Any]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_topic: float = DEFAULT_MIN_TOPIC,
    min_action: float = DEFAULT_MIN_ACTION,
) -> RuleSet:
    """A RuleSet from plain mappings (watch-list rows or the defaults). Broken patterns are logged and skipped."""
    entity_rules: list[EntityRule] = []
    aliases: list[Alias] = []
    for spec in entities:
        index = len(entity_rules)
        entity_rules.append(
            EntityRule(
                name=str(spec["name"]),
                weight=float(spec.get("weight", 2.0)),
                is_government=bool(spec.get("is_government", False)),
                entity_id=str(spec.get("entity_id", "") or spec.get("timeline_entity_id", "") or ""),
            )
        )
        spelled: dict[str, bool] = {}
        for raw in [str(spec["name"]), *str(spec.get("aliases", "") or "").splitlines()]:
            alias, case_sensitive = parse_alias(raw)
            alias = " ".join(alias.split())
            if alias:
                # "=Intel" among the aliases makes the name Intel itself case-sensitive ("intel" is a word).
                spelled[alias] = spelled.get(alias, False) or case_sensitive
        aliases.extend(Alias(index, alias, case_sensitive) for alias, case_sensitive in spelled.items())

    by_role: dict[str, list[PatternRule]] = defaultdict(list)
    anchored: dict[Probe, set[int]] = defaultdict(set)
    unanchored: set[int] = set()
    for spec in patterns:
        role = str(spec["role"])
        if role not in {"topic", "action", "negative"}:
            continue
        try:
            regex = compile_pattern(str(spec["pattern"]), is_regex=bool(spec.get("is_regex", False)))
        except RuleError as error:
            logger.warning("watch-list pattern %r skipped: %s", spec.get("name"), error)
            continue
        kind = str(spec.get("kind", "") or "")
        probes = required_probes(regex)
        lowered = lowered_pattern(regex)
        spaced = spaced_pattern(lowered) if lowered is not None else None
        spaced_ascii = ascii_spaced_pattern(lowered) if lowered is not None and spaced is None else None
        searched = spaced or spaced_ascii
        rule = PatternRule(
            name=str(spec["name"]),
            role=role,
            regex=regex,
            lowered=lowered,
            probes=probes,
            spaced=spaced,
            leads=leading_words(searched) if searched is not None else None,
            spaced_ascii=spaced_ascii,
            weight=float(spec.get("weight", 1.0)),
            kind=kind,
            category=str(spec.get("category", "") or KIND_CATEGORY.get(kind, "")),
        )
        by_role[role].append(rule)
        if probes is None:
            unanchored.add(id(rule))
        else:
            for probe in probes:
                anchored[probe].add(id(rule))
    return RuleSet(
        entities=tuple(entity_rules),
        topics=tuple(by_role["topic"]),
        actions=tuple(by_role["action"]),
        negatives=tuple(by_role["negative"]),
        prefilter=Prefilter.build(anchored, aliases),
        anchored={key: frozenset(value) for key, value in anchored.items()},
        unanchored=frozenset(unanchored),
        by_key={(rule.role, rule.name): rule for group in by_role.values() for rule in group},
        threshold=threshold,
        min_topic=min_topic,
        min_action=min_action,
    )


_default_rules: RuleSet | None = None


def default_rules() -> RuleSet:
    """The rules of the default watch-list (what a fresh database is seeded with), compiled once."""
    global _default_rules
    if _default_rules is None:
        from sources.flagging.defaults import default_watchlist

        watchlist = default_watchlist()
        _default_rules = compile_rules(
            [dataclasses.asdict(entity) for entity in watchlist.entities],
            [dataclasses.asdict(pattern) for pattern in watchlist.patterns],
        )
    return _default_rules
