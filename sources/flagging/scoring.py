"""Explainable flagging: watch-list rules score an item and suggest its category, kind, entities and date.

How an item is scored (every step leaves a reason):
1. Negative patterns (false friends: "chip shop", "fashion model", "export controls on grain") are found
   first; their matches are masked out of the text, so "chip" inside "chip shop" never counts, and their
   weights are subtracted.
2. Topic evidence: watched entities (aliases in any language) and domain vocabulary (semiconductors, GPUs,
   lithography, AI models ...). An item needs some topic: "Police arrest suspect" is not about chips.
3. Action evidence: patterns that say something happened ("Entity List", "indicted", "open-sourced",
   "7nm", "yield", "10,000 GPUs"), each carrying a kind and a category. A named government actor (an
   entity marked as government) adds to the government side.
   Actions are only sought once the topic evidence reaches its minimum (an item without it cannot be
   flagged, and most news is not about chips).
4. score = min(topic, TOPIC_CAP) + min(action, ACTION_CAP) - penalties. Flagged when topic, action and
   score all reach their minimums. The category with the most action weight wins (title matches count
   double a summary's), and the kind is the strongest within it. Flagged items get the date the text
   gives for the development (sources.flagging.textdates).

Speed: a rule's regex is only tried on a text that contains one of the literals every match of it must
contain (found once per rule by reading the parsed regex), and aliases are looked up by their first word,
so scoring costs a few regex searches per item rather than one per rule and alias.

This module is pure (no database): rules come in as a RuleSet, built from the watch-list by
sources.selectors.watchlist_rules() or from the defaults by default_rules().
"""

from __future__ import annotations

import dataclasses
import logging
import re
import re._constants as _c
import re._parser as _parser
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sources.flagging.textdates import extract_date

logger = logging.getLogger(__name__)

FIELD_WEIGHTS = (("title", 1.0), ("summary", 0.5))
_FIELD_WEIGHTS = dict(FIELD_WEIGHTS)
SUMMARY_CHARS = 600  # title and lede: what a story is about is said there; long bodies gather stray matches
TOPIC_CAP = 4.0
ACTION_CAP = 6.0
GOVERNMENT_ACTOR_WEIGHT = 1.0
DEFAULT_THRESHOLD = 4.0
DEFAULT_MIN_TOPIC = 1.5
DEFAULT_MIN_ACTION = 2.0
CATEGORY_ORDER = ("government", "gpu_acquisition", "technology", "corporate")
KIND_CATEGORY = {
    "rule_release": "government",
    "enforcement_action": "government",
    "arrest_or_charge": "government",
    "indictment": "government",
    "policy_statement": "government",
    "meeting": "government",
    "gpu_acquisition": "gpu_acquisition",
    "smuggling_case": "gpu_acquisition",
    "model_launch": "technology",
    "research_paper": "technology",
    "chip_launch": "technology",
    "fab_milestone": "technology",
    "investment": "corporate",
    "founding": "corporate",
    "market_move": "corporate",
    "corporate_move": "corporate",
}
_FLAGS = re.IGNORECASE | re.ASCII | re.MULTILINE
_SEPARATOR = "\n.\n"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


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

    def may_match(self, present: set[tuple[str, str]]) -> bool:
        return self.probes is None or not self.probes.isdisjoint(present)


@dataclass(frozen=True)
class Alias:
    entity: int
    text: str
    case_sensitive: bool
    lowered: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "lowered", self.text.lower())


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


@dataclass
class FlagResult:
    flagged: bool
    score: float
    topic: float
    action: float
    penalty: float
    category: str = ""
    kind: str = ""
    entities: list[dict[str, str]] = field(default_factory=list)
    date: str = ""
    reasons: list[dict[str, Any]] = field(default_factory=list)

    @property
    def entity_names(self) -> list[str]:
        return [entity["name"] for entity in self.entities]


# --- compiling rules ------------------------------------------------------------------------------------------


