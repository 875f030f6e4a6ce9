"""A source's kind-specific query (Source.query): built from the admin's fields, defaulted, checked."""

from __future__ import annotations

from typing import Any

from sources.kinds import federal_register, screening_list
from sources.models import SourceKind


def source_query(*, kind: str, agencies: list[str], types: list[str], term: str, lists: list[str]) -> dict[str, Any]:
    """A source's query (Source.query) from its kind's fields; empty for a news feed."""
    if kind == SourceKind.FEDERAL_REGISTER:
        return {
            "agencies": [slug.strip() for slug in agencies if slug.strip()],
            "types": [code for code in types if code],
            "term": term.strip(),
        }
    if kind == SourceKind.SCREENING_LIST:
        return {"lists": [name.strip() for name in lists if name.strip()]}
    return {}


def default_query(kind: str) -> dict[str, Any]:
    if kind == SourceKind.FEDERAL_REGISTER:
        return dict(federal_register.default_query())
    if kind == SourceKind.SCREENING_LIST:
        return dict(screening_list.default_query())
    return {}


def query_problem(kind: str, query: Any) -> str | None:
    """Why `query` is not a query for a source of `kind`, or None."""
    if kind == SourceKind.FEDERAL_REGISTER:
        return federal_register.query_problem(query)
    if kind == SourceKind.SCREENING_LIST:
        return screening_list.query_problem(query)
    return None if query in ({}, None) else "a news feed takes no query"
