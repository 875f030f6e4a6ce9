"""The regex pre-filter: which literals every match of a rule must contain, so most rules are never tried.

A rule's regex is only tried on a text that holds one of its probes (found once per rule by reading the parsed
regex), and watched aliases are looked up by their first word: scoring then costs a few regex searches per item
rather than one per rule and alias. Pure: no database, no rules of its own.
"""

from __future__ import annotations

import re
import re._constants as _c
import re._parser as _parser
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import ahocorasick


def is_ascii_alnum(char: str) -> bool:
    """Whether `char` is an ASCII letter or digit: where a name or phrase must meet a word boundary."""
    return char.isascii() and char.isalnum()


@dataclass(frozen=True)
class Alias:
    entity: int
    text: str
    case_sensitive: bool
    lowered: str = ""
    # Whether the alias starts / ends with an ASCII letter or digit: there it must be a whole word's end.
    bounded_start: bool = False
    bounded_end: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "lowered", self.text.lower())
        object.__setattr__(self, "bounded_start", is_ascii_alnum(self.text[:1]))
        object.__setattr__(self, "bounded_end", is_ascii_alnum(self.text[-1:]))


_TOKEN = re.compile(r"[a-z0-9_]+")
_DIGITS = "0123456789"
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
# What \b takes for a word character under re.ASCII.
_ASCII_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
# An ASCII string's table keeping those characters and spelling every other one as a space (a probe spelt out as
# RuleMasks.scan spells the text; the text's own table is _WORDS_ONLY, below).
_SPELT_OUT = {code: " " for code in range(128) if chr(code) not in _ASCII_WORD_CHARS}


def keeping(chars: Iterable[str]) -> bytes:
    """A bytes.translate table that keeps `chars` (ASCII) and spells every other byte as a space (spelt_out)."""
    kept = frozenset(chars)
    return bytes(code if chr(code) in kept else ord(" ") for code in range(256))


def spelt_out(lowered: str, table: bytes) -> str:
    """`lowered` with every character `table` (keeping) does not keep spelt as a space, and a space at either end,
    for an Aho-Corasick automaton keyed on " " + word. One character for one: encoding spells each non-ASCII
    character as one "?" (a space after the translation), so a place in the result is that of `lowered`, one on
    for the leading space."""
    return " " + lowered.encode("ascii", "replace").translate(table).decode("ascii") + " "


_WORDS_ONLY = keeping(_ASCII_WORD_CHARS)  # the text's table in RuleMasks.scan


# A probe is a literal that every match of a rule must contain: ("w", text) when it must start a word (so
# a word of the text starts with it), ("s", text) when it may sit anywhere (a substring of the text).
Probe = tuple[str, str]


def _is_word_char(char: str) -> bool:
    return char in _WORD_CHARS


def _run_probe(run: str, starts_word: bool) -> Probe | None:
    """The best probe for a literal run: its longest word that must start a word of the text, else the run."""
    if not run:
        return None
    if not run.isascii():
        return ("s", run)
    words: list[str] = []
    for index, match in enumerate(_TOKEN.finditer(run)):
        if match.start() > 0 or (index == 0 and starts_word):
            words.append(match.group(0))
    # A word common in news ("new fab", "first wafer") says little: the run's other word, if it has one, says more.
    best = max(words, key=lambda word: (word not in _COMMON_WORDS, len(word)), default="")
    if len(best) >= 3 or (best and len(run) == len(best)):
        return ("w", best)
    # A word too short to tell much ("n" of "n+"): the whole run, a rarer string, as a substring.
    return ("s", run)


def _non_word_class(members: Any) -> bool:
    for op, value in members:
        if op is _c.LITERAL and not _is_word_char(chr(value).lower()):
            continue
        if op is _c.CATEGORY and value in (_c.CATEGORY_SPACE, _c.CATEGORY_NOT_WORD):
            continue
        return False
    return True


