"""Ingestion state: feeds, the items fetched from them, stories, candidates, and the flagging watch-list.

This is ordinary mutable data (high-volume, disposable), not event-sourced; analysts' decisions on candidates
are events written by the review services.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from timeline.taxonomy import Category, EntityType, Kind


class Health(models.TextChoices):
    OK = "ok", "OK"
    FAILING = "failing", "Failing"
    PARKED = "parked", "Parked"


class SourceKind(models.TextChoices):
    """What a source's bytes are; each kind has its own parser (sources.kinds), the rest of a poll is common."""

    FEED = "feed", "News feed (RSS, Atom, JSON Feed)"
    FEDERAL_REGISTER = "federal_register", "Federal Register documents API"
    SCREENING_LIST = "screening_list", "Consolidated Screening List export"


class Source(models.Model):
    """A feed the workers poll, with everything its scheduler needs to know."""

    url = models.URLField(max_length=2000, unique=True)
    kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.FEED)
    # Kind-specific settings editors may change (sources.kinds): a Federal Register source's agencies, document
    # types and search terms; a screening list's lists to watch.
    query = models.JSONField(default=dict, blank=True)
    name = models.CharField(max_length=200, blank=True)
    # The host of `url`, kept apart so the per-host cap can count sources being fetched from one host.
    host = models.CharField(max_length=255, db_index=True, editable=False)
    active = models.BooleanField(default=True, help_text="Inactive sources are never polled.")
    created_at = models.DateTimeField(auto_now_add=True)

    # Conditional GET validators from the last 200 response.
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)

    # Scheduling. `next_check_at` is a column, never a long countdown on the broker; NULL while parked.
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    interval_seconds = models.PositiveIntegerField(default=30 * 60)
    observed_interval_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Median gap between the feed's entries, from their dates."
    )
    ttl_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="The longest of the feed's <ttl> and Cache-Control max-age."
    )
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_new_item_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True, help_text="HTTP status of the last fetch.")
    # Who holds the fetch of this source (the DB-row claim used when the broker is not Redis).
    poll_lease_until = models.DateTimeField(null=True, blank=True)
    poll_lease_token = models.CharField(max_length=64, blank=True)

    # Health.
    health = models.CharField(max_length=10, choices=Health.choices, default=Health.OK)
    error_count = models.PositiveIntegerField(default=0, help_text="Consecutive failed polls.")
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    bozo_message = models.TextField(blank=True, help_text="The parser's last warning about this feed, if any.")

    # What the feed says about itself, and what we took from it.
    feed_title = models.CharField(max_length=500, blank=True)
    feed_link = models.URLField(max_length=2000, blank=True)
    items_seen = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name", "url"]
        indexes = [models.Index(fields=["active", "health", "next_check_at"], name="source_due")]

    def __str__(self) -> str:
        return self.name or self.url


class Story(models.Model):
    """Near-duplicate items from any sources, grouped as one story."""

    title = models.CharField(max_length=500)
    # The normalised title tokens of the story's first item, for the Jaccard check against newcomers.
    tokens = models.TextField(blank=True)
    item_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name_plural = "stories"

    def __str__(self) -> str:
        return self.title


class StoryKey(models.Model):
    """Locality-sensitive (MinHash band) keys of a story, so a new item finds similar stories by index."""

    key = models.CharField(max_length=32)
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="keys")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["key", "created_at"], name="storykey_key_created")]
        constraints = [models.UniqueConstraint(fields=["story", "key"], name="storykey_unique")]

    def __str__(self) -> str:
        return self.key


