"""The safe HTTP client, against a real HTTP server on loopback (tests/sources/feedserver.py).

No other server is used: every refusal of a private or link-local address happens before any connection.
"""

from __future__ import annotations

import ipaddress
import time
from datetime import UTC, datetime

import pytest

from sources.feeds.fetching import (
    AddressPolicy,
    FetchError,
    FetchLimits,
    FetchTimeoutError,
    HTTPStatusError,
    ResponseTooLargeError,
    TooManyRedirectsError,
    UnsafeURLError,
    check_url,
    fetch,
)
from sources.feeds.headers import parse_max_age, parse_retry_after
from tests.sources import feedserver

CLOSED = AddressPolicy(allow_loopback=False)
OPEN = AddressPolicy(allow_loopback=True)
LIMITS = FetchLimits(connect_timeout=2, read_timeout=1, deadline=5, max_bytes=1024 * 1024)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost/",
        "http://0x7f000001/",
        "http://2130706433/",
        "http://017700000001/",
        "http://127.1/",
        "http://0x7f.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0251.0376.0251.0376/",
        "http://[fe80::1]/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://[fc00::1]/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://0/",
        "http://[::]/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
        "http://255.255.255.255/",
        "https://198.18.0.1/",
        "http://[64:ff9b::7f00:1]/",
        "http://[2002:7f00:1::]/",
    ],
)
def test_every_spelling_of_a_private_loopback_or_reserved_address_is_refused(url: str) -> None:
    with pytest.raises(UnsafeURLError, match="refused"):
        check_url(url, CLOSED)
    with pytest.raises(UnsafeURLError, match="refused"):
        fetch(url, policy=CLOSED, limits=LIMITS)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "gopher://example.org/",
        "ftp://example.org/f",
        "feed://x/",
        "javascript:alert(1)",
        "data:text/xml,<rss/>",
        "//example.org/",
        "http:///nohost",
    ],
)
def test_only_http_and_https_urls_with_a_host_are_fetched(url: str) -> None:
    with pytest.raises(UnsafeURLError, match="refused"):
        fetch(url, policy=OPEN, limits=LIMITS)


def test_urls_with_credentials_are_refused() -> None:
    with pytest.raises(UnsafeURLError, match="credentials"):
        check_url("http://user:secret@example.org/feed", CLOSED)


def test_opening_loopback_opens_loopback_only_never_link_local_or_private() -> None:
    allowed = [ipaddress.ip_address(a) for a in ("127.0.0.1", "127.9.9.9", "::1")]
    refused = [
        ipaddress.ip_address(a) for a in ("169.254.169.254", "10.1.2.3", "::ffff:127.0.0.1", "0.0.0.0", "fe80::1")
    ]
    assert all(OPEN.problem(ip, 80) is None for ip in allowed)
    assert all(OPEN.problem(ip, 80) is not None for ip in refused)
    assert OPEN.problem(ipaddress.ip_address("8.8.8.8"), 443) is None


def test_the_setting_opens_loopback_and_is_read_at_call_time(feed_server, settings) -> None:
    feed_server.routes["/feed"] = feedserver.feed(b"<rss version='2.0'><channel/></rss>")
    settings.FEEDS_ALLOW_LOOPBACK = False
    with pytest.raises(UnsafeURLError, match="loopback"):
        fetch(feed_server.url("/feed"), limits=LIMITS)
    settings.FEEDS_ALLOW_LOOPBACK = True
    assert fetch(feed_server.url("/feed"), limits=LIMITS).status == 200


def test_a_conditional_get_sends_the_validators_and_a_304_carries_no_body(feed_server) -> None:
    feed_server.routes["/feed"] = feedserver.feed(b"<rss version='2.0'><channel/></rss>")
    first = fetch(feed_server.url("/feed"), policy=OPEN, limits=LIMITS)
    assert first.status == 200 and first.etag and first.last_modified
    second = fetch(
        feed_server.url("/feed"), etag=first.etag, last_modified=first.last_modified, policy=OPEN, limits=LIMITS
    )
    assert second.not_modified and second.body == b""
    request = feed_server.hits("/feed")[-1]
    assert request.headers["if-none-match"] == first.etag
    assert request.headers["if-modified-since"] == first.last_modified


def test_the_user_agent_is_configurable(feed_server, settings) -> None:
    feed_server.routes["/feed"] = feedserver.feed(b"<rss/>")
    settings.FEEDS_ALLOW_LOOPBACK = True
    settings.FEEDS_USER_AGENT = "analyst-bot/9 (+mailto:ops@example.org)"
    fetch(feed_server.url("/feed"))
    assert feed_server.hits("/feed")[0].headers["user-agent"] == "analyst-bot/9 (+mailto:ops@example.org)"


def test_gzip_bodies_are_decoded(feed_server) -> None:
    feed_server.routes["/gz"] = feedserver.gzipped(b"<rss version='2.0'>" + b" " * 5000 + b"</rss>")
    result = fetch(feed_server.url("/gz"), policy=OPEN, limits=LIMITS)
    assert result.body.startswith(b"<rss") and len(result.body) > 5000


