"""Benchmarks against peers, printing ratios; `python -m bench` runs them all (bench/run_all.py).

Benchmarks run Django in-process with DEBUG off, which production settings guard: a throwaway SECRET_KEY and no
redirect to HTTPS (there is no TLS proxy in front of an in-process client) unless the environment sets them.
Only when a benchmark is the program (`python -m bench...`): tests import helpers from bench/ (bench.load) and
must not inherit these defaults, or their production-settings subprocesses would run with them.
"""

import os
import secrets
import sys
from pathlib import Path

# Under `python -m bench.x`, sys.argv[0] is "-m" while the package is imported, then bench/x.py's path.
if sys.argv[:1] == ["-m"] or (sys.argv and Path(sys.argv[0]).resolve().parent == Path(__file__).resolve().parent):
    os.environ.setdefault("SECRET_KEY", "bench-only-" + secrets.token_urlsafe(48))
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
