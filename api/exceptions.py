"""Errors as API answers: field errors for bad input (400), 409 for a stale version, 428 for a missing one."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from timeline.selectors import SelectorError


class PreconditionRequiredError(exceptions.APIException):
    status_code = 428
    default_detail = "Send the version you read (If-Match header or expected_version)."
    default_code = "precondition_required"


class IdempotencyKeyReusedError(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used for a different request."
    default_code = "idempotency_key_reused"


def field_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ValidationError from a service as {field: [messages]}."""
    if hasattr(error, "error_dict"):
        return {name: [str(m) for m in messages] for name, messages in error.message_dict.items()}
    return {"non_field_errors": [str(m) for m in error.messages]}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus the domain's errors turned into 400s with field errors."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(field_errors(exc))
    elif isinstance(exc, SelectorError):
        exc = exceptions.ValidationError({exc.field_name: [exc.message]})
    return exception_handler(exc, context)
