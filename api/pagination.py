"""Keyset (cursor) pagination that stays stable while developments are recorded.

A page ends at a row; the next page starts strictly after that row's sort key (date_lower, date_upper, title,
pk — or the recording/change position). Rows recorded meanwhile take their place in the order instead of
shifting every later page, so nothing is skipped or repeated. The cursor is signed, and tied to the filters
it was issued for: a tampered or foreign cursor is a 400.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core import signing
from django.db.models import F, Q, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from timeline.search import Block, RankedRows

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
_SALT = "api.cursor.v1"
# Parameters that do not change which rows a page holds.
_NOT_FILTERS = {"cursor", "page_size", "format"}

SORT_KEYS: dict[str, tuple[str, ...]] = {
    "date": ("date_lower", "date_upper", "title", "pk"),
    "recorded": ("recorded_position", "pk"),
    "changed": ("last_position", "pk"),
    # search_rank is annotated by the selector when q is given, lower first (timeline.search); ties by date. Ranked
    # a block at a time (paginate_relevance): a relevance cursor also carries its block's bounds.
    "relevance": ("search_rank", "date_lower", "date_upper", "title", "pk"),
}
# A block of ordering=relevance from its bounds (high, low), the low one found when None: the search block's rows
# with their search_rank, and the block (timeline.search.relevance_block).
BlockSource = Callable[[int | None, int | None], tuple[RankedRows, Block]]
_DATE_KEYS = {"date_lower", "date_upper"}


def page_size_from(request: Request, default: int = DEFAULT_PAGE_SIZE) -> int:
    raw = request.query_params.get("page_size")
    if raw in (None, ""):
        return default
    if not raw.isdecimal() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValidationError({"page_size": [f"page_size is a whole number from 1 to {MAX_PAGE_SIZE}."]})
    return int(raw)


def filters_fingerprint(request: Request) -> str:
    items = sorted(
        (key, value)
        for key in request.query_params
        if key not in _NOT_FILTERS
        for value in request.query_params.getlist(key)
    )
    return hashlib.sha256(repr(items).encode("utf-8")).hexdigest()[:16]


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


@dataclass
class Page:
    rows: list[Any]
    next_cursor: str | None
    next_url: str | None


def sort(queryset: QuerySet[Any], ordering: str) -> tuple[QuerySet[Any], tuple[str, ...], bool]:
    """The queryset in the asked order, with the names of its sort key and whether it runs backwards."""
    name = ordering.lstrip("-") or "date"
    descending = ordering.startswith("-")
    # History rows (as_of answers) carry the same keys under other names.
    if hasattr(queryset.model, "valid_from_position"):
        if name == "recorded":
            queryset = queryset.annotate(recorded_position=F("development__recorded_position"))
        elif name == "changed":
            queryset = queryset.annotate(last_position=F("valid_from_position"))
    keys = SORT_KEYS[name]
    return queryset.order_by(*(f"-{key}" if descending else key for key in keys)), keys, descending


def _after(keys: Sequence[str], values: Sequence[Any], descending: bool) -> Q:
    """Rows strictly after `values` in the order of `keys`: (a > x) or (a = x and b > y) or ..."""
    lookup = "lt" if descending else "gt"
    query = Q()
    for index, key in enumerate(keys):
        equal = {prefix: value for prefix, value in zip(keys[:index], values[:index], strict=True)}
        query |= Q(**equal, **{f"{key}__{lookup}": values[index]})
    return query


class KeysetPagination(BasePagination):
    """Used by the timeline views directly; as a pagination class it also describes itself to the schema."""

    def paginate(self, queryset: QuerySet[Any], request: Request, *, ordering: str, page_size: int) -> Page:
        queryset, keys, descending = sort(queryset, ordering)
        fingerprint = filters_fingerprint(request)
        token = request.query_params.get("cursor")
        if token:
            values = self._decode(token, ordering=ordering, fingerprint=fingerprint, keys=keys)
            queryset = queryset.filter(_after(keys, values, descending))
        rows = list(queryset[: page_size + 1])
        if len(rows) <= page_size:
            return Page(rows, None, None)
        rows = rows[:page_size]
        last = rows[-1]
        payload = {"o": ordering, "f": fingerprint, "k": [_plain(getattr(last, key)) for key in keys]}
        next_cursor = signing.dumps(payload, salt=_SALT, compress=True)
        next_url = replace_query_param(request.build_absolute_uri(), "cursor", next_cursor)
        return Page(rows, next_cursor, next_url)

    def paginate_relevance(self, blocks: BlockSource, request: Request, *, page_size: int, head: int) -> Page:
        """ordering=relevance: each block's matches in rank order, block after block (newest written first), a
        page running on into the next block where one ends. The cursor holds the block's bounds, then the key.
        The first block starts at the log's `head` that the answer reflects, and so do the pages after it."""
        keys = SORT_KEYS["relevance"]
        fingerprint = filters_fingerprint(request)
        token = request.query_params.get("cursor")
        high: int | None = head + 1
        low: int | None = None
        after: list[Any] | None = None
        if token:
            high, low, *after = self._decode(token, ordering="relevance", fingerprint=fingerprint, keys=keys, extra=2)
            if not all(isinstance(bound, int | None) for bound in (high, low)):
                raise ValidationError({"cursor": ["This cursor is not one this API issued (altered or truncated)."]})
        found: list[tuple[Any, Block]] = []
        while True:
            ranked, block = blocks(high, low)
            start = _after(keys, after, False) if after is not None else None
            found += [(row, block) for row in ranked.read(keys, after=start, limit=page_size + 1 - len(found))]
            if len(found) > page_size or block.low == 0:
                break
            high, low, after = block.low, None, None
        rows = [row for row, _ in found[:page_size]]
        if len(found) <= page_size:
            return Page(rows, None, None)
        last, block = found[page_size - 1]
        bounds = [block.high, block.low]
        payload = {"o": "relevance", "f": fingerprint, "k": bounds + [_plain(getattr(last, key)) for key in keys]}
        next_cursor = signing.dumps(payload, salt=_SALT, compress=True)
        next_url = replace_query_param(request.build_absolute_uri(), "cursor", next_cursor)
        return Page(rows, next_cursor, next_url)

    @staticmethod
    def _decode(token: str, *, ordering: str, fingerprint: str, keys: Sequence[str], extra: int = 0) -> list[Any]:
        """The cursor's values: `extra` leading ones as they are (a relevance block's bounds), then the keys'."""
        try:
            payload = signing.loads(token, salt=_SALT)
        except signing.BadSignature as error:
            raise ValidationError(
                {"cursor": ["This cursor is not one this API issued (altered or truncated)."]}
            ) from error
        expected = len(keys) + extra
        if not isinstance(payload, dict) or payload.get("o") != ordering or len(payload.get("k") or ()) != expected:
            raise ValidationError({"cursor": ["This cursor belongs to another ordering; start from the first page."]})
        if payload.get("f") != fingerprint:
            raise ValidationError({"cursor": ["This cursor belongs to other filters; start from the first page."]})
        values = payload["k"]
        return values[:extra] + [
            date.fromisoformat(value) if key in _DATE_KEYS else value
            for key, value in zip(keys, values[extra:], strict=True)
        ]

    # --- what drf-spectacular reads ---

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": "The `next_cursor` of the previous page (opaque and signed).",
                "schema": {"type": "string"},
            },
            {
                "name": "page_size",
                "required": False,
                "in": "query",
                "description": f"Rows per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}; "
                f"{MAX_PAGE_SIZE} for CSV, iCalendar and TimelineJS).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
