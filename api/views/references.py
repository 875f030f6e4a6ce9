"""What a development refers to: its citations (sources, graded) and its links to other developments."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as s
from api.views.developments import (
    IDEMPOTENCY_HEADER,
    IF_MATCH_HEADER,
    REASON_REQUIRED,
    WRITE_ERRORS,
    DevelopmentResource,
)
from timeline import services


def _created(response: Response) -> Response:
    """A new citation or link answers 201 Created (its replay too); a conflict or error keeps its status."""
    if response.status_code == status.HTTP_200_OK:
        response.status_code = status.HTTP_201_CREATED
    return response


class DevelopmentCitationsView(DevelopmentResource):
    @extend_schema(
        summary="Cite a source for a development, with its Admiralty grading",
        request=s.CitationCreateSerializer,
        parameters=[IF_MATCH_HEADER, IDEMPOTENCY_HEADER],
        responses={201: s.DevelopmentSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        self._current(pk)
        body = s.CitationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        citation = dict(body.validated_data)
        reason = citation.pop("reason", "")
        expected = self.expected_version(citation.pop("expected_version", None), required=False)
        return _created(
            self._write(
                "CitationAdded",
                pk,
                lambda event_id: services.citation_add(
                    development_id=pk,
                    citation=citation,
                    expected_version=expected,
                    actor=self.actor(),
                    reason=reason,
                    event_id=event_id,
                    request_hash=self.request_hash,
                ),
            )
        )


class DevelopmentLinksView(DevelopmentResource):
    @extend_schema(
        summary="Link a development to another: responds_to, amends, supersedes, follows_from, contradicts",
        request=s.LinkCreateSerializer,
        parameters=[IF_MATCH_HEADER, IDEMPOTENCY_HEADER],
        responses={201: s.DevelopmentSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        self._current(pk)
        body = s.LinkCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        expected = self.expected_version(fields.pop("expected_version", None), required=False)
        return _created(
            self._write(
                "DevelopmentLinked",
                pk,
                lambda event_id: services.development_link(
                    development_id=pk,
                    relation=fields["relation"],
                    target_id=fields["target"],
                    note=fields.get("note", ""),
                    expected_version=expected,
                    actor=self.actor(),
                    reason=fields.get("reason", ""),
                    event_id=event_id,
                    request_hash=self.request_hash,
                ),
            )
        )


class DevelopmentLinkDetailView(DevelopmentResource):
    @extend_schema(
        summary="Remove a development's link (the log keeps it; as_of answers before now still show it)",
        request=s.RetractSerializer,
        parameters=[REASON_REQUIRED, IF_MATCH_HEADER],
        responses={200: s.DevelopmentSerializer, **WRITE_ERRORS},
    )
    def delete(self, request: Request, pk: str, link_id: str) -> Response:
        self._current(pk)
        body = s.RetractSerializer(data=request.data if isinstance(request.data, dict) else {})
        body.is_valid(raise_exception=True)
        reason = self.reason(body.validated_data.get("reason"))
        expected = self.expected_version(body.validated_data.get("expected_version"), required=False)
        try:
            return self._unlink(pk, link_id, reason, expected)
        except DjangoValidationError as error:
            # The address names a link the development does not have: a 404, as for any missing resource.
            if getattr(error, "error_dict", {}).keys() == {"link_id"}:
                raise Http404("The development has no such link.") from error
            raise

    def _unlink(self, pk: str, link_id: str, reason: str, expected: int | None) -> Response:
        return self._write(
            "DevelopmentUnlinked",
            pk,
            lambda event_id: services.development_unlink(
                development_id=pk,
                link_id=link_id,
                reason=reason,
                expected_version=expected,
                actor=self.actor(),
                event_id=event_id,
                request_hash=self.request_hash,
            ),
        )
