"""Reads for ingestion: the watch-list as compiled rules, due sources, and developments a candidate may repeat."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from sources.dedup import jaccard, title_tokens
from sources.flagging import DEFAULT_MIN_ACTION, DEFAULT_MIN_TOPIC, DEFAULT_THRESHOLD, RuleSet, compile_rules
from sources.models import Candidate, CandidateStatus, Health, Item, Source, WatchEntity, WatchPattern
from timeline.dates import FuzzyDateError, parse_fuzzy_date
from timeline.models import Development, DevelopmentEntity, Entity, EntityAlias

_rules_lock = threading.Lock()
_rules_cache: dict[str, Any] = {}


def flag_thresholds() -> dict[str, float]:
    return {
        "threshold": float(getattr(settings, "FEEDS_FLAG_THRESHOLD", DEFAULT_THRESHOLD)),
        "min_topic": float(getattr(settings, "FEEDS_FLAG_MIN_TOPIC", DEFAULT_MIN_TOPIC)),
        "min_action": float(getattr(settings, "FEEDS_FLAG_MIN_ACTION", DEFAULT_MIN_ACTION)),
    }


def _timeline_entity_ids() -> dict[str, str]:
    """Casefolded timeline entity names and aliases -> entity id, to link watched entities to the timeline."""
    ids = {" ".join(name.casefold().split()): pk for pk, name in Entity.objects.values_list("pk", "name")}
    for entity_id, normalized in EntityAlias.objects.values_list("entity_id", "normalized"):
        ids.setdefault(normalized, entity_id)
    return ids


def watchlist_rules() -> RuleSet:
    """The active watch-list compiled into rules; recompiled only when a row changed (or thresholds did)."""
    entity_stamp = WatchEntity.objects.filter(active=True).aggregate(n=Count("pk"), at=Max("updated_at"))
    pattern_stamp = WatchPattern.objects.filter(active=True).aggregate(n=Count("pk"), at=Max("updated_at"))
    thresholds = flag_thresholds()
    stamp = repr((entity_stamp, pattern_stamp, Entity.objects.count(), sorted(thresholds.items())))
    with _rules_lock:
        if _rules_cache.get("stamp") == stamp:
            return _rules_cache["rules"]  # type: ignore[no-any-return]
    timeline_ids = _timeline_entity_ids()
    entities = []
    for entity in WatchEntity.objects.filter(active=True):
        linked = entity.timeline_entity_id
        if not linked:
            for alias in entity.alias_list():
                linked = timeline_ids.get(" ".join(alias.lstrip("=").casefold().split()), "")
                if linked:
                    break
        entities.append(
            {
                "name": entity.name,
                "aliases": entity.aliases,
                "weight": entity.weight,
                "is_government": entity.is_government,
                "entity_id": linked,
            }
        )
    patterns = list(
        WatchPattern.objects.filter(active=True).values(
            "name", "role", "pattern", "is_regex", "weight", "kind", "category"
        )
    )
    rules = compile_rules(entities, patterns, **thresholds)
    with _rules_lock:
        _rules_cache.update(stamp=stamp, rules=rules)
    return rules


def sources_due(*, now: datetime | None = None, limit: int = 100) -> list[int]:
    """Ids of active, unparked sources whose next check has come, the most overdue first."""
    now = now or timezone.now()
    return list(
        Source.objects.filter(active=True, next_check_at__lte=now)
        .exclude(health=Health.PARKED)
        .order_by("next_check_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def items_existing_keys(*, source_id: int, keys: list[str]) -> set[str]:
    return set(Item.objects.filter(source_id=source_id, dedup_key__in=keys).values_list("dedup_key", flat=True))


def candidates_open() -> QuerySet[Candidate]:
    """The review queue: new candidates, highest score and newest first."""
    return (
        Candidate.objects.filter(status=CandidateStatus.NEW)
        .select_related("item", "item__source", "item__story")
        .order_by("-score", "-created_at")
    )


def developments_possibly_same(
    *,
    title: str,
    entity_ids: list[str],
    date_edtf: str = "",
    published: datetime | None = None,
    limit: int = 3,
    minimum: float = 0.25,
) -> list[str]:
    """Up to `limit` ids of current developments that a candidate may repeat, most alike first.

    Looks near the candidate's date (its EDTF, else the item's publication date) or, without any date, among
    developments of the same entities; ranks by title word overlap plus shared entities. Read-only.
    """
    window: tuple[date, date] | None = None
    if date_edtf:
        try:
            fuzzy = parse_fuzzy_date(date_edtf)
            window = (fuzzy.lower - timedelta(days=45), fuzzy.upper + timedelta(days=45))
        except FuzzyDateError:
            window = None
    if window is None and published is not None:
        window = (published.date() - timedelta(days=60), published.date() + timedelta(days=7))
    queryset = Development.objects.filter(status="current")
    if window is not None:
        queryset = queryset.filter(date_upper__gte=window[0], date_lower__lte=window[1])
    elif entity_ids:
        queryset = queryset.filter(entity_links__entity_id__in=entity_ids)
    else:
        return []
    rows = list(queryset.values_list("pk", "title")[:500])
    if not rows:
        return []
    links: dict[Any, set[str]] = {}
    for development_id, entity_id in DevelopmentEntity.objects.filter(
        development_id__in=[pk for pk, _ in rows]
    ).values_list("development_id", "entity_id"):
        links.setdefault(development_id, set()).add(entity_id)
    tokens = title_tokens(title)
    wanted = set(entity_ids)
    scored = []
    for pk, other_title in rows:
        shared = len(wanted & links.get(pk, set()))
        score = jaccard(tokens, title_tokens(other_title)) + 0.15 * min(shared, 3)
        if score >= minimum:
            scored.append((score, str(pk)))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return [pk for _, pk in scored[:limit]]