# Words so frequent in news that a probe on them would let a rule be tried on nearly every item.
_COMMON_WORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "new",
        "its",
        "has",
        "have",
        "was",
        "were",
        "are",
        "will",
        "said",
        "says",
        "say",
        "more",
        "than",
        "over",
        "into",
        "out",
        "about",
        "after",
        "first",
        "last",
        "year",
        "years",
        "time",
        "report",
        "reports",
        "show",
        "shows",
        "made",
        "make",
        "open",
        "set",
        "data",
        "up",
        "down",
    ]
)


def _leading_literals(items: Any) -> str:
    lead = []
    for op, value in items:
        if op is not _c.LITERAL:
            break
        lead.append(chr(value).lower())
    return "".join(lead)


def _ends_at_word_start(items: Any) -> bool:
    """Whether what follows a match of `items` starts a word (its last element is a non-word character)."""
    elements = list(items)
    if not elements:
        return False
    op, value = elements[-1]
    if op is _c.LITERAL:
        return not _is_word_char(chr(value).lower())
    if op is _c.IN:
        return _non_word_class(value)
    if op is _c.SUBPATTERN:
        return _ends_at_word_start(value[3])
    if op is _c.MAX_REPEAT and value[0] >= 1:
        return _ends_at_word_start(value[2])
    return False


def _probe_rank(probes: frozenset[Probe]) -> tuple[bool, bool, int, int, bool]:
    """How well a set of probes tells texts apart, higher is better: a longer shortest probe first, then fewer
    probes; only then word probes over substrings (a substring costs a check of its own, but one search avoided
    where a short word probe would have let the rule in saves more: "attention" beats "self" or "multi")."""
    shortest = min(len(text) for _, text in probes)
    common = any(text in _COMMON_WORDS for _, text in probes)
    return shortest >= 3, not common, shortest, -len(probes), all(kind == "w" for kind, _ in probes)


def _required(items: Any, starts_word: bool) -> frozenset[Probe] | None:
    """Probes of which every match of the parsed (sub)pattern contains one; None when none can be told."""
    candidates: list[frozenset[Probe]] = []
    run: list[str] = []
    run_starts_word = starts_word
    at_word_start = starts_word

    def flush() -> None:
        if run:
            probe = _run_probe("".join(run), run_starts_word)
            if probe is not None:
                candidates.append(frozenset({probe}))
            run.clear()

    for op, value in items:
        if op is _c.LITERAL:
            char = chr(value).lower()
            if not run:
                run_starts_word = at_word_start
            run.append(char)
            at_word_start = not _is_word_char(char)
            continue
        if op is _c.AT:
            if value is _c.AT_BOUNDARY or value in (_c.AT_BEGINNING, _c.AT_BEGINNING_STRING):
                flush()
                at_word_start = True
            continue
        if op is _c.BRANCH and run:
            # The parser moves a prefix common to all branches in front ("nm|nanometre" is "n" + "m|anometre"):
            # glue it back to each branch's leading literals, which makes far better probes than "n". Where a
            # branch's own probes are better still ("ai data cent(?:er|re)": "center" or "centre", not "cent"),
            # they stand for that branch.
            leads = [_leading_literals(branch) for branch in value[1]]
            if all(leads):
                chosen: list[frozenset[Probe]] = []
                for branch, lead in zip(value[1], leads, strict=True):
                    glued = _run_probe("".join(run) + lead, run_starts_word)
                    own = _required(branch, at_word_start)
                    options = [frozenset({glued})] if glued is not None else []
                    if own is not None:
                        options.append(own)
                    if not options:
                        break
                    chosen.append(max(options, key=_probe_rank))
                else:
                    candidates.append(frozenset().union(*chosen))
        flush()
        found: frozenset[Probe] | None = None
        if op is _c.IN:
            at_word_start = _non_word_class(value)
            continue
        if op is _c.SUBPATTERN:
            found = _required(value[3], at_word_start)
        elif op is _c.ATOMIC_GROUP:
            found = _required(value, at_word_start)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            minimum, _maximum, item = value
            if minimum >= 1:
                found = _required(item, at_word_start)
            ends_at_word_start = _ends_at_word_start(item)
            # No repetition leaves the state as it was; any repetition leaves it as the item ends.
            at_word_start = ends_at_word_start and (at_word_start or minimum >= 1)
        elif op is _c.BRANCH:
            branches = [_required(branch, at_word_start) for branch in value[1]]
            if all(branch is not None for branch in branches):
                found = frozenset().union(*(branch for branch in branches if branch is not None))
        if op is not _c.MAX_REPEAT and op is not _c.MIN_REPEAT and op is not _c.POSSESSIVE_REPEAT:
            at_word_start = False
        if found:
            candidates.append(found)
    flush()
    if not candidates:
        return None
    return max(candidates, key=_probe_rank)


