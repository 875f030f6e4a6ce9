"""A real HTTP server on loopback for feed tests: routes set per test, requests recorded.

Used by tests/sources and tests/workers (the Celery worker fetches from it like from any feed host).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.server
import struct
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any

Handler = Callable[[http.server.BaseHTTPRequestHandler], None]


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    query: str = ""


@dataclass
class FeedServer:
    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    server: http.server.ThreadingHTTPServer | None = None

    def start(self) -> FeedServer:
        owner = self

        class RequestHandler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                owner.requests.append(Recorded(path, {k.lower(): v for k, v in self.headers.items()}, query))
                handler = owner.routes.get(path)
                if handler is None:
                    respond(self, 404, b"no such feed\n", {"Content-Type": "text/plain"})
                    return
                # The client may give up (a refused bomb, a timeout): that is the point of some tests.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    handler(self)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> list[Recorded]:
        return [request for request in self.requests if request.path == path]


def respond(handler: http.server.BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if body and handler.command != "HEAD":
        handler.wfile.write(body)


def feed(
    body: bytes,
    *,
    content_type: str = "application/rss+xml; charset=utf-8",
    conditional: bool = True,
    delay: float = 0.0,
    extra: dict[str, str] | None = None,
) -> Handler:
    """A feed with an ETag and Last-Modified; answers 304 to a matching conditional GET."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    modified = formatdate(1_700_000_000, usegmt=True)

    def handle(request: http.server.BaseHTTPRequestHandler) -> None:
        if delay:
            time.sleep(delay)
        headers = {"Content-Type": content_type, **(extra or {})}
        if conditional:
            headers.update({"ETag": etag, "Last-Modified": modified})
            if request.headers.get("If-None-Match") == etag:
                respond(request, 304, b"", {"ETag": etag})
                return
        respond(request, 200, body, headers)

    return handle


def status(code: int, headers: dict[str, str] | None = None, body: bytes = b"error\n") -> Handler:
    def handle(request: http.server.BaseHTTPRequestHandler) -> None:
        respond(request, code, body, {"Content-Type": "text/plain", **(headers or {})})

    return handle


def redirect(location: str, code: int = 302) -> Handler:
    return status(code, {"Location": location}, b"")


def stall(seconds: float) -> Handler:
    """Accepts the request and says nothing for `seconds` (a read timeout for any shorter client timeout)."""

    def handle(request: http.server.BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        respond(request, 200, b"<rss version='2.0'><channel></channel></rss>", {"Content-Type": "application/xml"})

    return handle


def drip(total: int = 200, every: float = 0.2) -> Handler:
    """Sends headers, then one byte every `every` seconds (never idle long enough for a read timeout)."""

    def handle(request: http.server.BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "application/rss+xml")
        request.send_header("Content-Length", str(total))
        request.end_headers()
        for _ in range(total):
            request.wfile.write(b" ")
            request.wfile.flush()
            time.sleep(every)

    return handle


def gzipped(body: bytes) -> Handler:
    data = gzip.compress(body)

    def handle(request: http.server.BaseHTTPRequestHandler) -> None:
        respond(request, 200, data, {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"})

    return handle


def make_gzip_bomb(decoded_size: int = 2 * 1024**3, chunk: int = 1024 * 1024) -> bytes:
    """A valid gzip stream of `decoded_size` zero bytes (2 GiB by default: about 2 MB compressed), built from
    one compressed chunk repeated: after a full flush deflate restarts, so equal input gives equal blocks."""
    assert decoded_size % chunk == 0
    zeros = bytes(chunk)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    final = compressor.flush(zlib.Z_FINISH)[:-8]  # an empty last block; the trailer is written below
    crc = 0
    for _ in range(decoded_size // chunk):
        crc = zlib.crc32(zeros, crc)
    trailer = struct.pack("<II", crc & 0xFFFFFFFF, decoded_size & 0xFFFFFFFF)
    return first + block * (decoded_size // chunk - 1) + final + trailer


def gzip_bomb_cached(directory: Path, decoded_size: int = 2 * 1024**3) -> bytes:
    path = directory / f"bomb-{decoded_size}.gz"
    if not path.exists():
        path.write_bytes(make_gzip_bomb(decoded_size))
    return path.read_bytes()


def bomb(data: bytes) -> Handler:
    def handle(request: http.server.BaseHTTPRequestHandler) -> None:
        respond(request, 200, data, {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"})

    return handle


def rss(*items: tuple[str, str, str], title: str = "Test feed", ttl: int | None = None) -> bytes:
    """An RSS 2.0 feed of (guid, title, description) items, each a day apart, newest first."""
    parts = [
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{title}</title>",
        "<link>https://feeds.example.org/</link>",
    ]
    if ttl is not None:
        parts.append(f"<ttl>{ttl}</ttl>")
    for number, (guid, item_title, description) in enumerate(items):
        day = 28 - number
        parts.append(
            f"<item><guid isPermaLink='false'>{guid}</guid><title>{item_title}</title>"
            f"<link>https://feeds.example.org/{guid}?utm_source=rss</link>"
            f"<pubDate>Mon, {day:02d} Apr 2025 10:00:00 +0000</pubDate><description>{description}</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()
