"""Every text from a feed goes through here (nh3) before it is stored or shown.

Two outputs: `html_clean` keeps a small set of harmless tags (no script, style, event handler, image or
javascript: URL survives) for showing an item's summary; `text_plain` removes all markup and gives plain
text, which templates and JSON escape when shown.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import nh3

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "cite",
        "code",
        "dd",
        "del",
        "dl",
        "dt",
        "em",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "q": {"cite"}, "td": {"colspan"}, "th": {"colspan"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


# Images are left out on purpose: a remote image in the admin tells the feed's owner when an analyst reads it.
@lru_cache(maxsize=256)
def _html_cleaner(base: str) -> nh3.Cleaner:
    """A cleaner that resolves relative links against `base` (a feed's URL), or drops them when there is none."""
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        url_relative=("rewrite_with_base", base) if base else "deny",
    )


_text_cleaner = nh3.Cleaner(tags=set(), attributes={}, strip_comments=True)
_tag = re.compile(r"<[^>]*>")
_block_end = re.compile(r"(?i)<\s*(br|/p|/div|/li|/h\d|/tr|/blockquote)\b[^>]*>")


def collapse_space(text: str) -> str:
    r"""Runs of whitespace as one space, none at the ends: what re.sub(r"\s+", " ", text).strip() gives (str.split
    splits on the very characters the regex's \s matches, those of str.isspace), for a third of the time.

    Most texts have no run to collapse: a printable text's only whitespace is the ASCII space (no other character
    of str.isspace is printable), so without two spaces in a row it only needs its ends trimmed, which saves
    splitting it into words and joining them again (half the time for a summary)."""
    if "  " not in text and text.isprintable():
        return text.strip()
    return " ".join(text.split())


def html_clean(value: str | None, *, base: str = "", limit: int = 100_000) -> str:
    """Sanitised HTML: only harmless tags and attributes, http/https/mailto links with rel=nofollow; relative
    links resolved against `base` (an http or https URL), or dropped without one."""
    if not value:
        return ""
    try:
        cleaner = _html_cleaner(base)
    except ValueError:  # a base nh3 cannot parse as a URL
        cleaner = _html_cleaner("")
    return cleaner.clean(value[:limit].replace("\x00", "")).strip()


def text_plain(value: str | None, *, limit: int = 100_000) -> str:
    """Plain text without any markup, whitespace collapsed.

    Markup is stripped until nothing changes, so escaped markup in the source ("&lt;script&gt;...") cannot
    turn into a tag once unescaped: the result holds no tag at all, only text (escaped when shown).
    """
    if not value:
        return ""
    # NUL never belongs in text (and PostgreSQL refuses it).
    text = value[:limit].replace("\x00", "")
    if "<" not in text and "&" not in text:
        return collapse_space(text)  # no markup and no entity: already plain text
    text = _block_end.sub(" ", text)
    for _ in range(4):
        cleaned = html.unescape(_text_cleaner.clean(text)).replace("\x00", "")
        if cleaned == text or "<" not in cleaned:
            # Without "<" no tag can form, so another round would change nothing: this is plain text.
            return collapse_space(cleaned)
        text = cleaned
    # Escaped four levels deep: keep the last level escaped rather than risk unescaping it into a tag.
    return collapse_space(_text_cleaner.clean(text))


def text_from_clean_html(clean: str) -> str:
    """Plain text of HTML that html_clean() already sanitised: its harmless tags are simply dropped.

    Saves a second nh3 pass per item; escaped markup in the source ("&lt;b&gt;") still gets text_plain().
    """
    text = html.unescape(_tag.sub("", _block_end.sub(" ", clean)))
    if "<" in text:
        return text_plain(text)
    return collapse_space(text.replace("\x00", ""))