def test_a_gzip_bomb_stops_at_the_decoded_size_cap_quickly(feed_server, gzip_bomb) -> None:
    feed_server.routes["/bomb"] = feedserver.bomb(gzip_bomb)
    limits = FetchLimits(connect_timeout=2, read_timeout=2, deadline=10, max_bytes=4 * 1024 * 1024)
    started = time.monotonic()
    with pytest.raises(ResponseTooLargeError, match="after decoding"):
        fetch(feed_server.url("/bomb"), policy=OPEN, limits=limits)
    assert time.monotonic() - started < 5


def test_a_body_larger_than_the_cap_is_refused_even_without_compression(feed_server) -> None:
    feed_server.routes["/big"] = feedserver.feed(b"x" * (2 * 1024 * 1024))
    with pytest.raises(ResponseTooLargeError):
        fetch(feed_server.url("/big"), policy=OPEN, limits=LIMITS)


def test_a_redirect_to_the_metadata_address_is_refused_even_with_loopback_open(feed_server) -> None:
    feed_server.routes["/r"] = feedserver.redirect("http://169.254.169.254/latest/meta-data/")
    with pytest.raises(UnsafeURLError, match=r"redirects to http://169\.254\.169\.254/.*link-local"):
        fetch(feed_server.url("/r"), policy=OPEN, limits=LIMITS)


def test_a_redirect_to_loopback_is_refused_when_loopback_is_closed(feed_server) -> None:
    """Only the test server's own socket is allowed; its redirect to another loopback port must be refused."""
    other = feedserver.FeedServer().start()
    try:
        other.routes["/secret"] = feedserver.feed(b"<rss/>")
        feed_server.routes["/r"] = feedserver.redirect(other.url("/secret"))
        policy = AddressPolicy(allow_loopback=False, allowed_sockets=frozenset({("127.0.0.1", feed_server.port)}))
        with pytest.raises(UnsafeURLError, match=r"redirects to .*loopback"):
            fetch(feed_server.url("/r"), policy=policy, limits=LIMITS)
        assert other.hits("/secret") == []
        for spelling in ("http://0x7f000001:{p}/secret", "http://2130706433:{p}/secret", "http://[::1]:{p}/secret"):
            feed_server.routes["/r2"] = feedserver.redirect(spelling.format(p=other.port))
            with pytest.raises(UnsafeURLError):
                fetch(feed_server.url("/r2"), policy=policy, limits=LIMITS)
        assert other.hits("/secret") == []
    finally:
        other.stop()


def test_relative_redirects_are_followed_and_loops_stop(feed_server) -> None:
    feed_server.routes["/old"] = feedserver.redirect("/new", 301)
    feed_server.routes["/new"] = feedserver.feed(b"<rss version='2.0'/>")
    result = fetch(feed_server.url("/old"), policy=OPEN, limits=LIMITS)
    assert result.url == feed_server.url("/new") and result.redirects == [feed_server.url("/new")]
    feed_server.routes["/loop"] = feedserver.redirect("/loop")
    with pytest.raises(TooManyRedirectsError):
        fetch(feed_server.url("/loop"), policy=OPEN, limits=LIMITS)


def test_a_silent_server_hits_the_read_timeout(feed_server) -> None:
    feed_server.routes["/stall"] = feedserver.stall(3)
    started = time.monotonic()
    with pytest.raises(FetchTimeoutError, match="read timeout"):
        fetch(feed_server.url("/stall"), policy=OPEN, limits=LIMITS)
    assert time.monotonic() - started < 2.5


def test_a_server_dripping_bytes_hits_the_total_deadline(feed_server) -> None:
    feed_server.routes["/drip"] = feedserver.drip(total=100, every=0.1)
    limits = FetchLimits(connect_timeout=2, read_timeout=1, deadline=1.5, max_bytes=1024)
    started = time.monotonic()
    with pytest.raises(FetchTimeoutError, match=r"longer than 1\.5 s"):
        fetch(feed_server.url("/drip"), policy=OPEN, limits=limits)
    assert time.monotonic() - started < 3


def test_an_error_status_is_one_line_with_the_retry_after(feed_server) -> None:
    feed_server.routes["/down"] = feedserver.status(503, {"Retry-After": "120"})
    with pytest.raises(HTTPStatusError) as caught:
        fetch(feed_server.url("/down"), policy=OPEN, limits=LIMITS)
    assert caught.value.status == 503 and caught.value.retry_after == 120
    assert "\n" not in str(caught.value) and "HTTP 503" in str(caught.value)


def test_a_closed_port_is_a_fetch_error_with_the_address() -> None:
    with pytest.raises(FetchError, match=r"cannot connect to 127\.0\.0\.1:9"):
        fetch("http://127.0.0.1:9/feed", policy=OPEN, limits=LIMITS)


def test_retry_after_and_cache_headers_are_parsed() -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("30") == 30
    assert parse_retry_after("Wed, 01 Jan 2025 12:10:00 GMT", now=now) == 600
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0
    assert parse_retry_after("99999999") == 7 * 24 * 3600
    assert parse_retry_after("soon") is None
    assert parse_retry_after("³") is None  # a digit to str.isdigit(), not to int(): ignored, not a crash
    assert parse_max_age({"cache-control": "public, max-age=900"}) == 900
    assert parse_max_age({"cache-control": "max-age=²"}) is None
    assert parse_max_age({"cache-control": "s-maxage=60, max-age=900"}) == 60
    assert parse_max_age({"cache-control": "no-cache, max-age=900"}) is None
    assert parse_max_age({"expires": "Wed, 01 Jan 2025 13:00:00 GMT"}, now=now) == 3600
