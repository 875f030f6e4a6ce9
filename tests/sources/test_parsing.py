"""Parsing feed bytes: RSS 2.0, RSS 1.0, Atom and JSON Feed into sanitised entries (no server, no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sources.feeds.parsing import FeedParseError, parse_feed

SAMPLES = Path(__file__).resolve().parents[2] / "sources" / "samples"


def test_rss_entries_keep_the_raw_date_beside_the_parsed_one() -> None:
    feed = parse_feed(
        b"<rss version='2.0'><channel><title>T</title><item><guid>a</guid><title>One</title>"
        b"<pubDate>Tue, 17 Oct 2023 09:30:00 -0400</pubDate></item></channel></rss>"
    )
    entry = feed.entries[0]
    assert feed.version == "rss20"
    assert entry.published_raw == "Tue, 17 Oct 2023 09:30:00 -0400"
    assert entry.published_at == datetime(2023, 10, 17, 13, 30, tzinfo=UTC)


def test_an_unparseable_date_is_kept_raw_and_left_unparsed() -> None:
    feed = parse_feed(
        b"<rss version='2.0'><channel><item><title>x</title><pubDate>last Tuesday-ish</pubDate></item></channel></rss>"
    )
    assert feed.entries[0].published_raw == "last Tuesday-ish"
    assert feed.entries[0].published_at is None


def test_a_bozo_warning_is_recorded_not_fatal() -> None:
    feed = parse_feed(
        b"<rss version='2.0'><channel><item><title>Broken &amp; fine</title></item><item>"
        b"<title>unclosed</title></channel></rss>"
    )
    assert feed.bozo_message
    assert next(entry.title for entry in feed.entries) == "Broken & fine"


@pytest.mark.parametrize(
    "body", [b"this is not XML at all", b"<html><body><p>A web page</p></body></html>", b"", b'{"not": "a json feed"}']
)
def test_a_body_that_is_no_feed_raises_with_a_reason(body: bytes) -> None:
    with pytest.raises(FeedParseError, match="not a feed"):
        parse_feed(body)


def test_feed_bytes_are_never_taken_for_a_file_name(tmp_path: Path) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_bytes(b"<rss version='2.0'><channel><item><title>SECRET</title></item></channel></rss>")
    with pytest.raises(FeedParseError):
        parse_feed(str(secret).encode())


def test_every_sample_format_parses_into_entries() -> None:
    versions = {path.name: parse_feed(path.read_bytes()).version for path in SAMPLES.iterdir()}
    assert versions == {
        "ai-models.atom": "atom10",
        "cn-tech.xml": "rss20",
        "export-controls.xml": "rss20",
        "fabs-and-chips.rdf": "rss10",
        "general-news.xml": "rss20",
        "markets-and-compute.json": "json11",
    }


def test_json_feed_items_become_entries_with_iso_dates() -> None:
    feed = parse_feed((SAMPLES / "markets-and-compute.json").read_bytes())
    first = feed.entries[0]
    assert feed.title == "Sample: Markets & Compute"
    assert first.guid == "sample-markets-001" and first.link.startswith("https://samples.example.org/markets/")
    assert first.published_at == datetime(2025, 1, 27, 21, 0, tzinfo=UTC)
    assert "<p>" in first.summary_html and "<" not in first.summary


def test_the_rss_ttl_and_syndication_period_are_read() -> None:
    assert parse_feed((SAMPLES / "export-controls.xml").read_bytes()).ttl_seconds == 30 * 60
    body = (
        b"<rss version='2.0' xmlns:sy='http://purl.org/rss/1.0/modules/syndication/'><channel>"
        b"<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency></channel></rss>"
    )
    assert parse_feed(body).ttl_seconds == 1800


def test_links_are_canonical_and_only_http() -> None:
    feed = parse_feed(
        b"<rss version='2.0'><channel><item><title>a</title>"
        b"<link>https://Example.org/a?utm_source=x&amp;id=1#top</link></item><item><title>b</title>"
        b"<link>javascript:alert(1)</link></item></channel></rss>"
    )
    assert [entry.link for entry in feed.entries] == ["https://example.org/a?id=1", ""]
