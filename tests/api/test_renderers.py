"""api.renderers.TimelineJSONRenderer: the bytes DRF's JSONRenderer writes, whichever library writes them."""

from __future__ import annotations

import decimal
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from rest_framework.renderers import JSONRenderer

from api.renderers import TimelineJSONRenderer

CASES: list[Any] = [
    {"results": [{"id": "a", "version": 3, "disputed": False, "merged_into": None, "tags": ["x", "y"]}]},
    {"text": 'quotes " and \\ and a newline\n, a tab\t, \x01, é, 华为, 😀'},
    {"separators": "a\u2028b\u2029c"},
    {"small": 1e-05, "large": 1e16, "plain": 0.5},
    {"in a tuple": (2.5e-07, 1)},
    {1: "a key that is not a string"},
    {"id": uuid.UUID("12345678-1234-5678-1234-567812345678")},
    {"at": datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)},
    {"amount": decimal.Decimal("1.50")},
    [2**70, None, True],
    None,
]


@pytest.mark.parametrize("data", CASES)
def test_it_writes_the_bytes_drf_writes(data: Any) -> None:
    assert TimelineJSONRenderer().render(data) == JSONRenderer().render(data)


def test_it_indents_as_drf_does_when_the_media_type_asks() -> None:
    data = {"results": [{"id": "a"}]}
    asked = "application/json; indent=2"
    written = TimelineJSONRenderer().render(data, asked)
    assert written == JSONRenderer().render(data, asked)
    assert b"\n" in written
