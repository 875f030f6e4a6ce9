"""Serve the sample feeds of sources/samples/ on loopback, with ETag and Last-Modified, for offline demos."""

from __future__ import annotations

import hashlib
import http.server
import mimetypes
from email.utils import formatdate
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "samples"
CONTENT_TYPES = {
    ".xml": "application/rss+xml",
    ".rdf": "application/rdf+xml",
    ".atom": "application/atom+xml",
    ".json": "application/feed+json",
}


def sample_files() -> dict[str, Path]:
    """The servable samples by file name (nothing outside the folder can be asked for)."""
    return {path.name: path for path in sorted(SAMPLES_DIR.iterdir()) if path.suffix in CONTENT_TYPES}


def make_handler(files: dict[str, Path]) -> type[http.server.BaseHTTPRequestHandler]:
    class SampleHandler(http.server.BaseHTTPRequestHandler):
        server_version = "sample-feeds/1.0"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            name = self.path.split("?", 1)[0].lstrip("/")
            if name == "":
                body = "\n".join(files).encode()
                self._send(200, body, "text/plain; charset=utf-8", {})
                return
            path = files.get(name)
            if path is None:
                self._send(404, b"not found\n", "text/plain", {})
                return
            body = path.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            modified = formatdate(path.stat().st_mtime, usegmt=True)
            headers = {"ETag": etag, "Last-Modified": modified, "Cache-Control": "max-age=300"}
            if self.headers.get("If-None-Match") == etag:
                self._send(304, b"", "", headers)
                return
            content_type = CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(name)[0] or "application/xml"
            self._send(200, body, f"{content_type}; charset=utf-8", headers)

        def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

    return SampleHandler


class Command(BaseCommand):
    help = "Serve the sample feeds on http://127.0.0.1:PORT/ until interrupted (for `add_sample_sources`)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--host", default="127.0.0.1", help="loopback only by default")

    def handle(self, *args: Any, **options: Any) -> None:
        files = sample_files()
        try:
            server = http.server.ThreadingHTTPServer((options["host"], options["port"]), make_handler(files))
        except OSError as error:
            raise CommandError(f"cannot listen on {options['host']}:{options['port']}: {error.strerror}") from error
        host, port = options["host"], server.server_address[1]
        self.stdout.write(f"serving {len(files)} sample feeds on http://{host}:{port}/", ending="\n")
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
