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

Speed: sources.flagging.prefilter decides which rules can match at all, so scoring costs a few regex searches
per item rather than one per rule and alias.

This module is pure (no database): rules come in as a RuleSet (sources.flagging.rules).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sources.flagging.prefilter import NO_PLACES, Alias, LeadPlaces
from sources.flagging.rules import PatternRule, RuleSet, default_rules, longest_spans
from sources.flagging.textdates import extract_date
from timeline.taxonomy import Category

FIELD_WEIGHTS = (("title", 1.0), ("summary", 0.5))
_FIELD_WEIGHTS = dict(FIELD_WEIGHTS)
SUMMARY_CHARS = 600  # title and lede: what a story is about is said there; long bodies gather stray matches
TOPIC_CAP = 4.0
ACTION_CAP = 6.0
GOVERNMENT_ACTOR_WEIGHT = 1.0
# Which category wins a tie of action weight: a government action named beside a deal is the government's.
CATEGORY_ORDER: tuple[str, ...] = (
    Category.GOVERNMENT.value,
    Category.GPU_ACQUISITION.value,
    Category.TECHNOLOGY.value,
    Category.CORPORATE.value,
)
_SEPARATOR = "\n.\n"


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
    # Set when the learned model scored the item (sources.flagging.combined): its probability and sha256.
    probability: float | None = None
    model: str = ""

    @property
    def entity_names(self) -> list[str]:
        return [entity["name"] for entity in self.entities]


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
    if index < 0 or index >= len(text):
        return True
    char = text[index]
    # prefilter.is_ascii_alnum, written out: this runs for every alias found, and the call cost more than the test.
    return not (char.isascii() and char.isalnum())


def _entity_matches(text: str, found: list[tuple[int, Alias]]) -> list[tuple[int, int, int]]:
    """(start, end, entity index) of alias matches, the longest winning where matches overlap."""
    matches: list[tuple[int, int, int]] = []
    for start, alias in found:
        end = start + len(alias.text)
        if alias.case_sensitive and text[start:end] != alias.text:
            continue
        if alias.bounded_start and not _is_boundary(text, start - 1):
            continue
        if alias.bounded_end and not _is_boundary(text, end):
            continue
        matches.append((start, end, alias.entity))
    return longest_spans(matches)


def _short(text: str) -> str:
    if len(text) > 80:
        text = text[:77] + "..."
    return text if "\n" not in text and "  " not in text else " ".join(text.split())


def flag_text(
    *,
    title: str,
    summary: str = "",
    published: datetime | date | None = None,
    rules: RuleSet | None = None,
    with_date: bool = True,
) -> FlagResult:
    """Score one item's plain text against the rules and suggest category, kind, entities and date (with_date=False:
    no date, for a caller that only needs it for some items; rules_date() gives it then)."""
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

    def search(rule: PatternRule, bit: int, source: str, source_lowered: str, spaced: str, where: LeadPlaces) -> None:
        pattern = where.spaced(rule)
        if pattern is not None:  # spaced is " " + source_lowered (see prefilter.spaced_pattern)
            found = where.search(pattern, bit, spaced)
            if found is not None:
                start, end = found.start(), found.end() - 1
                note((rule.role, rule.name), start, source[start:end], rule.weight)
            return
        found = rule.lowered.search(source_lowered) if rule.lowered else rule.regex.search(source)
        if found is not None:
            note((rule.role, rule.name), found.start(), source[found.start() : found.end()], rule.weight)

    def topic_evidence(source: str, source_lowered: str, starts: list[tuple[int, Alias]], where: LeadPlaces) -> float:
        for start, end, index in _entity_matches(source, starts):
            note(("entity", str(index)), start, source[start:end], rules.entities[index].weight)
        spaced = " " + source_lowered
        for bit, rule in scan.topics:
            if candidates & bit:
                search(rule, bit, source, source_lowered, spaced, where)
        return sum(weight for (role, _), (weight, _, _) in best.items() if role in {"entity", "topic"})

    # Which rules could match at all (a probe of theirs occurs), and where watched aliases may start.
    lowered = _lower(text)
    scan = rules.scan
    candidates, starts, places = scan.masks.scan_places(lowered)

    # Topic first, on the text as it is: masking false friends can only take evidence away, so an item short
    # of the topic minimum here cannot be flagged and nothing more is sought (most news ends here).
    if topic_evidence(text, lowered, starts, places) < rules.min_topic:
        return _result(best, rules, flagged=False, title=title, summary=summary, published=published)

    spans: list[tuple[int, int]] = []
    for bit, rule in scan.negatives:
        if candidates & bit:
            for start, end in _negative_spans(rule, text, lowered, bit, places):
                spans.append((start, end))
                note(("negative", rule.name), start, text[start:end], rule.weight)
    if spans:
        # Score the topic again without the false friends (an alias inside one does not count either).
        masked, masked_lowered = _mask(text, spans), _mask(lowered, spans)
        best = {key: value for key, value in best.items() if key[0] == "negative"}
        starts = [(start, alias) for start, alias in starts if all(not a <= start < b for a, b in spans)]
        # The places were found in the text before masking: the masked text is searched whole.
        where = places.whole()
        if topic_evidence(masked, masked_lowered, starts, where) < rules.min_topic:
            return _result(best, rules, flagged=False, title=title, summary=summary, published=published)
    else:
        masked, masked_lowered, where = text, lowered, places
    spaced = " " + masked_lowered
    for bit, rule in scan.actions:
        if candidates & bit:
            search(rule, bit, masked, masked_lowered, spaced, where)
    return _result(best, rules, flagged=None, title=title, summary=summary, published=published, with_date=with_date)


def _negative_spans(
    rule: PatternRule, text: str, lowered: str, bit: int = 0, where: LeadPlaces = NO_PLACES
) -> list[tuple[int, int]]:
    """Where a negative rule matches, as finditer finds them (none empty). With a spaced pattern (see
    prefilter.spaced_pattern), each search starts one character before where the last match ended: the character
    its class takes is then the last of that match, so the next match may start right after it, as finditer's may,
    and the search tries the places finditer would, in the same order. The class lets the regex engine skip to the
    candidate places instead of testing \\b at each: a third less time for the costliest negatives."""
    pattern = where.spaced(rule)
    if pattern is None:
        matches = rule.lowered.finditer(lowered) if rule.lowered else rule.regex.finditer(text)
        return [match.span() for match in matches if match.end() > match.start()]
    spans = []
    spaced = " " + lowered
    found = where.search(pattern, bit, spaced)
    while found is not None:
        end = found.end() - 1  # in `lowered`, as found.start() is
        spans.append((found.start(), end))
        found = where.search(pattern, bit, spaced, end)
    return spans


def rules_date(title: str, summary: str, published: datetime | date | None) -> str:
    """The date flag_text gives a flagged item."""
    found = extract_date(title, summary[:SUMMARY_CHARS], published=published)
    return found.edtf if found else ""


def _result(
    best: dict[tuple[str, str], tuple[float, str, str]],
    rules: RuleSet,
    *,
    flagged: bool | None,
    title: str,
    summary: str,
    published: datetime | date | None,
    with_date: bool = True,
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
    found_date = extract_date(title, summary, published=published) if flagged and with_date else None
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
