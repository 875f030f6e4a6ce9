"""Read models projected from the log: developments, their version history, entities, citations, timelines.

Nothing here is written except by timeline.projections; every row can be dropped and rebuilt from events.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from timeline.shapes import DevelopmentState, EntityState, RelationshipState
from timeline.taxonomy import Category, EntityType, Kind, LinkRelation, RelationType, Status


class Entity(models.Model):
    id = models.CharField(max_length=80, primary_key=True)
    name = models.CharField(max_length=200)  # the name to show; its other names are its aliases
    entity_type = models.CharField(max_length=20, choices=EntityType.choices)
    version = models.PositiveIntegerField(default=0)
    country = models.CharField(max_length=2, blank=True, db_index=True, help_text="ISO 3166-1 alpha-2")
    description = models.TextField(blank=True)
    identifiers = models.JSONField(default=dict, blank=True)
    last_position = models.BigIntegerField(default=0)
    # Set while the entity is merged into another (the same actor under another record); an unmerge clears it.
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged")
    # The state its events left (shapes.EntityState), which the next event evolves.
    snapshot: models.JSONField[EntityState, EntityState] = models.JSONField(default=dict)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "entities"

    def __str__(self) -> str:
        return self.name


class EntityAlias(models.Model):
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    # casefolded and whitespace-collapsed, so "deepseek", "DeepSeek " and "DEEPSEEK" find the same entity
    normalized = models.CharField(max_length=200, db_index=True)
    lang = models.CharField(max_length=12, blank=True)

    class Meta:
        ordering = ["entity_id", "normalized"]
        constraints = [models.UniqueConstraint(fields=["entity", "normalized"], name="entity_alias_unique")]
        verbose_name_plural = "entity aliases"

    def __str__(self) -> str:
        return self.name


class DevelopmentColumns(models.Model):
    """The columns a timeline filters and sorts on, shared by current rows and history rows."""

    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    edtf = models.CharField(max_length=64)
    date_lower = models.DateField()
    date_upper = models.DateField()
    precision = models.CharField(max_length=16)
    display_date = models.CharField(max_length=64)
    category = models.CharField(max_length=20, choices=Category.choices)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # "|tag-a|tag-b|": a portable way to filter by tag on SQLite and PostgreSQL alike
    tags_key = models.CharField(max_length=1000, blank=True)
    disputed = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CURRENT)
    # the best source reliability among the citations ("A" best); "" when uncited
    best_reliability = models.CharField(max_length=1, blank=True)
    # when it was first reported: the earliest citation's publication date (lower bound), if any citation has one
    first_reported = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField()
    # The state the row's columns come from, with its citations (timeline.projections writes it).
    snapshot: models.JSONField[DevelopmentState, DevelopmentState] = models.JSONField()

    class Meta:
        abstract = True


class Development(DevelopmentColumns):
    """The current state of each development."""

    id = models.UUIDField(primary_key=True)
    entities = models.ManyToManyField(Entity, through="DevelopmentEntity", related_name="developments")
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField()
    recorded_position = models.BigIntegerField()
    updated_at = models.DateTimeField()
    last_position = models.BigIntegerField()

    # Not a column: the write services set it on the row they return when the command's event id was already
    # stored (a retry answered from the log), so the API can say Idempotent-Replayed.
    replayed: bool = False

    class Meta:
        ordering = ["date_lower", "date_upper", "title"]
        indexes = [
            models.Index(fields=["status", "date_lower"], name="dev_status_date"),
            models.Index(fields=["category", "date_lower"], name="dev_category_date"),
            models.Index(fields=["last_position"], name="dev_last_position"),
        ]

    def __str__(self) -> str:
        return f"{self.display_date}: {self.title}"


class DevelopmentEntity(models.Model):
    development = models.ForeignKey(Development, on_delete=models.CASCADE, related_name="entity_links")
    # Indexed with the development (below), not alone: an entity's developments are read from the index only.
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="development_links", db_index=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["development", "entity"], name="development_entity_unique")]
        indexes = [models.Index(fields=["entity", "development"], name="dev_entity_entity_dev")]

    def __str__(self) -> str:
        return f"{self.development_id} ↔ {self.entity_id}"


class Citation(models.Model):
    id = models.UUIDField(primary_key=True)
    development = models.ForeignKey(Development, on_delete=models.CASCADE, related_name="citations")
    url = models.URLField(max_length=1000, blank=True)
    title = models.CharField(max_length=500)
    publisher = models.CharField(max_length=200, blank=True)
    author = models.CharField(max_length=200, blank=True)
    published = models.CharField(max_length=64, blank=True, help_text="EDTF")
    published_lower = models.DateField(null=True, blank=True)
    excerpt = models.TextField(blank=True)
    locator = models.CharField(max_length=200, blank=True, help_text="where in the source, e.g. Judgment 4")
    claim = models.TextField(blank=True)
    reliability = models.CharField(max_length=1)
    credibility = models.CharField(max_length=1)
    grading_note = models.TextField(blank=True)
    added_position = models.BigIntegerField()

    class Meta:
        ordering = ["added_position", "id"]

    def __str__(self) -> str:
        return f"{self.title} [{self.grading}]"

    @property
    def grading(self) -> str:
        return f"{self.reliability}{self.credibility}"


class DevelopmentVersion(DevelopmentColumns):
    """One row per version of a development, valid for log positions [valid_from, valid_to).

    `as_of` queries pick the row whose range holds the asked position, so no request replays the log.
    The primary key is the position of the event that made the version: deterministic across rebuilds.
    """

    id = models.BigIntegerField(primary_key=True)
    development = models.ForeignKey(Development, on_delete=models.CASCADE, related_name="versions")
    entities = models.ManyToManyField(Entity, through="DevelopmentVersionEntity", related_name="+")
    valid_from_position = models.BigIntegerField()
    valid_to_position = models.BigIntegerField(null=True, blank=True)
    valid_from_time = models.DateTimeField()
    valid_to_time = models.DateTimeField(null=True, blank=True)
    event_type = models.CharField(max_length=80)
    change = models.JSONField(default=dict)
    reason = models.TextField(blank=True)
    actor = models.CharField(max_length=150, blank=True)
    # The search document holding this version's searchable text (timeline.search): its own, keyed by this
    # row's position, when the event changed that text (title, summary, citations' claims and excerpts,
    # entities) or the category, else its predecessor's; a retraction or a new date writes no document. No
    # database constraint: the search projector writes the document after this row, and may not run at all.
    document = models.ForeignKey("SearchDocument", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")

    class Meta:
        ordering = ["development_id", "version"]
        constraints = [models.UniqueConstraint(fields=["development", "version"], name="development_version_unique")]
        indexes = [
            models.Index(fields=["valid_from_position", "valid_to_position"], name="devversion_range"),
            models.Index(fields=["category", "date_lower"], name="devversion_category_date"),
            # The date-ordered walk of a past timeline (as_of), which a `from=` bound starts late in (migration
            # 0018); without it PostgreSQL reads every version valid then and sorts them (0.5 s at a million).
            models.Index(fields=["date_lower"], name="devversion_date_lower"),
            # The development's open row, which each of its events closes (migration 0019): without it the close
            # read every version of the development, so an event cost more the longer its stream.
            models.Index(fields=["development"], condition=Q(valid_to_position__isnull=True), name="devversion_open"),
        ]

    def __str__(self) -> str:
        return f"{self.development_id} v{self.version}"


class DevelopmentVersionEntity(models.Model):
    version = models.ForeignKey(DevelopmentVersion, on_delete=models.CASCADE, related_name="entity_links")
    # As DevelopmentEntity: indexed with the version, for the entity filter as of a past position.
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "entity"], name="version_entity_unique")]
        indexes = [models.Index(fields=["entity", "version"], name="version_entity_entity_ver")]

    def __str__(self) -> str:
        return f"{self.version_id} ↔ {self.entity_id}"


class NamedTimeline(models.Model):
    """A saved filter and/or pinned developments, e.g. Figure 1 as `deepseek-development`."""

    slug = models.SlugField(max_length=100, primary_key=True)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    filters = models.JSONField(default=dict, blank=True)
    pinned = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField()
    last_position = models.BigIntegerField()

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title


class SearchDocument(models.Model):
    """The searchable text of one or more consecutive versions of a development (timeline.search keeps it; the
    search index's rows).

    Written by the version whose event changed that text (its primary key) and shared by the versions after it
    until the text changes again (DevelopmentVersion.document), so `as_of` searches the words a development had
    then; `is_current` marks the documents of the current versions. Each backend indexes these columns its own way
    (the 0005 migration): PostgreSQL a trigger-maintained weighted tsvector (`document`) with GIN and a pg_trgm
    index, SQLite an FTS5 trigram table kept in step by triggers.
    """

    version = models.OneToOneField(
        DevelopmentVersion, primary_key=True, on_delete=models.CASCADE, related_name="search_document"
    )
    # The reverse name lets a searched list join each development to its current document (timeline.search).
    development = models.ForeignKey(Development, on_delete=models.CASCADE, related_name="search_documents")
    is_current = models.BooleanField(default=True)
    title = models.TextField()
    body = models.TextField(blank=True)
    # the claims and excerpts of its citations, one per line
    citations = models.TextField(blank=True)
    # the names and aliases (in every language) of its entities, one per line
    entities = models.TextField(blank=True)
    # The category of the versions sharing it (a change of category writes a document too): a search with a
    # category filter tests it on the document it reads anyway, and reads only the developments it keeps.
    category = models.CharField(max_length=20, choices=Category.choices)

    # No index holds `is_current` (migration 0020): a development's new document retires the one before with an
    # UPDATE of the flag alone, which PostgreSQL then makes in place (a HOT update) instead of indexing the old
    # document's whole text again, as every GIN index of a row changed in an indexed column is. The development's
    # own index finds its current document among its documents.

    def __str__(self) -> str:
        return f"search: {self.version_id}"


class DevelopmentLink(models.Model):
    """A current link between two developments (shapes.LinkData), so a development's page can list the links
    that point at it as well as its own. The truth is the linking development's stream."""

    id = models.UUIDField(primary_key=True)
    source = models.ForeignKey(Development, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Development, on_delete=models.CASCADE, related_name="links_in")
    relation = models.CharField(max_length=20, choices=LinkRelation.choices)
    note = models.TextField(blank=True)
    position = models.BigIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["source", "relation", "target"], name="development_link_unique")]

    def __str__(self) -> str:
        return f"{self.source_id} {self.relation} {self.target_id}"


class Relationship(models.Model):
    """A typed, dated relationship between two entities ("HiSilicon subsidiary of Huawei"), as its events leave it
    on `relationship-<id>`: corrected, cited and retracted by events, never overwritten."""

    id = models.UUIDField(primary_key=True)
    source = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="relationships_out")
    target = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="relationships_in")
    relation = models.CharField(max_length=20, choices=RelationType.choices)
    edtf = models.CharField(max_length=64, blank=True)
    date_lower = models.DateField(null=True, blank=True)
    date_upper = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, default="current")
    version = models.PositiveIntegerField()
    last_position = models.BigIntegerField()
    snapshot: models.JSONField[RelationshipState, RelationshipState] = models.JSONField()

    # Not a column: set when a write was answered from the log (a retry), as on Development.
    replayed: bool = False

    class Meta:
        ordering = ["date_lower", "relation", "id"]
        indexes = [
            models.Index(fields=["source", "status"], name="relationship_source"),
            models.Index(fields=["target", "status"], name="relationship_target"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.relation} {self.target_id}"