def required_probes(regex: re.Pattern[str]) -> frozenset[Probe] | None:
    """What a text must contain for `regex` to match in it, as probes; None when it cannot be told."""
    try:
        return _required(_parser.parse(regex.pattern, regex.flags).data, True)
    except Exception:  # a regex construct this analysis does not know: the rule is always tried
        return None


def trie_source(words: Iterable[str], atom: Callable[[str], str] = re.escape) -> str:
    """A regex alternation of `words` as a character trie: each position costs a few comparisons, not one per word.
    Each character becomes `atom(character)` (itself, escaped, unless the caller gives some a meaning)."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def source(node: dict[str, Any]) -> str:
        branches = [atom(char) + source(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return source(trie)


@dataclass(frozen=True)
class Prefilter:
    """Tells quickly which probes a text holds and where watched aliases may start."""

    # \b + a trie of the word probes, on lower-cased text: one scan finds every word that starts with a probe
    word_regex: re.Pattern[str] | None
    word_prefixes: Mapping[str, tuple[Probe, ...]]  # a matched probe -> it and the shorter probes it starts with
    substrings_ascii: tuple[str, ...]
    substrings_other: Mapping[str, tuple[str, ...]]  # first character -> the non-ASCII substrings it starts
    alias_first_words: Mapping[str, tuple[Alias, ...]]
    alias_first_regex: re.Pattern[str] | None  # \b + a trie of the aliases' first words + \b
    aliases_other: Mapping[str, tuple[Alias, ...]]  # by first character: aliases not starting with an ASCII word

    @classmethod
    def build(cls, probes: Iterable[Probe], aliases: Iterable[Alias]) -> Prefilter:
        words: set[str] = set()
        subs: set[str] = set()
        for kind, text in probes:
            (words if kind == "w" else subs).add(text)
        by_first: dict[str, list[Alias]] = defaultdict(list)
        other: list[Alias] = []
        for alias in aliases:
            first = _TOKEN.match(alias.lowered)
            if first is not None:
                by_first[first.group(0)].append(alias)
            else:
                other.append(alias)
        return cls(
            word_regex=re.compile(r"\b" + trie_source(words), re.ASCII) if words else None,
            word_prefixes={
                word: tuple(("w", word[:end]) for end in range(1, len(word) + 1) if word[:end] in words)
                for word in words
            },
            substrings_ascii=tuple(sorted(text for text in subs if text.isascii())),
            substrings_other={
                first: tuple(sorted(text for text in subs if not text.isascii() and text[0] == first))
                for first in {text[0] for text in subs if not text.isascii()}
            },
            alias_first_words={key: tuple(value) for key, value in by_first.items()},
            alias_first_regex=re.compile(r"\b" + trie_source(by_first) + r"\b", re.ASCII) if by_first else None,
            aliases_other={
                first: tuple(alias for alias in other if alias.lowered[0] == first)
                for first in {alias.lowered[0] for alias in other}
            },
        )

    def probes_in(self, lowered: str) -> set[Probe]:
        found: set[Probe] = set()
        if self.word_regex is not None:
            for match in self.word_regex.finditer(lowered):
                found.update(self.word_prefixes[match.group(0)])
        found.update(("s", text) for text in self.substrings_ascii if text in lowered)
        if not lowered.isascii():
            for first in set(lowered).intersection(self.substrings_other):
                found.update(("s", text) for text in self.substrings_other[first] if text in lowered)
        return found

    def alias_starts(self, lowered: str) -> list[tuple[int, Alias]]:
        """(start, alias) wherever a watched alias's lower-cased spelling occurs (boundaries not yet checked)."""
        found: list[tuple[int, Alias]] = []
        if self.alias_first_regex is not None:
            for match in self.alias_first_regex.finditer(lowered):
                start = match.start()
                for alias in self.alias_first_words[match.group(0)]:
                    if lowered.startswith(alias.lowered, start):
                        found.append((start, alias))
        self.other_alias_starts(lowered, found)
        return found

    def other_alias_starts(self, lowered: str, found: list[tuple[int, Alias]], chars: set[str] | None = None) -> None:
        """alias_starts' second part, added to `found`: the aliases that do not start with an ASCII word. `chars`:
        set(lowered), when the caller has it."""
        if not lowered.isascii():
            chars = set(lowered) if chars is None else chars
            for alias in (a for first in chars.intersection(self.aliases_other) for a in self.aliases_other[first]):
                start = lowered.find(alias.lowered)
                while start != -1:
                    found.append((start, alias))
                    start = lowered.find(alias.lowered, start + 1)