def _is_ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _phrase_regex(phrase: str) -> str:
    """A phrase as a regex: whitespace flexible, whole words at ASCII ends (CJK needs no word boundaries)."""
    body = r"\s+".join(re.escape(part) for part in phrase.split())
    if _is_ascii_alnum(phrase[0]):
        body = r"(?<![A-Za-z0-9])" + body
    if _is_ascii_alnum(phrase[-1]):
        body += r"(?![A-Za-z0-9])"
    return body


def parse_alias(alias: str) -> tuple[str, bool]:
    """(alias, case_sensitive): '=Name' or an all-capitals alias (BIS, SMIC, H20) matches case-sensitively."""
    alias = alias.strip()
    if alias.startswith("="):
        return alias[1:].strip(), True
    letters = [char for char in alias if char.isascii() and char.isalpha()]
    return alias, bool(letters) and alias == alias.upper() and len(alias) <= 8


_TOKEN = re.compile(r"[a-z0-9_]+")
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
# A probe is a literal that every match of a rule must contain: ("w", text) when it must start a word (so
# a word of the text starts with it), ("s", text) when it may sit anywhere (a substring of the text).
Probe = tuple[str, str]


def _is_word_char(char: str) -> bool:
    return char in _WORD_CHARS


def _run_probe(run: str, starts_word: bool) -> Probe | None:
    """The best probe for a literal run: its longest word that must start a word of the text, else the run."""
    if not run:
        return None
    if not run.isascii():
        return ("s", run)
    words: list[str] = []
    for index, match in enumerate(_TOKEN.finditer(run)):
        if match.start() > 0 or (index == 0 and starts_word):
            words.append(match.group(0))
    best = max(words, key=len, default="")
    if len(best) >= 3 or (best and len(run) < 3):
        return ("w", best)
    return ("s", run)


def _non_word_class(members: Any) -> bool:
    for op, value in members:
        if op is _c.LITERAL and not _is_word_char(chr(value).lower()):
            continue
        if op is _c.CATEGORY and value in (_c.CATEGORY_SPACE, _c.CATEGORY_NOT_WORD):
            continue
        return False
    return True


# Words so frequent in news that a probe on them would let a rule be tried on nearly every item.
_COMMON_WORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "new",
        "its",
        "has",
        "have",
        "was",
        "were",
        "are",
        "will",
        "said",
        "says",
        "say",
        "more",
        "than",
        "over",
        "into",
        "out",
        "about",
        "after",
        "first",
        "last",
        "year",
        "years",
        "time",
        "report",
        "reports",
        "show",
        "shows",
        "made",
        "make",
        "open",
        "set",
        "data",
        "up",
        "down",
    ]
)


def _leading_literals(items: Any) -> str:
    lead = []
    for op, value in items:
        if op is not _c.LITERAL:
            break
        lead.append(chr(value).lower())
    return "".join(lead)


def _ends_at_word_start(items: Any) -> bool:
    """Whether what follows a match of `items` starts a word (its last element is a non-word character)."""
    elements = list(items)
    if not elements:
        return False
    op, value = elements[-1]
    if op is _c.LITERAL:
        return not _is_word_char(chr(value).lower())
    if op is _c.IN:
        return _non_word_class(value)
    if op is _c.SUBPATTERN:
        return _ends_at_word_start(value[3])
    if op is _c.MAX_REPEAT and value[0] >= 1:
        return _ends_at_word_start(value[2])
    return False


def _probe_rank(probes: frozenset[Probe]) -> tuple[bool, bool, bool, int, int]:
    shortest = min(len(text) for _, text in probes)
    common = any(text in _COMMON_WORDS for _, text in probes)
    return shortest >= 3, not common, all(kind == "w" for kind, _ in probes), shortest, -len(probes)


