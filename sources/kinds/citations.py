"""The citation a primary source's candidate suggests: the government's own record, graded A1.

A1 because the source is the publisher of record (completely reliable) and the item is the act itself, not a
report of it (confirmed): a rule is what the Federal Register prints, a listing what the list says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LOCATOR_LIMIT = 200


def primary_citation(facts: Mapping[str, Any], *, title: str, url: str, excerpt: str) -> dict[str, Any]:
    """The citation form's initial values for an item with facts (sources.kinds)."""
    if facts.get("source_kind") == "federal_register":
        return _federal_register(facts, title=title, excerpt=excerpt)
    notice = str(facts.get("federal_register_notice") or "")
    return {
        "title": f"{facts.get('list', '')}: {facts.get('name', '')}"[:500],
        "url": url,
        "publisher": "Consolidated Screening List (trade.gov)",
        "author": "",
        "published": str(facts.get("start_date") or facts.get("date") or ""),
        "excerpt": excerpt[:600],
        "locator": notice[:LOCATOR_LIMIT],
        "claim": "",
        "reliability": "A",
        "credibility": "1",
        "grading_note": "Primary source: the entry as the U.S. government lists it"
        + (f", per the Federal Register notice {notice}." if notice else "."),
    }


def _federal_register(facts: Mapping[str, Any], *, title: str, excerpt: str) -> dict[str, Any]:
    number, citation = str(facts["document_number"]), str(facts.get("citation") or "")
    html_url = str(facts.get("html_url") or "")
    named = f"{citation}, FR Doc. {number}" if citation else f"FR Doc. {number}"
    return {
        "title": f"{title} ({named})"[:500],
        "url": html_url,
        "publisher": "Federal Register",
        "author": ", ".join(facts.get("agencies") or [])[:200],
        "published": str(facts.get("publication_date") or ""),
        "excerpt": excerpt[:600],
        # The document's own address locates it exactly; an address too long for the field gives way to its number.
        "locator": html_url if len(html_url) <= LOCATOR_LIMIT else named[:LOCATOR_LIMIT],
        "claim": "",
        "reliability": "A",
        "credibility": "1",
        "grading_note": f"Primary source: the document as published in the Federal Register ({named}).",
    }