@dataclass(frozen=True)
class RuleMasks:
    """Which of a list of rules can match a text, as the bits of one int (rule i: bit i), set where the text holds
    one of the rule's probes, or always for a rule without any. The same answer as
    `rule.may_match(prefilter.probes_in(text))` rule by rule, for one regex scan and a few integer ORs instead of
    a set of probes and a set test per rule."""

    word_regex: re.Pattern[str] | None
    word_masks: Mapping[str, int]  # a word the prefilter's trie matches -> the rules one of its prefixes anchors
    substrings_ascii: tuple[tuple[str, int], ...]
    substrings_other: Mapping[str, tuple[tuple[str, int], ...]]  # by first character
    always: int
    prefilter: Prefilter
    # An Aho-Corasick automaton for the text with every character but an ASCII word character spelt as a space (see
    # scan_places): " " + each word probe and each ASCII substring probe with a word of two characters or more, spelt
    # out the same way (-> the rules it anchors), " " + each alias's first word + " " (-> the aliases it starts), and
    # " " + each rule's leading word (-> the rules it may start a match of), as (the key's length, rules, aliases,
    # rules led).
    automaton: Any = None
    # The other ASCII substring probes ("n+", "a.i."), sought in the text itself.
    substrings_spelt: tuple[tuple[str, int], ...] = ()
    # The rules whose leading words (leading_words) the automaton finds too, for LeadPlaces.
    leading: int = 0

    @classmethod
    def build(
        cls,
        prefilter: Prefilter,
        probes_per_rule: Iterable[frozenset[Probe] | None],
        leads_per_rule: Iterable[frozenset[str] | None] = (),
    ) -> RuleMasks:
        known = {("w", word) for word in prefilter.word_prefixes}
        known.update(("s", text) for text in prefilter.substrings_ascii)
        known.update(("s", text) for texts in prefilter.substrings_other.values() for text in texts)
        by_probe: dict[Probe, int] = defaultdict(int)
        always = 0
        for index, probes in enumerate(probes_per_rule):
            if probes is None or not probes <= known:  # a probe this prefilter does not look for: always tried
                always |= 1 << index
                continue
            for probe in probes:
                by_probe[probe] |= 1 << index
        word_masks = {}
        for word, prefixes in prefilter.word_prefixes.items():
            mask = 0
            for probe in prefixes:
                mask |= by_probe.get(probe, 0)
            word_masks[word] = mask
        keys: dict[str, tuple[int, int, tuple[Alias, ...], int]] = {}

        def add(key: str, mask: int, aliases: tuple[Alias, ...] = (), leads: int = 0) -> None:
            _, before, had, led = keys.get(key, (0, 0, (), 0))
            keys[key] = (len(key), before | mask, aliases or had, led | leads)

        spelt: list[tuple[str, int]] = []
        for (kind, text), mask in by_probe.items():
            if kind == "w":  # a word probe is a run of word characters (_TOKEN), as is an alias's first word
                add(" " + text, mask)
            elif text.isascii() and max(map(len, _TOKEN.findall(text)), default=0) >= 2:
                # Spelt out, "ai " is also found after "ai," or "ai.": a few more texts let in, none kept out.
                add(text.translate(_SPELT_OUT), mask)
            elif text.isascii():  # "n+" spelt out, "n ", would let nearly every text in
                spelt.append((text, mask))
        for first, aliases in prefilter.alias_first_words.items():
            add(" " + first + " ", 0, aliases)
        leading = 0
        for index, leads in enumerate(leads_per_rule):
            if leads:
                leading |= 1 << index
                for lead in leads:
                    add(" " + lead, 0, leads=1 << index)
        automaton = None
        if keys:
            automaton = ahocorasick.Automaton()
            for text, value in keys.items():
                automaton.add_word(text, value)
            automaton.make_automaton()
        return cls(
            prefilter=prefilter,
            automaton=automaton,
            substrings_spelt=tuple(sorted(spelt)),
            word_regex=prefilter.word_regex,
            word_masks=word_masks,
            substrings_ascii=tuple((text, by_probe.get(("s", text), 0)) for text in prefilter.substrings_ascii),
            substrings_other={
                first: tuple((text, by_probe.get(("s", text), 0)) for text in texts)
                for first, texts in prefilter.substrings_other.items()
            },
            always=always,
            leading=leading,
        )

    def scan(self, lowered: str) -> tuple[int, list[tuple[int, Alias]]]:
        """(candidates(lowered), prefilter.alias_starts(lowered)): scan_places without the places."""
        found, starts, _ = self.scan_places(lowered)
        return found, starts

    def scan_places(self, lowered: str) -> tuple[int, list[tuple[int, Alias]], LeadPlaces]:
        """(candidates(lowered), prefilter.alias_starts(lowered)), from one pass of an Aho-Corasick automaton instead
        of two regex scans and a substring search per probe. It reads the text with every character that is not an
        ASCII word character (what \\b tells from the rest under re.ASCII) spelt as a space, and a space at either
        end: there " " + a word is found exactly where the word starts a word of the text (as the prefilter's
        \\b-anchored trie finds it; the shorter probes a longer one starts with are found there too, as
        word_prefixes adds them), and " " + a word + " " where a whole word is it (\\b at both ends, as
        alias_first_regex); so only those places are reported, not each place a short key such as "u" or "ai"
        occurs inside a word. (An automaton over the text as it is, whose first state has a way out for each
        probe's first character, cost twice as much: pyahocorasick tries them one by one at each character.)
        Places come in the order their ends do, which for whole words is the order of their starts, as finditer
        gives them. A substring probe with a word of two characters or more is spelt out the same way, which finds
        it at a few more places ("ai " in "ai,"): a rule let in more often, never one kept out; the rest ("n+") are
        sought as they are. The same pass finds where the rules' leading words start (LeadPlaces)."""
        found = self.always
        starts: list[tuple[int, Alias]] = []
        places = LeadPlaces(self.leading, ascii_text=lowered.isascii())
        if self.automaton is not None:
            words = spelt_out(lowered, _WORDS_ONLY)
            for end, (length, mask, aliases, leads) in self.automaton.iter(words):
                found |= mask
                if aliases:
                    start = end - length + 1  # the word's first character, in `lowered`
                    for alias in aliases:
                        if lowered.startswith(alias.lowered, start):
                            starts.append((start, alias))
                if leads:
                    places.places.append((end - length + 1, leads))  # the key's space: the place before the word
            if len(places.places) > 1:
                places.places.sort()  # keys of several lengths end in another order than they start
        for text, mask in self.substrings_spelt:
            if text in lowered:
                found |= mask
        if not places.ascii:
            chars = set(lowered)
            for first in chars.intersection(self.substrings_other):
                for text, mask in self.substrings_other[first]:
                    if text in lowered:
                        found |= mask
            self.prefilter.other_alias_starts(lowered, starts, chars)
        return found, starts, places

    def candidates(self, lowered: str) -> int:
        found = self.always
        if self.word_regex is not None:
            masks = self.word_masks
            for word in set(self.word_regex.findall(lowered)):  # no group in the regex: the matched words
                found |= masks[word]
        for text, mask in self.substrings_ascii:
            if text in lowered:
                found |= mask
        if not lowered.isascii():
            for first in set(lowered).intersection(self.substrings_other):
                for text, mask in self.substrings_other[first]:
                    if text in lowered:
                        found |= mask
        return found


