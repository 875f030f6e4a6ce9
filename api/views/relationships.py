"""/api/relationships/: typed, dated relationships between entities, recorded, corrected and retracted by
analysts (their history and citations: api.views.entity_history)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api import entity_serializers as es
from api import serializers as s
from api.exceptions import IdempotencyKeyReusedError
from api.views.base import ApiView, created
from api.views.developments import (
    ERRORS,
    IDEMPOTENCY_HEADER,
    IF_MATCH_HEADER,
    IF_MATCH_REQUIRED,
    JSON,
    REASON_REQUIRED,
)
from api.views.entities import state_messages
from api.views.entity_history import RELATIONSHIP_WRITE_ERRORS, RelationshipCorrectSerializer, relationship_conflict
from events.store import ConcurrencyError, IdempotencyConflictError
from timeline import selectors, services


class RelationshipListView(ApiView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary="Record a typed, dated relationship between two entities, with graded citations",
        request=es.RelationshipCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: es.RelationshipSerializer, **RELATIONSHIP_WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        body = es.RelationshipCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        try:
            relationship = services.relationship_record(
                source=fields["source"],
                relation=fields["relation"],
                target=fields["target"],
                date=fields.get("date", ""),
                note=fields.get("note", ""),
                citations=[dict(c) for c in fields.get("citations", [])],
                actor=self.actor(),
                reason=fields.get("reason", ""),
                event_id=self.idempotency_event_id(),
                request_hash=self.request_hash,
            )
        except IdempotencyConflictError as error:
            raise IdempotencyKeyReusedError() from error
        row = es.relationship_row(relationship, base_url=self.base_url())
        return created(row, row["url"], replayed=relationship.replayed)


class RelationshipDetailView(ApiView):
    renderer_classes = [JSONRenderer]

    def _current(self, pk: str) -> Any:
        relationship = selectors.relationship_get(pk)
        if relationship is None:
            raise Http404("No such relationship.")
        return relationship

    @extend_schema(
        summary="One relationship with its citations",
        responses={200: es.RelationshipSerializer, 404: s.ErrorSerializer, **ERRORS},
    )
    def get(self, request: Request, pk: str) -> Response:
        return Response(es.relationship_row(self._current(pk), base_url=self.base_url()))

    @extend_schema(
        summary="Retract a relationship (it stays in the log)",
        request=s.RetractSerializer,
        parameters=[REASON_REQUIRED, IF_MATCH_HEADER],
        responses={200: es.RelationshipSerializer, **RELATIONSHIP_WRITE_ERRORS},
    )
    def delete(self, request: Request, pk: str) -> Response:
        relationship = self._current(pk)
        body = s.RetractSerializer(data=request.data if isinstance(request.data, dict) else {})
        body.is_valid(raise_exception=True)
        reason = self.reason(body.validated_data.get("reason"))
        expected = self.expected_version(body.validated_data.get("expected_version"), required=False)
        try:
            relationship = services.relationship_retract(
                relationship_id=relationship.pk,
                reason=reason,
                expected_version=expected,
                actor=self.actor(),
                event_id=self.idempotency_event_id(),
                request_hash=self.request_hash,
            )
        except ConcurrencyError as error:
            return relationship_conflict(self, pk, error)
        except DjangoValidationError as error:
            if state_messages(error) is None:
                raise
            current = self._current(pk)
            return Response(
                {
                    "detail": state_messages(error),
                    "current_version": current.version,
                    "current": es.relationship_row(current, base_url=self.base_url()),
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(es.relationship_row(relationship, base_url=self.base_url()))

    @extend_schema(
        summary="Correct a relationship's type, date or note (needs the version you read; the old one stays)",
        request=RelationshipCorrectSerializer,
        parameters=[IF_MATCH_REQUIRED, IDEMPOTENCY_HEADER],
        responses={
            200: es.RelationshipSerializer,
            **RELATIONSHIP_WRITE_ERRORS,
            (428, JSON): OpenApiResponse(s.ErrorSerializer, description="No version sent"),
        },
    )
    def patch(self, request: Request, pk: str) -> Response:
        relationship = self._current(pk)
        body = RelationshipCorrectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        reason = changes.pop("reason", "")
        expected = self.expected_version(changes.pop("expected_version", None), required=True)
        try:
            corrected = services.relationship_correct(
                relationship_id=relationship.pk,
                changes=changes,
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
        response = Response(es.relationship_row(corrected, base_url=self.base_url()))
        if corrected.replayed:
            response["Idempotent-Replayed"] = "true"
        return response
