"""Matching a listed name to watched entities through their aliases, in English and Chinese.

Names are compared normalised: Unicode NFKC (full-width letters become ASCII), case folded, punctuation
dropped, and company suffixes removed ("Co., Ltd.", "Inc.", "有限公司" ...), so "HUAWEI TECHNOLOGIES CO.,
LTD." and "Huawei Technologies" are one name. A watched alias matches when its words appear as whole words
in the listed name (Latin script) or its characters appear in it (Chinese, written without spaces).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Longest first, so "股份有限公司" is removed whole rather than leaving "股份".
CHINESE_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "公司")
COMPANY_SUFFIXES = frozenset(
    {
        "co",
        "company",
        "corp",
        "corporation",
        "inc",
        "incorporated",
        "limited",
        "ltd",
        "llc",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "bv",
        "kk",
        "pte",
        "pty",
        "group",
        "holdings",
    }
)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)


def normalised(name: str) -> str:
    """A name for comparison: NFKC, case folded, punctuation dropped, company suffixes removed."""
    text = unicodedata.normalize("NFKC", name or "").casefold().strip()
    for suffix in CHINESE_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    words = _WORDS.findall(text.replace("'", ""))
    while len(words) > 1 and words[-1] in COMPANY_SUFFIXES:
        words.pop()
    return " ".join(words)


@dataclass(frozen=True)
class WatchedName:
    """A watched entity as the matcher needs it: its name, aliases, and the timeline entity it is."""

    name: str
    aliases: tuple[str, ...]
    entity_id: str = ""


def _contains(haystack: str, needle: str) -> bool:
    if not needle:
        return False
    if _CJK.search(needle):
        return needle.replace(" ", "") in haystack.replace(" ", "")
    return f" {needle} " in f" {haystack} "


class NameMatcher:
    """The watched entities a listed name (with its alternative names) refers to."""

    def __init__(self, watched: Iterable[WatchedName]) -> None:
        self._aliases: list[tuple[str, WatchedName]] = []
        for entity in watched:
            for alias in dict.fromkeys((entity.name, *entity.aliases)):
                key = normalised(alias.lstrip("="))
                # A one- or two-letter alias ("AI", "EU") would match inside too many listed names.
                if len(key) >= 3 or _CJK.search(key):
                    self._aliases.append((key, entity))

    def matches(self, names: Iterable[str]) -> list[WatchedName]:
        found: dict[str, WatchedName] = {}
        keys = [normalised(name) for name in names if name]
        for alias, entity in self._aliases:
            if entity.name not in found and any(_contains(key, alias) for key in keys):
                found[entity.name] = entity
        return list(found.values())


def default_watched_names() -> list[WatchedName]:
    """The default watch-list's entities (sources/flagging/watchlist.toml), for use without a database."""
    from sources.flagging.defaults import default_watchlist

    return [
        WatchedName(entity.name, tuple(line.strip() for line in entity.aliases.splitlines() if line.strip()))
        for entity in default_watchlist().entities
    ]
