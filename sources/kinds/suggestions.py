"""What a primary source states overrides what the flagger guesses: kind, category, date, linked entities.

The flagger still decides whether a Federal Register document is ours (a BIS rule on shipbuilding is not);
a screening-list change is always a candidate, since a watched list changing is what the source is for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sources.flagging.rules import RuleSet
from sources.flagging.scoring import FlagResult
from sources.kinds.names import NameMatcher
from timeline.taxonomy import Category

FEDERAL_REGISTER = "federal_register"
SCREENING_LIST = "screening_list"


def flag_with_facts(flag: FlagResult, facts: Mapping[str, Any], rules: RuleSet) -> FlagResult:
    """The flag of a primary-source entry: its kind and day from the facts, category Government."""
    source_kind = facts.get("source_kind")
    if source_kind == FEDERAL_REGISTER:
        if flag.flagged:
            flag.category, flag.kind = Category.GOVERNMENT.value, str(facts["kind"])
            flag.date = str(facts["publication_date"])
            label = facts.get("citation") or f"document {facts['document_number']}"
            flag.reasons.append(_reason("Federal Register document", f"{facts['type']}, {label}"))
    elif source_kind == SCREENING_LIST:
        flag.flagged = True
        flag.score = max(flag.score, rules.threshold)
        flag.category, flag.kind, flag.date = Category.GOVERNMENT.value, str(facts["kind"]), str(facts["date"])
        flag.reasons.append(_reason("screening list change", f"{facts['change']} on {facts['list']}"))
    return flag


def _reason(rule: str, match: str) -> dict[str, Any]:
    return {"rule": rule, "role": "action", "weight": 0.0, "match": match[:120], "field": "facts"}


def link_listed_entities(flag: FlagResult, facts: Mapping[str, Any], matcher: NameMatcher) -> None:
    """Link the watched entities a screening-list entry names (its name and aliases, normalised)."""
    names: Iterable[str] = [str(facts.get("name") or ""), *facts.get("alt_names", [])]
    if facts.get("previous_name"):
        names = [*names, str(facts["previous_name"])]
    known = {entity["name"] for entity in flag.entities}
    for watched in matcher.matches(names):
        if watched.name in known:
            continue
        flag.entities.append({"name": watched.name, "entity_id": watched.entity_id})
        flag.reasons.append(
            {"rule": watched.name, "role": "entity", "weight": 0.0, "match": str(facts["name"])[:120], "field": "list"}
        )