def _required(items: Any, starts_word: bool) -> frozenset[Probe] | None:
    """Probes of which every match of the parsed (sub)pattern contains one; None when none can be told."""
    candidates: list[frozenset[Probe]] = []
    run: list[str] = []
    run_starts_word = starts_word
    at_word_start = starts_word

    def flush() -> None:
        if run:
            probe = _run_probe("".join(run), run_starts_word)
            if probe is not None:
                candidates.append(frozenset({probe}))
            run.clear()

    for op, value in items:
        if op is _c.LITERAL:
            char = chr(value).lower()
            if not run:
                run_starts_word = at_word_start
            run.append(char)
            at_word_start = not _is_word_char(char)
            continue
        if op is _c.AT:
            if value is _c.AT_BOUNDARY or value in (_c.AT_BEGINNING, _c.AT_BEGINNING_STRING):
                flush()
                at_word_start = True
            continue
        if op is _c.BRANCH and run:
            # The parser moves a prefix common to all branches in front ("nm|nanometre" is "n" + "m|anometre"):
            # glue it back to each branch's leading literals, which makes far better probes than "n".
            leads = [_leading_literals(branch) for branch in value[1]]
            if all(leads):
                glued = [_run_probe("".join(run) + lead, run_starts_word) for lead in leads]
                if all(probe is not None for probe in glued):
                    candidates.append(frozenset(probe for probe in glued if probe is not None))
        flush()
        found: frozenset[Probe] | None = None
        if op is _c.IN:
            at_word_start = _non_word_class(value)
            continue
        if op is _c.SUBPATTERN:
            found = _required(value[3], at_word_start)
        elif op is _c.ATOMIC_GROUP:
            found = _required(value, at_word_start)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            minimum, _maximum, item = value
            if minimum >= 1:
                found = _required(item, at_word_start)
            ends_at_word_start = _ends_at_word_start(item)
            # No repetition leaves the state as it was; any repetition leaves it as the item ends.
            at_word_start = ends_at_word_start and (at_word_start or minimum >= 1)
        elif op is _c.BRANCH:
            branches = [_required(branch, at_word_start) for branch in value[1]]
            if all(branch is not None for branch in branches):
                found = frozenset().union(*(branch for branch in branches if branch is not None))
        if op is not _c.MAX_REPEAT and op is not _c.MIN_REPEAT and op is not _c.POSSESSIVE_REPEAT:
            at_word_start = False
        if found:
            candidates.append(found)
    flush()
    if not candidates:
        return None
    return max(candidates, key=_probe_rank)


def required_probes(regex: re.Pattern[str]) -> frozenset[Probe] | None:
    """What a text must contain for `regex` to match in it, as probes; None when it cannot be told."""
    try:
        return _required(_parser.parse(regex.pattern, regex.flags).data, True)
    except Exception:  # a regex construct this analysis does not know: the rule is always tried
        return None


