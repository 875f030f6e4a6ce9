"""Benchmarks against peers, printing ratios; `python -m bench` runs them all (bench/run_all.py).

Benchmarks run Django in-process with DEBUG off, which production settings guard: a throwaway SECRET_KEY and no
redirect to HTTPS (there is no TLS proxy in front of an in-process client) unless the environment sets them.
"""

import os
import secrets

os.environ.setdefault("SECRET_KEY", "bench-only-" + secrets.token_urlsafe(48))
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
