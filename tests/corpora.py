"""feedparser's own test feeds, fetched once from the package index and kept in an ignored cache folder.

They ship in feedparser's source distribution (its `tests/` folder). pip downloads the sdist of the version
requirements.txt pins, from the index and with the options the install itself uses, so a clone with nothing
beside it has the corpus too. The cache is `.cache/test-corpora/feedparser-<version>/` (in .gitignore).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "test-corpora"
# The sdist's folders of feeds (compression/ holds compressed blobs, not feeds, and is left out).
GROUPS = ("encoding", "entities", "http", "illformed", "wellformed")
FEED_SUFFIXES = frozenset({".xml", ".json", ".rdf"})


class CorpusError(Exception):
    """The corpus could not be fetched or unpacked; the message is one line saying why."""


def pinned_version(package: str, requirements: Path = ROOT / "requirements.txt") -> str:
    """The version requirements.txt pins for a package (`name==version`)."""
    pattern = re.compile(rf"^\s*{re.escape(package)}\s*==\s*([^\s;#]+)", re.I | re.M)
    found = pattern.search(requirements.read_text())
    if found is None:
        raise CorpusError(f"{requirements.name} pins no version of {package}")
    return found.group(1)


def feed_files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix in FEED_SUFFIXES)


def feedparser_corpus(version: str | None = None, cache: Path = CACHE) -> Path:
    """The folder holding feedparser's test feeds (of the pinned version unless given), one sub-folder per group;
    fetched on first use. Raises CorpusError when they cannot be fetched."""
    version = version or pinned_version("feedparser")
    target = cache / f"feedparser-{version}"
    if target.is_dir():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as scratch:
        # The venv's own pip: the index and settings of the install (pip.conf, PIP_INDEX_URL) apply unchanged.
        download = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
        command = [*download, "--disable-pip-version-check", "-q", "-d", scratch, f"feedparser=={version}"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["(no message)"])[-1]
            raise CorpusError(f"pip could not download feedparser=={version}'s sdist from the package index: {last}")
        archives = list(Path(scratch).glob("feedparser-*.tar.gz"))
        if len(archives) != 1:
            raise CorpusError(f"pip downloaded no feedparser-{version}.tar.gz into {scratch}")
        unpacked = Path(scratch) / "unpacked"
        with tarfile.open(archives[0]) as archive:
            members = [m for m in archive.getmembers() if _group_of(m.name) in GROUPS and m.isfile()]
            archive.extractall(unpacked, members=members, filter="data")
        (tests,) = unpacked.glob("*/tests")
        # Renamed into place only when complete, so an interrupted first run leaves no half corpus behind.
        try:
            tests.rename(target)
        except OSError:
            if not target.is_dir():  # another session finished first otherwise
                raise
    return target


def _group_of(member: str) -> str:
    """`feedparser-6.0.14/tests/wellformed/rss/x.xml` -> `wellformed`."""
    parts = member.split("/")
    return parts[2] if len(parts) > 3 and parts[1] == "tests" else ""
