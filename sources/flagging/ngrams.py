"""The fitted TF-IDF vectorizers' transform: the same matrix, bit for bit, for a fraction of the cost.

Ingestion scores every new item with the learned model, and sklearn's `TfidfVectorizer.transform` spends most of
that time in a Python loop over every n-gram (slice, look up, count: a few dictionary operations each, some 400
character n-grams and 200 word n-grams an item). Here a whole batch (a feed's items) is counted at once:

- Words: the tokens are numbered by a C-level iterator (`map`) and an n-gram is a number made of its tokens',
  looked up in a hash table (`KeyTable`) in numpy, so no n-gram string is built; the counting is numpy's.
- Characters within word boundaries (`char_wb`): every character of the batch becomes a small integer (its place
  in the vocabulary's alphabet), an n-gram of up to four characters one 64-bit key, and the look-up is in a hash
  table of the vocabulary's keys (`KeyTable`), all in numpy. sklearn pads each word with a space and takes every
  substring of each length in the range. Here the padded words of all items are joined into one string,
  " w1  w2 ... ", and every substring of it is taken: one that straddles two words (or two items) contains their
  two adjacent pads, "  ", which no substring of a single padded word does, so it is in no vocabulary and drops
  out at the look-up. (That needs the range to start at 3 or below, as a padded word has at least 3 characters
  and sklearn counts a shorter one whole; `fast_transform` checks it.)

What follows the counts is sklearn's own arithmetic in sklearn's order (log(tf) + 1, times idf, then its l2 row
normalisation), on a count matrix with the same values and column order, so the floats are identical.
tests/sources/test_learned_flagger.py compares the two on varied texts. Any configuration this does not reproduce
(other analyzers, stop words, binary counts, longer character n-grams...) goes to sklearn (`fast_transform`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

Transform = Callable[[Sequence[str]], sp.csr_matrix]


@dataclass(frozen=True)
class CsrArrays:
    """A CSR matrix's arrays and shape, without scipy's object: building one checks and copies more than a feed's
    matrix costs to compute (about 30 us a matrix). Anything reading only these four attributes takes either."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple[int, int]

    def as_csr(self) -> sp.csr_matrix:
        matrix = sp.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)
        matrix.has_sorted_indices = True
        return matrix


ArraysTransform = Callable[[Sequence[str]], "sp.csr_matrix | CsrArrays"]

# sklearn's default token pattern, r"(?u)\b\w\w+\b", finds the runs of two or more word characters: a greedy \w\w+
# tried from the left takes each such run whole and nothing else, so the \b anchors never decide anything, and
# without them the regex engine runs about twice as fast.
_DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # noqa: S105 (a regex, not a password)
_WORD_RUNS = re.compile(r"\w\w+")
# On an ASCII text, where \w is the same class either way, ASCII matching spares the Unicode look-ups.
_ASCII_WORD_RUNS = re.compile(r"\w\w+", re.ASCII)
# An ASCII text's bytes with the letters lower-cased and every byte that is no word character (\w: a letter, a digit,
# "_") spelt as a space: split() then gives the runs of word characters that sklearn's lower() and regex give, and
# the one-character runs, which its regex leaves out (see WordTfidf.found).
_ASCII_WORD_BYTES = bytes(
    code + 32 if 65 <= code <= 90 else code if chr(code).isascii() and (chr(code).isalnum() or chr(code) == "_") else 32
    for code in range(256)
)
_ONE_CHARACTER_RUN = -2  # a token's number: dropped
_BITS = 16  # per character in a character n-gram key: four characters fill 64 bits
_UNKNOWN = (1 << _BITS) - 1  # a character in no vocabulary term: an n-gram containing it matches nothing
_CODE_POINTS = 0x110000


def _vocabulary(vectorizer: TfidfVectorizer) -> dict[str, int] | None:
    """The fitted vocabulary, or the one given (a stored model's vectorizer has not transformed anything yet)."""
    vocabulary = getattr(vectorizer, "vocabulary_", None) or vectorizer.vocabulary
    return vocabulary if isinstance(vocabulary, dict) and vocabulary else None


