"""Hostile feeds through `flag_feed` and through the workers' path (sources.services.source_poll, and the
poll task run eagerly): XXE and billion laughs, a gzip bomb, a 100 MB feed, a 1-byte-per-second drip,
redirect loops and redirects to private addresses, malformed UTF-8 and NUL bytes, a 10,000-item feed.

Every feed is served by a real HTTP server on 127.0.0.1 (tests/sources/feedserver.py). No traffic leaves
loopback: a guard on socket.connect fails the test if anything tries to connect elsewhere.
"""

from __future__ import annotations

import http.server
import socket
import time
import tracemalloc
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from sources.feeds.parsing import parse_feed
from sources.models import Candidate, Health, Item, Source
from sources.services import source_poll
from tests.sources import feedserver
from tests.sources.feedserver import FeedServer, gzip_bomb_cached, rss

pytestmark = pytest.mark.django_db


class LeftLoopbackError(AssertionError):
    pass


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record every outgoing connection; anything that is not loopback fails the test before it is made."""
    attempts: list[Any] = []
    real_connect = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> Any:
        attempts.append(address)
        host = address[0] if isinstance(address, tuple) else str(address)
        if sock.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1"):
            raise LeftLoopbackError(f"a connection to {address} was attempted")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    return attempts


@pytest.fixture
def server() -> Iterator[FeedServer]:
    started = FeedServer().start()
    yield started
    started.stop()


@pytest.fixture
def loopback(settings: Any) -> Any:
    settings.FEEDS_ALLOW_LOOPBACK = True
    settings.FEEDS_CONNECT_TIMEOUT = 2
    settings.FEEDS_READ_TIMEOUT = 2
    settings.FEEDS_FETCH_DEADLINE = 4
    settings.FEEDS_MAX_BYTES = 10 * 1024 * 1024
    return settings


@pytest.fixture(scope="session")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """2 GiB of zeros, gzip-compressed (about 2 MB): built once per session."""
    return gzip_bomb_cached(tmp_path_factory.mktemp("bomb"))


def flag(target: str) -> list[str]:
    out = StringIO()
    call_command("flag_feed", target, "--jsonl", "--default-rules", stdout=out)
    return out.getvalue().splitlines()


def flag_refused(target: str) -> str:
    with pytest.raises(CommandError) as caught:
        flag(target)
    message = str(caught.value)
    assert "\n" not in message and message
    return message


def poll(url: str) -> tuple[Any, Source]:
    source = Source.objects.create(url=url, name=url[-40:], host="127.0.0.1", next_check_at=timezone.now())
    outcome = source_poll(source_id=source.pk)
    source.refresh_from_db()
    return outcome, source


def assert_failed_alone(source: Source, reason: str) -> None:
    assert source.health == Health.FAILING and source.error_count == 1, (source.health, source.last_error)
    assert reason in source.last_error, source.last_error
    assert "\n" not in source.last_error
    assert not Item.objects.filter(source=source).exists()


# --- XML attacks ---------------------------------------------------------------------------------------------


def xxe_feed(entity_target: str) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{entity_target}">]>
<rss version="2.0"><channel><title>XXE</title><link>https://feeds.example.org/</link>
<item><guid>x1</guid><title>Leak: &xxe;</title><description>Body &xxe;</description>
<link>https://feeds.example.org/x1</link></item></channel></rss>""".encode()


