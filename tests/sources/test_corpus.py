"""Every file of feedparser's test corpus goes through parse, sanitise, dedup and flag without an unhandled
exception, and nothing executable survives. No server, no database; the corpus comes from the pinned feedparser's
source distribution on the package index (pip, once, into .cache/: tests/corpora.py)."""

from __future__ import annotations

import importlib.metadata
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sources.feeds.parsing import FeedParseError
from sources.feeds.pipeline import feed_process
from sources.feeds.sanitising import ALLOWED_TAGS, URL_SCHEMES
from sources.flagging.rules import default_rules
from tests import corpora

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


@pytest.mark.parametrize("group", corpora.GROUPS)
def test_every_corpus_file_goes_through_the_pipeline_and_leaves_nothing_executable(
    group: str, feedparser_corpus: Path
) -> None:
    failures = {}
    for path in corpora.feed_files(feedparser_corpus / group):
        problems = _problems(path)  # an unhandled exception fails the test with the file in the traceback
        if problems:
            failures[str(path.relative_to(feedparser_corpus))] = problems
    assert failures == {}


def test_the_corpus_is_all_there(feedparser_corpus: Path) -> None:
    """Without it the parametrised test above would run on nothing and prove nothing."""
    files = corpora.feed_files(feedparser_corpus)
    assert len(files) > 2000, f"feedparser's test feeds are missing from {feedparser_corpus}"
    assert {path.relative_to(feedparser_corpus).parts[0] for path in files} == set(corpora.GROUPS)


def test_the_corpus_is_the_pinned_feedparsers(feedparser_corpus: Path) -> None:
    pinned = corpora.pinned_version("feedparser")
    assert pinned == importlib.metadata.version("feedparser")
    assert feedparser_corpus.name == f"feedparser-{pinned}"


def test_a_corpus_that_cannot_be_downloaded_is_an_error_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(corpora.CorpusError) as raised:
        corpora.feedparser_corpus(version="0.0.0.dev0", cache=tmp_path)
    message = str(raised.value)
    assert message.startswith("pip could not download feedparser==0.0.0.dev0's sdist from the package index: ")
    assert "\n" not in message
    assert [path.name for path in tmp_path.iterdir()] == []  # nothing half-unpacked is left for the next run