class Item(models.Model):
    """One entry of a feed, sanitised. Unique per source on a hash of its GUID, else link, else content."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="items")
    dedup_key = models.CharField(max_length=64)
    guid = models.CharField(max_length=1000, blank=True)
    link = models.URLField(max_length=2000, blank=True, help_text="Canonical: tracking parameters dropped.")
    # Plain text (no markup at all); templates escape it when shown.
    title = models.CharField(max_length=1000, blank=True)
    summary = models.TextField(blank=True)
    # Sanitised HTML (nh3): safe to mark_safe in a page.
    summary_html = models.TextField(blank=True)
    author = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=20, blank=True)
    # The date strings exactly as the feed gave them, beside what the parser made of them.
    published_raw = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_raw = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField(auto_now_add=True, db_index=True)
    story = models.ForeignKey(Story, null=True, blank=True, on_delete=models.SET_NULL, related_name="items")
    # The flagger's score, also for items below the threshold (so the watch-list preview can show near misses).
    flag_score = models.FloatField(null=True, blank=True)
    # What a primary source states exactly (sources.kinds): a Federal Register document's number, citation and
    # effective date, or a screening-list change; empty for news items.
    facts = models.JSONField(default=dict, blank=True)
    # The sha256 of the learned flagger that scored it ("" when the rules alone did), so a score can be explained.
    flag_model = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-fetched_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["source", "dedup_key"], name="item_unique_per_source")]

    def __str__(self) -> str:
        return self.title or self.link or self.guid


class CandidateStatus(models.TextChoices):
    NEW = "new", "New"
    PROMOTED = "promoted", "Promoted to a development"
    ATTACHED = "attached", "Attached as a citation"
    REJECTED = "rejected", "Rejected"
    SNOOZED = "snoozed", "Snoozed"


class Candidate(models.Model):
    """An item the flagger thinks may be a development, with its reasons and suggestions, for an analyst."""

    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="candidate")
    score = models.FloatField(db_index=True)
    # [{"rule": ..., "kind": "entity"|"topic"|"action"|"negative", "weight": ..., "match": ..., "field": ...}]
    reasons = models.JSONField(default=list)
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)
    kind = models.CharField(max_length=30, choices=Kind.choices, blank=True)
    # Entity names as the watch-list knows them, with the timeline entity id where one is linked.
    entities = models.JSONField(default=list)
    date_edtf = models.CharField(max_length=64, blank=True, help_text="When it happened, per the text (EDTF).")
    possible_duplicates = models.JSONField(default=list, help_text="Ids of up to 3 existing developments.")
    status = models.CharField(max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.NEW)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    development_id = models.UUIDField(null=True, blank=True, help_text="The development it became or joined.")
    # The sha256 of the learned flagger that scored it ("" when the rules alone did).
    model_version = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-score", "-created_at"]
        indexes = [models.Index(fields=["status", "-score", "-created_at"], name="candidate_queue")]

    def __str__(self) -> str:
        return f"{self.score:.1f} {self.item}"


class WatchEntity(models.Model):
    """A company, agency, person or product to watch, with its aliases in any language."""

    name = models.CharField(max_length=200, unique=True)
    entity_type = models.CharField(max_length=20, choices=EntityType.choices, default=EntityType.COMPANY)
    aliases = models.TextField(
        blank=True,
        help_text="One alias per line, any language. Aliases written in capitals (e.g. BIS, SMIC) match "
        "case-sensitively; others match any case, as whole words (Chinese aliases match anywhere).",
    )
    weight = models.FloatField(default=2.0, help_text="Added to the score when the entity is named.")
    timeline_entity_id = models.CharField(
        max_length=80, blank=True, help_text="The id of the timeline entity this is, for suggestions."
    )
    # A government or agency acting is what makes an item a government development.
    is_government = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "watched entity"
        verbose_name_plural = "watched entities"

    def __str__(self) -> str:
        return self.name

    def alias_list(self) -> list[str]:
        names = [self.name, *self.aliases.splitlines()]
        return list(dict.fromkeys(alias.strip() for alias in names if alias.strip()))


class PatternRole(models.TextChoices):
    TOPIC = "topic", "Topic (domain vocabulary)"
    ACTION = "action", "Action (what happened: suggests kind and category)"
    NEGATIVE = "negative", "Negative (false friend: masks its match and subtracts)"


class WatchPattern(models.Model):
    """A phrase or regular expression with a weight: domain vocabulary, an action, or a false friend."""

    name = models.CharField(max_length=120, unique=True)
    role = models.CharField(max_length=10, choices=PatternRole.choices)
    pattern = models.TextField(
        help_text="A regular expression (Python syntax, case-insensitive) or, unless 'is regex' is ticked, "
        "phrases separated by '|' matched as whole words."
    )
    is_regex = models.BooleanField(default=False)
    weight = models.FloatField(default=1.0, help_text="Negative patterns subtract this weight.")
    kind = models.CharField(max_length=30, choices=Kind.choices, blank=True)
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)
    active = models.BooleanField(default=True)
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["role", "name"]

    def __str__(self) -> str:
        return self.name


class ListSnapshot(models.Model):
    """One poll of a screening list: its entries by key, so the next poll's difference is what happened."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="snapshots")
    taken_at = models.DateTimeField(db_index=True)
    entry_count = models.PositiveIntegerField()
    # sha256 of the entries, so an unchanged export is known without comparing 30,000 entries.
    digest = models.CharField(max_length=64)
    entries = models.JSONField(default=dict)

    class Meta:
        ordering = ["-taken_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} at {self.taken_at:%Y-%m-%d %H:%M} ({self.entry_count} entries)"


class FlaggerModel(models.Model):
    """A trained flagger, content-addressed: the blob's sha256 is its name (FlaggerTrained events cite it).

    In the database rather than on a worker's disk, so every worker loads the very same model by its name."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    blob = models.BinaryField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "flagger model"

    def __str__(self) -> str:
        return self.sha256[:12]


class FlaggerSettings(models.Model):
    """The editors' choices for the learned flagger (one row): the precision its threshold must reach."""

    target_precision = models.FloatField(
        default=0.95,
        validators=[MinValueValidator(0.5), MaxValueValidator(0.999)],
        help_text="The next training picks the threshold with the best recall whose cross-validated precision "
        "reaches this (0.5 to 0.999).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "flagger settings"
        verbose_name_plural = "flagger settings"

    def __str__(self) -> str:
        return f"target precision {self.target_precision:.3f}"
