"""A serving process (config/wsgi.py, as gunicorn loads it) runs the collector at config.gc_tuning's settings, with
what start-up loaded frozen out of its sight, and still answers. Run in a subprocess: the settings are process-wide."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from config import gc_tuning

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, json
from config.wsgi import application
from django.test import Client
status = Client().get("/health/live").status_code
print(json.dumps({"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count(), "status": status}))
"""


def test_the_wsgi_application_serves_with_the_tuned_collector(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["threshold"] == [gc_tuning.YOUNG_THRESHOLD, *gc_tuning.OLDER_THRESHOLDS]
    # Django, the apps and their modules: far more than a bare interpreter's few thousand objects.
    assert seen["frozen"] > 50_000
    assert seen["status"] == 200