def _trie_source(words: Iterable[str]) -> str:
    """A regex alternation of `words` as a character trie: each position costs a few comparisons, not one per word."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def source(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + source(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return source(trie)


@dataclass(frozen=True)
class Prefilter:
    """Tells quickly which probes a text holds and where watched aliases may start."""

    # \b + a trie of the word probes, on lower-cased text: one scan finds every word that starts with a probe
    word_regex: re.Pattern[str] | None
    word_prefixes: Mapping[str, tuple[Probe, ...]]  # a matched probe -> it and the shorter probes it starts with
    substrings_ascii: tuple[str, ...]
    substrings_other: Mapping[str, tuple[str, ...]]  # first character -> the non-ASCII substrings it starts
    alias_first_words: Mapping[str, tuple[Alias, ...]]
    alias_first_regex: re.Pattern[str] | None  # \b + a trie of the aliases' first words + \b
    aliases_other: Mapping[str, tuple[Alias, ...]]  # by first character: aliases not starting with an ASCII word

    @classmethod
    def build(cls, probes: Iterable[Probe], aliases: Iterable[Alias]) -> Prefilter:
        words: set[str] = set()
        subs: set[str] = set()
        for kind, text in probes:
            (words if kind == "w" else subs).add(text)
        by_first: dict[str, list[Alias]] = defaultdict(list)
        other: list[Alias] = []
        for alias in aliases:
            first = _TOKEN.match(alias.lowered)
            if first is not None:
                by_first[first.group(0)].append(alias)
            else:
                other.append(alias)
        return cls(
            word_regex=re.compile(r"\b" + _trie_source(words), re.ASCII) if words else None,
            word_prefixes={
                word: tuple(("w", word[:end]) for end in range(1, len(word) + 1) if word[:end] in words)
                for word in words
            },
            substrings_ascii=tuple(sorted(text for text in subs if text.isascii())),
            substrings_other={
                first: tuple(sorted(text for text in subs if not text.isascii() and text[0] == first))
                for first in {text[0] for text in subs if not text.isascii()}
            },
            alias_first_words={key: tuple(value) for key, value in by_first.items()},
            alias_first_regex=re.compile(r"\b" + _trie_source(by_first) + r"\b", re.ASCII) if by_first else None,
            aliases_other={
                first: tuple(alias for alias in other if alias.lowered[0] == first)
                for first in {alias.lowered[0] for alias in other}
            },
        )

    def probes_in(self, lowered: str) -> set[Probe]:
        found: set[Probe] = set()
        if self.word_regex is not None:
            for match in self.word_regex.finditer(lowered):
                found.update(self.word_prefixes[match.group(0)])
        found.update(("s", text) for text in self.substrings_ascii if text in lowered)
        if not lowered.isascii():
            for first in set(lowered).intersection(self.substrings_other):
                found.update(("s", text) for text in self.substrings_other[first] if text in lowered)
        return found

    def alias_starts(self, lowered: str) -> list[tuple[int, Alias]]:
        """(start, alias) wherever a watched alias's lower-cased spelling occurs (boundaries not yet checked)."""
        found: list[tuple[int, Alias]] = []
        if self.alias_first_regex is not None:
            for match in self.alias_first_regex.finditer(lowered):
                start = match.start()
                found.extend(
                    (start, alias)
                    for alias in self.alias_first_words[match.group(0)]
                    if lowered.startswith(alias.lowered, start)
                )
        if not lowered.isascii():
            for alias in (
                a for first in set(lowered).intersection(self.aliases_other) for a in self.aliases_other[first]
            ):
                start = lowered.find(alias.lowered)
                while start != -1:
                    found.append((start, alias))
                    start = lowered.find(alias.lowered, start + 1)
        return found


def lowered_pattern(regex: re.Pattern[str]) -> re.Pattern[str] | None:
    """`regex` for lower-cased text: its literals lower-cased, case-sensitive; None when that is not safe."""
    source = regex.pattern
    if "(?" in source.replace("(?:", "").replace("(?=", "").replace("(?!", "").replace("(?<", ""):
        return None  # inline flags such as (?-i:AI) mean case matters
    out: list[str] = []
    chars = iter(source)
    for char in chars:
        if char == "\\":
            escaped = next(chars, "")
            if escaped in "xuUNpP0123456789" or escaped == "":
                return None  # a character given by code or a back-reference: leave the pattern alone
            out.append(char + escaped)
        else:
            out.append(char.lower())
    try:
        return re.compile("".join(out), (regex.flags & ~re.IGNORECASE) | re.ASCII)
    except re.error:
        return None


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
        rule = PatternRule(
            name=str(spec["name"]),
            role=role,
            regex=regex,
            lowered=lowered_pattern(regex),
            probes=probes,
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


# --- scoring --------------------------------------------------------------------------------------------------


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


_ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}


