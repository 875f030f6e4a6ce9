"""Telling items apart: canonical URLs, per-source dedup keys, and near-duplicate signatures for stories."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sources.feeds.sanitising import collapse_space

# Query parameters that only say how a reader arrived, never which page it is.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "hsctatracking",
        "mkt_tok",
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        "cmpid",
        "ocid",
        "smid",
        "sref",
        "spm",
        "at_medium",
        "at_campaign",
        "ito",
        "icid",
        "ncid",
        "wt.mc_id",
        "s_cid",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
    }
)
TRACKING_PREFIXES = ("utm_", "__", "at_", "pk_", "piwik_", "matomo_", "mtm_", "hmb_", "oly_")


# A URL that is canonical already but for its tracking parameters: http or https, a lower-case host name without
# port, user or trailing dot, no fragment, and query parameters of characters that parse_qsl and urlencode give back
# unchanged (letters, digits, "_.~-"). Where it fits, nothing but the tracking parameters needs taking out.
_UNRESERVED = "[A-Za-z0-9_.~-]"
_PLAIN_URL = re.compile(
    rf"(https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*)(/[^?#\t\r\n]*)?(?:\?({_UNRESERVED}+={_UNRESERVED}*(?:&{_UNRESERVED}+={_UNRESERVED}*)*))?"
)


def plain_canonical_url(url: str) -> str | None:
    """canonical_url(url) for a stripped URL of _PLAIN_URL's form, at a fifth of the cost; None for any other."""
    plain = _PLAIN_URL.fullmatch(url)
    if plain is None:
        return None
    site, path, query = plain.groups()
    if query is not None:
        kept = [
            pair
            for pair in query.split("&")
            if (key := pair.partition("=")[0].lower()) not in TRACKING_PARAMETERS
            and not key.startswith(TRACKING_PREFIXES)
        ]
        query = "&".join(kept)
    return f"{site}{path or '/'}?{query}" if query else f"{site}{path or '/'}"


def canonical_url(url: str) -> str:
    """The URL with scheme and host lower-cased, default port, fragment and tracking parameters dropped.

    The remaining query parameters keep their order: some sites give order a meaning.
    """
    url = (url or "").strip()
    if not url:
        return ""
    plain = plain_canonical_url(url)
    if plain is not None:
        return plain
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if not scheme or not host:
        return url
    if ":" in host:  # an IPv6 address needs its brackets back
        host = f"[{host}]"
    if port is not None and (scheme, port) not in {("http", 80), ("https", 443)}:
        host = f"{host}:{port}"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in TRACKING_PARAMETERS and not key.lower().startswith(TRACKING_PREFIXES)
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, urlencode(query, doseq=True), ""))


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def content_hash(title: str, content: str) -> str:
    return _digest(collapse_space(title.casefold()), collapse_space(content.casefold()))


def dedup_key(*, guid: str, link: str, title: str, content: str, link_is_canonical: bool = False) -> str:
    """Unique per source: the GUID if there is one, else the canonical link, else title and content."""
    if guid.strip():
        return _digest("guid", guid.strip())
    if link.strip():
        return _digest("link", link if link_is_canonical else canonical_url(link))
    return _digest("hash", content_hash(title, content))


class FeedDeduplicator:
    """Dedup keys for the entries of one fetch, telling apart entries that repeat a GUID.

    The first entry with a GUID owns the plain GUID key; a later entry with the same GUID but other content
    gets a key from the GUID and its content; an exact repeat gets None (skip it). Keys stay stable from
    one fetch to the next as long as the feed keeps its order.
    """

    def __init__(self) -> None:
        self._seen: dict[str, set[str]] = {}

    def key(self, *, guid: str, link: str, title: str, content: str, link_is_canonical: bool = False) -> str | None:
        if not link_is_canonical:
            link = canonical_url(link)
        base = dedup_key(guid=guid, link=link, title=title, content=content, link_is_canonical=True)
        fingerprint = content_hash(f"{link}\x1f{title}", content)
        seen = self._seen.setdefault(base, set())
        if fingerprint in seen:
            return None
        first = not seen
        seen.add(fingerprint)
        return base if first else _digest("repeat", base, fingerprint)


# --- near-duplicates across sources -------------------------------------------------------------------------

_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "over",
        "that",
        "the",
        "their",
        "this",
        "to",
        "was",
        "were",
        "will",
        "with",
        "after",
        "amid",
        "new",
        "says",
        "said",
        "say",
        "report",
        "reports",
        "than",
        "up",
        "down",
        "out",
    ]
)
_word = re.compile(r"[^\W_]+", re.UNICODE)
_cjk = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
STORY_KEYS = 6


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def title_tokens(title: str) -> frozenset[str]:
    """Normalised words of a title (stop words dropped, crude plural stemming); CJK text as character pairs."""
    text = unicodedata.normalize("NFKC", title).casefold()
    tokens: set[str] = set()
    if not text.isascii():  # most titles: no CJK to look for
        for run in _cjk.findall(text):
            tokens.update(run[i : i + 2] for i in range(max(1, len(run) - 1)))
        text = _cjk.sub(" ", text)
    for word in _word.findall(text.replace("'s ", " ")):
        if word not in _STOPWORDS:
            tokens.add(_stem(word))
    return frozenset(tokens)


def jaccard(left: Iterable[str], right: Iterable[str]) -> float:
    a, b = set(left), set(right)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


@lru_cache(maxsize=65_536)
def _token_hash(token: str) -> str:
    # News titles repeat their words ("China", "chips", "AI") from item to item: each is hashed once.
    return hashlib.blake2b(token.encode(), digest_size=8).hexdigest()


def story_keys(tokens: frozenset[str]) -> list[str]:
    """Locality-sensitive keys for a title: the hashes of its STORY_KEYS lowest-hashing words (a bottom-k
    MinHash sketch). Two titles share a key with a probability that grows with their Jaccard similarity
    (about 0.9 at 0.5 for news titles); a shared key only nominates a story, the Jaccard check decides."""
    return sorted(map(_token_hash, tokens))[:STORY_KEYS]
