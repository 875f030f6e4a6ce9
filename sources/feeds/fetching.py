"""The service's own HTTP client for feeds (the parser never fetches anything).

Only http and https. The address a host resolves to is checked when the connection is made, on the first
request and on every redirect, so a DNS answer that changes between a check and a connect cannot slip a
private address through: private, loopback, link-local, reserved, multicast, unspecified and IPv4-mapped
IPv6 addresses are refused, whatever spelling the URL uses (http://0x7f000001/, http://2130706433/ ...).
FEEDS_ALLOW_LOOPBACK opens loopback, and only loopback, for development and tests.

Connect and read timeouts, a total deadline (a watchdog closes the socket, so a server dripping one byte a
second cannot hold a worker), caps on the bytes received and on the bytes after decoding (gzip bombs),
conditional GET with ETag and Last-Modified, and a configurable User-Agent. Every failure is a FetchError
whose message is one line that says what happened.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.conf import settings

from sources.feeds.headers import parse_max_age, parse_retry_after

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/feed+json;q=0.9, "
    "application/json;q=0.8, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)


class FetchError(Exception):
    """A fetch failed; the message is one line fit to show an analyst as the source's last error."""


class UnsafeURLError(FetchError):
    """The URL's scheme or the address it resolves to is not one the service may fetch."""


class FetchTimeoutError(FetchError):
    """Connecting, reading or the whole fetch took too long."""


class ResponseTooLargeError(FetchError):
    """The body (as received, or after decoding) passed the size cap."""


class TooManyRedirectsError(FetchError):
    """The server redirected more often than allowed."""


