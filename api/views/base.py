"""What every API view shares: permissions, throttles, error answers, format negotiation, conditional GET."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import Any

from django.http import Http404
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.metadata import SimpleMetadata
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api import conditional as cond
from api import response_cache
from api.exceptions import api_exception_handler
from api.parsers import BoundedJSONParser
from api.permissions import IsAnalystOrReadOnly
from api.throttling import AnonThrottle, UserThrottle, refusals
from timeline import selectors
from timeline.roles import is_analyst
from timeline.selectors import log_state

# Any fixed namespace: Idempotency-Key event ids only need to be the same for the same (user, key).
IDEMPOTENCY_NAMESPACE = uuid.UUID("6c3f0a3e-2a55-4c8e-9a53-6d1f4c1b7e21")
_IF_MATCH_VERSION = re.compile(r'^(?:W/)?"?v?(\d+)(?:[-"]|$)')


class ResourceMetadata(SimpleMetadata):
    """OPTIONS: name, description, formats. The request shapes are in /api/schema/, not repeated here."""

    def determine_metadata(self, request: Request, view: Any) -> dict[str, Any]:
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
            "schema": "/api/schema/",
        }


class ReadSchema(AutoSchema):
    """Documents filters and pagination on every GET that has them, not only on DRF's 'list' views."""

    def get_filter_backends(self) -> list[Any]:
        return list(getattr(self.view, "filter_backends", [])) if self.method == "GET" else []

    def _get_pagination_parameters(self) -> list[dict[str, Any]]:
        paginator = self._get_paginator()
        if self.method != "GET" or paginator is None:
            return []
        return list(paginator.get_schema_operation_parameters(self.view))

    def get_auth(self) -> list[dict[str, list[str]]]:
        # Reads are open to anyone (api.permissions): the empty requirement says so; writes need a token.
        auths = list(super().get_auth())
        return [*auths, {}] if self.method in SAFE_METHODS else auths


# Query parameters that may be repeated (?category=a&category=b); any other given twice is refused, as the
# schema declares it a single value.
REPEATABLE_PARAMETERS = frozenset({"category", "kind", "entity"})
# Query parameters whose empty value means "no filter"; any other given empty (?format=, ?as_of=) is refused:
# the schema gives it a type, an enum or a pattern that "" does not meet.
FREE_TEXT_PARAMETERS = frozenset({"q", "entity", "tag", "timeline", "cursor", "reason"})


def check_query_shape(request: Request) -> None:
    """A 400 naming each query parameter that is repeated, or empty, where the schema wants one value."""
    errors: dict[str, list[str]] = {}
    for name, values in request.query_params.lists():
        if len(values) > 1 and name not in REPEATABLE_PARAMETERS:
            errors[name] = [f"{name} takes one value; it was given {len(values)} times."]
        elif name not in FREE_TEXT_PARAMETERS and any(not value.strip() for value in values):
            errors[name] = [f"{name} was given without a value; leave it out or give one."]
    if errors:
        raise exceptions.ValidationError(errors)


