"""nh3 sanitising of feed text: nothing executable survives, plain text holds no markup at all."""

from __future__ import annotations

import re

import pytest

from sources.feeds.sanitising import collapse_space, html_clean, text_from_clean_html, text_plain

HOSTILE = [
    "<script>alert(1)</script>hello",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<a href='javascript:alert(1)'>x</a>",
    "<a href='JaVaScRiPt:alert(1)'>x</a>",
    "<a href='&#106;avascript:alert(1)'>x</a>",
    "<p style='background:url(javascript:alert(1))' onclick='x()'>p</p>",
    "<style>body{display:none}</style>text",
    "<svg onload=alert(1)><circle/></svg>",
    "<iframe src='https://evil.example'></iframe>",
    "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;",
    "<<script>script>alert(1)<</script>/script>",
    "<object data='x.swf'></object><embed src='x.swf'>",
    "<form action='https://evil.example'><input name=q></form>",
    "<base href='https://evil.example/'>",
    "<meta http-equiv='refresh' content='0;url=https://evil.example'>",
]


def _no_active_content(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered and "<style" not in lowered and "<iframe" not in lowered
    assert "javascript:" not in lowered
    assert not re.search(r"<[^>]+\son\w+\s*=", lowered)


@pytest.mark.parametrize("value", HOSTILE)
def test_sanitised_html_keeps_no_script_style_handler_or_javascript_url(value: str) -> None:
    _no_active_content(html_clean(value))


@pytest.mark.parametrize("value", HOSTILE)
def test_plain_text_holds_no_tag_even_after_unescaping(value: str) -> None:
    text = text_plain(value)
    assert "<" not in text or not re.search(r"<\s*[a-z/!]", text, re.I)
    _no_active_content(text)


def test_plain_text_keeps_the_words_and_characters_that_are_text() -> None:
    assert text_plain("<p>Nvidia &amp; AMD:</p><p>a &lt; b</p>") == "Nvidia & AMD: a < b"
    assert text_plain("中芯国际 <b>7nm</b>\x00") == "中芯国际 7nm"


def test_harmless_markup_and_http_links_survive_with_nofollow() -> None:
    html = html_clean("<p>See <a href='https://example.org/x' onclick='y'>this</a> <b>now</b></p>")
    assert html == ('<p>See <a href="https://example.org/x" rel="noopener noreferrer nofollow">this</a> <b>now</b></p>')


@pytest.mark.parametrize("value", HOSTILE)
def test_text_taken_from_sanitised_html_is_as_plain_as_text_plain(value: str) -> None:
    text = text_from_clean_html(html_clean(value))
    assert not re.search(r"<\s*[a-z/!]", text, re.I)
    _no_active_content(text)


def test_relative_links_resolve_against_the_base_or_are_dropped_without_one() -> None:
    html = "<a href='/a'>a</a> <a href='b?x=1'>b</a>"
    assert 'href="https://feeds.example.org/a"' in html_clean(html, base="https://feeds.example.org/news/rss")
    assert 'href="https://feeds.example.org/news/b?x=1"' in html_clean(html, base="https://feeds.example.org/news/rss")
    assert "href" not in html_clean(html)


def test_collapsing_whitespace_gives_what_splitting_and_joining_gives() -> None:
    """Its shortcut for texts without a run of spaces holds for every kind of whitespace, at the ends and inside."""
    spaces = [char for char in map(chr, range(0x110000)) if char.isspace()]
    texts = ["", " ", "a", " a", "a ", " a b ", "a  b", "中文 text", "tab\there", "\u00e9 \u00e9"]
    texts += (
        [f"a{space}b" for space in spaces] + [f"{space}a b" for space in spaces] + [f"a b{space}" for space in spaces]
    )
    texts += [f"a {space}b" for space in spaces] + ["\x00 a", "a\u200bb c", "\u180e a"]
    for text in texts:
        assert collapse_space(text) == " ".join(text.split()), repr(text)