class HTTPStatusError(FetchError):
    """The server answered with an error status."""

    def __init__(self, message: str, *, status: int, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses may be connected to: public ones, loopback when opened, and exact sockets for tests."""

    allow_loopback: bool = False
    allowed_sockets: frozenset[tuple[str, int]] = frozenset()

    def problem(self, ip: IPAddress, port: int) -> str | None:
        """Why `ip` may not be connected to, or None when it may."""
        if (str(ip), port) in self.allowed_sockets:
            return None
        if isinstance(ip, ipaddress.IPv6Address):
            if ip.ipv4_mapped is not None:
                return "an IPv4-mapped IPv6 address"
            if ip.sixtofour is not None or ip.teredo is not None:
                return "a tunnelled (6to4 or Teredo) IPv6 address"
        if ip.is_unspecified:
            return "an unspecified address"
        if ip.is_loopback:
            return None if self.allow_loopback else "a loopback address"
        if ip.is_link_local:
            return "a link-local address"
        if ip.is_multicast:
            return "a multicast address"
        if ip.is_private:
            return "a private address"
        if ip.is_reserved:
            return "a reserved address"
        if not ip.is_global:
            return "not a public address"
        return None


@dataclass(frozen=True)
class FetchLimits:
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline: float = 60.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = "timeline-feeds/1.0"


def policy_from_settings() -> AddressPolicy:
    return AddressPolicy(allow_loopback=settings.FEEDS_ALLOW_LOOPBACK)


def limits_from_settings() -> FetchLimits:
    return FetchLimits(
        connect_timeout=settings.FEEDS_CONNECT_TIMEOUT,
        read_timeout=settings.FEEDS_READ_TIMEOUT,
        deadline=settings.FEEDS_FETCH_DEADLINE,
        max_bytes=settings.FEEDS_MAX_BYTES,
        max_redirects=settings.FEEDS_MAX_REDIRECTS,
        user_agent=settings.FEEDS_USER_AGENT,
    )


@dataclass
class FetchResult:
    url: str
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    redirects: list[str] = field(default_factory=list)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str:
        return self.headers.get("etag", "")

    @property
    def last_modified(self) -> str:
        return self.headers.get("last-modified", "")

    @property
    def retry_after(self) -> float | None:
        return parse_retry_after(self.headers.get("retry-after", ""))

    @property
    def max_age(self) -> float | None:
        return parse_max_age(self.headers)


# --- URLs and addresses ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    path: str


def parse_target(url: str) -> Target:
    """Split and check a URL's syntax: http or https, a host, no credentials."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise UnsafeURLError(f"refused {url!r}: not a valid URL ({error})") from error
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        shown = f"{scheme}:" if scheme else "no scheme"
        raise UnsafeURLError(f"refused {url!r}: only http and https URLs are fetched, not {shown}")
    if not parts.hostname:
        raise UnsafeURLError(f"refused {url!r}: the URL names no host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURLError(f"refused {url!r}: URLs with credentials are not fetched")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(url.strip(), scheme, parts.hostname, port or (443 if scheme == "https" else 80), path)


def resolve_checked(host: str, port: int, policy: AddressPolicy) -> list[tuple[Any, ...]]:
    """The host's addresses that the policy allows, as getaddrinfo tuples; UnsafeURLError if there are none.

    `host` may be any spelling the resolver accepts (names, dotted, hex, octal, decimal, IPv6); the check is
    on the address it resolves to, never on the spelling.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(f"cannot resolve host {host!r}: {error}") from error
    allowed, refused = [], []
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]
        ip = ipaddress.ip_address(address)
        problem = policy.problem(ip, port)
        if problem is None:
            allowed.append(info)
        else:
            refused.append(f"{ip} ({problem})")
    if not allowed:
        raise UnsafeURLError(f"{host} resolves to {', '.join(refused)}")
    return allowed


def check_url(url: str, policy: AddressPolicy | None = None) -> Target:
    """Refuse a URL up front (scheme, syntax, the addresses its host resolves to) with a one-line reason."""
    target = parse_target(url)
    try:
        resolve_checked(target.host, target.port, policy or policy_from_settings())
    except UnsafeURLError as error:
        raise UnsafeURLError(f"refused {url}: {error}") from error
    return target


def _connect_checked(host: str, port: int, timeout: float | None, policy: AddressPolicy) -> socket.socket:
    """Resolve, check and connect in one step: the socket goes only to an address that passed the check."""
    last_error: OSError | None = None
    for family, kind, proto, _name, sockaddr in resolve_checked(host, port, policy):
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
            return sock
        except OSError as error:
            sock.close()
            last_error = error
    if isinstance(last_error, TimeoutError):
        raise FetchTimeoutError(f"connecting to {host}:{port} timed out")
    raise FetchError(f"cannot connect to {host}:{port}: {last_error}")


class _CheckedHTTPConnection(http.client.HTTPConnection):
    # http.client drops `sock` once the response owns the stream; the watchdog needs the socket until the end.
    raw_sock: socket.socket | None = None

    def __init__(self, host: str, port: int, *, policy: AddressPolicy, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._policy = policy

    def connect(self) -> None:
        self.sock = self.raw_sock = _connect_checked(self.host, self.port, self.timeout, self._policy)


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    raw_sock: socket.socket | None = None

    def __init__(self, host: str, port: int, *, policy: AddressPolicy, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._policy = policy

    def connect(self) -> None:
        sock = _connect_checked(self.host, self.port, self.timeout, self._policy)
        self.sock = self.raw_sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def checked_connection(
    target: Target, *, policy: AddressPolicy, timeout: float
) -> _CheckedHTTPConnection | _CheckedHTTPSConnection:
    """A connection to `target` whose socket goes only to an address `policy` allows, checked when it connects
    (for callers other than `fetch` that send to user-given URLs: webhooks). Close `raw_sock` too when done."""
    connection_class = _CheckedHTTPSConnection if target.scheme == "https" else _CheckedHTTPConnection
    return connection_class(target.host, target.port, policy=policy, timeout=timeout)


# --- bodies ---------------------------------------------------------------------------------------------------


class _Decoder:
    """Content-Encoding decoding with a cap on the decoded size; multi-member gzip included."""

    def __init__(self, encoding: str, cap: int, url: str) -> None:
        self.encoding = encoding
        self.remaining = cap
        self.cap = cap
        self.url = url
        self.parts: list[bytes] = []
        self._wbits = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS}.get(encoding, 0)
        self._zlib: Any = None
        self._done = False

    def _emit(self, data: bytes) -> None:
        if len(data) > self.remaining:
            raise ResponseTooLargeError(f"{self.url}: the body passed {self.cap:,} bytes after decoding")
        self.remaining -= len(data)
        if data:
            self.parts.append(data)

    def feed(self, data: bytes) -> None:
        if self.encoding in {"", "identity"}:
            self._emit(data)
            return
        while data and not self._done:
            if self._zlib is None:
                if self._wbits == 0:  # deflate: zlib-wrapped per the RFC, raw deflate from some servers
                    self._wbits = zlib.MAX_WBITS if (data[0] & 0x0F) == 8 else -zlib.MAX_WBITS
                self._zlib = zlib.decompressobj(self._wbits)
            try:
                self._emit(self._zlib.decompress(data, self.remaining + 1))
            except zlib.error as error:
                raise FetchError(f"{self.url}: the {self.encoding} body is corrupt ({error})") from error
            if self._zlib.eof:
                data = self._zlib.unused_data
                self._zlib = None
                if self._wbits < 16 + zlib.MAX_WBITS or not data.strip(b"\x00"):
                    self._done = True  # only gzip has members; trailing NUL padding is ignored
            else:
                data = self._zlib.unconsumed_tail

    def finish(self) -> bytes:
        if self._zlib is not None:
            self._emit(self._zlib.flush())
        return b"".join(self.parts)


class _Watchdog:
    """Closes the connection's socket when the deadline passes, whatever the client is waiting for."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._connection: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, connection: http.client.HTTPConnection | None) -> None:
        with self._lock:
            self._connection = connection
            if self.fired and connection is not None:
                self._shutdown(connection)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            if self._connection is not None:
                self._shutdown(self._connection)

    @staticmethod
    def _shutdown(connection: http.client.HTTPConnection) -> None:
        sock = getattr(connection, "raw_sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing to interrupt
                sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


def _read_body(response: http.client.HTTPResponse, url: str, limits: FetchLimits) -> bytes:
    length = response.getheader("content-length", "")
    if length.strip().isdecimal() and int(length) > limits.max_bytes:
        raise ResponseTooLargeError(f"{url}: the body is {int(length):,} bytes, more than {limits.max_bytes:,}")
    encoding = (response.getheader("content-encoding", "") or "").strip().lower()
    if encoding not in {"", "identity", "gzip", "x-gzip", "deflate"}:
        raise FetchError(f"{url}: unsupported Content-Encoding {encoding!r}")
    decoder = _Decoder(encoding, limits.max_bytes, url)
    received = 0
    while True:
        chunk = response.read1(64 * 1024)
        if not chunk:
            break
        received += len(chunk)
        if received > limits.max_bytes:
            raise ResponseTooLargeError(f"{url}: the body passed {limits.max_bytes:,} bytes")
        decoder.feed(chunk)
    return decoder.finish()


# --- the client -----------------------------------------------------------------------------------------------


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    policy: AddressPolicy | None = None,
    limits: FetchLimits | None = None,
) -> FetchResult:
    """GET a feed safely, following up to `max_redirects` redirects, each checked like the first URL.

    Returns the final response (status 200-299, or 304 when the validators still hold); raises FetchError
    (or a subclass) for everything else.
    """
    policy = policy or policy_from_settings()
    limits = limits or limits_from_settings()
    watchdog = _Watchdog(limits.deadline)
    redirects: list[str] = []
    current = url
    try:
        for _hop in range(limits.max_redirects + 1):
            target = parse_target(current)
            connection_class = _CheckedHTTPSConnection if target.scheme == "https" else _CheckedHTTPConnection
            connection: _CheckedHTTPConnection | _CheckedHTTPSConnection = connection_class(
                target.host, target.port, policy=policy, timeout=limits.connect_timeout
            )
            watchdog.watch(connection)
            try:
                response = _request(connection, target, etag=etag, last_modified=last_modified, limits=limits)
                headers = {name.lower(): value for name, value in response.getheaders()}
                status = response.status
                if status in REDIRECT_STATUSES and headers.get("location"):
                    current = urljoin(target.url, headers["location"].strip())
                    redirects.append(current)
                    continue
                if status == 304:
                    return FetchResult(target.url, status, b"", headers, redirects)
                if status >= 300:
                    retry_after = parse_retry_after(headers.get("retry-after", ""))
                    reason = (response.reason or "").strip()
                    raise HTTPStatusError(
                        f"{target.url}: HTTP {status} {reason}".rstrip(), status=status, retry_after=retry_after
                    )
                body = _read_body(response, target.url, limits)
                if watchdog.fired:  # the watchdog's shutdown reads as an early end of the body
                    raise FetchTimeoutError(f"{url}: the fetch took longer than {limits.deadline:g} s")
                return FetchResult(target.url, status, body, headers, redirects)
            finally:
                connection.close()
                if connection.raw_sock is not None:
                    connection.raw_sock.close()
        raise TooManyRedirectsError(f"{url}: more than {limits.max_redirects} redirects")
    except UnsafeURLError as error:
        detail = str(error)
        if redirects:
            detail = detail.removeprefix(f"refused {current!r}: ")
            raise UnsafeURLError(f"refused {url}: it redirects to {current}, and {detail}") from error
        if detail.startswith("refused "):
            raise
        raise UnsafeURLError(f"refused {url}: {detail}") from error
    except FetchError:
        if watchdog.fired:
            raise FetchTimeoutError(f"{url}: the fetch took longer than {limits.deadline:g} s") from None
        raise
    except TimeoutError as error:
        if watchdog.fired:
            raise FetchTimeoutError(f"{url}: the fetch took longer than {limits.deadline:g} s") from error
        raise FetchTimeoutError(f"{current}: no data for {limits.read_timeout:g} s (read timeout)") from error
    except (OSError, http.client.HTTPException, ValueError) as error:
        if watchdog.fired:
            raise FetchTimeoutError(f"{url}: the fetch took longer than {limits.deadline:g} s") from error
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise FetchError(f"{current}: {detail}") from error
    finally:
        watchdog.cancel()


def _request(
    connection: http.client.HTTPConnection, target: Target, *, etag: str, last_modified: str, limits: FetchLimits
) -> http.client.HTTPResponse:
    connection.putrequest("GET", target.path, skip_accept_encoding=True)
    connection.putheader("User-Agent", limits.user_agent)
    connection.putheader("Accept", ACCEPT)
    connection.putheader("Accept-Encoding", "gzip, deflate")
    connection.putheader("Connection", "close")
    if etag:
        connection.putheader("If-None-Match", etag)
    if last_modified:
        connection.putheader("If-Modified-Since", last_modified)
    connection.endheaders()
    if connection.sock is not None:
        # The connect timeout covered the handshake; from here on each read may wait `read_timeout`.
        connection.sock.settimeout(limits.read_timeout)
    return connection.getresponse()