def test_an_xxe_feed_reads_no_local_file_and_fetches_nothing(server: FeedServer, loopback: Any, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    server.routes["/exfil"] = feedserver.feed(b"EXFILTRATED")
    for target in (secret.as_uri(), "file:///etc/passwd", server.url("/exfil")):
        server.routes["/xxe"] = feedserver.feed(xxe_feed(target))
        rows = flag(server.url("/xxe"))
        outcome, source = poll(server.url("/xxe") + f"?t={len(server.requests)}")
        stored = " ".join(Item.objects.filter(source=source).values_list("title", "summary", flat=False).first() or ())
        for text in ("\n".join(rows), stored):
            assert "TOP-SECRET" not in text and "root:" not in text and "EXFILTRATED" not in text
        assert outcome.status in {"ok", "error"}
    assert server.hits("/exfil") == []


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>Laughs</title>
<item><guid>b1</guid><title>&lol9;</title><description>&lol9;</description></item></channel></rss>"""


def test_a_billion_laughs_feed_is_parsed_in_bounded_time_and_memory(server: FeedServer, loopback: Any) -> None:
    server.routes["/laughs"] = feedserver.feed(BILLION_LAUGHS)
    tracemalloc.start()
    started = time.monotonic()
    try:
        try:
            rows = flag(server.url("/laughs"))
        except CommandError as error:  # refusing the feed outright is as good as parsing it safely
            rows = [str(error)]
        outcome, _source = poll(server.url("/laughs"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 10
    assert peak < 200 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
    assert all(len(row) < 100_000 for row in rows)
    assert all(len(item.title) < 100_000 and len(item.summary) < 100_000 for item in Item.objects.all())
    assert outcome.status in {"ok", "error"}


# --- size and time -------------------------------------------------------------------------------------------


def test_a_gzip_bomb_is_refused_by_flag_feed_and_marks_only_its_source(
    server: FeedServer, loopback: Any, bomb: bytes
) -> None:
    server.routes["/bomb"] = feedserver.bomb(bomb)
    server.routes["/good"] = feedserver.feed(rss(("g1", "BIS adds SMIC to the Entity List", "")))
    tracemalloc.start()
    started = time.monotonic()
    try:
        assert "after decoding" in flag_refused(server.url("/bomb"))
        _, bombed = poll(server.url("/bomb"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 15
    assert peak < 150 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
    assert_failed_alone(bombed, "after decoding")
    _, good = poll(server.url("/good"))
    assert good.health == Health.OK and Item.objects.filter(source=good).count() == 1


def _stream(total: int, *, declare: bool) -> feedserver.Handler:
    """`total` bytes of a feed-looking body, in 1 MB writes, with or without a Content-Length."""

    def handle(request: http.server.BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "application/rss+xml")
        if declare:
            request.send_header("Content-Length", str(total))
        else:
            request.send_header("Connection", "close")
        request.end_headers()
        request.wfile.write(b"<?xml version='1.0'?><rss version='2.0'><channel><title>")
        block = b"A" * (1024 * 1024)
        for _ in range(total // len(block)):
            request.wfile.write(block)

    return handle


@pytest.mark.parametrize("declare", [True, False], ids=["content-length", "no-length"])
def test_a_100_mb_feed_is_cut_off_at_the_cap(server: FeedServer, loopback: Any, declare: bool) -> None:
    server.routes["/huge"] = _stream(100 * 1024 * 1024, declare=declare)
    started = time.monotonic()
    message = flag_refused(server.url("/huge"))
    assert "bytes" in message and ("more than" in message or "passed" in message), message
    _, source = poll(server.url("/huge"))
    assert time.monotonic() - started < 15
    assert_failed_alone(source, "bytes")


def test_a_100_mb_file_is_refused_by_flag_feed_without_reading_it_all(tmp_path: Path, settings: Any) -> None:
    settings.FEEDS_MAX_BYTES = 10 * 1024 * 1024
    huge = tmp_path / "huge.xml"
    with huge.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: 100 MB without writing them
    assert "larger than" in flag_refused(str(huge))


def test_a_feed_dripping_one_byte_a_second_is_cut_off_at_the_deadline(server: FeedServer, loopback: Any) -> None:
    loopback.FEEDS_FETCH_DEADLINE = 2.5
    server.routes["/drip"] = feedserver.drip(total=60, every=1.0)
    started = time.monotonic()
    assert "longer than 2.5 s" in flag_refused(server.url("/drip"))
    _, source = poll(server.url("/drip"))
    assert time.monotonic() - started < 9
    assert_failed_alone(source, "longer than")


# --- redirects -----------------------------------------------------------------------------------------------


def test_a_redirect_loop_stops_with_one_line(server: FeedServer, loopback: Any) -> None:
    server.routes["/a"] = feedserver.redirect("/b")
    server.routes["/b"] = feedserver.redirect("/a")
    assert "redirects" in flag_refused(server.url("/a"))
    _, source = poll(server.url("/a"))
    assert_failed_alone(source, "redirects")
    assert len(server.hits("/a")) + len(server.hits("/b")) <= 2 * (5 + 1)


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/feed",
        "http://192.168.1.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fe80::1]/",
        "http://0251.0376.0251.0376/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_FLUSHALL",
    ],
)
def test_a_redirect_to_a_private_address_or_scheme_is_refused_before_connecting(
    server: FeedServer, loopback: Any, loopback_only: list[Any], target: str
) -> None:
    server.routes["/r"] = feedserver.redirect(target)
    message = flag_refused(server.url("/r"))
    assert "refused" in message and "redirects to" in message, message
    _, source = poll(server.url("/r"))
    assert_failed_alone(source, "refused")
    # Only the loopback test server was ever connected to.
    assert {address[0] for address in loopback_only} == {"127.0.0.1"}


# --- malformed text -----------------------------------------------------------------------------------------

MALFORMED_UTF8 = (
    b"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Bad \xff\xfe bytes</title>"
    b"<item><guid>u1</guid><title>Huawei \xc3\x28 Ascend \xed\xa0\x80 surrogate \xf8\x88\x80\x80\x80 and NUL"
    b" &#0; \x00 here</title><description>Summary \x80\x81 with <b>\xe2\x82</b> cut off</description>"
    b"<link>https://feeds.example.org/u1</link></item>"
    b"<item><guid>u2\x00</guid><title>Second \xc0\xaf overlong</title></item></channel></rss>"
)


def test_malformed_utf8_and_nul_bytes_are_stored_as_valid_text(server: FeedServer, loopback: Any) -> None:
    server.routes["/utf8"] = feedserver.feed(MALFORMED_UTF8)
    try:
        rows = flag(server.url("/utf8"))
    except CommandError as error:
        rows = [str(error)]
    assert all("\x00" not in row for row in rows)
    outcome, source = poll(server.url("/utf8"))
    assert outcome.status in {"ok", "error"}, outcome
    for item in Item.objects.filter(source=source):
        for text in (item.title, item.summary, item.summary_html, item.guid):
            assert "\x00" not in text
            text.encode("utf-8")  # valid Unicode, storable on either database
    if outcome.status == "ok":
        assert Item.objects.filter(source=source).count() == 2


def test_the_parser_never_takes_feed_bytes_for_a_url_or_a_file(tmp_path: Path, loopback_only: list[Any]) -> None:
    for body in (b"http://169.254.169.254/latest/meta-data/", b"/etc/passwd", str(tmp_path).encode()):
        try:
            parse_feed(body)
        except Exception as error:
            assert "not a feed" in str(error)
    assert loopback_only == []


# --- volume ----------------------------------------------------------------------------------------------------


def big_feed(count: int) -> bytes:
    items = [
        (f"n{i}", f"Item {i}: local council approves bakery number {i}", f"Nothing to flag {i}.") for i in range(count)
    ]
    items[7] = ("n7", "BIS adds 40 Chinese AI chip firms to the Entity List", "Published April 2, 2025.")
    return rss(*items)


@pytest.mark.slow
@pytest.mark.faults
def test_a_10000_item_feed_is_flagged_and_stored_once_each(server: FeedServer, loopback: Any) -> None:
    body = big_feed(10_000)
    assert len(body) < loopback.FEEDS_MAX_BYTES
    server.routes["/big"] = feedserver.feed(body, conditional=False)
    started = time.monotonic()
    rows = flag(server.url("/big"))
    assert len(rows) == 10_000
    outcome, source = poll(server.url("/big"))
    assert outcome.status == "ok" and outcome.new_items == 10_000, outcome
    again = source_poll(source_id=source.pk)  # the same 10,000 again: nothing new
    elapsed = time.monotonic() - started
    assert again.status == "ok" and again.new_items == 0
    assert Item.objects.filter(source=source).count() == 10_000
    assert Candidate.objects.filter(item__source=source).count() >= 1
    assert elapsed < 300, f"{elapsed:.0f} s"  # 30 s alone on SQLite; minutes on a busy 2-core machine
