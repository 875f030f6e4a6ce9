"""Request body parsers: JSON with a size cap (413) and a nesting guard (400), never a 500 on hostile bodies.

DRF's JSONParser reads the whole stream, whatever its size (DATA_UPLOAD_MAX_MEMORY_SIZE guards only Django's
own request.body and form parsing), and deeply nested arrays make Python's json module raise RecursionError.
"""

from __future__ import annotations

import io
from typing import IO, Any

from django.conf import global_settings, settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser


class RequestTooLargeError(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


def body_limit() -> int:
    """The largest body the API reads: DATA_UPLOAD_MAX_MEMORY_SIZE, or Django's default where a deployment sets it
    to None (no limit for Django's own parsing): the API always has a cap."""
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or global_settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class BoundedJSONParser(JSONParser):
    """JSON bodies up to body_limit() bytes; larger is 413, too deeply nested is 400."""

    def parse(self, stream: IO[bytes] | None, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = body_limit()
        request = (parser_context or {}).get("request")
        declared = str(getattr(request, "META", {}).get("CONTENT_LENGTH") or "")
        if declared.isdecimal() and int(declared) > limit:
            raise RequestTooLargeError(f"The request body is {int(declared):,} bytes; the API accepts {limit:,}.")
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLargeError(f"The request body is larger than the {limit:,} bytes the API accepts.")
        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError("JSON parse error - the body is nested too deeply.") from error