def _lower(text: str) -> str:
    """Lower-cased text of the same length, so that offsets found in it hold in the original."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


def _is_boundary(text: str, index: int) -> bool:
    return index < 0 or index >= len(text) or not _is_ascii_alnum(text[index])


def _entity_matches(text: str, found: list[tuple[int, Alias]]) -> list[tuple[int, int, int]]:
    """(start, end, entity index) of alias matches, the longest winning where matches overlap."""
    matches: list[tuple[int, int, int]] = []
    for start, alias in found:
        end = start + len(alias.text)
        if alias.case_sensitive and text[start:end] != alias.text:
            continue
        if _is_ascii_alnum(alias.text[0]) and not _is_boundary(text, start - 1):
            continue
        if _is_ascii_alnum(alias.text[-1]) and not _is_boundary(text, end):
            continue
        matches.append((start, end, alias.entity))
    if len(matches) < 2:
        return matches
    kept: list[tuple[int, int, int]] = []
    for start, end, index in sorted(matches, key=lambda item: (item[0] - item[1], item[0])):
        if all(end <= other_start or start >= other_end for other_start, other_end, _ in kept):
            kept.append((start, end, index))
    return kept


def _short(text: str) -> str:
    if len(text) > 80:
        text = text[:77] + "..."
    return text if "\n" not in text and "  " not in text else " ".join(text.split())


def flag_text(
    *, title: str, summary: str = "", published: datetime | date | None = None, rules: RuleSet | None = None
) -> FlagResult:
    """Score one item's plain text against the rules and suggest category, kind, entities and date."""
    rules = rules or default_rules()
    # One text, title first: the first match of a rule is in the title whenever the title has one, so each
    # rule is searched once. The separator ends a line and a sentence, so no pattern matches across it.
    summary = summary[:SUMMARY_CHARS]
    text = f"{title}{_SEPARATOR}{summary}" if summary else title
    summary_from = len(title) + len(_SEPARATOR)
    field_weights = _FIELD_WEIGHTS
    # rule key -> (effective weight, matched text, field); each rule counts once, where it weighs most
    best: dict[tuple[str, str], tuple[float, str, str]] = {}

    def note(key: tuple[str, str], start: int, match: str, weight: float) -> None:
        field_name = "title" if start < summary_from else "summary"
        weight *= field_weights[field_name]
        if key not in best or weight > best[key][0]:
            best[key] = (weight, match, field_name)

    def search(rule: PatternRule, source: str, source_lowered: str) -> None:
        found = rule.lowered.search(source_lowered) if rule.lowered else rule.regex.search(source)
        if found is not None:
            note((rule.role, rule.name), found.start(), source[found.start() : found.end()], rule.weight)

    def topic_evidence(source: str, source_lowered: str, starts: list[tuple[int, Alias]]) -> float:
        for start, end, index in _entity_matches(source, starts):
            note(("entity", str(index)), start, source[start:end], rules.entities[index].weight)
        for rule in rules.topics:
            if rule.may_match(present):
                search(rule, source, source_lowered)
        return sum(weight for (role, _), (weight, _, _) in best.items() if role in {"entity", "topic"})

    # Which rules could match at all (a probe of theirs occurs), and where watched aliases may start.
    lowered = _lower(text)
    present = rules.prefilter.probes_in(lowered)
    starts = rules.prefilter.alias_starts(lowered)

    # Topic first, on the text as it is: masking false friends can only take evidence away, so an item short
    # of the topic minimum here cannot be flagged and nothing more is sought (most news ends here).
    if topic_evidence(text, lowered, starts) < rules.min_topic:
        return _result(best, rules, flagged=False, title=title, summary=summary, published=published)

    spans: list[tuple[int, int]] = []
    for rule in rules.negatives:
        if rule.may_match(present):
            matches = rule.lowered.finditer(lowered) if rule.lowered else rule.regex.finditer(text)
            for negative in matches:
                if negative.end() > negative.start():
                    spans.append(negative.span())
                    note(
                        ("negative", rule.name), negative.start(), text[negative.start() : negative.end()], rule.weight
                    )
    if spans:
        # Score the topic again without the false friends (an alias inside one does not count either).
        masked, masked_lowered = _mask(text, spans), _mask(lowered, spans)
        best = {key: value for key, value in best.items() if key[0] == "negative"}
        starts = [(start, alias) for start, alias in starts if all(not a <= start < b for a, b in spans)]
        if topic_evidence(masked, masked_lowered, starts) < rules.min_topic:
            return _result(best, rules, flagged=False, title=title, summary=summary, published=published)
    else:
        masked, masked_lowered = text, lowered
    for rule in rules.actions:
        if rule.may_match(present):
            search(rule, masked, masked_lowered)
    return _result(best, rules, flagged=None, title=title, summary=summary, published=published)


