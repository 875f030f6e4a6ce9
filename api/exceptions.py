"""Errors as API answers: field errors for bad input (400), 409 for a stale version, 428 for a missing one,
503 when the database cannot be reached, is read-only or is full (never a 500 with a traceback)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.forms.utils import ErrorDict
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from config.unavailable import DATABASE_RETRY_AFTER, database_problem
from timeline.selectors import SelectorError

logger = logging.getLogger(__name__)


class PreconditionRequiredError(exceptions.APIException):
    status_code = 428
    default_detail = "Send the version you read (If-Match header or expected_version)."
    default_code = "precondition_required"


class IdempotencyKeyReusedError(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used for a different request."
    default_code = "idempotency_key_reused"


class DatabaseUnavailableError(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The database is unavailable; nothing was changed. Try again shortly."
    default_code = "database_unavailable"


def field_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ValidationError from a service as {field: [messages]}."""
    if hasattr(error, "error_dict"):
        return {name: [str(m) for m in messages] for name, messages in error.message_dict.items()}
    return {"non_field_errors": [str(m) for m in error.messages]}


def form_errors(errors: ErrorDict) -> exceptions.ValidationError:
    """A form's errors as a 400 with field errors.

    Instead of django-filter's translate_validation, which applies `message % params` again to messages that
    were never templates: a caller's own '%' in an echoed value (?entity=%25x) then raised TypeError, a 500.
    """
    return exceptions.ValidationError(
        {field: [item["message"] for item in items] for field, items in errors.get_json_data().items()}
    )


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus the domain's errors turned into 400s with field errors."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(field_errors(exc))
    elif isinstance(exc, SelectorError):
        exc = exceptions.ValidationError({exc.field_name: [exc.message]})
    elif isinstance(exc, DataError) and "0x00" in str(exc):
        # PostgreSQL stores no NUL character; a caller who sends one (in a path or a filter) gets a 400.
        exc = exceptions.ValidationError({"non_field_errors": ["The request contains a NUL (0x00) character."]})
    elif (problem := database_problem(exc)) is not None:
        # The operator needs the driver's words; the caller gets a clear sentence, never a traceback.
        logger.error("API answered 503: %s", exc, exc_info=exc)
        response = exception_handler(DatabaseUnavailableError(problem), context)
        if response is not None:
            response["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response
    return exception_handler(exc, context)
