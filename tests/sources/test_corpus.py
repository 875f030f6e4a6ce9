"""Every file of feedparser's test corpus (/work/shared/corpora/feedparser/) goes through parse, sanitise,
dedup and flag without an unhandled exception, and nothing executable survives. No server, no database."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sources.flagging import default_rules
from sources.parsing import FeedParseError
from sources.pipeline import feed_process
from sources.sanitising import ALLOWED_TAGS, URL_SCHEMES

# ../shared beside the repository: every developer and every CI run has it there.
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "feedparser"
FILES = sorted(path for path in CORPUS.rglob("*") if path.is_file() and path.suffix in {".xml", ".json", ".rdf"})
_HEADER = re.compile(rb"^\s*Header:\s*Content-Type:\s*(.+?)\s*$", re.M | re.I)
_TAG = re.compile(r"<\s*/?\s*[a-z!?]", re.I)


class _ActiveContent(HTMLParser):
    """Collects anything executable left in sanitised HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "src", "srcdoc", "formaction"}:
                self.problems.append(f"attribute {name}")
            if name in {"href", "cite"} and value:
                scheme = re.match(r"\s*([a-z][a-z0-9+.-]*):", value, re.I)
                if scheme and scheme.group(1).lower() not in URL_SCHEMES:
                    self.problems.append(f"{name}={value[:40]}")


def _content_type(body: bytes) -> str:
    found = _HEADER.search(body[:2000])
    return found.group(1).decode("latin-1") if found else ""


def _problems(path: Path) -> list[str]:
    body = path.read_bytes()
    try:
        feed, entries = feed_process(body, rules=default_rules(), content_type=_content_type(body))
    except FeedParseError:
        return []  # not a feed at all: a source serving it is marked unhealthy with this reason
    problems = []
    texts = [feed.title] + [text for p in entries for text in (p.entry.title, p.entry.summary, p.entry.author)]
    problems += [f"markup in plain text: {text[:80]!r}" for text in texts if _TAG.search(text)]
    for processed in entries:
        checker = _ActiveContent()
        checker.feed(processed.entry.summary_html)
        problems += checker.problems
        if processed.flag is None:
            problems.append("not flagged")
        if processed.entry.link and not processed.entry.link.startswith(("http://", "https://")):
            problems.append(f"link {processed.entry.link[:60]}")
    return problems


GROUPS = sorted({path.relative_to(CORPUS).parts[0] for path in FILES})


@pytest.mark.skipif(not FILES, reason="the feedparser corpus is not on this machine")
@pytest.mark.parametrize("group", GROUPS)
def test_every_corpus_file_goes_through_the_pipeline_and_leaves_nothing_executable(group: str) -> None:
    failures = {}
    for path in FILES:
        if path.relative_to(CORPUS).parts[0] == group:
            problems = _problems(path)  # an unhandled exception fails the test with the file in the traceback
            if problems:
                failures[str(path.relative_to(CORPUS))] = problems
    assert failures == {}


def test_the_corpus_is_all_there() -> None:
    if CORPUS.exists():
        assert len(FILES) > 2000 and set(GROUPS) == {"encoding", "entities", "illformed", "json", "wellformed"}


def test_the_corpus_is_there() -> None:
    """Without it the parametrised test above would run on nothing and prove nothing."""
    assert len(FILES) > 2000, f"feedparser's test feeds are missing from {CORPUS}"