def _result(
    best: dict[tuple[str, str], tuple[float, str, str]],
    rules: RuleSet,
    *,
    flagged: bool | None,
    title: str,
    summary: str,
    published: datetime | date | None,
) -> FlagResult:
    """Add up what matched: scores, category and kind, entities, reasons; the date when flagged."""
    if not best:
        return FlagResult(flagged=False, score=0.0, topic=0.0, action=0.0, penalty=0.0)
    topic = action = penalty = 0.0
    categories: dict[str, float] = defaultdict(float)
    kinds: dict[tuple[str, str], float] = defaultdict(float)
    reasons: list[dict[str, Any]] = []
    entities: list[dict[str, str]] = []
    government_named = ""
    for (role, key), (weight, match, field_name) in best.items():
        if role == "entity":
            entity = rules.entities[int(key)]
            topic += weight
            entities.append({"name": entity.name, "entity_id": entity.entity_id})
            if entity.is_government and not government_named:
                government_named = entity.name
            reasons.append(
                {"rule": entity.name, "role": "entity", "weight": weight, "match": _short(match), "field": field_name}
            )
            continue
        rule = rules.by_key[(role, key)]
        if role == "topic":
            topic += weight
        elif role == "action":
            action += weight
            if rule.category:
                categories[rule.category] += weight
                kinds[(rule.category, rule.kind)] += weight
        else:
            penalty += weight
        reasons.append(
            {
                "rule": rule.name,
                "role": role,
                "weight": weight,
                "match": _short(match),
                "field": field_name,
                **({"kind": rule.kind} if rule.kind else {}),
            }
        )
    if government_named:
        action += GOVERNMENT_ACTOR_WEIGHT
        categories["government"] += GOVERNMENT_ACTOR_WEIGHT
        reasons.append(
            {
                "rule": "government actor named",
                "role": "action",
                "weight": GOVERNMENT_ACTOR_WEIGHT,
                "match": government_named,
                "field": "",
            }
        )

    score = min(topic, TOPIC_CAP) + min(action, ACTION_CAP) - penalty
    if flagged is None:
        flagged = topic >= rules.min_topic and action >= rules.min_action and score >= rules.threshold
    category = kind = ""
    if categories:
        category = max(CATEGORY_ORDER, key=lambda name: (categories.get(name, 0.0), -CATEGORY_ORDER.index(name)))
        in_category = [(value, name) for (cat, name), value in kinds.items() if cat == category and name]
        if in_category:
            kind = max(in_category)[1]
    order = {"entity": 0, "topic": 1, "action": 2, "negative": 3}
    reasons.sort(key=lambda reason: (order[reason["role"]], -reason["weight"], reason["rule"]))
    for reason in reasons:
        reason["weight"] = round(reason["weight"], 2)
    # The date is a suggestion for candidates: only flagged items get one.
    found_date = extract_date(title, summary, published=published) if flagged else None
    return FlagResult(
        flagged=flagged,
        score=round(score, 2),
        topic=round(topic, 2),
        action=round(action, 2),
        penalty=round(penalty, 2),
        category=category,
        kind=kind,
        entities=entities,
        date=found_date.edtf if found_date else "",
        reasons=reasons,
    )
