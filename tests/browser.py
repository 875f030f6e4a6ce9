"""Headless Chromium for the browser tests (tests/admin, tests/api, tests/web): one way to start it.

Debian's chromium and chromedriver (apt-get install -y chromium chromium-driver; tests/api/js/install.sh does it),
driven by selenium from requirements-dev.txt. A test tool's own browser download cannot work here (no network
beyond the package registries), so the binaries are always the system's. The `browser` fixture in
tests/conftest.py skips, saying what is missing, when any of them is.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Quiet and self-contained: no first-run pages, no background calls home, no GPU, /tmp instead of a small /dev/shm.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        return "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install -y chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "needs selenium (requirements-dev.txt)"
    return None


@contextmanager
def headless_chromium(*, width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """A Chromium WebDriver with a throwaway profile and the console log kept (driver.get_log("browser"))."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
