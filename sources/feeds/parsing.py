"""Feed bytes to sanitised entries: feedparser for RSS 0.9x/1.0/2.0 and Atom, a small reader for JSON Feed.

feedparser only ever sees bytes in a BytesIO: given a URL it would fetch it itself, and given a bare bytes
or str it first tries to open it as a file name. A bozo warning is kept, not fatal; a body that is no feed
at all (no version and no entries) raises FeedParseError. feedparser 6.0 has no JSON Feed support, so
JSON Feed (jsonfeed.org, versions 1 and 1.1) is read here into the same entries.
"""

from __future__ import annotations

import html
import io
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser

from sources.feeds.dedup import canonical_url, plain_canonical_url
from sources.feeds.sanitising import html_clean, text_from_clean_html, text_plain

TITLE_LIMIT = 1000
SUMMARY_LIMIT = 20_000
RAW_DATE_LIMIT = 200
# nh3 sanitises every text after parsing and resolves relative links in the same pass (against the xml:base
# feedparser reports, else the feed's URL), so feedparser's own HTML passes, sanitising and URI resolution,
# both pure Python and together about 40% of its time, are switched off. The benchmark times both ways.
FEEDPARSER_SANITIZE = False
FEEDPARSER_RESOLVE_URIS = False
_UPDATE_PERIOD_SECONDS = {"hourly": 3600, "daily": 86400, "weekly": 7 * 86400, "monthly": 30 * 86400}


class FeedParseError(Exception):
    """The body is not a feed at all."""


@dataclass(frozen=True)
class ParsedEntry:
    guid: str
    link: str
    title: str
    summary: str
    summary_html: str
    author: str = ""
    language: str = ""
    published_raw: str = ""
    published_at: datetime | None = None
    updated_raw: str = ""
    updated_at: datetime | None = None
    # What a primary source states exactly (sources.kinds: a Federal Register document, a screening-list change).
    facts: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # NUL never belongs in stored text and PostgreSQL refuses it: no field of a parsed entry carries one.
        for name, value in vars(self).items():
            if isinstance(value, str) and "\x00" in value:
                object.__setattr__(self, name, value.replace("\x00", ""))

    @property
    def dated_at(self) -> datetime | None:
        return self.published_at or self.updated_at


