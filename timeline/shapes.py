"""The JSON the timeline stores and reads back: a development's state, a citation, and each event's data.

Events keep these shapes on disk for ever (older ones are upcast when read), so a field added here is optional
for every event already written. A key marked NotRequired is one the readers have always defaulted.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict


class Media(TypedDict):
    """An image or video shown with a development."""

    url: str
    caption: str
    credit: str


class CitationData(TypedDict):
    """A source for a development, graded on the Admiralty scale (reliability A-F, credibility 1-6)."""

    id: str  # a UUID
    url: str
    title: str
    publisher: str
    author: str
    published: str  # EDTF, or ""
    excerpt: str
    locator: str
    claim: str
    reliability: str
    credibility: str
    grading_note: str


class LinkData(TypedDict):
    """A typed link from one development to another (taxonomy.LinkRelation), kept on the linking one's stream."""

    id: str  # a UUID
    relation: str
    target: str  # the linked development's id
    note: str


class DevelopmentState(TypedDict):
    """A development as its events leave it: the snapshot every current and history row keeps."""

    id: str
    title: str
    summary: str
    date: str  # EDTF
    category: str
    kind: str
    entities: list[str]  # entity ids
    tags: list[str]
    disputed: bool
    media: Media | None
    status: str  # current, retracted or merged
    merged_into: str | None
    citations: list[CitationData]
    links: NotRequired[list[LinkData]]  # absent from the snapshots of developments never linked


class DevelopmentChanges(TypedDict, total=False):
    """The fields a revision changes (domain.REVISABLE_FIELDS), each with its new value."""

    title: str
    summary: str
    date: str
    category: str
    kind: str
    entities: list[str]
    tags: list[str]
    disputed: bool
    media: Media | None


# --- Each development event's data ---


class DevelopmentRecordedData(TypedDict):
    title: str
    summary: NotRequired[str]
    date: str
    category: str
    kind: str
    entities: NotRequired[list[str]]
    tags: NotRequired[list[str]]
    disputed: NotRequired[bool]
    media: NotRequired[Media | None]
    id: str


class DevelopmentRevisedData(TypedDict):
    changes: DevelopmentChanges


class StatusChangedData(TypedDict):
    """The data of DevelopmentRetracted and DevelopmentRestored."""

    reason: str


class CitationAddedData(TypedDict):
    citation: CitationData


class CitationRemovedData(TypedDict):
    citation_id: str
    reason: str


class DevelopmentMergedData(TypedDict):
    into: str  # the id of the development that absorbs this one


class DuplicateAbsorbedData(TypedDict):
    duplicate_id: str
    citations: list[CitationData]  # the duplicate's citations under new ids, those not already here
    entities: NotRequired[list[str]]


class DevelopmentLinkedData(TypedDict):
    link: LinkData


class DevelopmentUnlinkedData(TypedDict):
    link_id: str
    reason: str


# --- Entities ---


class AliasData(TypedDict):
    name: str
    lang: NotRequired[str]  # a language tag, "" or missing for another spelling


class EntityIdentifiers(TypedDict, total=False):
    """Identifiers others know the entity by."""

    wikidata: str  # a Wikidata item, e.g. Q123
    lei: str  # a Legal Entity Identifier (20 characters)
    entity_list: str  # the Entity List entry as the Federal Register prints it


class EntityRegisteredData(TypedDict):
    id: str
    name: str
    entity_type: str
    aliases: NotRequired[list[AliasData]]
    country: NotRequired[str]  # ISO 3166-1 alpha-2, e.g. CN
    description: NotRequired[str]
    identifiers: NotRequired[EntityIdentifiers]


class EntityRevisedData(TypedDict):
    """Only the fields that change; `aliases`, when given, is the whole new list."""

    id: str
    name: NotRequired[str]
    entity_type: NotRequired[str]
    aliases: NotRequired[list[AliasData]]
    country: NotRequired[str]
    description: NotRequired[str]
    identifiers: NotRequired[EntityIdentifiers]


class EntityMergedData(TypedDict):
    """On the duplicate's stream: it is now the same actor as `into`; undone by EntityUnmerged."""

    id: str
    into: str


class EntityUnmergedData(TypedDict):
    id: str
    reason: str


class EntityState(TypedDict):
    """An entity as its events leave it: `name` is the name to show, `aliases` its other names by language."""

    id: str
    name: str
    entity_type: str
    aliases: list[AliasData]
    country: str
    description: str
    identifiers: EntityIdentifiers
    merged_into: NotRequired[str | None]  # absent until a first merge


# --- Relationships between entities ---


class RelationshipFields(TypedDict):
    """What a relationship says: "source relation target", when (EDTF, or "" when the sources give no date)."""

    relation: str
    date: str
    note: str


class RelationshipRecordedData(RelationshipFields):
    id: str  # a UUID
    source: str  # entity ids
    target: str
    citations: list[CitationData]


class RelationshipCorrectedData(TypedDict):
    """Only the fields that change."""

    changes: RelationshipChanges


class RelationshipChanges(TypedDict, total=False):
    relation: str
    date: str
    note: str


class RelationshipCitedData(TypedDict):
    citation: CitationData


class RelationshipRetractedData(TypedDict):
    reason: str


class RelationshipState(RelationshipRecordedData):
    status: str  # current or retracted


# --- Named timelines ---

# A named timeline's saved filter: the keys of the timeline query string. Spelled as a call because `from` is
# a Python keyword. A category or kind list may also be saved as one comma-separated string.
SavedFilters = TypedDict(
    "SavedFilters",
    {
        "category": list[str] | str,
        "kind": list[str] | str,
        "entity": str,
        "tag": str,
        "from": str,  # ISO date
        "to": str,
        "q": str,
        "disputed": bool,
        "min_reliability": str,
    },
    total=False,
)


class TimelineFields(TypedDict, total=False):
    """The definition fields (domain.TIMELINE_FIELDS) a TimelineDefined or TimelineRevised event sets."""

    title: str
    description: str
    filters: SavedFilters
    pinned: list[str]  # development ids


class TimelineDefinedData(TimelineFields):
    """The data of TimelineDefined and TimelineRevised: the slug and the whole definition."""

    slug: str


# --- What a version changed (DevelopmentVersion.change, shown in histories and digests) ---

FieldValue = str | bool | list[str] | Media | None
FieldChange = TypedDict("FieldChange", {"from": FieldValue, "to": FieldValue})


class VersionChange(TypedDict, total=False):
    """{field: {"from": old, "to": new}} for a revision or a status change, or a short note for the others."""

    recorded: bool
    title: FieldChange
    summary: FieldChange
    date: FieldChange
    category: FieldChange
    kind: FieldChange
    entities: FieldChange
    tags: FieldChange
    disputed: FieldChange
    media: FieldChange
    status: FieldChange
    citation_added: str
    citation_removed: str
    merged_into: str
    absorbed: str
    citations: list[str]
    link_added: LinkData
    link_removed: str
