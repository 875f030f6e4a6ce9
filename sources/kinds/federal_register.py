"""The Federal Register's public documents API (v1, JSON) as a source kind: a documents.json page to entries.

A page is `{"count": N, "description": ..., "total_pages": P, "next_page_url": ..., "results": [...]}`; each
result is one document with `document_number`, `title`, `type` ("Rule", "Proposed Rule", "Notice",
"Presidential Document"), `abstract`, `publication_date`, `html_url`, `pdf_url`, `agencies` and the fields
asked for with `fields[]` (`effective_on`, `citation`, `action`, `subtype`, `cfr_references`, `docket_ids`).
A document lacking one of the fields every document has is a broken page, not a document to guess at: the
whole page is refused (FederalRegisterError), so a poll writes nothing from it.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypedDict
from urllib.parse import urlencode, urlsplit

from sources.feeds.parsing import ParsedEntry, ParsedFeed
from sources.feeds.sanitising import html_clean, text_plain
from sources.kinds.errors import PrimarySourceError
from timeline.taxonomy import Kind

API_URL = "https://www.federalregister.gov/api/v1/documents.json"
PER_PAGE = 100
GUID_PREFIX = "fr-document:"
# The agencies whose documents are ours by default: BIS, its department, OFAC, USTR and the President.
DEFAULT_AGENCIES = (
    "industry-and-security-bureau",
    "commerce-department",
    "foreign-assets-control-office",
    "trade-representative-office-of-united-states",
    "executive-office-of-the-president",
)
DOCUMENT_TYPES = {"RULE": "Rule", "PRORULE": "Proposed Rule", "NOTICE": "Notice", "PRESDOCU": "Presidential Document"}
FIELDS = (
    "document_number",
    "title",
    "type",
    "subtype",
    "abstract",
    "action",
    "publication_date",
    "effective_on",
    "citation",
    "html_url",
    "pdf_url",
    "agencies",
    "cfr_references",
    "docket_ids",
)
REQUIRED_FIELDS = ("document_number", "title", "type", "publication_date", "html_url")
_DOCUMENT_NUMBER = re.compile(r"^[A-Z0-9][A-Za-z0-9-]{2,40}$")
_ENTITY_LIST_ADDITION = re.compile(r"\baddition", re.IGNORECASE)
_ENTITY_LIST_REMOVAL = re.compile(r"\bremoval", re.IGNORECASE)


class FederalRegisterError(PrimarySourceError):
    """A documents.json page that is broken (not JSON, truncated, a document missing a field)."""


class FederalRegisterQuery(TypedDict, total=False):
    """What a Federal Register source asks for (Source.query): agency slugs, type codes, a search term."""

    agencies: list[str]
    types: list[str]
    term: str


class DocumentFacts(TypedDict):
    """What the Federal Register states about one document, kept on its item (Item.facts)."""

    source_kind: str
    document_number: str
    citation: str
    type: str
    subtype: str
    action: str
    kind: str
    publication_date: str
    effective_on: str
    html_url: str
    pdf_url: str
    agencies: list[str]
    cfr_references: list[str]
    docket_ids: list[str]


@dataclass
class DocumentsPage:
    feed: ParsedFeed
    next_page_url: str = ""
    count: int = 0
    documents: list[DocumentFacts] = field(default_factory=list)


def default_query() -> FederalRegisterQuery:
    return {"agencies": list(DEFAULT_AGENCIES), "types": list(DOCUMENT_TYPES), "term": ""}


def documents_url(base: str, query: FederalRegisterQuery) -> str:
    """The first page's address: the source's documents.json with its conditions, every field, newest first."""
    params: list[tuple[str, str]] = []
    params += [("conditions[agencies][]", slug) for slug in query.get("agencies") or []]
    params += [("conditions[type][]", code) for code in query.get("types") or []]
    if (term := (query.get("term") or "").strip()) != "":
        params.append(("conditions[term]", term))
    params += [("fields[]", name) for name in FIELDS]
    params += [("per_page", str(PER_PAGE)), ("order", "newest")]
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}{urlencode(params)}"


def query_problem(query: Any) -> str | None:
    """Why a Source.query is no Federal Register query, or None."""
    if not isinstance(query, dict):
        return "the query must be an object with agencies, types and term"
    for key in ("agencies", "types"):
        values = query.get(key, [])
        if not isinstance(values, list) or not all(isinstance(value, str) and value.strip() for value in values):
            return f"{key} must be a list of names"
    unknown = [code for code in query.get("types", []) if code not in DOCUMENT_TYPES]
    if unknown:
        return f"unknown document type {unknown[0]!r} (one of {', '.join(DOCUMENT_TYPES)})"
    if not isinstance(query.get("term", ""), str):
        return "term must be text"
    return None


def looks_like_documents_page(body: bytes) -> bool:
    """True when the bytes are a documents.json page (recognised by its content, not its name)."""
    if not body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return False
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    if not isinstance(document, dict):
        return False
    results = document.get("results")
    if isinstance(results, list):
        return all(isinstance(result, dict) and "document_number" in result for result in results)
    return "count" in document and "description" in document


def document_kind(*, doc_type: str, subtype: str, title: str) -> str:
    """The timeline kind of a document: a final or interim final rule is a rule release (an Entity List rule an
    entity listing or delisting), a proposed rule, a notice, an executive order."""
    if doc_type == "Rule":
        if "entity list" in title.lower():
            if _ENTITY_LIST_REMOVAL.search(title) and not _ENTITY_LIST_ADDITION.search(title):
                return Kind.ENTITY_DELISTING.value
            if _ENTITY_LIST_ADDITION.search(title):
                return Kind.ENTITY_LISTING.value
        return Kind.RULE_RELEASE.value
    if doc_type == "Proposed Rule":
        return Kind.PROPOSED_RULE.value
    if doc_type == "Notice":
        return Kind.NOTICE.value
    if doc_type == "Presidential Document":
        return Kind.EXECUTIVE_ORDER.value if subtype == "Executive Order" else Kind.POLICY_STATEMENT.value
    return Kind.OTHER.value


def _text(value: Any) -> str:
    return text_plain(str(value or ""), limit=20_000).strip()


def _names(values: Any, key: str = "") -> list[str]:
    if not isinstance(values, list):
        return []
    names = []
    for value in values:
        text = value.get(key) if key and isinstance(value, dict) else value
        if isinstance(text, str | int) and str(text).strip():
            names.append(_text(text)[:200])
    return names


def _cfr(values: Any) -> list[str]:
    if not isinstance(values, list):
        return []
    return [
        f"{value.get('title')} CFR {value.get('part')}"
        for value in values
        if isinstance(value, dict) and value.get("title") and value.get("part")
    ]


def _http_url(value: Any, field_name: str, index: int) -> str:
    url = str(value or "").strip()
    if urlsplit(url).scheme.lower() not in {"http", "https"}:
        raise FederalRegisterError(f"document {index + 1}: {field_name} is not an http(s) address")
    return url


def _publication_day(value: Any, index: int) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise FederalRegisterError(f"document {index + 1}: publication_date {value!r} is not a date") from error


def _document(raw: Any, index: int) -> tuple[ParsedEntry, DocumentFacts]:
    if not isinstance(raw, dict):
        raise FederalRegisterError(f"document {index + 1} is not an object")
    for name in REQUIRED_FIELDS:
        if raw.get(name) in (None, ""):
            number = raw.get("document_number") or f"number {index + 1}"
            raise FederalRegisterError(f"document {number} has no {name}")
    number = str(raw["document_number"]).strip()
    if not _DOCUMENT_NUMBER.match(number):
        raise FederalRegisterError(f"document {index + 1}: {number[:40]!r} is not a document number")
    day = _publication_day(raw["publication_date"], index)
    title, doc_type = _text(raw["title"])[:1000], _text(raw["type"])
    subtype, action = _text(raw.get("subtype")), _text(raw.get("action"))
    abstract = _text(raw.get("abstract"))
    effective = str(raw.get("effective_on") or "")
    facts: DocumentFacts = {
        "source_kind": "federal_register",
        "document_number": number,
        "citation": _text(raw.get("citation"))[:100],
        "type": doc_type,
        "subtype": subtype,
        "action": action[:500],
        "kind": document_kind(doc_type=doc_type, subtype=subtype, title=title),
        "publication_date": day.isoformat(),
        "effective_on": effective if re.fullmatch(r"\d{4}-\d{2}-\d{2}", effective) else "",
        "html_url": _http_url(raw["html_url"], "html_url", index),
        "pdf_url": _http_url(raw["pdf_url"], "pdf_url", index) if raw.get("pdf_url") else "",
        "agencies": _names(raw.get("agencies"), "name"),
        "cfr_references": _cfr(raw.get("cfr_references")),
        "docket_ids": _names(raw.get("docket_ids")),
    }
    summary = abstract or action
    entry = ParsedEntry(
        guid=f"{GUID_PREFIX}{number}",
        link=facts["html_url"][:2000],
        title=title,
        summary=summary[:20_000],
        summary_html=html_clean(html.escape(summary)),
        author=", ".join(facts["agencies"])[:300],
        language="en",
        published_raw=str(raw["publication_date"])[:200],
        published_at=datetime(day.year, day.month, day.day, tzinfo=UTC),
        facts=dict(facts),
    )
    return entry, facts


def parse_documents_page(body: bytes, *, url: str = "") -> DocumentsPage:
    """One documents.json page as entries; FederalRegisterError with one line for anything broken."""
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise FederalRegisterError(f"the page is not UTF-8 ({error.reason})") from error
    except json.JSONDecodeError as error:
        raise FederalRegisterError(f"the page is not complete JSON ({error.msg} at character {error.pos})") from error
    except RecursionError as error:
        raise FederalRegisterError("the page nests too deeply to be a documents page") from error
    if not isinstance(document, dict):
        raise FederalRegisterError("the page is not a documents.json object")
    results = document.get("results", [] if document.get("count") == 0 else None)
    if not isinstance(results, list):
        raise FederalRegisterError("the page has no results list")
    entries, documents = [], []
    for index, raw in enumerate(results):
        entry, facts = _document(raw, index)
        entries.append(entry)
        documents.append(facts)
    next_page = document.get("next_page_url") or ""
    if next_page and urlsplit(str(next_page)).scheme.lower() not in {"http", "https"}:
        raise FederalRegisterError("next_page_url is not an http(s) address")
    feed = ParsedFeed(
        version="federal_register_v1",
        title=_text(document.get("description"))[:500] or "Federal Register documents",
        link=url if len(url) <= 2000 else "",
        entries=entries,
    )
    count = document.get("count")
    return DocumentsPage(feed, str(next_page), count if isinstance(count, int) else len(entries), documents)
