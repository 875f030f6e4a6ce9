"""The cyclic garbage collector's settings for a process that serves requests (config/wsgi.py).

A request keeps thousands of containers alive until its answer is written (rows, dicts, lists), so at CPython's
default thresholds (700, 10, 10) the collector runs several times a request and scans them all, and every few
hundred requests a full collection also walks everything the process loaded at start (Django, the apps and the
libraries they import: some 200,000 objects). On a search page over 1,000,000 developments that was about 8% of the
page's CPU, a p95 about 1 ms above the p50, and a pause of about 80 ms every few hundred requests. Reference
counting frees nearly everything a request leaves behind; the collector is only for cycles, and a higher first
threshold finds the same cycles a little later. What start-up loaded lives as long as the process, so it is frozen
out of the collector's sight (gc.freeze).
"""

from __future__ import annotations

import gc

# Net new containers before a young collection: more than one request builds, so most requests see none.
YOUNG_THRESHOLD = 50_000
OLDER_THRESHOLDS = (20, 20)


def tune_for_serving() -> None:
    """Call once the application is loaded, before the first request."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