class ApiView(GenericAPIView):
    permission_classes = [IsAnalystOrReadOnly]
    throttle_classes = [AnonThrottle, UserThrottle]
    # JSON with a size cap and a nesting guard (api.parsers); forms as DRF parses them, under Django's own caps.
    parser_classes: list[type[BaseParser]] = [BoundedJSONParser, FormParser, MultiPartParser]
    renderer_classes: list[type[BaseRenderer]] = [JSONRenderer]
    schema = ReadSchema()
    metadata_class = ResourceMetadata

    def get_exception_handler(self) -> Callable[..., Response | None]:
        return api_exception_handler

    def get_renderers(self) -> list[BaseRenderer]:
        # The formats are the reads': a write answers what it made in JSON (the schema says so), whatever ?format=.
        if self.request is not None and self.request.method not in ("GET", "HEAD", "OPTIONS"):
            return [JSONRenderer()]
        return super().get_renderers()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        check_query_shape(request)

    def check_throttles(self, request: Request) -> None:
        # DRF's asks each throttle in turn; these count the request in all of their windows at once.
        if waits := refusals(request, self, self.get_throttles()):
            self.throttled(request, max(waits))

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        try:
            return super().perform_content_negotiation(request, force)
        except Http404 as error:
            # DRF answers an unknown ?format= with 404; it is a bad parameter, so say which ones exist.
            formats = ", ".join(renderer.format for renderer in self.get_renderers())
            raise exceptions.ValidationError(
                {"format": [f"Unknown format; this resource speaks: {formats}."]}
            ) from error

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        # Errors are always JSON, whatever format the caller asked the data in.
        if isinstance(response, Response) and response.status_code >= 400:
            renderer = getattr(request, "accepted_renderer", None)
            if renderer is None or renderer.format != "json":
                request.accepted_renderer = JSONRenderer()
                request.accepted_media_type = JSONRenderer.media_type
        finalized = super().finalize_response(request, response, *args, **kwargs)
        # Only the view knows whom it answered: the response cache keeps nothing it did not mark.
        response_cache.shareable(request, finalized)
        return finalized

    # --- helpers shared by the resources ---

    def base_url(self) -> str:
        return self.request.build_absolute_uri("/").rstrip("/")

    @property
    def shows_identities(self) -> bool:
        return is_analyst(self.request.user)

    @property
    def sees_staff_only(self) -> bool:
        """Whether the caller may read the staff-only parts of the log (the review queue): analysts only."""
        return is_analyst(self.request.user)

    def conditional(
        self, position: int | None, *, prefix: str = "", state: tuple[int, datetime | None] | None = None
    ) -> cond.Validators:
        """ETag and Last-Modified for an answer that depends on the log up to `position` (None: all of it).
        `state`: log_state(position), when the caller has read it along with something else."""
        head, recorded_at = state if state is not None else log_state(position)
        return cond.validators(self.request, head, recorded_at, prefix=prefix)

    def mark_conditional(
        self, mark: selectors.DevelopmentMark, recorded_at: datetime | None, *, prefix: str = ""
    ) -> cond.Validators:
        """ETag and Last-Modified for an answer about one development that depends on its mark, not the head.

        `recorded_at` is for Last-Modified: no earlier than any change the answer shows (a link removed leaves
        the mark's own position older than the removal, so the detail gives the head's time)."""
        return cond.validators(self.request, mark.position, recorded_at, prefix=prefix, state=f"links={mark.links_in}")

    def answer_on_mark(
        self, data: Any, validators: cond.Validators, mark: selectors.DevelopmentMark, scope: str
    ) -> Response:
        """The answer, kept by the response cache while the development's mark stays (`mark` read before `data`)."""
        response = self.answer(data, validators)
        response_cache.depends_on(response, scope, mark.token)
        return response

    def answer(self, data: Any, validators: cond.Validators, **kwargs: Any) -> Response:
        response = Response(data, **kwargs)
        return cond.decorate(response, validators, private=self.shows_identities)

    def not_modified(self, validators: cond.Validators) -> Response | None:
        if cond.is_not_modified(self.request, validators):
            return cond.not_modified_response(validators, private=self.shows_identities)
        return None

    # --- writes ---

    def idempotency_event_id(self) -> uuid.UUID | None:
        """The event id a write gets from its Idempotency-Key: the same (user, key) always gives the same id."""
        key = self.request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return None
        if len(key) > 255:
            raise exceptions.ValidationError({"Idempotency-Key": ["At most 255 characters."]})
        return uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{self.request.user.pk}:{key}")

    @cached_property
    def request_hash(self) -> str:
        """With an Idempotency-Key, what a retry must repeat for the key to replay the first answer: method, path,
        query, If-Match and body (JSON keys in any order). Stored with the event; "" without a key."""
        request = self.request
        if not request.headers.get("Idempotency-Key", "").strip():
            return ""
        data = request.data
        body = dict(data.lists()) if hasattr(data, "lists") else data
        described = [
            request.method,
            request.path,
            sorted(request.query_params.lists()),
            request.headers.get("If-Match", ""),
            body,
        ]
        return hashlib.sha256(json.dumps(described, sort_keys=True, default=str).encode()).hexdigest()

    def reason(self, body_reason: str | None) -> str:
        """Why, for a retraction or a removal: from the body, else ?reason=. A NUL is refused there as DRF's
        fields refuse it in a body (PostgreSQL stores none)."""
        reason = body_reason or self.request.query_params.get("reason", "")
        if "\x00" in reason:
            raise exceptions.ValidationError({"reason": ["Null characters are not allowed."]})
        return reason

    def expected_version(self, body_value: int | None, *, required: bool) -> int | None:
        """The version the caller read: expected_version in the body, else If-Match ("v3-..." or "3").

        A malformed If-Match is a 400 even beside a version in the body: the schema's pattern says so, and a
        header that names no version is a client's mistake worth telling, not something to ignore."""
        header = self.request.headers.get("If-Match")
        from_header: int | None = None
        if header is not None:  # sent empty, it names no version: a 400, as the schema's pattern says
            match = _IF_MATCH_VERSION.match(header.strip())
            if match is None:
                raise exceptions.ValidationError(
                    {"If-Match": ["Send the ETag of the development you read, or its version number."]}
                )
            from_header = int(match.group(1))
        if body_value is not None:
            return body_value
        if from_header is not None:
            return from_header
        if required:
            from api.exceptions import PreconditionRequiredError

            raise PreconditionRequiredError()
        return None

    def actor(self) -> str:
        return str(self.request.user.get_username())


def created(data: Any, location: str, *, replayed: bool) -> Response:
    response = Response(data, status=status.HTTP_201_CREATED, headers={"Location": location})
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response
