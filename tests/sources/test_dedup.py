"""Dedup keys, canonical URLs and the near-duplicate signatures used to group stories."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from sources.feeds import dedup
from sources.feeds.dedup import FeedDeduplicator, canonical_url, dedup_key, jaccard, story_keys, title_tokens
from sources.feeds.parsing import parse_feed

ROOT = Path(__file__).resolve().parents[2]


def test_canonical_urls_drop_tracking_parameters_fragments_and_default_ports() -> None:
    assert canonical_url("HTTPS://News.Example.ORG:443/a/b?utm_source=x&id=7&fbclid=1&UTM_Medium=q#top") == (
        "https://news.example.org/a/b?id=7"
    )
    assert canonical_url("http://example.org") == "http://example.org/"
    assert canonical_url("http://example.org:8080/x?b=2&a=1") == "http://example.org:8080/x?b=2&a=1"
    assert canonical_url("http://[::1]:8080/x") == "http://[::1]:8080/x"


def test_the_key_is_the_guid_else_the_canonical_link_else_title_and_content() -> None:
    by_guid = dedup_key(guid="g1", link="https://a.example/1", title="t", content="c")
    assert by_guid == dedup_key(guid="g1", link="https://other.example/", title="other", content="other")
    by_link = dedup_key(guid="", link="https://a.example/1?utm_campaign=z", title="t", content="c")
    assert by_link == dedup_key(guid="", link="https://A.example/1", title="x", content="y")
    by_hash = dedup_key(guid="", link="", title="Title", content="Body  text")
    assert by_hash == dedup_key(guid="", link="", title="title", content="body text")
    assert len({by_guid, by_link, by_hash}) == 3


def test_repeated_guids_in_one_feed_are_told_apart_and_exact_repeats_dropped() -> None:
    def keys() -> list[str | None]:
        dedup = FeedDeduplicator()
        return [
            dedup.key(guid="same", link="https://a.example/1", title="First", content="one"),
            dedup.key(guid="same", link="https://a.example/2", title="Second", content="two"),
            dedup.key(guid="same", link="https://a.example/1", title="First", content="one"),
        ]

    first = keys()
    assert first[0] and first[1] and first[0] != first[1]
    assert first[2] is None
    assert keys() == first  # stable from one fetch to the next


def test_similar_titles_share_story_keys_and_unrelated_ones_do_not() -> None:
    a = title_tokens("Nvidia shares plunge 17% as DeepSeek shock wipes $600 billion off market value")
    b = title_tokens("DeepSeek shock: Nvidia market value plunges $600 billion, shares down 17%")
    c = title_tokens("City council approves new bike lanes on the main avenue")
    assert jaccard(a, b) >= 0.5 > jaccard(a, c)
    assert set(story_keys(a)) & set(story_keys(b))
    assert not set(story_keys(a)) & set(story_keys(c))


def test_chinese_titles_are_compared_by_character_pairs() -> None:
    a = title_tokens("美国商务部将数十家中国实体列入实体清单")
    b = title_tokens("美国将数十家中国企业列入实体清单")
    assert jaccard(a, b) > 0.5


def test_the_shortcut_for_plain_urls_gives_what_the_full_parse_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    sites = [
        "http://a.example",
        "https://news.example.org",
        "HTTP://a.example",
        "https://A.example",
        "https://a.example.",
        "https://a.example:443",
        "https://u@a.example",
        "https://[::1]",
        "http://a..example",
        "http://a_b.example",
        "ftp://a.example",
        "https://xn--bcher-kva.example",
        "https://a.example\t",
        " https://a.example",
    ]
    paths = ["", "/", "/a/b", "/a b", "/a%20b", "/é", "/a\x01", "/a\nb", "/a#top", "/a#", "/a?"]
    queries = [
        "",
        "?id=7",
        "?utm_source=rss",
        "?utm_source=rss&id=7&fbclid=1",
        "?UTM_Medium=q&b=2&a=1",
        "?a=1&&b=2",
        "?a",
        "?a=",
        "?=v",
        "?a=b c",
        "?a=b+c",
        "?a=%7E",
        "?a=~x",
        "?a=1;b=2",
        "?ref=x#f",
        "?Ref=1&__x=2&mtm_y=3",
        "?a=é",
        "?a=1&b",
    ]
    urls = ["".join(parts) for parts in itertools.product(sites, paths, queries)]
    for path in sorted((ROOT / "sources" / "samples").glob("*.xml")):
        urls += [entry.link for entry in parse_feed(path.read_bytes()).entries]
    fast = [canonical_url(url) for url in urls]
    assert sum(dedup.plain_canonical_url(url.strip()) is not None for url in urls) > 200
    monkeypatch.setattr(dedup, "plain_canonical_url", lambda url: None)
    assert fast == [canonical_url(url) for url in urls]
