"""Reads for ingestion: the watch-list as compiled rules, due sources, and developments a candidate may repeat."""

from __future__ import annotations

import re
import threading
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from sources.feeds.dedup import canonical_url, jaccard, title_tokens
from sources.flagging.rules import RuleSet, compile_rules
from sources.kinds.names import WatchedName
from sources.models import Candidate, CandidateStatus, Health, Item, ListSnapshot, Source, WatchEntity, WatchPattern
from timeline.dates import FuzzyDateError, parse_fuzzy_date
from timeline.models import Citation, Development, DevelopmentEntity, Entity, EntityAlias
from timeline.taxonomy import Status

_rules_lock = threading.Lock()
_rules_cache: dict[str, Any] = {}


def flag_thresholds() -> dict[str, float]:
    return {
        "threshold": settings.FEEDS_FLAG_THRESHOLD,
        "min_topic": settings.FEEDS_FLAG_MIN_TOPIC,
        "min_action": settings.FEEDS_FLAG_MIN_ACTION,
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
            return _rules_cache["rules"]
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


def items_existing_keys_anywhere(*, keys: list[str]) -> set[str]:
    """The keys stored by any source: a Federal Register document is one item however many sources ask for it."""
    return set(Item.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True))


# Decisions that settle an item for good: a later copy of it is that item again, not news.
DECIDED_STATUSES = (CandidateStatus.PROMOTED, CandidateStatus.ATTACHED, CandidateStatus.REJECTED)


# A title names one article only when it says something: "Update" or "Press release" name many.
SAME_TITLE_MIN_WORDS = 3


def _telling_title(title: str) -> str:
    title = title.strip()
    return title if len(title_tokens(title)) >= SAME_TITLE_MIN_WORDS else ""


def _same_link_or_title(link: str, title: str, *, link_field: str, title_field: str) -> Q | None:
    """Rows whose link is this link (canonical or as given) or whose title is this title (any case)."""
    condition = Q()
    links = {value for value in (link.strip(), canonical_url(link)) if value}
    if links:
        condition |= Q(**{f"{link_field}__in": links})
    if title := _telling_title(title):
        condition |= Q(**{f"{title_field}__iexact": title})
    return condition or None


def candidates_decided_alike(*, link: str, title: str, exclude_item_id: int | None = None) -> QuerySet[Candidate]:
    """Decided candidates (promoted, attached, rejected) of an item with this link or this title, newest first:
    the same item fetched again from another source, or after its feed changed its GUID."""
    condition = _same_link_or_title(link, title, link_field="item__link", title_field="item__title")
    if condition is None:
        return Candidate.objects.none()
    decided = Candidate.objects.filter(condition, status__in=DECIDED_STATUSES)
    if exclude_item_id is not None:
        decided = decided.exclude(item_id=exclude_item_id)
    return decided.select_related("item", "item__source").order_by("-updated_at", "-pk")


def developments_citing(*, link: str, title: str) -> list[str]:
    """Ids of current developments that this item already is: one that cites its link or its title, is titled
    like it, or that a decided candidate of the same link or title became. Oldest decision first."""
    condition = _same_link_or_title(link, title, link_field="url", title_field="title")
    if condition is None:
        return []
    found: list[str] = []
    decided = candidates_decided_alike(link=link, title=title).exclude(development_id=None).order_by("updated_at")
    found += [str(pk) for pk in decided.values_list("development_id", flat=True)]
    found += [str(pk) for pk in Citation.objects.filter(condition).values_list("development_id", flat=True)]
    title = _telling_title(title)
    titled = Development.objects.filter(title__iexact=title) if title else Development.objects.none()
    found += [str(pk) for pk in titled.values_list("pk", flat=True)]
    return _current_developments(found)


def _current_developments(ids: list[str], *, hops: int = 5) -> list[str]:
    """The ids in order, each merged development replaced by the one it was merged into; retracted ones and
    repeats dropped."""
    current: list[str] = []
    for _ in range(hops):
        rows = {
            str(pk): (status, merged_into)
            for pk, status, merged_into in Development.objects.filter(pk__in=set(ids)).values_list(
                "pk", "status", "merged_into_id"
            )
        }
        followed: list[str] = []
        for development_id in ids:
            status, merged_into = rows.get(development_id, ("", None))
            if status == Status.CURRENT and development_id not in current:
                current.append(development_id)
            elif status == Status.MERGED and merged_into is not None:
                followed.append(str(merged_into))
        if not followed:
            break
        ids = followed
    return current


def developments_possibly_same(
    *,
    title: str,
    entity_ids: list[str],
    date_edtf: str = "",
    published: datetime | None = None,
    link: str = "",
    limit: int = 3,
    minimum: float = 0.25,
) -> list[str]:
    """Up to `limit` ids of current developments that a candidate may repeat, most alike first.

    First the developments the item already is (developments_citing: the same link or title), whatever their
    date; then it looks near the candidate's date (its EDTF, else the item's publication date) or, without any
    date, among developments of the same entities, ranked by title word overlap plus shared entities. Read-only.
    """
    same = developments_citing(link=link, title=title)[:limit]
    alike = _developments_alike(
        title=title, entity_ids=entity_ids, date_edtf=date_edtf, published=published, minimum=minimum
    )
    return [*same, *(pk for pk in alike if pk not in same)][:limit]


def _developments_alike(
    *, title: str, entity_ids: list[str], date_edtf: str, published: datetime | None, minimum: float
) -> list[str]:
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
    return [pk for _, pk in scored]


def watched_names(rules: RuleSet) -> list[WatchedName]:
    """The active watched entities with their aliases, linked to timeline entities as the rules link them."""
    linked = {entity.name: entity.entity_id for entity in rules.entities}
    return [
        WatchedName(entity.name, tuple(entity.alias_list()), linked.get(entity.name, entity.timeline_entity_id))
        for entity in WatchEntity.objects.filter(active=True)
    ]


def list_snapshot_latest(*, source_id: int) -> ListSnapshot | None:
    return ListSnapshot.objects.filter(source_id=source_id).order_by("-taken_at", "-id").first()


_FR_CITATION = re.compile(r"\b(\d{1,3})\s+FR\s+(\d{1,6})\b")
_FR_DOCUMENT_NUMBER = re.compile(r"(?<![\d-])((?:19|20)\d{2}-\d{5})(?![\d-])")


def developments_citing_federal_register(*, text: str) -> list[str]:
    """Current developments about a Federal Register document the text cites ("89 FR 96790", "FR Doc.
    2024-28270", its address): those its document's candidate became, and those citing the document."""
    citations = {f"{volume} FR {page}" for volume, page in _FR_CITATION.findall(text)}
    numbers = set(_FR_DOCUMENT_NUMBER.findall(text))
    if not citations and not numbers:
        return []
    promoted = Candidate.objects.filter(
        Q(item__facts__citation__in=sorted(citations)) | Q(item__facts__document_number__in=sorted(numbers)),
        development_id__isnull=False,
    ).values_list("development_id", flat=True)
    cited = Q()
    for citation in citations:
        cited |= Q(title__contains=citation) | Q(locator__contains=citation)
    for number in numbers:
        cited |= Q(url__contains=number) | Q(title__contains=number) | Q(grading_note__contains=number)
    ids = {str(pk) for pk in promoted} | {
        str(pk) for pk in Citation.objects.filter(cited).values_list("development_id", flat=True)
    }
    current = Development.objects.filter(pk__in=ids, status=Status.CURRENT).order_by("date_lower", "pk")
    return [str(pk) for pk in current.values_list("pk", flat=True)[:3]]
