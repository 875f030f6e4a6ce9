"""A virtualenv built from requirements.txt alone, as the Dockerfile installs it, cached under var/cache/.

The developers' venv also holds requirements-dev.txt, whose packages (pytest pulls in `packaging`, for one) can
hide a runtime dependency that requirements.txt forgets. Tests that run production commands with this venv's
python catch that. The venv is named by the hash of requirements.txt and the interpreter's version, so it is
built once (pip's download cache makes even that quick) and rebuilt whenever the file changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements.txt"
CACHE = ROOT / "var" / "cache" / "production-venv"


def production_python() -> Path:
    """The python of a venv holding exactly requirements.txt; built on first use, then reused.

    Run its console scripts as `python -m celery` / `python -m gunicorn`: the venv is built in a scratch folder
    and renamed into place (so a half-built one is never used, and two test processes never share one being
    built), which keeps the interpreter working but not the scripts' first lines."""
    key = hashlib.sha256(REQUIREMENTS.read_bytes() + sys.version.encode()).hexdigest()[:16]
    target = CACHE / key
    python = target / "bin" / "python"
    if python.exists():
        return python
    CACHE.mkdir(parents=True, exist_ok=True)
    scratch = CACHE / f"{key}.building-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(scratch)], check=True, capture_output=True, timeout=120)
        result = subprocess.run(
            [str(scratch / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q",
             "-r", str(REQUIREMENTS)],
            capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        if result.returncode != 0:
            raise AssertionError(f"pip install -r requirements.txt failed:\n{result.stdout}\n{result.stderr}")
        try:
            scratch.rename(target)
        except OSError:
            if not python.exists():  # not another process that finished first: a real failure
                raise
        for stale in CACHE.iterdir():  # venvs of earlier requirements.txt, never used again
            if not stale.name.startswith(key) and ".building-" not in stale.name:
                shutil.rmtree(stale, ignore_errors=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return python