def lowered_pattern(regex: re.Pattern[str]) -> re.Pattern[str] | None:
    """`regex` for lower-cased text: its literals lower-cased, case-sensitive; None when that is not safe."""
    source = regex.pattern
    if "(?" in source.replace("(?:", "").replace("(?=", "").replace("(?!", "").replace("(?<", ""):
        return None  # inline flags such as (?-i:AI) mean case matters
    out: list[str] = []
    chars = iter(source)
    for char in chars:
        if char == "\\":
            escaped = next(chars, "")
            if escaped in "xuUNpP0123456789" or escaped == "":
                return None  # a character given by code or a back-reference: leave the pattern alone
            out.append(char + escaped)
        else:
            out.append(char.lower())
    try:
        return re.compile(boundary_factored("".join(out)), (regex.flags & ~re.IGNORECASE) | re.ASCII)
    except re.error:
        return None


_WORD_CLASS_CATEGORIES = (_c.CATEGORY_DIGIT, _c.CATEGORY_WORD)
_SPACED_CLASS = "[^0-9A-Za-z_]"  # what spaced_pattern puts before a pattern, for the character before a match


def _starts_with_word_char(items: Any) -> bool:
    """Whether every match of the parsed (sub)pattern starts with an ASCII word character (False when unsure)."""
    for op, value in items:
        if op is _c.AT or (op is _c.ASSERT and value[0] == 1):
            continue  # zero-width, and no look-behind: what counts is the first character taken
        if op is _c.LITERAL:
            return _is_word_char(chr(value))
        if op is _c.IN:
            return all(
                (member is _c.LITERAL and _is_word_char(chr(arg)))
                or (member is _c.RANGE and all(_is_word_char(chr(code)) for code in range(arg[0], arg[1] + 1)))
                or (member is _c.CATEGORY and arg in _WORD_CLASS_CATEGORIES)
                for member, arg in value
            )
        if op is _c.SUBPATTERN:
            return not value[1] and not value[2] and _starts_with_word_char(value[3])
        if op is _c.BRANCH:
            return all(_starts_with_word_char(branch) for branch in value[1])
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            return value[0] >= 1 and _starts_with_word_char(value[2])
        return False
    return False


