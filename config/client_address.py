"""The client's address: REMOTE_ADDR, or what a trusted proxy wrote in X-Forwarded-For (settings.TRUSTED_PROXIES).

Throttles count per client address (the admin login throttle, the API throttles, the digest subscribe limit).
Behind a proxy REMOTE_ADDR is the proxy, so counting it would count every client together, and one guesser would
lock everybody out. X-Forwarded-For says who the client is, but a client can send that header itself, so it is
believed only as far as the deployment declares: each of the TRUSTED_PROXIES proxies in front of the service
appends the address it received the request from, so the entry that many places from the right was written by
the outermost trusted proxy, and everything left of it is the client's own claim. With no trusted proxy (the
default) the header is ignored. docker-compose.yml sets 1 for Caddy, which replaces any X-Forwarded-For a
client sends with the client's address.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    remote = str(request.META.get("REMOTE_ADDR", ""))
    trusted = int(settings.TRUSTED_PROXIES)
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if trusted <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    claimed = hops[-min(trusted, len(hops))]
    try:
        return str(ipaddress.ip_address(claimed))
    except ValueError:  # not an address: a misconfigured proxy; count the connection's own address instead
        return remote
