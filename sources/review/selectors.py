"""What an analyst reads to decide on a candidate: the queue awaiting review, suggestions, duplicates, the trail.

Presentation-independent reads: the admin's review page (sources/admin/review.py) turns them into links and
forms, and the digests count the same queue the admin shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from events import store
from sources import selectors
from sources.kinds.citations import primary_citation
from sources.models import Candidate, CandidateStatus, Item
from sources.review.services import candidate_stream
from timeline.models import Citation, Development, Entity
from timeline.taxonomy import Category, Kind


def candidates_awaiting_review(queryset: QuerySet[Candidate] | None = None) -> QuerySet[Candidate]:
    """New candidates and snoozed ones whose snooze has run out (of `queryset`, by default all candidates)."""
    candidates = Candidate.objects.all() if queryset is None else queryset
    return candidates.filter(
        Q(status=CandidateStatus.NEW) | Q(status=CandidateStatus.SNOOZED, snoozed_until__lte=timezone.now())
    )


def linked_entities(candidate: Candidate) -> list[str]:
    """The timeline entity ids the flagger linked the candidate's entities to."""
    return [str(e["entity_id"]) for e in candidate.entities or [] if isinstance(e, dict) and e.get("entity_id")]


def development_suggestion(candidate: Candidate) -> dict[str, Any]:
    """A development's fields prefilled from the flagger's suggestion and the item.

    "When it happened" holds only a date found in the text: the feed's publication date says when the item was
    reported, which is often not when it happened, so the admin offers it as a hint beside the field."""
    item = candidate.item
    known = set(Entity.objects.filter(pk__in=linked_entities(candidate)).values_list("pk", flat=True))
    return {
        "title": item.title[:300],
        "summary": item.summary[:2000],
        "date": candidate.date_edtf,
        "category": candidate.category or Category.CORPORATE,
        "kind": candidate.kind or Kind.OTHER,
        "entities": [entity_id for entity_id in linked_entities(candidate) if entity_id in known],
        "tags": "",
        "disputed": False,
    }


def citation_suggestion(candidate: Candidate) -> dict[str, Any]:
    """A citation of the item; the grading is left to the analyst, except for a primary source's own record
    (a Federal Register document, a screening-list entry), which is graded A1 (sources.kinds.citations)."""
    item = candidate.item
    if item.facts:
        return primary_citation(item.facts, title=item.title, url=item.link, excerpt=item.summary)
    return {
        "title": item.title[:500],
        "url": item.link,
        "publisher": (item.source.name or item.source.feed_title)[:200],
        "author": item.author[:200],
        "published": item.published_at.date().isoformat() if item.published_at else "",
        "excerpt": item.summary[:600],
    }


def candidate_reasons(candidate: Candidate) -> list[dict[str, Any]]:
    """Why the candidate was flagged, the weightiest reason first."""
    reasons = [r for r in candidate.reasons or [] if isinstance(r, dict)]
    return sorted(reasons, key=lambda r: -abs(float(r.get("weight") or 0)))


@dataclass(frozen=True)
class SuggestedEntity:
    name: str
    entity_id: str
    known: bool  # the entity is on the timeline


def suggested_entities(candidate: Candidate) -> list[SuggestedEntity]:
    linked = dict(Entity.objects.filter(pk__in=linked_entities(candidate)).values_list("pk", "name"))
    return [
        SuggestedEntity(
            name=str(e.get("name", "")), entity_id=e.get("entity_id") or "", known=e.get("entity_id") in linked
        )
        for e in candidate.entities or []
        if isinstance(e, dict)
    ]


def duplicate_ids(candidate: Candidate) -> list[str]:
    """The developments the candidate may repeat: first those its item already is (looked up now, so that a
    copy decided after this item was fetched counts too), then the flagger's suggestions from ingestion."""
    item = candidate.item
    same = selectors.developments_citing(link=item.link, title=item.title)
    ids = dict.fromkeys([*same, *(str(value) for value in candidate.possible_duplicates or [])])
    ids.pop(str(candidate.development_id), None)  # a decided candidate is not a duplicate of its own development
    return list(ids)


@dataclass(frozen=True)
class Duplicate:
    development: Development
    entities: str  # the development's entity names, comma-separated
    citations: list[Citation]


def duplicates(candidate: Candidate) -> list[Duplicate]:
    """The developments of duplicate_ids that exist, in that order, with their entities and citations."""
    ids = duplicate_ids(candidate)
    found = {str(d.pk): d for d in Development.objects.filter(pk__in=ids).prefetch_related("entities")}
    return [
        Duplicate(
            development=development,
            entities=", ".join(e.name for e in development.entities.all()),
            citations=list(Citation.objects.filter(development=development)),
        )
        for development_id in ids
        if (development := found.get(development_id)) is not None
    ]


def decided_twins(candidate: Candidate, *, limit: int = 5) -> list[Candidate]:
    """Earlier decisions on the same item (same link or title) fetched before, e.g. a rejection."""
    twins = selectors.candidates_decided_alike(
        link=candidate.item.link, title=candidate.item.title, exclude_item_id=candidate.item_id
    )
    return list(twins[:limit])


def story_siblings(candidate: Candidate, *, limit: int = 10) -> list[Item]:
    """Other items of the same story: the same news from other sources, newest first."""
    if candidate.item.story_id is None:
        return []
    siblings = (
        Item.objects.filter(story_id=candidate.item.story_id)
        .exclude(pk=candidate.item_id)
        .select_related("source")
        .order_by("-fetched_at")
    )
    return list(siblings[:limit])


@dataclass(frozen=True)
class Decision:
    type: str
    when: datetime
    actor: str
    reason: str


def decision_events(candidate: Candidate) -> list[Decision]:
    """The decisions recorded on the candidate's stream, oldest first."""
    return [
        Decision(
            type=event.event_type,
            when=event.recorded_at,
            actor=event.metadata.get("actor") or "",
            reason=event.metadata.get("reason") or "",
        )
        for event in store.read_stream(candidate_stream(candidate.pk))
    ]
