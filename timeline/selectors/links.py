"""Links between developments as a reader sees them, from either end."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from timeline.models import (
    Development,
    DevelopmentLink,
)
from timeline.shapes import LinkData
from timeline.taxonomy import LinkRelation


@dataclass(frozen=True)
class LinkView:
    """A link as a reader sees it from one end: "out" for the development's own links, "in" for others' to it."""

    id: str
    relation: str
    relation_label: str
    direction: str
    development_id: str  # the development at the other end
    title: str
    display_date: str
    note: str


_RELATION_LABELS = dict(LinkRelation.choices)
_INVERSE_LABELS = {
    LinkRelation.RESPONDS_TO.value: "Answered by",
    LinkRelation.AMENDS.value: "Amended by",
    LinkRelation.SUPERSEDES.value: "Superseded by",
    LinkRelation.FOLLOWS_FROM.value: "Led to",
    LinkRelation.CONTRADICTS.value: "Contradicted by",
}


def development_links(development_id: str, own: Iterable[LinkData], *, incoming: bool = True) -> list[LinkView]:
    """The development's own links (from its snapshot, so an as_of row shows those it had then) and, when
    `incoming`, the current links of other developments to it."""
    own = list(own)
    theirs = (
        list(DevelopmentLink.objects.filter(target=uuid.UUID(development_id)).select_related("source"))
        if incoming
        else []
    )
    targets = {
        str(row.pk): row
        for row in Development.objects.filter(pk__in=[link["target"] for link in own]).only("title", "display_date")
    }
    views = [
        LinkView(
            id=link["id"],
            relation=link["relation"],
            relation_label=_RELATION_LABELS.get(link["relation"], link["relation"]),
            direction="out",
            development_id=link["target"],
            title=targets[link["target"]].title if link["target"] in targets else "",
            display_date=targets[link["target"]].display_date if link["target"] in targets else "",
            note=link.get("note", ""),
        )
        for link in own
    ]
    views += [
        LinkView(
            id=str(row.pk),
            relation=row.relation,
            relation_label=_INVERSE_LABELS.get(row.relation, row.relation),
            direction="in",
            development_id=str(row.source_id),
            title=row.source.title,
            display_date=row.source.display_date,
            note=row.note,
        )
        for row in theirs
    ]
    return views


# --- Reads for the API ---
