"""The history of an entity and of a relationship (every version, replayed from its own stream), and a
relationship's added citations. Who made a change is shown to analysts only, as in a development's history."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api import entity_serializers as es
from api import serializers as s
from api.exceptions import IdempotencyKeyReusedError
from api.serializers import StrictSerializer
from api.views.base import ApiView, created
from api.views.developments import ERRORS, IDEMPOTENCY_HEADER, IF_MATCH_HEADER, JSON, NOT_MODIFIED, WRITE_ERRORS
from events.store import ConcurrencyError, IdempotencyConflictError
from timeline import selectors, services
from timeline.taxonomy import RelationType

RELATIONSHIP_WRITE_ERRORS: dict[Any, Any] = {
    **WRITE_ERRORS,
    (404, JSON): OpenApiResponse(s.ErrorSerializer, description="No such relationship"),
    (409, JSON): OpenApiResponse(
        es.RelationshipConflictSerializer,
        description="Stale version, or the relationship is retracted already: the body holds the current one",
    ),
}


class EntityVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    position = serializers.IntegerField()
    recorded_at = serializers.DateTimeField()
    event_type = serializers.CharField()
    state = serializers.DictField(help_text="The entity as this event left it")
    reason = serializers.CharField(allow_blank=True)
    actor = serializers.CharField(allow_null=True, help_text="Who did it; shown to analysts only")


class EntityHistorySerializer(serializers.Serializer):
    entity = serializers.CharField()
    results = EntityVersionSerializer(many=True)


class RelationshipVersionSerializer(EntityVersionSerializer):
    state = serializers.DictField(help_text="The relationship as this event left it")
    change = serializers.DictField(help_text="What the event said: the fields recorded or corrected, a citation")


class RelationshipCorrectSerializer(StrictSerializer):
    relation = serializers.CharField(required=False, max_length=20, help_text=", ".join(RelationType.values))
    date = serializers.CharField(required=False, allow_blank=True, max_length=64, help_text="EDTF; empty: undated")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    expected_version = serializers.IntegerField(required=False, min_value=0)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RelationshipHistorySerializer(serializers.Serializer):
    relationship = serializers.UUIDField()
    results = RelationshipVersionSerializer(many=True)


def _version_row(version: Any, *, show_actor: bool) -> dict[str, Any]:
    return {
        "version": version.version,
        "position": version.position,
        "recorded_at": version.recorded_at.isoformat(),
        "event_type": version.event_type,
        "state": dict(version.state),
        "reason": version.reason,
        "actor": (version.actor or None) if show_actor else None,
    }


class EntityHistoryView(ApiView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary="An entity's versions in order: registered, revised, merged, unmerged; why (who, for analysts)",
        responses={200: EntityHistorySerializer, 304: NOT_MODIFIED, 404: s.ErrorSerializer, **ERRORS},
    )
    def get(self, request: Request, pk: str) -> Response:
        versions = selectors.entity_history(pk)
        if not versions:
            raise Http404("No such entity.")
        validators = self.conditional(None, prefix=f"v{versions[-1].version}-")
        if (unchanged := self.not_modified(validators)) is not None:
            return unchanged
        rows = [_version_row(version, show_actor=self.shows_identities) for version in versions]
        return self.answer({"entity": pk, "results": rows}, validators)


def _relationship_or_404(pk: str) -> Any:
    relationship = selectors.relationship_get(pk)
    if relationship is None:
        raise Http404("No such relationship.")
    return relationship


class RelationshipHistoryView(ApiView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary="A relationship's versions in order: recorded, corrected, cited, retracted; why (who, for analysts)",
        responses={200: RelationshipHistorySerializer, 304: NOT_MODIFIED, 404: s.ErrorSerializer, **ERRORS},
    )
    def get(self, request: Request, pk: str) -> Response:
        relationship = _relationship_or_404(pk)
        versions = selectors.relationship_history(str(relationship.pk))
        validators = self.conditional(None, prefix=f"v{versions[-1].version}-")
        if (unchanged := self.not_modified(validators)) is not None:
            return unchanged
        rows = [
            {**_version_row(version, show_actor=self.shows_identities), "change": version.data} for version in versions
        ]
        return self.answer({"relationship": str(relationship.pk), "results": rows}, validators)


class RelationshipCitationsView(ApiView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary="Cite a source for a relationship, with its Admiralty grading",
        request=s.CitationCreateSerializer,
        parameters=[IF_MATCH_HEADER, IDEMPOTENCY_HEADER],
        responses={201: es.RelationshipSerializer, **RELATIONSHIP_WRITE_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        relationship = _relationship_or_404(pk)
        body = s.CitationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        citation = dict(body.validated_data)
        reason = citation.pop("reason", "")
        expected = self.expected_version(citation.pop("expected_version", None), required=False)
        try:
            cited = services.relationship_cite(
                relationship_id=relationship.pk,
                citation=citation,
                expected_version=expected,
                actor=self.actor(),
                reason=reason,
                event_id=self.idempotency_event_id(),
                request_hash=self.request_hash,
            )
        except ConcurrencyError as error:
            return relationship_conflict(self, pk, error)
        except IdempotencyConflictError as error:
            raise IdempotencyKeyReusedError() from error
        row = es.relationship_row(cited, base_url=self.base_url())
        return created(row, row["url"], replayed=cited.replayed)


def relationship_conflict(view: ApiView, pk: str, error: ConcurrencyError) -> Response:
    """A stale write: 409 with the version the relationship is at and what it says now."""
    return Response(
        {
            "detail": f"The relationship is at version {error.actual}, not {error.expected}: read it again.",
            "current_version": error.actual,
            "current": es.relationship_row(_relationship_or_404(pk), base_url=view.base_url()),
        },
        status=status.HTTP_409_CONFLICT,
    )
