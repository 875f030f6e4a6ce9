"""The learned flagger's lexicon: mentions of known kinds of names and verbs become type tokens the model can weigh.

The word n-grams learn what "DeepSeek releases" means, but not that "StepFun releases" is the same kind of news:
the seed set cannot name every lab, chipmaker and agency, nor every verb a launch is told with. The lexicon
(lexicon.toml: names and verbs by type, written from general knowledge of the industry) adds, after each mention
in the text the word features are counted on, its type's token ("DeepSeek xxailab releases xxlaunch"), and at the
end one token per pair of a name type and a verb type both seen in the title ("xxpair_ailab_launch"). So the words
the model has never seen still bring the evidence of their type, and the pairs say that a lab *did* something.

The rules never see the lexicon, and the character n-grams are counted on the text as written. Pure, no database.
A trained model keeps a copy of its lexicon (LearnedModel.lexicon), so it scores with the names it was trained with.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import ahocorasick
import numpy as np

from sources.flagging.prefilter import keeping, spelt_out, trie_source
from sources.flagging.rules import longest_spans, parse_alias

LEXICON_FILE = Path(__file__).with_name("lexicon.toml")
TOKEN_PREFIX = "xx"  # noqa: S105 (not a password) no word of news starts so: "xxailab" is a token of sklearn's word tokenizer, whole
PAIR_PREFIX = "xxpair_"
# Types of verbs (what happened); the others are types of names (who). A pair is a name type and a verb type.
VERB_TYPES = frozenset({"launch", "produce", "acquire", "enforce"})
_LATIN = re.compile(r"[A-Za-z0-9]+")  # a word of a Latin name, and of the text it is sought in
_NEXT_WORD = re.compile(r"[^A-Za-z0-9]*([A-Za-z0-9]+)")  # the next word from a place
_DIGITS = "0123456789"
# Stand-ins in the names' trie (no name's word holds them): digits glued to a first word, and what separates words.
_GLUED_DIGITS, _BETWEEN_WORDS = "\x00", "\x01"
# Bytes with every character but a lower-case ASCII letter or a digit spelt as a space (see Lexicon.mentions).
_WORDS_ONLY = keeping("abcdefghijklmnopqrstuvwxyz" + _DIGITS)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# The only characters str.lower() turns into ASCII ones or into two characters (Unicode 15): where one occurs, the
# slower translation lower-cases the ASCII letters alone.
_LOWER_TO_ASCII = ("\u0130", "\u212a")


def _ascii_lower(text: str) -> str:
    """`text` with its ASCII letters lower-cased and nothing else changed: its words (ASCII runs) at the same places."""
    if text.isascii() or not any(char in text for char in _LOWER_TO_ASCII):
        return text.lower()
    return text.translate(_ASCII_LOWER)


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


# Latin names by their lower-cased words -> (type, the words as written when case matters); the lengths (in words)
# of the names each first word starts, longest first; Chinese names by their first character, longest first.
_Tables = tuple[
    dict[tuple[str, ...], tuple[str, tuple[str, ...] | None]], dict[str, list[int]], dict[str, list[tuple[str, str]]]
]


@dataclass(frozen=True)
class Lexicon:
    """Types of names: token -> (label, names as written in lexicon.toml)."""

    types: Mapping[str, tuple[str, tuple[str, ...]]]

    def as_data(self) -> list[list[Any]]:
        """[token, label, names] per type, in order: a list, as the columns follow the types' order (a stored
        model's header is written with sorted keys, which would reorder a mapping)."""
        return [[token, label, list(names)] for token, (label, names) in self.types.items()]

    @classmethod
    def from_data(cls, data: Sequence[Sequence[Any]]) -> Lexicon:
        return cls({str(token): (str(label), tuple(str(name) for name in names)) for token, label, names in data})

    def label(self, term: str) -> str:
        """A word term with its type tokens spelt as their labels, for explanations: "[AI lab] releases"."""
        words = []
        for word in term.split(" "):
            if word.startswith(PAIR_PREFIX):
                left, _, right = word[len(PAIR_PREFIX) :].partition("_")
                word = f"[{self._label_of(left)} + {self._label_of(right)}]"
            elif word.startswith(TOKEN_PREFIX) and word[len(TOKEN_PREFIX) :] in self.types:
                word = f"[{self._label_of(word[len(TOKEN_PREFIX) :])}]"
            words.append(word)
        return " ".join(words)

    def _label_of(self, token: str) -> str:
        return self.types[token][0] if token in self.types else token

    # --- matching ----------------------------------------------------------------------------------------------

    @cached_property
    def _tables(self) -> _Tables:
        latin: dict[tuple[str, ...], tuple[str, tuple[str, ...] | None]] = {}
        lengths: dict[str, set[int]] = {}
        chinese: dict[str, list[tuple[str, str]]] = {}
        for token, (_, names) in self.types.items():
            for raw in names:
                name, case_sensitive = parse_alias(raw)
                if not name:
                    continue
                if any(_is_cjk(char) for char in name):
                    chinese.setdefault(name[0], []).append((name, token))
                    continue
                words = tuple(_LATIN.findall(name))
                if not words:
                    continue
                key = tuple(word.lower() for word in words)
                latin.setdefault(key, (token, words if case_sensitive else None))
                lengths.setdefault(key[0], set()).add(len(key))
        for entries in chinese.values():
            entries.sort(key=lambda entry: -len(entry[0]))
        return latin, {word: sorted(found, reverse=True) for word, found in lengths.items()}, chinese

    @cached_property
    def _first_words(self) -> Any:
        """An Aho-Corasick automaton for the lower-cased text with every character but an ASCII letter or digit spelt
        as a space, and a space at either end: " " + a Latin name's first word + " " finds where a word of the text
        is that word, and " " + the first word + a digit where it may be that word with digits glued to it
        ("qwen3"), each giving (how far back the word starts from the key's end, the first word's length). Only
        those words are looked at (then _names, then _latin_at). Its first state has one way out, the space
        (pyahocorasick tries a state's ways out one by one). Finding the places with a regex of the names tried
        after every character but a letter or digit made mentions() cost a fifth more."""
        automaton = ahocorasick.Automaton()
        for first in self._tables[1]:
            for key in [" " + first + " ", *(" " + first + digit for digit in _DIGITS)]:
                automaton.add_word(key, (len(key) - 1, len(first)))
        automaton.make_automaton()
        return automaton

    @cached_property
    def _names(self) -> re.Pattern[str]:
        """Every Latin name, ignoring case and with any digits glued to its first word, matched at a word's start in
        ASCII-lower-cased text: where it fails _latin_at would find none, and this costs it far less to tell."""
        atoms = {_GLUED_DIGITS: "[0-9]*", _BETWEEN_WORDS: "[^a-z0-9]+"}
        names = [key[0] + _GLUED_DIGITS + "".join(_BETWEEN_WORDS + word for word in key[1:]) for key in self._tables[0]]
        return re.compile(trie_source(names, lambda char: atoms.get(char) or re.escape(char)) + "(?![a-z0-9])")

    @cached_property
    def _one_word(self) -> dict[str, tuple[str, str | None]]:
        """The words that start only one-word names -> (type token, the name as written when case matters): what
        _latin_at would find for such a word, without reading on (it is tried first and decides when it matches)."""
        latin, lengths, _ = self._tables
        return {
            first: (latin[(first,)][0], spelled[0] if (spelled := latin[(first,)][1]) else None)
            for first, found in lengths.items()
            if found == [1]
        }

    def _latin_at(self, text: str, lowered: str, start: int, end: int) -> tuple[int, str]:
        """(end, type token) of the longest Latin name whose first word is text[start:end]; (end, "") for none."""
        latin, lengths, _ = self._tables
        word = lowered[start:end]
        bare = word.rstrip(_DIGITS)  # "Qwen3" is Qwen; "H100" has no bare name "h"
        following: list[tuple[int, str]] = []  # the next words, lower-cased, each with its end: read as needed
        for first in (word, bare) if bare and bare != word else (word,):
            for length in lengths.get(first, ()):  # longest first
                while len(following) < length - 1:
                    found = _NEXT_WORD.match(lowered, following[-1][0] if following else end)
                    if found is None:
                        break
                    following.append((found.end(), found.group(1)))
                if len(following) < length - 1:
                    continue
                rest = following[: length - 1]
                hit = latin.get((first, *(w for _, w in rest)))
                if hit is None:
                    continue
                token, spelled = hit
                as_written = (text[start : start + len(first)], *(text[at - len(w) : at] for at, w in rest))
                if spelled is None or as_written == spelled:
                    return (rest[-1][0] if rest else end), token
        return end, ""

    def mentions(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, type token) of each mention, the longest winning where two overlap."""
        chinese = self._tables[2]
        found: list[tuple[int, int, str]] = []
        # Words are runs of ASCII letters and digits, read from the start; a name takes its words, so the next name
        # can start only after it. Only the words that start a name are looked at.
        lowered = _ascii_lower(text)
        one_word = self._one_word
        taken = read = -1
        words = spelt_out(lowered, _WORDS_ONLY)  # a place in it is that of `lowered`, one on
        for key_end, (back, length) in self._first_words.iter(words):
            start = key_end - back  # the word's first character, in `lowered`
            if start == read or start < taken:
                continue  # read already (from a shorter first word: "deep" of "deepseek"), or inside a name
            first_end = start + length
            word_end = words.find(" ", first_end + 1) - 1
            if word_end != first_end and not lowered[first_end:word_end].isdigit():
                continue  # a longer word, not the first word with digits glued to it ("qwen3")
            read = start
            hit = one_word.get(lowered[start:word_end])
            if hit is not None and (hit[1] is None or text[start:word_end] == hit[1]):
                end, token = word_end, hit[0]
            elif self._names.match(lowered, start) is not None:  # most first words found ("new", "in") start none
                end, token = self._latin_at(text, lowered, start, word_end)
            else:
                continue
            if token:
                found.append((start, end, token))
                taken = end
        if not chinese or text.isascii():  # every Chinese name has a CJK character
            return found  # in order, and no two overlap
        latin = len(found)
        for char in set(text) & chinese.keys():
            for name, token in chinese[char]:
                at = text.find(name)
                while at >= 0:
                    found.append((at, at + len(name), token))
                    at = text.find(name, at + len(name))
        return found if len(found) == latin else sorted(longest_spans(found))

    @cached_property
    def column_names(self) -> list[str]:
        """The dense columns: each type (1 in the title, 0.5 only in the lede), then each name-verb pair (title)."""
        names = [token for token in self.types if token not in VERB_TYPES]
        verbs = [token for token in self.types if token in VERB_TYPES]
        return [*self.types, *(f"{name}_{verb}" for name in names for verb in verbs)]

    def read(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """Each text with each mention followed by its type's token and the title's name-verb pairs at the end
        (for the word n-grams), and the dense columns."""
        place = {name: index for index, name in enumerate(self.column_names)}
        columns = np.zeros((len(texts), len(place)))
        annotated = []
        for row, text in enumerate(texts):
            mentions = self.mentions(text)
            if not mentions:
                annotated.append(text)
                continue
            title_end = text.find("\n")
            title_end = len(text) if title_end < 0 else title_end
            parts, last, in_title = [], 0, set()
            for start, end, token in mentions:
                parts.append(text[last:end])
                parts.append(f" {TOKEN_PREFIX}{token} ")
                last = end
                if start < title_end:
                    in_title.add(token)
                    columns[row, place[token]] = 1.0
                elif not columns[row, place[token]]:
                    columns[row, place[token]] = 0.5
            parts.append(text[last:])
            pairs = [
                f"{name}_{verb}" for name in sorted(in_title - VERB_TYPES) for verb in sorted(in_title & VERB_TYPES)
            ]
            for pair in pairs:
                columns[row, place[pair]] = 1.0
            if pairs:
                parts.append("\n" + " ".join(PAIR_PREFIX + pair for pair in pairs))
            annotated.append("".join(parts))
        return annotated, columns


@cache
def default_lexicon() -> Lexicon:
    """The lexicon in lexicon.toml, read once per process."""
    data = tomllib.loads(LEXICON_FILE.read_text(encoding="utf-8"))
    return Lexicon({row["token"]: (row["label"], tuple(row["names"])) for row in data.get("type", [])})
