"""/api/entities/: who is who. The list (by any name in any language, type, country, Entity List status), one
entity (now or as_of), its developments (every filter of /api/developments/), and the analysts' writes."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api import entity_serializers as es
from api import serializers as s
from api.exceptions import IdempotencyKeyReusedError, form_errors
from api.filters import AS_OF_SCHEMA, AsOfField, DevelopmentFilterSet, StrictBooleanField
from api.renderers import EntitySTIXRenderer
from api.schema import COUNTRY
from api.views.base import ApiView, created
from api.views.developments import (
    ERRORS,
    IDEMPOTENCY_HEADER,
    IF_MATCH_HEADER,
    IF_MATCH_REQUIRED,
    JSON,
    NOT_FOUND,
    NOT_MODIFIED,
    WRITE_ERRORS,
    TimelineReadMixin,
    format_responses,
)
from events.store import ConcurrencyError, IdempotencyConflictError
from timeline import selectors, services
from timeline.taxonomy import EntityType

# A stale version, or a change the entity's (relationship's) state rules out: a 409 with the current one.
ENTITY_WRITE_ERRORS: dict[Any, Any] = {
    **WRITE_ERRORS,
    (404, JSON): OpenApiResponse(s.ErrorSerializer, description="No such entity"),
    (409, JSON): OpenApiResponse(
        es.EntityConflictSerializer,
        description="Stale version, or a change the entity's state rules out (merging it twice, unmerging an "
        "entity that is not merged): the body holds the current entity",
    ),
}


class EntityListForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, help_text="A part of any of its names, in any language.")
    type = forms.ChoiceField(required=False, choices=[("", ""), *EntityType.choices])
    country = forms.RegexField(
        required=False, regex=r"^[A-Za-z]{2}$", error_messages={"invalid": "A two-letter ISO 3166 code, e.g. CN."}
    )
    listed = StrictBooleanField(required=False)


class EntityAsOfForm(forms.Form):
    as_of = AsOfField(required=False)


# ?format=stix (or Accept: application/stix+json): the entities as a STIX 2.1 bundle (interop.stix_entities).
ENTITY_RENDERERS = [JSONRenderer, EntitySTIXRenderer]
STIX_ENTITIES = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="A STIX 2.1 bundle: an identity (or, for a country, a location) per entity, and the "
    "relationships between them as relationship objects",
)


def _entity_or_404(entity_id: str) -> Any:
    entity = selectors.entity_get(entity_id)
    if entity is None:
        raise Http404("No such entity.")
    return entity


class EntityListView(ApiView):
    renderer_classes = ENTITY_RENDERERS

    @extend_schema(
        operation_id="entities_list",
        summary="Entities: companies, labs, government bodies, people, fabs, products, countries",
        parameters=[
            OpenApiParameter(
                "q", {"type": "string", "maxLength": 200}, description="A part of any of its names, in any language."
            ),
            OpenApiParameter("type", str, enum=list(EntityType.values)),
            OpenApiParameter(
                "country", {"type": "string", "pattern": COUNTRY}, description="ISO 3166-1 alpha-2, e.g. CN"
            ),
            OpenApiParameter("listed", bool, description="On the Entity List as its developments say"),
        ],
        responses={
            (200, JSON): es.EntityListSerializer,
            (200, EntitySTIXRenderer.media_type): STIX_ENTITIES,
            304: NOT_MODIFIED,
            **ERRORS,
        },
    )
    def get(self, request: Request) -> Response:
        form = EntityListForm(request.query_params)
        if not form.is_valid():
            raise form_errors(form.errors)
        data = form.cleaned_data
        validators = self.conditional(None)
        if (unchanged := self.not_modified(validators)) is not None:
            return unchanged
        entities = selectors.entities_filtered(
            text=data["q"], entity_type=data["type"], country=data["country"], listed=data["listed"]
        )
        base_url = self.base_url()
        rows = [es.entity_row(entity, base_url=base_url) for entity in entities]
        return self.answer({"count": len(rows), "results": rows}, validators)

    @extend_schema(
        summary="Register an entity",
        request=es.EntityCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: es.EntitySerializer, **ENTITY_WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        body = es.EntityCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        event_id = self.idempotency_event_id()
        replayed = event_id is not None and selectors.entity_get(fields["id"]) is not None
        try:
            entity = services.entity_register(
                entity_id=fields["id"],
                name=fields["name"],
                entity_type=fields["entity_type"],
                aliases=[dict(alias) for alias in fields.get("aliases", [])],
                country=fields.get("country", ""),
                description=fields.get("description", ""),
                identifiers=dict(fields.get("identifiers") or {}),
                actor=self.actor(),
                reason=fields.get("reason", ""),
                event_id=event_id,
                request_hash=self.request_hash,
            )
        except IdempotencyConflictError as error:
            raise IdempotencyKeyReusedError() from error
        row = es.entity_row(entity, base_url=self.base_url())
        return created(row, row["url"], replayed=replayed)


class EntityDetailView(ApiView):
    renderer_classes = ENTITY_RENDERERS

    @extend_schema(
        summary="One entity (or what it was as_of a time or position), with its Entity List status",
        parameters=[OpenApiParameter("as_of", AS_OF_SCHEMA, description="A log position or an ISO time")],
        responses={
            (200, JSON): es.EntitySerializer,
            (200, EntitySTIXRenderer.media_type): STIX_ENTITIES,
            304: NOT_MODIFIED,
            (404, JSON): NOT_FOUND,
            **ERRORS,
        },
    )
    def get(self, request: Request, pk: str) -> Response:
        form = EntityAsOfForm(request.query_params)
        if not form.is_valid():
            raise form_errors(form.errors)
        entity = _entity_or_404(pk)
        position = selectors.resolve_as_of(form.cleaned_data["as_of"])
        listing = selectors.entity_listing_status(entity.pk)
        if position is None:
            row = es.entity_row(entity, base_url=self.base_url(), listing=listing)
            row["name_clashes"] = selectors.entity_name_clashes(entity.pk)
            row["relationships"] = [
                es.relationship_row(relationship, base_url=self.base_url())
                for relationship in selectors.entity_relationships(entity.pk)
            ]
        else:
            then = selectors.entity_as_of(entity.pk, position)
            if then is None:
                raise Http404("The entity was not registered at that position.")
            row = es.entity_state_row(
                then.state, version=then.version, position=then.position, base_url=self.base_url(), listing=None
            )
        validators = self.conditional(position, prefix=f"v{row['version']}-")
        if (unchanged := self.not_modified(validators)) is not None:
            return unchanged
        return self.answer(row, validators)

    @extend_schema(
        summary="Revise an entity (needs the version you read)",
        request=es.EntityReviseSerializer,
        parameters=[IF_MATCH_REQUIRED, IDEMPOTENCY_HEADER],
        responses={
            200: es.EntitySerializer,
            (428, JSON): OpenApiResponse(s.ErrorSerializer, description="No version sent"),
            **ENTITY_WRITE_ERRORS,
        },
    )
    def patch(self, request: Request, pk: str) -> Response:
        entity = _entity_or_404(pk)
        body = es.EntityReviseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        reason = changes.pop("reason", "")
        expected = self.expected_version(changes.pop("expected_version", None), required=True)
        if "aliases" in changes:
            changes["aliases"] = [dict(alias) for alias in changes["aliases"]]
        if "identifiers" in changes:
            changes["identifiers"] = dict(changes["identifiers"])
        try:
            entity = services.entity_revise(
                entity_id=entity.pk,
                changes=changes,
                expected_version=expected,
                actor=self.actor(),
                reason=reason,
                event_id=self.idempotency_event_id(),
                request_hash=self.request_hash,
            )
        except ConcurrencyError as error:
            current = _entity_or_404(pk)
            return Response(
                {
                    "detail": f"The entity is at version {error.actual}, not {error.expected}: "
                    "read it again and resend your change.",
                    "current_version": error.actual,
                    "current": es.entity_row(current, base_url=self.base_url()),
                },
                status=status.HTTP_409_CONFLICT,
            )
        except IdempotencyConflictError as error:
            raise IdempotencyKeyReusedError() from error
        return Response(es.entity_row(entity, base_url=self.base_url()))


class EntityDevelopmentFilterSet(DevelopmentFilterSet):
    """The filters of /api/developments/, with the entity the path names."""

    def timeline_filters(self, *, check_as_of: bool = True) -> selectors.TimelineFilters:
        filters = super().timeline_filters(check_as_of=check_as_of)
        assert self.request is not None and self.request.resolver_match is not None
        return dataclasses.replace(filters, entity="", entity_id=str(self.request.resolver_match.kwargs["pk"]))


class EntityDevelopmentsView(TimelineReadMixin):
    filterset_class = EntityDevelopmentFilterSet

    def get_download_name(self) -> str:
        return f"entity-{self.kwargs['pk']}"

    @extend_schema(
        operation_id="entity_developments",
        summary="The entity's developments: every filter and format of /api/developments/, as_of too",
        responses={**format_responses(s.PageSerializer), 404: s.ErrorSerializer},
    )
    def get(self, request: Request, pk: str) -> Response:
        _entity_or_404(pk)
        return self.page()


class GraphForm(forms.Form):
    depth = forms.IntegerField(required=False, min_value=1, max_value=selectors.MAX_GRAPH_DEPTH)


class EntityGraphView(ApiView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary="The entities within `depth` relationships of this one, and the typed edges between them",
        parameters=[
            OpenApiParameter(
                "depth",
                {"type": "integer", "minimum": 1, "maximum": selectors.MAX_GRAPH_DEPTH},
                description=f"1 to {selectors.MAX_GRAPH_DEPTH} (default 2)",
            )
        ],
        responses={200: es.GraphSerializer, 304: NOT_MODIFIED, 404: s.ErrorSerializer, **ERRORS},
    )
    def get(self, request: Request, pk: str) -> Response:
        form = GraphForm(request.query_params)
        if not form.is_valid():
            raise form_errors(form.errors)
        entity = _entity_or_404(pk)
        validators = self.conditional(None)
        if (unchanged := self.not_modified(validators)) is not None:
            return unchanged
        graph = selectors.entity_graph(entity.pk, form.cleaned_data["depth"] or 2)
        return self.answer(es.graph_row(graph, base_url=self.base_url()), validators)


class EntityMergeView(ApiView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary="Merge this entity into another (the same actor); undo with unmerge",
        request=es.EntityMergeSerializer,
        parameters=[IF_MATCH_HEADER],
        responses={200: es.EntitySerializer, **ENTITY_WRITE_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        _entity_or_404(pk)
        body = es.EntityMergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = body.validated_data
        expected = self.expected_version(fields.get("expected_version"), required=False)
        return _entity_write(
            self,
            pk,
            lambda: services.entity_merge(
                entity_id=pk,
                into_id=fields["into"],
                expected_version=expected,
                actor=self.actor(),
                reason=fields.get("reason", ""),
                event_id=self.idempotency_event_id(),
                request_hash=self.request_hash,
            ),
        )


class EntityUnmergeView(ApiView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary="Undo a merge: the entity is an actor of its own again",
        request=es.EntityUnmergeSerializer,
        parameters=[IF_MATCH_HEADER],
        responses={200: es.EntitySerializer, **ENTITY_WRITE_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        _entity_or_404(pk)
        body = es.EntityUnmergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = body.validated_data
        expected = self.expected_version(fields.get("expected_version"), required=False)
        return _entity_write(
            self,
            pk,
            lambda: services.entity_unmerge(
                entity_id=pk,
                reason=fields["reason"],
                expected_version=expected,
                actor=self.actor(),
                event_id=self.idempotency_event_id(),
                request_hash=self.request_hash,
            ),
        )


def _entity_write(view: ApiView, pk: str, command: Callable[[], Any]) -> Response:
    """Run an entity command: a stale version is a 409 with the current entity."""
    try:
        entity = command()
    except ConcurrencyError as error:
        return Response(
            {
                "detail": f"The entity is at version {error.actual}, not {error.expected}: read it again.",
                "current_version": error.actual,
                "current": es.entity_row(_entity_or_404(pk), base_url=view.base_url()),
            },
            status=status.HTTP_409_CONFLICT,
        )
    except DjangoValidationError as error:
        if state_messages(error, key="entity") is None:
            raise
        current = _entity_or_404(pk)
        return Response(
            {
                "detail": state_messages(error, key="entity"),
                "current_version": current.version,
                "current": es.entity_row(current, base_url=view.base_url()),
            },
            status=status.HTTP_409_CONFLICT,
        )
    except IdempotencyConflictError as error:
        raise IdempotencyKeyReusedError() from error
    return Response(es.entity_row(entity, base_url=view.base_url()))


def state_messages(error: DjangoValidationError, *, key: str = "status") -> str | None:
    """The messages of an error about the resource's state alone (the one key the service files them under),
    which conflicts with the resource as it is, like a stale version; None for bad input (a 400)."""
    errors = getattr(error, "error_dict", {})
    return " ".join(error.message_dict[key]) if errors.keys() == {key} else None
