"""Flag a batch of items with the rules and, when there is one, the learned model: one answer per item.

The rules always run (their entities, date and reasons are suggestions analysts use, and their signals are
features of the model). With a model, the model decides: flagged = probability >= its threshold, the score is
the probability on the rules' 0-10 scale (so the queue's score bands and sorting keep their meaning), the
category and kind come from the model when it is confident and from the rules otherwise, and the reasons list
the rules that fired and the n-grams that pushed the probability up most.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sources.flagging.learned import HEAD_CONFIDENCE, LearnedModel, Scored, item_text
from sources.flagging.rules import RuleSet
from sources.flagging.scoring import SUMMARY_CHARS, FlagResult, flag_text, rules_date
from sources.flagging.textdates import extract_date
from timeline.taxonomy import KIND_CATEGORY

SCORE_SCALE = 10.0


@dataclass(frozen=True)
class ItemText:
    title: str
    summary: str = ""
    published: datetime | date | None = None


@dataclass(frozen=True)
class CurrentModel:
    """The model every worker scores with now, by its content address."""

    sha256: str
    model: LearnedModel


def _fits(kind: str, category: str) -> bool:
    return bool(kind) and (kind == "other" or KIND_CATEGORY.get(kind) == category)


def _flag_date(item: ItemText, *, rules_flagged: bool) -> str:
    """The date of an item the model flags: the rules' when they flag it too (flag_text was asked for none: only a
    flag by the model needs one), else the first the title and the whole summary give."""
    texts: tuple[str, ...] = (item.title, item.summary)
    if rules_flagged:
        found = rules_date(item.title, item.summary, item.published)
        if found or len(item.summary) <= SUMMARY_CHARS:
            return found  # with no date in the title and lede, a summary no longer than the lede has none either
        texts = (item.summary,)  # the title has none: the summary past the lede may
    extracted = extract_date(*texts, published=item.published)
    return extracted.edtf if extracted else ""


def _merge(item: ItemText, rules_result: FlagResult, scored: Scored, sha256: str, threshold: float) -> FlagResult:
    category = rules_result.category
    if scored.category and (scored.category_confidence >= HEAD_CONFIDENCE or not category):
        category = scored.category
    # The rules' kind stands wherever it fits the category (their patterns name the kind outright: "Entity List",
    # "indicted"); the kind model fills in only where they have none, and only when it is confident.
    kind = rules_result.kind if _fits(rules_result.kind, category) else ""
    if not kind and _fits(scored.kind, category) and scored.kind_confidence >= HEAD_CONFIDENCE:
        kind = scored.kind
    found_date = _flag_date(item, rules_flagged=rules_result.flagged) if scored.flagged else ""
    reasons = [
        *rules_result.reasons,
        {
            "rule": "learned model",
            "role": "model",
            "weight": round(scored.probability, 3),
            "match": f"probability {scored.probability:.3f}, threshold {threshold:.3f}",
            "field": sha256[:12],
        },
    ]
    if scored.contributions:
        reasons += [
            {
                "rule": f"{push['feature']} {push['term']!r}",
                "role": "model",
                "weight": push["weight"],
                "match": push["term"],
                "field": push["feature"],
            }
            for push in scored.contributions
        ]
    # Built whole rather than with dataclasses.replace, whose field-by-field copy cost more than the rest of this.
    return FlagResult(
        flagged=scored.flagged,
        score=round(scored.probability * SCORE_SCALE, 2),
        topic=rules_result.topic,
        action=rules_result.action,
        penalty=rules_result.penalty,
        category=category if scored.flagged or rules_result.category else "",
        kind=kind if scored.flagged or rules_result.kind else "",
        entities=rules_result.entities,
        date=found_date if scored.flagged else "",
        reasons=reasons,
        probability=round(scored.probability, 4),
        model=sha256,
    )


def flag_items(items: Sequence[ItemText], *, rules: RuleSet, current: CurrentModel | None) -> list[FlagResult]:
    """Each item's flag; the model scores the whole batch at once (vectorising per item would cost far more)."""
    with_date = current is None  # with a model, the model's flags get a date (in _merge)
    results = [
        flag_text(title=item.title, summary=item.summary, published=item.published, rules=rules, with_date=with_date)
        for item in items
    ]
    if current is None or not items:
        return results
    model = current.model
    scored = model.score([item_text(item.title, item.summary) for item in items], results)
    return [
        _merge(item, result, answer, current.sha256, model.threshold)
        for item, result, answer in zip(items, results, scored, strict=True)
    ]
