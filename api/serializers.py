"""The API's shapes: rows built from read models (plain functions, fast), serializers that describe them
to the schema and validate the shape of writes. What a value may be is the services' business."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from rest_framework import serializers

from timeline.taxonomy import CREDIBILITY, RELIABILITY, Category, Kind, LinkRelation

CATEGORY_LABELS = dict(Category.choices)
KIND_LABELS = dict(Kind.choices)
STATUSES = ("current", "disputed", "retracted", "merged")


# --- rows -------------------------------------------------------------------------------------------------


def citation_row(citation: Any) -> dict[str, Any]:
    """A citation from the Citation read model or from a snapshot dict."""
    get = citation.get if isinstance(citation, dict) else lambda name, default="": getattr(citation, name, default)
    reliability = str(get("reliability", "") or "")
    credibility = str(get("credibility", "") or "")
    return {
        "id": str(get("id", "")),
        "url": get("url", "") or "",
        "title": get("title", "") or "",
        "publisher": get("publisher", "") or "",
        "author": get("author", "") or "",
        "published": get("published", "") or "",
        "locator": get("locator", "") or "",
        "excerpt": get("excerpt", "") or "",
        "claim": get("claim", "") or "",
        "reliability": reliability,
        "credibility": credibility,
        "grading": f"{reliability}{credibility}",
        "grading_note": get("grading_note", "") or "",
    }


def api_status(status: str, disputed: bool) -> str:
    """current / disputed / retracted (and merged, for a duplicate folded into another)."""
    if status == "current" and disputed:
        return "disputed"
    return status


def development_row(obj: Any, *, base_url: str, entity_names: dict[str, str] | None = None) -> dict[str, Any]:
    """One development as the API shows it, from a current row (Development) or an as_of row (DevelopmentVersion).

    Citations, entity ids and tags come from the row's snapshot (the state its last event left), so current
    and as_of rows read alike and list citations in the order they were added. Entity names come from
    `entity_names` (a page's names fetched at once with selectors.entity_names) or else the prefetched entities.
    """
    is_version = hasattr(obj, "valid_from_position")
    snapshot = obj.snapshot
    development_id = str(obj.development_id if is_version else obj.pk)
    names = entity_names if entity_names is not None else {entity.pk: entity.name for entity in obj.entities.all()}
    citations = snapshot.get("citations", [])
    media = snapshot.get("media") or None
    return {
        "id": development_id,
        "url": f"{base_url}/api/developments/{development_id}/",
        "title": obj.title,
        "summary": obj.summary,
        "date": obj.edtf,
        "display_date": obj.display_date,
        "date_lower": obj.date_lower.isoformat(),
        "date_upper": obj.date_upper.isoformat(),
        "precision": obj.precision,
        "first_reported": obj.first_reported.isoformat() if getattr(obj, "first_reported", None) else None,
        "category": obj.category,
        "category_label": CATEGORY_LABELS.get(obj.category, obj.category),
        "kind": obj.kind,
        "kind_label": KIND_LABELS.get(obj.kind, obj.kind),
        "entities": [{"id": entity_id, "name": names.get(entity_id, entity_id)} for entity_id in snapshot["entities"]],
        "tags": list(snapshot.get("tags", [])),
        "media": {key: str(media.get(key) or "") for key in ("url", "caption", "credit")} if media else None,
        "citations": [citation_row(citation) for citation in citations],
        "status": api_status(obj.status, obj.disputed),
        "disputed": obj.disputed,
        "merged_into": snapshot.get("merged_into"),
        "links": [link_row(link, base_url=base_url) for link in snapshot.get("links", [])],
        "version": obj.version,
        "last_position": obj.valid_from_position if is_version else obj.last_position,
        "changed_at": (obj.valid_from_time if is_version else obj.updated_at).isoformat(),
    }


def link_row(link: Any, *, base_url: str) -> dict[str, Any]:
    """One of a development's own links (shapes.LinkData), as the API shows it."""
    return {
        "id": link["id"],
        "relation": link["relation"],
        "target": link["target"],
        "target_url": f"{base_url}/api/developments/{link['target']}/",
        "note": link.get("note", ""),
    }


def linked_from_row(view: Any, *, base_url: str) -> dict[str, Any]:
    """A link another development makes to this one (selectors.LinkView, direction "in")."""
    return {
        "id": view.id,
        "relation": view.relation,
        "development": view.development_id,
        "development_url": f"{base_url}/api/developments/{view.development_id}/",
        "title": view.title,
        "note": view.note,
    }


def version_row(version: Any, *, show_actor: bool) -> dict[str, Any]:
    """One entry of a development's history: when, what changed, why (and who, for analysts)."""
    return {
        "version": version.version,
        "position": version.valid_from_position,
        "recorded_at": version.valid_from_time.isoformat(),
        "event_type": version.event_type,
        "change": version.change,
        "reason": version.reason,
        "actor": (version.actor or None) if show_actor else None,
    }


def timeline_row(named: Any, *, base_url: str) -> dict[str, Any]:
    return {
        "slug": named.slug,
        "url": f"{base_url}/api/timelines/{named.slug}/",
        "title": named.title,
        "description": named.description,
        "filters": named.filters,
        "pinned": [str(pin) for pin in named.pinned],
        "version": named.version,
        "last_position": named.last_position,
    }


# Metadata keys that may name a person; only analysts see them.
IDENTITY_KEYS = {"actor", "user", "username", "email", "ip", "user_agent"}


def change_row(event: Any, *, show_identity: bool) -> dict[str, Any]:
    """One event of the change feed. Without identity the hash is withheld too: it would let a caller
    confirm a guessed actor by recomputing it."""
    metadata = dict(event.metadata or {})
    if not show_identity:
        metadata = {key: value for key, value in metadata.items() if key not in IDENTITY_KEYS}
    return {
        "position": event.position,
        "event_id": str(event.event_id),
        "stream": event.stream,
        "version": event.version,
        "type": event.event_type,
        "schema_version": event.schema_version,
        "time": event.recorded_at.isoformat(),
        "data": event.data,
        "metadata": metadata,
        "hash": event.hash if show_identity else None,
    }


# --- what the schema says about those rows ----------------------------------------------------------------


class EntityRefSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


class CitationSerializer(serializers.Serializer):
    id = serializers.CharField()
    url = serializers.CharField(allow_blank=True)
    title = serializers.CharField()
    publisher = serializers.CharField(allow_blank=True)
    author = serializers.CharField(allow_blank=True)
    published = serializers.CharField(allow_blank=True, help_text="EDTF date of publication")
    locator = serializers.CharField(allow_blank=True, help_text="Where in the source, e.g. Judgment 4")
    excerpt = serializers.CharField(allow_blank=True)
    claim = serializers.CharField(allow_blank=True)
    reliability = serializers.ChoiceField(choices=list(RELIABILITY), help_text="Source reliability, A (best) to F")
    credibility = serializers.ChoiceField(choices=list(CREDIBILITY), help_text="Information credibility, 1 to 6")
    grading = serializers.CharField(help_text="Admiralty grading, e.g. B2")
    grading_note = serializers.CharField(allow_blank=True)


class MediaSerializer(serializers.Serializer):
    url = serializers.URLField()
    caption = serializers.CharField(allow_blank=True, required=False)
    credit = serializers.CharField(allow_blank=True, required=False)


class LinkSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    relation = serializers.ChoiceField(choices=LinkRelation.choices)
    target = serializers.UUIDField(help_text="The development this one links to")
    target_url = serializers.URLField()
    note = serializers.CharField(allow_blank=True)


class LinkedFromSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    relation = serializers.ChoiceField(
        choices=LinkRelation.choices, help_text="That development's relation to this one"
    )
    development = serializers.UUIDField(help_text="The development that links to this one")
    development_url = serializers.URLField()
    title = serializers.CharField()
    note = serializers.CharField(allow_blank=True)


class DevelopmentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.URLField()
    title = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    date = serializers.CharField(help_text="EDTF, at the precision the sources give")
    display_date = serializers.CharField(help_text="As Figure 1 prints it: Oct 7, 2022 / Oct 2023 / Q4 2024")
    date_lower = serializers.DateField()
    date_upper = serializers.DateField()
    precision = serializers.CharField()
    first_reported = serializers.DateField(allow_null=True, help_text="The earliest citation's publication date")
    category = serializers.ChoiceField(choices=Category.choices)
    category_label = serializers.CharField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    kind_label = serializers.CharField()
    entities = EntityRefSerializer(many=True)
    tags = serializers.ListField(child=serializers.CharField())
    media = MediaSerializer(allow_null=True)
    citations = CitationSerializer(many=True)
    status = serializers.ChoiceField(choices=STATUSES)
    disputed = serializers.BooleanField()
    merged_into = serializers.UUIDField(allow_null=True)
    links = LinkSerializer(many=True, help_text="Its links to other developments (amends, supersedes, ...)")
    linked_from = LinkedFromSerializer(
        many=True, required=False, help_text="One development only: the current links of others to this one"
    )
    version = serializers.IntegerField(help_text="The development's version (its stream version)")
    last_position = serializers.IntegerField(help_text="Log position of its last change")
    changed_at = serializers.DateTimeField()
    search_snippet = serializers.CharField(
        required=False,
        help_text="In a list searched with q only: where the row matches, as HTML, the stored text escaped and each "
        "hit in <mark>",
    )


class PageSerializer(serializers.Serializer):
    position = serializers.IntegerField(help_text="The log position this answer reflects")
    as_of = serializers.IntegerField(allow_null=True, help_text="The as_of position asked for, if any")
    next = serializers.URLField(allow_null=True)
    next_cursor = serializers.CharField(allow_null=True)
    results = DevelopmentSerializer(many=True)


class NamedTimelineSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    url = serializers.URLField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    filters = serializers.DictField()
    pinned = serializers.ListField(child=serializers.CharField())
    version = serializers.IntegerField()
    last_position = serializers.IntegerField()


class NamedTimelineListSerializer(serializers.Serializer):
    results = NamedTimelineSerializer(many=True)


class TimelinePageSerializer(NamedTimelineSerializer):
    position = serializers.IntegerField()
    as_of = serializers.IntegerField(allow_null=True)
    next = serializers.URLField(allow_null=True)
    next_cursor = serializers.CharField(allow_null=True)
    results = DevelopmentSerializer(many=True)


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    position = serializers.IntegerField()
    recorded_at = serializers.DateTimeField()
    event_type = serializers.CharField()
    change = serializers.DictField(help_text="What changed: {field: {from, to}} or a short summary")
    reason = serializers.CharField(allow_blank=True)
    actor = serializers.CharField(allow_null=True, help_text="Who did it; shown to analysts only")


class HistorySerializer(serializers.Serializer):
    development = serializers.UUIDField()
    results = VersionSerializer(many=True)


class ChangeSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    event_id = serializers.UUIDField()
    stream = serializers.CharField()
    version = serializers.IntegerField()
    type = serializers.CharField()
    schema_version = serializers.IntegerField()
    time = serializers.DateTimeField()
    data = serializers.DictField()  # type: ignore[assignment]
    metadata = serializers.DictField(help_text="Without analysts' identities unless you are an analyst")
    hash = serializers.CharField(allow_null=True, help_text="The hash chain link; analysts only")


class HeadSerializer(serializers.Serializer):
    position = serializers.IntegerField(help_text="The log's last position (0 when empty)")
    hash = serializers.CharField(
        help_text="That event's chain hash, sealed (sha256 of it): record it with the position to witness the log"
    )


def head_row(head: Any) -> dict[str, Any]:
    """The log's head as the feeds publish it (and as `verify_log --expect-head POSITION:HASH` takes it)."""
    return {"position": head.position, "hash": head.hash}


class ChangePageSerializer(serializers.Serializer):
    results = ChangeSerializer(many=True)
    next_after = serializers.IntegerField(help_text="Ask ?after= this next")
    last_position = serializers.IntegerField()
    head = HeadSerializer(help_text="The head this answer was read at; also in the Log-Head header")
    next = serializers.URLField(allow_null=True)


class FeedEntrySerializer(serializers.Serializer):
    development = serializers.UUIDField()
    url = serializers.URLField()
    version = serializers.IntegerField()
    position = serializers.IntegerField()
    event_type = serializers.CharField()
    changed_at = serializers.DateTimeField()
    title = serializers.CharField()
    display_date = serializers.CharField()
    category = serializers.CharField()
    status = serializers.ChoiceField(choices=STATUSES)
    change = serializers.DictField()
    reason = serializers.CharField(allow_blank=True)


class FeedSerializer(serializers.Serializer):
    results = FeedEntrySerializer(many=True)
    head = HeadSerializer(help_text="The head this answer was read at; also in the Log-Head header")


class ApiRootSerializer(serializers.Serializer):
    developments = serializers.URLField()
    developments_feed = serializers.URLField()
    timelines = serializers.URLField()
    changes = serializers.URLField()
    feed = serializers.URLField()
    schema = serializers.URLField()
    docs = serializers.URLField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current_version = serializers.IntegerField()
    current = DevelopmentSerializer()


# --- writes: shapes only; the services judge the values ---------------------------------------------------


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo is an error rather than silently ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
            if not isinstance(data, QueryDict):
                _refuse_wrong_json_types(self.fields, data)
        return super().to_internal_value(data)


# JSON carries types, and the schema states them: a number where text belongs (or text where a number does) is
# refused rather than converted, as DRF's fields would. Forms carry only text, so they keep DRF's conversions.
_JSON_TYPES: tuple[tuple[type, type | tuple[type, ...], str], ...] = (
    (serializers.BooleanField, bool, "Must be true or false."),
    (serializers.IntegerField, int, "Must be a whole number."),
    (serializers.CharField, str, "Must be text."),
    (serializers.ChoiceField, str, "Must be one of the choices, as text."),
)


def _json_type_error(field: Any, value: Any) -> str | None:
    for kind, types, message in _JSON_TYPES:
        if isinstance(field, kind):
            wrong = not isinstance(value, types) or (kind is serializers.IntegerField and isinstance(value, bool))
            if wrong:
                return message
            # The schema's maxLength counts the text as sent; DRF would count it after trimming the whitespace.
            limit = getattr(field, "max_length", None) if isinstance(field, serializers.CharField) else None
            if limit is not None and len(value) > limit:
                return f"Ensure this field has no more than {limit} characters."
            return None
    return None


def _refuse_wrong_json_types(fields: Any, data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    for name, field in fields.items():
        value = data.get(name)
        if value is None:
            continue
        if isinstance(field, serializers.ListField) and isinstance(value, list):
            messages = {_json_type_error(field.child, item) for item in value} - {None}
            if messages:
                errors[name] = [f"Each item: {message}" for message in sorted(str(m) for m in messages)]
        elif (message := _json_type_error(field, value)) is not None:
            errors[name] = [message]
    if errors:
        raise serializers.ValidationError(errors)


class CitationInputSerializer(StrictSerializer):
    url = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    title = serializers.CharField(max_length=500)
    publisher = serializers.CharField(required=False, allow_blank=True, max_length=200)
    author = serializers.CharField(required=False, allow_blank=True, max_length=200)
    published = serializers.CharField(required=False, allow_blank=True, max_length=64, help_text="EDTF")
    locator = serializers.CharField(required=False, allow_blank=True, max_length=200)
    excerpt = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    claim = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    reliability = serializers.ChoiceField(choices=list(RELIABILITY))
    credibility = serializers.ChoiceField(choices=list(CREDIBILITY))
    grading_note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class CitationCreateSerializer(CitationInputSerializer):
    expected_version = serializers.IntegerField(required=False, min_value=0)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class MediaInputSerializer(StrictSerializer):
    url = serializers.CharField(max_length=1000)
    caption = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    credit = serializers.CharField(required=False, allow_blank=True, max_length=300)


class DevelopmentCreateSerializer(StrictSerializer):
    title = serializers.CharField(max_length=300)
    date = serializers.CharField(max_length=64, help_text="EDTF: 2022-10-07, 2023-10, 2024-36 (Q4), 2022-07~")
    category = serializers.ChoiceField(choices=Category.choices)
    kind = serializers.ChoiceField(choices=Kind.choices)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    entities = serializers.ListField(child=serializers.CharField(max_length=200), required=False, max_length=100)
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=50)
    disputed = serializers.BooleanField(required=False)
    media = MediaInputSerializer(required=False, allow_null=True)
    citations = CitationInputSerializer(many=True, required=False, max_length=50)  # type: ignore[call-arg]
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class DevelopmentReviseSerializer(StrictSerializer):
    title = serializers.CharField(required=False, max_length=300)
    date = serializers.CharField(required=False, max_length=64)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    entities = serializers.ListField(child=serializers.CharField(max_length=200), required=False, max_length=100)
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=50)
    disputed = serializers.BooleanField(required=False)
    media = MediaInputSerializer(required=False, allow_null=True)
    expected_version = serializers.IntegerField(
        required=False, min_value=0, help_text="The version you read (or send If-Match)"
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RetractSerializer(StrictSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    expected_version = serializers.IntegerField(required=False, min_value=0)


class LinkCreateSerializer(StrictSerializer):
    relation = serializers.CharField(
        max_length=20, help_text="responds_to, amends, supersedes, follows_from, contradicts"
    )
    target = serializers.CharField(max_length=64, help_text="The id of the development linked to")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    expected_version = serializers.IntegerField(required=False, min_value=0)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