def _looks_behind(items: Any) -> bool:
    r"""Whether the parsed (sub)pattern looks at what comes before where it is tried (a look-behind, ^ or \A)."""
    for op, value in items:
        if op is _c.AT and value in (_c.AT_BEGINNING, _c.AT_BEGINNING_LINE, _c.AT_BEGINNING_STRING):
            return True
        if op in (_c.ASSERT, _c.ASSERT_NOT) and (value[0] != 1 or _looks_behind(value[1])):
            return True
        if op is _c.SUBPATTERN and _looks_behind(value[3]):
            return True
        if op is _c.BRANCH and any(_looks_behind(branch) for branch in value[1]):
            return True
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT) and _looks_behind(value[2]):
            return True
        if op is _c.ATOMIC_GROUP and _looks_behind(value):
            return True
        if op is _c.GROUPREF_EXISTS:
            return True  # not analysed: assume it might
    return False


def spaced_pattern(lowered: re.Pattern[str]) -> re.Pattern[str] | None:
    r"""`lowered` to search " " + text with, when it is \bX and every match of X starts with an ASCII word character:
    "[^0-9A-Za-z_]X", the character before a match taken instead of the boundary tested. A regex that opens with \b
    is tried at every place of the text; one that opens with a character class is tried only where the class
    matches, which the regex engine finds in a tight loop: a fifth less time per search. The match search() finds
    in " " + text spans text[m.start() : m.end() - 1] and is the first match of `lowered` in text: the same places
    are tried in the same order with the same X, which looks at nothing before where it starts. None when the
    pattern is not of that form."""
    source = lowered.pattern
    rest = source[2:]
    if not source.startswith("\\b") or len(_top_level_branches(rest)) != 1:
        return None  # not \b followed by one regex ("\ba|b" is not \b(?:a|b))
    try:
        body = _parser.parse(rest, lowered.flags)
    except Exception:  # a construct the parser refuses on its own: leave the pattern alone
        return None
    if not _starts_with_word_char(body) or _looks_behind(body):
        return None
    return re.compile(_SPACED_CLASS + rest, lowered.flags)