@dataclass
class ParsedFeed:
    version: str
    title: str = ""
    link: str = ""
    bozo_message: str = ""
    ttl_seconds: int | None = None
    entries: list[ParsedEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.title, self.link, self.bozo_message = (
            value.replace("\x00", "") for value in (self.title, self.link, self.bozo_message)
        )


def _struct_to_datetime(value: Any) -> datetime | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


def _http_link(value: Any) -> str:
    link = str(value or "").strip()
    plain = plain_canonical_url(link)  # most links: http or https, and nearly canonical already
    if plain is not None:
        return plain
    try:
        scheme = urlsplit(link).scheme.lower()
    except ValueError:
        return ""
    return canonical_url(link) if scheme in {"http", "https"} else ""


def _first_line(value: object) -> str:
    text = str(value).strip()
    return text.splitlines()[0][:500] if text else type(value).__name__


def _ttl_seconds(feed: Any) -> int | None:
    ttl = str(feed.get("ttl", "") or "").strip()
    if ttl.isdecimal() and int(ttl) > 0:
        return int(ttl) * 60
    period = str(feed.get("sy_updateperiod", "") or "").strip().lower()
    if period in _UPDATE_PERIOD_SECONDS:
        frequency = str(feed.get("sy_updatefrequency", "1") or "1").strip()
        per = int(frequency) if frequency.isdecimal() and int(frequency) > 0 else 1
        return _UPDATE_PERIOD_SECONDS[period] // per
    return None


def _http_base(value: Any) -> str:
    base = str(value or "").strip()
    return base if base.lower().startswith(("http://", "https://")) else ""


def _entry(raw: Any, feed_language: str, feed_base: str) -> ParsedEntry:
    # dict.get throughout: FeedParserDict.get goes through its key aliases (none of these keys has one) and costs
    # several times more; and its get() would map a missing "updated" to "published" (with a deprecation warning).
    get = dict.get
    body_html, base = "", ""
    for content in get(raw, "content") or []:
        value = str(get(content, "value", "") or "")
        if len(value) > len(body_html):
            body_html, base = value, str(get(content, "base", "") or "")
    summary_source = str(get(raw, "summary", "") or "")
    if len(summary_source) > len(body_html):
        body_html, base = summary_source, str(get(get(raw, "summary_detail") or {}, "base", "") or "")
    published_raw = str(get(raw, "published", "") or "").replace("\x00", "")[:RAW_DATE_LIMIT]
    updated_raw = str(get(raw, "updated") or "").replace("\x00", "")[:RAW_DATE_LIMIT]
    author = str(get(raw, "author", "") or "")
    summary_html = html_clean(body_html, base=_http_base(base) or feed_base)
    return ParsedEntry(
        guid=str(get(raw, "id", "") or "").replace("\x00", "").strip()[:1000],
        link=_http_link(get(raw, "link")),
        title=text_plain(str(get(raw, "title", "") or ""), limit=20_000)[:TITLE_LIMIT],
        summary=text_from_clean_html(summary_html)[:SUMMARY_LIMIT],
        summary_html=summary_html,
        author=text_plain(author)[:300],
        language=str(get(raw, "language", "") or feed_language)[:20],
        published_raw=published_raw,
        published_at=_struct_to_datetime(get(raw, "published_parsed")),
        updated_raw=updated_raw,
        updated_at=_struct_to_datetime(get(raw, "updated_parsed")),
    )


def _iso_datetime(value: Any) -> datetime | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _json_feed(document: dict[str, Any]) -> ParsedFeed:
    language = str(document.get("language", "") or "")
    entries = []
    for raw in document.get("items") or []:
        if not isinstance(raw, dict):
            continue
        authors = raw.get("authors") or ([raw["author"]] if isinstance(raw.get("author"), dict) else [])
        author = ", ".join(str(a.get("name", "")) for a in authors if isinstance(a, dict) and a.get("name"))
        body_html = str(raw.get("content_html") or "")
        if not body_html:
            body_html = html.escape(str(raw.get("content_text") or raw.get("summary") or ""))
        published_raw = str(raw.get("date_published", "") or "").replace("\x00", "")[:RAW_DATE_LIMIT]
        updated_raw = str(raw.get("date_modified", "") or "").replace("\x00", "")[:RAW_DATE_LIMIT]
        entries.append(
            ParsedEntry(
                guid=str(raw.get("id", "") or "").replace("\x00", "").strip()[:1000],
                link=_http_link(raw.get("url") or raw.get("external_url")),
                title=text_plain(str(raw.get("title", "") or ""), limit=20_000)[:TITLE_LIMIT],
                summary=text_plain(body_html)[:SUMMARY_LIMIT],
                summary_html=html_clean(body_html),
                author=text_plain(author)[:300],
                language=str(raw.get("language", "") or language)[:20],
                published_raw=published_raw,
                published_at=_iso_datetime(published_raw),
                updated_raw=updated_raw,
                updated_at=_iso_datetime(updated_raw),
            )
        )
    return ParsedFeed(
        version="json" + str(document.get("version", "")).rstrip("/").rsplit("/", 1)[-1].replace(".", ""),
        title=text_plain(str(document.get("title", "") or ""))[:500],
        link=_http_link(document.get("home_page_url")),
        entries=entries,
    )


def _as_json_feed(body: bytes) -> dict[str, Any] | None:
    """The decoded JSON Feed document when the body is one, else None."""
    if not body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return None
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if isinstance(document, dict) and "jsonfeed.org/version" in str(document.get("version", "")):
        return document
    return None


def parse_feed(body: bytes, *, content_type: str = "", url: str = "") -> ParsedFeed:
    """Parse feed bytes into sanitised entries; FeedParseError when the body is no feed at all."""
    document = _as_json_feed(body)
    if document is not None:
        return _json_feed(document)
    headers = {"content-type": content_type} if content_type else {}
    if url:
        headers["content-location"] = url
    result = feedparser.parse(
        io.BytesIO(body),
        response_headers=headers,
        sanitize_html=FEEDPARSER_SANITIZE,
        resolve_relative_uris=FEEDPARSER_RESOLVE_URIS,
    )
    bozo_message = _first_line(result.get("bozo_exception")) if result.get("bozo") else ""
    version = str(result.get("version", "") or "")
    raw_entries = result.get("entries") or []
    if not version and not raw_entries:
        reason = bozo_message or "no RSS, Atom or JSON Feed structure found"
        raise FeedParseError(f"not a feed: {reason}")
    feed = result.get("feed") or {}
    language = str(feed.get("language", "") or "")
    return ParsedFeed(
        version=version,
        title=text_plain(str(feed.get("title", "") or ""))[:500],
        link=_http_link(feed.get("link")),
        bozo_message=bozo_message,
        ttl_seconds=_ttl_seconds(feed),
        entries=[_entry(raw, language, _http_base(url) or _http_base(feed.get("link"))) for raw in raw_entries],
    )
