"""Fixtures for the alert tests: a loopback webhook receiver (a real HTTP server on 127.0.0.1 that can be stopped
and started again on the same port), users, and developments recorded through the timeline services."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User

from alerts import services
from alerts.models import SavedSearch
from api.filters import DevelopmentFilterSet
from timeline.models import Development


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Records every POST; answers `status` (200 by default). `stop()` and `start()` keep the port."""

    port: int = 0
    status: int = 200
    received: list[Received] = field(default_factory=list)
    server: http.server.ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Receiver:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    if receiver.status < 300:
                        receiver.received.append(Received(self.path, dict(self.headers.items()), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def ids(self) -> list[str]:
        with self.lock:
            return [item.headers["webhook-id"] for item in self.received]


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    settings.ALERTS_ALLOW_LOOPBACK = True
    server = Receiver().start()
    yield server
    server.stop()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_owner(username: str = "olga") -> User:
    return User.objects.create_user(username=username, email=f"{username}@example.org", password="x")


def save_search(owner: User, query: str = "", *, name: str = "watch", **fields: Any) -> SavedSearch:
    """A saved search made as the API makes it: the query parsed by the developments list's FilterSet."""
    filterset = DevelopmentFilterSet(_params(query), queryset=Development.objects.none())
    assert filterset.is_valid(), filterset.errors
    changes = services.SavedSearchChanges(name=name, query=query, filters=filterset.timeline_filters(), **fields)
    return services.saved_search_create(owner=owner, changes=changes)


def _params(query: str) -> Any:
    from django.http import QueryDict

    return QueryDict(query)