def _class_chars(members: Any) -> set[str] | None:
    """The characters of a small class ("[bt]", "\\d" under re.ASCII); None for a larger or negated one."""
    chars: set[str] = set()
    for op, value in members:
        if op is _c.LITERAL:
            chars.add(chr(value))
        elif op is _c.RANGE and value[1] - value[0] < 10:
            chars.update(map(chr, range(value[0], value[1] + 1)))
        elif op is _c.CATEGORY and value is _c.CATEGORY_DIGIT:
            chars.update(_DIGITS)
        else:
            return None
    return chars if len(chars) <= 10 else None


def _leads(items: Any) -> set[str] | None:
    """Literal strings one of which every match of the parsed (sub)pattern starts with; None when it cannot be told.
    (Digits for \\d: what the patterns are compiled with, re.ASCII, makes it [0-9].)"""
    prefix = []
    for op, value in items:
        if op is _c.LITERAL:
            prefix.append(chr(value))
            continue
        following: set[str] | None = None
        if op is _c.SUBPATTERN and not value[1] and not value[2]:
            following = _leads(value[3])
        elif op is _c.BRANCH:
            branches = [_leads(branch) for branch in value[1]]
            if all(branch is not None for branch in branches):
                following = set().union(*(branch for branch in branches if branch is not None))
        elif op is _c.IN:
            following = _class_chars(value)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT) and value[0] >= 1:
            following = _leads(value[2])  # what its first repetition starts with
        # Anything else (a large class, an optional part, an assertion) ends what is known of a match's start.
        if following is None:
            break
        return {"".join(prefix) + lead for lead in following}
    return {"".join(prefix)} if prefix else None


def leading_words(spaced: re.Pattern[str]) -> frozenset[str] | None:
    """For a pattern of spaced_pattern's: strings, spelt out as RuleMasks.scan spells a text, one of which a
    match's first word starts with, so that " " + one of them in the spelt-out text is found wherever a match
    may start ("ai accelerators?|gpus?" -> "ai accelerator", "gpu"); None when the pattern does not tell or one
    of them is too short to be worth finding (the search then reads the whole text)."""
    if not spaced.pattern.startswith(_SPACED_CLASS) or spaced.flags & re.IGNORECASE or not spaced.flags & re.ASCII:
        return None
    try:
        leads = _leads(_parser.parse(spaced.pattern[len(_SPACED_CLASS) :], spaced.flags).data)
    except Exception:  # a construct the parser refuses on its own: leave the pattern to search()
        return None
    if not leads:
        return None
    spelt = {spelt_out(lead, _WORDS_ONLY)[1:-1] for lead in leads}
    # A letter alone ("a", "x") starts too many of a text's words to save a search; a digit starts a number.
    if any((len(lead) < 2 and not lead.isdigit()) or lead[0] == " " for lead in spelt):
        return None
    # A lead that another starts with adds no place ("chip" finds every place "chiplet" would).
    return frozenset(lead for lead in spelt if not any(lead != other and lead.startswith(other) for other in spelt))


