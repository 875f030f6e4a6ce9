"""Container health probe, standard library only: `python config/probe.py URL [--check NAME]`.

Exits 0 when URL answers 200 (or, with --check, when that check of /health/ready's JSON is ok, whatever the
others say), 1 otherwise, printing one line. Run as a script, not `-m`, so that it imports neither Django nor
Celery: docker-compose.yml runs it every few seconds in every container.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request


def probe(url: str, check: str | None, timeout: float) -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - a fixed http URL
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    except OSError as error:
        return False, f"{url}: {error}"
    if check is None:
        return status == 200, f"{url}: HTTP {status}"
    try:
        result = json.loads(body)["checks"][check]
    except (ValueError, KeyError, TypeError):
        return False, f"{url}: HTTP {status}, no check {check!r} in the answer"
    return bool(result.get("ok")), f"{url}: {check}: " + ("ok" if result.get("ok") else str(result.get("error")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--check", help="name of one /health/ready check that must be ok (e.g. beat)")
    parser.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args(argv)
    ok, line = probe(args.url, args.check, args.timeout)
    print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