class _Tfidf:
    """What both analyzers share: sklearn's weighting of a count matrix."""

    def __init__(self, vectorizer: TfidfVectorizer, vocabulary: dict[str, int]) -> None:
        self.preprocess: Callable[[str], str] = vectorizer.build_preprocessor()
        self.min_n, self.max_n = vectorizer.ngram_range
        self.columns = len(vocabulary)
        self.sublinear = bool(vectorizer.sublinear_tf)
        self.idf: np.ndarray | None = np.asarray(vectorizer.idf_) if vectorizer.use_idf else None
        self.normalise = vectorizer.norm == "l2"

    def found(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The (row, column) of every n-gram of the texts found in the vocabulary."""
        raise NotImplementedError

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.matrix(*self.found(texts), len(texts))

    def transform_arrays(self, texts: Sequence[str]) -> CsrArrays:
        """transform()'s matrix as its arrays (for the model's scoring, which reads nothing else)."""
        return self.arrays(*self.found(texts), len(texts))

    def matrix(self, rows: np.ndarray, columns: np.ndarray, count: int) -> sp.csr_matrix:
        """The tf-idf matrix of `count` rows from the (row, column) of every n-gram found in the vocabulary."""
        return self.arrays(rows, columns, count).as_csr()

    def arrays(self, rows: np.ndarray, columns: np.ndarray, count: int) -> CsrArrays:
        """matrix()'s arrays."""
        cells = rows * self.columns + columns
        if count * self.columns < 2**31:  # a feed's batch: 32-bit numbers sort faster
            cells = cells.astype(np.int32)
        # By row, then column. Plain numbers, so any sort gives the same array; numpy's default one (SIMD) sorts a
        # feed's few thousand n-grams ten times as fast as its stable one (which was a third of the matrix's cost).
        cells.sort()
        # Each distinct cell once, with how many times it occurs (written out: np.r_ and np.diff cost more in their
        # Python set-up than in their work on a feed's cells).
        first = np.empty(len(cells), dtype=bool)
        first[:1] = True
        np.not_equal(cells[1:], cells[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        data = np.empty(len(starts), dtype=np.float64)
        data[:-1] = starts[1:] - starts[:-1]
        data[-1:] = len(cells) - starts[-1:]
        cells = cells[starts]
        # Where each row's cells start, found in the sorted cells; a cell's column is what is left past its row's.
        bounds = np.arange(count + 1, dtype=cells.dtype) * self.columns
        indptr = np.searchsorted(cells, bounds).astype(np.int32)
        indices = (cells - np.repeat(bounds[:-1], indptr[1:] - indptr[:-1])).astype(np.int32)
        # sklearn's TfidfTransformer.transform, step for step.
        if self.sublinear:
            np.log(data, data)
            data += 1.0
        if self.idf is not None:
            data *= self.idf[indices]
        arrays = CsrArrays(data, indices, indptr, (count, self.columns))
        if self.normalise:
            inplace_csr_row_normalize_l2(arrays)  # reads data, shape, indices and indptr alone
        return arrays


class KeyTable:
    """The vocabulary column of each of an array of n-gram keys (-1 for a key not in it), looked up all at once.

    Cuckoo hashing, in numpy: a key has two home slots (two Fibonacci hashes) and sits in one of them, so a look-up
    reads two places, whatever the table holds: a binary search (np.searchsorted) over the sorted keys reads about a
    dozen, each a cache miss, and was most of the character n-grams' cost. A quarter of the slots are taken at most.
    """

    # Odd 64-bit multipliers (2**64 / the golden ratio, and another): each spreads a key's bits over the slot's.
    _MULTIPLIERS = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))
    # An empty slot's key, which no table may hold: a looked-up key equal to it finds only empty slots (column -1),
    # a miss. Neither kind of key reaches it: a word n-gram's is below 2**63, and all ones for characters is a run
    # of _UNKNOWN ones, which no vocabulary term holds.
    _EMPTY = np.uint64(np.iinfo(np.uint64).max)

    def __init__(self, keys: np.ndarray, columns: np.ndarray) -> None:
        if (keys == self._EMPTY).any():
            raise ValueError("a key table cannot hold the empty slots' key")
        self.empty = not len(keys)
        self.bits = max(3, (len(keys) * 4 - 1).bit_length())
        while not self._place(keys, columns):  # a cycle of evictions (rare at this load): a table twice as big
            self.bits += 1

    def _place(self, keys: np.ndarray, columns: np.ndarray) -> bool:
        size = 1 << self.bits
        slot_keys, slot_columns = [int(self._EMPTY)] * size, [-1] * size
        first, second = (homes.tolist() for homes in self.homes(keys))
        homes = {key: (one, other) for key, one, other in zip(keys.tolist(), first, second, strict=True)}
        for key, column in zip(keys.tolist(), columns.tolist(), strict=True):
            slot = homes[key][0]
            for _ in range(size):
                if slot_columns[slot] == -1:
                    slot_keys[slot], slot_columns[slot] = key, column
                    break
                # Take the slot and send the key that held it to its other home.
                key, slot_keys[slot] = slot_keys[slot], key
                column, slot_columns[slot] = slot_columns[slot], column
                one, other = homes[key]
                slot = other if slot == one else one
            else:
                return False
        self.keys = np.array(slot_keys, dtype=np.uint64)
        self.columns = np.array(slot_columns, dtype=np.int64)
        return True

    def homes(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        shift = np.uint64(64 - self.bits)
        first, second = ((keys * multiplier) >> shift for multiplier in self._MULTIPLIERS)
        # Below 2**bits, so the same numbers read as signed: a view, not a copy.
        return first.view(np.int64), second.view(np.int64)

    def find(self, keys: np.ndarray) -> np.ndarray:
        first, second = self.homes(keys)
        # take(): fancy indexing's general machinery costs more on a feed's few thousand keys.
        slots = np.where(self.keys.take(first) == keys, first, second)
        return np.where(self.keys.take(slots) == keys, self.columns.take(slots), -1)


class WordTfidf(_Tfidf):
    """Word n-grams of sklearn's default tokens. Every token of the vocabulary's terms has a number (a term "a b" is
    the tokens "a" and "b": a token never contains a space), an n-gram of n >= 2 is the number of its tokens' numbers
    in base `len(tokens)`, looked up in a `KeyTable`; so past the tokenising (sklearn's regex, or for an ASCII text a
    translation and a split that give the same tokens), no n-gram string or tuple is ever built."""

    def __init__(self, vectorizer: TfidfVectorizer, vocabulary: dict[str, int]) -> None:
        super().__init__(vectorizer, vocabulary)
        self.tokens = _term_tokens(vocabulary)
        # An ASCII text is split the cheap way (_ASCII_WORD_BYTES) when the preprocessing is lower() alone; its
        # one-character runs then have a number of their own, whatever the vocabulary says, and are dropped.
        self.ascii_split = vectorizer.lowercase and vectorizer.strip_accents is None and vectorizer.preprocessor is None
        one_character = (chr(code) for code in range(128) if chr(code).isalnum() or chr(code) == "_")
        self.numbers = {**self.tokens, **dict.fromkeys(one_character, _ONE_CHARACTER_RUN)}
        # A token's column as a unigram; the last entry, -1, is where an unknown token (number -1) looks.
        self.unigrams = np.full(len(self.tokens) + 1, -1, dtype=np.int64)
        grams: dict[int, tuple[list[int], list[int]]] = {n: ([], []) for n in range(2, self.max_n + 1)}
        for term, column in vocabulary.items():
            numbers = [self.tokens[token] for token in term.split(" ")]
            if len(numbers) == 1:
                self.unigrams[numbers[0]] = column
            elif len(numbers) in grams:
                grams[len(numbers)][0].append(self._key(numbers))
                grams[len(numbers)][1].append(column)
        self.tables = {
            n: KeyTable(np.array(keys, dtype=np.uint64), np.array(columns, dtype=np.int64))
            for n, (keys, columns) in grams.items()
            if n >= self.min_n
        }

    def _key(self, numbers: list[int]) -> int:
        key = 0
        for number in numbers:
            key = key * len(self.tokens) + number
        return key

    def _runs(self, text: str) -> list[str]:
        """The runs of two or more word characters of the preprocessed text, as sklearn's token pattern finds them."""
        text = self.preprocess(text)
        return (_ASCII_WORD_RUNS if text.isascii() else _WORD_RUNS).findall(text)

    def found(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        # An ASCII text: a translation and a split in C, for a third of the regex's cost.
        split = self.ascii_split
        per_text = [
            text.encode("ascii").translate(_ASCII_WORD_BYTES).decode("ascii").split()
            if split and text.isascii()
            else self._runs(text)
            for text in texts
        ]
        lengths = list(map(len, per_text))
        numbers = np.fromiter(
            map(self.numbers.get, chain.from_iterable(per_text), repeat(-1)), dtype=np.int64, count=sum(lengths)
        )
        rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        if split:
            runs = numbers != _ONE_CHARACTER_RUN
            if not runs.all():
                numbers, rows = numbers[runs], rows[runs]
        found_rows, found_columns = [], []
        if self.min_n == 1:
            columns = self.unigrams[numbers]
            known = columns >= 0
            found_rows.append(rows[known])
            found_columns.append(columns[known])
        base = np.int64(len(self.tokens))
        for n, table in self.tables.items():
            starts = len(numbers) - n + 1
            if starts <= 0:
                continue
            # An n-gram is n known tokens of one text.
            whole = (rows[:starts] == rows[n - 1 :]) & (numbers[:starts] >= 0)
            key = numbers[:starts].copy()
            for offset in range(1, n):
                whole &= numbers[offset : offset + starts] >= 0
                key *= base
                key += numbers[offset : offset + starts]
            columns = table.find(key[whole].astype(np.uint64))
            known = columns >= 0
            found_rows.append(rows[:starts][whole][known])
            found_columns.append(columns[known])
        if not found_rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(found_rows), np.concatenate(found_columns)


def _term_tokens(vocabulary: dict[str, int]) -> dict[str, int]:
    """Every token of the terms, numbered in the order first met."""
    tokens: dict[str, int] = {}
    for term in vocabulary:
        for token in term.split(" "):
            tokens.setdefault(token, len(tokens))
    return tokens


class CharTfidf(_Tfidf):
    def __init__(self, vectorizer: TfidfVectorizer, vocabulary: dict[str, int]) -> None:
        super().__init__(vectorizer, vocabulary)
        alphabet = sorted({char for term in vocabulary for char in term})
        self.codes = np.full(_CODE_POINTS, _UNKNOWN, dtype=np.uint16)  # code point -> place in the alphabet
        self.codes[[ord(char) for char in alphabet]] = np.arange(len(alphabet), dtype=np.uint16)
        # Per n-gram length: the terms' keys and their columns.
        self.tables: dict[int, KeyTable] = {}
        for n in range(self.min_n, self.max_n + 1):
            terms = [(self._key(term), column) for term, column in vocabulary.items() if len(term) == n]
            self.tables[n] = KeyTable(
                np.array([key for key, _ in terms], dtype=np.uint64), np.array([c for _, c in terms], dtype=np.int64)
            )

    def _key(self, term: str) -> int:
        key = 0
        for char in term:
            key = (key << _BITS) | int(self.codes[ord(char)])
        return key

    def padded(self, text: str) -> str:
        # sklearn folds runs of whitespace into one space and splits on whitespace: split() alone does both.
        words = self.preprocess(text).split()
        return " " + "  ".join(words) + " " if words else ""

    def found(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        padded = [self.padded(text) for text in texts]
        joined = "".join(padded)
        rows = np.repeat(np.arange(len(texts), dtype=np.int64), list(map(len, padded)))
        code_points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        codes = self.codes[code_points].astype(np.uint64)
        found_rows, found_columns = [], []
        # The keys of the n-grams starting at each place, n growing: each length's from the last one's.
        key, length = codes, 1
        for n, table in self.tables.items():
            starts = len(codes) - n + 1
            if starts <= 0:
                break
            while length < n:
                key = (key[: len(codes) - length] << np.uint64(_BITS)) | codes[length:]
                length += 1
            if table.empty:
                continue
            columns = table.find(key)
            hit = columns >= 0
            found_rows.append(rows[:starts][hit])
            found_columns.append(columns[hit])
        if not found_rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(found_rows), np.concatenate(found_columns)


def _supported(vectorizer: TfidfVectorizer, vocabulary: dict[str, int] | None) -> bool:
    """Configurations this module reproduces exactly; anything else goes to sklearn."""
    if vocabulary is None or (vectorizer.use_idf and not hasattr(vectorizer, "idf_")):
        return False
    if vectorizer.binary or vectorizer.input != "content" or vectorizer.stop_words is not None:
        return False
    if vectorizer.norm not in ("l2", None) or vectorizer.dtype != np.float64 or callable(vectorizer.analyzer):
        return False
    min_n, max_n = vectorizer.ngram_range
    if vectorizer.analyzer == "word":
        return (
            min_n >= 1
            and vectorizer.tokenizer is None
            and vectorizer.token_pattern == _DEFAULT_TOKEN_PATTERN
            and max(1, len(_term_tokens(vocabulary))) ** max_n < 2**63  # an n-gram's key fits in 63 bits
        )
    if vectorizer.analyzer == "char_wb":
        alphabet = {char for term in vocabulary for char in term}
        return (
            1 <= min_n <= 3
            and max_n * _BITS <= 64
            and len(alphabet) < _UNKNOWN
            and not any("  " in term or not min_n <= len(term) <= max_n for term in vocabulary)
        )
    return False


def fast_transform(vectorizer: TfidfVectorizer) -> Transform:
    """`vectorizer.transform`, computed the cheap way when its configuration allows."""
    vocabulary = _vocabulary(vectorizer)
    if not _supported(vectorizer, vocabulary):
        return vectorizer.transform
    assert vocabulary is not None
    if vectorizer.analyzer == "word":
        return WordTfidf(vectorizer, vocabulary).transform
    return CharTfidf(vectorizer, vocabulary).transform


def arrays_transform(transform: Transform) -> ArraysTransform:
    """A transform from fast_transform computing its matrices' arrays alone; any other transform as it is."""
    owner = getattr(transform, "__self__", None)
    return owner.transform_arrays if isinstance(owner, _Tfidf) else transform


def _entries(block: sp.csr_matrix | CsrArrays | np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A block's entries per row, their columns and values, row by row (a dense block: its non-zeros, as
    scipy.sparse.csr_matrix would keep them)."""
    if isinstance(block, np.ndarray):
        rows, columns = np.nonzero(block)
        return np.count_nonzero(block, axis=1), columns, block[rows, columns]
    return np.diff(block.indptr), block.indices, block.data


def hstack(blocks: Sequence[sp.csr_matrix | CsrArrays | np.ndarray]) -> sp.csr_matrix:
    """`scipy.sparse.hstack(blocks, format="csr")` of blocks with the same rows, CSR or dense: the same matrix (each
    row's entries block by block, in each block's order), without scipy's general-purpose checks and copies, which
    cost more than the stacking itself for a feed's few dozen rows."""
    count = blocks[0].shape[0]
    parts = [_entries(block) for block in blocks]
    indptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.sum([per_row for per_row, _, _ in parts], axis=0), out=indptr[1:])
    offsets = np.cumsum([0] + [block.shape[1] for block in blocks[:-1]])
    rows = np.concatenate([np.repeat(np.arange(count), per_row) for per_row, _, _ in parts])
    order = np.argsort(rows, kind="stable")  # stable: within a row, block by block and in each block's order
    indices = np.concatenate(
        [columns.astype(np.int64) + offset for (_, columns, _), offset in zip(parts, offsets, strict=True)]
    )
    data = np.concatenate([values for _, _, values in parts])
    columns = sum(block.shape[1] for block in blocks)
    index_type = np.int32 if max(columns, indptr[-1]) < np.iinfo(np.int32).max else np.int64
    return sp.csr_matrix(
        (data[order], indices[order].astype(index_type), indptr.astype(index_type)), shape=(count, columns)
    )