def ascii_spaced_pattern(lowered: re.Pattern[str]) -> re.Pattern[str] | None:
    """spaced_pattern of `lowered` without its alternatives that start with a non-ASCII literal ("\\bexport
    bans?|大米出口"), for ASCII texts only, where those never match: the rest finds the same matches there. None when
    `lowered` has no such alternative, or the rest makes no spaced pattern."""
    branches = _top_level_branches(lowered.pattern)
    kept = []
    for branch in branches:
        try:
            leads = _leads(_parser.parse(branch, lowered.flags).data)
        except Exception:  # a construct the parser refuses on its own: keep the alternative
            leads = None
        if not leads or any(lead[0].isascii() for lead in leads):
            kept.append(branch)
    if len(kept) in (0, len(branches)):
        return None
    try:
        rest = re.compile(boundary_factored("|".join(kept)), lowered.flags)
    except re.error:
        return None
    return spaced_pattern(rest)


class LeadPlaces:
    """Where RuleMasks.scan_places found rules' leading words: (place in " " + lowered, the rules' bits) in order of
    place. A match of such a rule's spaced pattern can start only at one of its places (leading_words), so
    search() tries it there alone instead of at every place of the text that the pattern's class admits: the same
    first match, where the regex engine alone tried a few dozen places with each of the pattern's alternatives."""

    __slots__ = ("ascii", "leading", "places")

    def __init__(self, leading: int = 0, *, ascii_text: bool = False) -> None:
        self.leading = leading  # the rules with leading words: for the others, search() reads the whole text
        self.places: list[tuple[int, int]] = []
        self.ascii = ascii_text  # whether the text scanned is ASCII: then a rule's spaced_ascii pattern serves

    def spaced(self, rule: Any) -> re.Pattern[str] | None:
        """The spaced pattern to find the PatternRule `rule`'s matches in the text with, if any."""
        return rule.spaced if rule.spaced is not None or not self.ascii else rule.spaced_ascii

    def whole(self) -> LeadPlaces:
        """For the same text masked: no places (masking can make a word start where there was none)."""
        return LeadPlaces(ascii_text=self.ascii)

    def search(self, spaced: re.Pattern[str], bit: int, text: str, start: int = 0) -> re.Match[str] | None:
        """spaced.search(text, start) for the rule with `bit`, whose spaced pattern `spaced` is; `text` is " " + the
        lower-cased text scanned (unmasked: masking can make a word start where there was none)."""
        if not self.leading & bit:
            return spaced.search(text, start)
        for place, leads in self.places:
            if leads & bit and place >= start:
                found = spaced.match(text, place)
                if found is not None:
                    return found
        return None


NO_PLACES = LeadPlaces()  # every rule searched through the whole text


def _top_level_branches(source: str) -> list[str]:
    """The alternatives of a regex's outermost alternation ("a|b(c|d)|[|]" -> "a", "b(c|d)", "[|]")."""
    branches, start, depth, index = [], 0, 0, 0
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 1  # the escaped character is a literal
        elif char == "[":
            index += 1
            if source[index : index + 1] == "^":
                index += 1
            if source[index : index + 1] == "]":
                index += 1  # a "]" first in a class is a literal
            while index < len(source) and source[index] != "]":
                index += 2 if source[index] == "\\" else 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(source[start:index])
            start = index + 1
        index += 1
    branches.append(source[start:])
    return branches


def boundary_factored(source: str) -> str:
    r"""`source` with each run of top-level alternatives that start with \b sharing one \b: "\ba|\bb|c" becomes
    "\b(?:a|b)|c". The same matches: at each place the alternatives are tried in the same order, and \b is the
    same test for each of them. Several times faster for the watch-list's long lists of words, as the regex engine
    tests the boundary once per place instead of once per alternative."""
    branches = _top_level_branches(source)
    if len(branches) < 2:
        return source
    out: list[str] = []
    run: list[str] = []
    for branch in branches:
        if branch.startswith("\\b"):
            run.append(branch[2:])
            continue
        if run:
            out.append("\\b(?:" + "|".join(run) + ")")
            run = []
        out.append(branch)
    if run:
        out.append("\\b(?:" + "|".join(run) + ")")
    return "|".join(out)
