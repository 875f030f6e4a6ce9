"""Full-text search: the search index projection, web-search query parsing, matching, ranking and snippets.

One query language on both backends (words, "quoted phrases", OR, -exclusions), parsed here once and compiled
for each: PostgreSQL matches words through a weighted tsvector of the 'english' and 'simple' configurations
(websearch_to_tsquery per term) and text without spaces (Chinese) through pg_trgm; SQLite matches through an FTS5
trigram table. Misspelt entity names are widened to the names they resemble (pg_trgm's similarity, or the same
measure computed here on SQLite). The index has a document per change of a development's searchable text, which
the history rows until the next change share (DevelopmentVersion.document), so `as_of` searches the words a
development had then; entity names are always the current ones, as the pages and the API name them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from html import escape
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import Expression, OuterRef, RawSQL
from django.db.models.fields import Field
from django.db.models.query import ValuesIterable
from django.db.models.sql.compiler import SQLCompiler

from events import deferred, store
from events.bulk import insert_values
from events.store import RecordedEvent
from timeline import domain
from timeline.models import DevelopmentVersion, DevelopmentVersionEntity, Entity, EntityAlias, SearchDocument
from timeline.shapes import DevelopmentState

if TYPE_CHECKING:
    from timeline.projections import DevelopmentProjector

# Scripts written without spaces between words: a tsvector sees a whole sentence as one word, so terms in them
# are matched as substrings (pg_trgm on PostgreSQL; the trigram table does so for every term on SQLite).
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\u0e00-\u0e7f]")
_EDGE_PUNCTUATION = ",.;:!?()[]{}<>'"
# The FTS5 trigram tokenizer indexes three characters at a time: a shorter term is matched with LIKE.
_TRIGRAM = 3
# Shorter terms are not widened to similar entity names: too many names resemble a three-letter word.
_FUZZY_MIN_LENGTH = 4
SNIPPET_CHARS = 200
# A search document's texts, in the order a snippet is looked for in them.
_SNIPPET_COLUMNS = ("title", "body", "citations", "entities")
_SQLITE_FTS = "timeline_search_fts"
# Every RawSQL below is fixed text built from these constants; what a user typed goes only into its params.
# `{doc}` is the search document's alias (see _OnDocument); the expression is the trigram index's.
_PG_TEXT = "({doc}.title || ' ' || {doc}.body || ' ' || {doc}.citations || ' ' || {doc}.entities)"
# Each character and pair of adjacent characters of the text's unspaced runs (migration 0012), and its index's
# expression: what finds a term of one or two such characters, which holds no whole trigram.
_PG_GRAMS = f"timeline_search_unspaced_grams{_PG_TEXT}"
_UNSPACED_ONLY = re.compile(_UNSPACED.pattern + "+")
# Text the parser reads as one word, which holds no pair of adjacent words (anything else is asked of PostgreSQL).
_ONE_WORD = re.compile(r"[^\W_]+")
# The search document a searched list joins, one per row (the current one, or the history row's).
_JOINED = "searched_document"


@dataclass(frozen=True)
class Term:
    text: str
    negated: bool = False
    # Names of entities this term resembles (a misspelling widened): the term matches where any of them does.
    similar: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchQuery:
    """A parsed `q`: every clause must match; a clause matches when any of its terms does (OR)."""

    clauses: tuple[tuple[Term, ...], ...] = field(default_factory=tuple)

    @property
    def positive_texts(self) -> list[str]:
        """The texts that make a development match (and are highlighted): terms and the names they resemble."""
        texts = []
        for clause in self.clauses:
            for term in clause:
                if not term.negated:
                    texts += [term.text, *term.similar]
        return list(dict.fromkeys(texts))


def _tokens(text: str) -> list[tuple[str, bool, bool]]:
    """(text, negated, quoted) for each word or quoted phrase, in order; an unclosed quote runs to the end."""
    found = []
    for match in re.finditer(r'(-?)"([^"]*)"?|(\S+)', text):
        if match.group(3) is not None:
            word = match.group(3)
            negated = word.startswith("-") and len(word) > 1
            word = word.lstrip("-") if negated else word
            word = word.replace('"', "").strip(_EDGE_PUNCTUATION)
            if word:
                found.append((word, negated, False))
        else:
            phrase = " ".join(match.group(2).split())
            if phrase:
                found.append((phrase, bool(match.group(1)), True))
    return found


def parse(text: str) -> SearchQuery:
    """Web-search syntax, as websearch_to_tsquery reads it: words, "phrases", OR between terms, -term."""
    return parse_alongside(text, None)[0]


def parse_alongside(text: str, rows: QuerySet[Any] | None) -> tuple[SearchQuery, list[Sequence[Any]]]:
    """parse(text), and `rows` (a values_list read) as its compiler gives them: on PostgreSQL in the round trip
    that looks up the names the terms resemble, so that a request needing both waits for the server once."""
    # Each term with whether it was quoted: a quoted term asks for those words as written, so it is not widened.
    clauses: list[list[tuple[Term, bool]]] = []
    join_next = False
    # Control characters are no one's search term, and PostgreSQL refuses a NUL in any string.
    text = "".join(char if char.isprintable() else " " for char in text)
    for word, negated, quoted in _tokens(text):
        if word == "OR" and not quoted and not negated:
            join_next = bool(clauses)
            continue
        term = (Term(word, negated), quoted)
        if join_next:
            clauses[-1].append(term)
        else:
            clauses.append([term])
        join_next = False
    # The names every widened term resembles, looked up together: one query, not one a term.
    wanted = [term.text for clause in clauses for term, quoted in clause if not quoted and _widens(term)]
    similar, read = _similar_names_alongside(wanted, rows)
    widened = [
        tuple(
            Term(term.text, term.negated, () if quoted else tuple(similar.get(term.text, ())))
            for term, quoted in clause
        )
        for clause in clauses
    ]
    return SearchQuery(tuple(widened)), read


def _widens(term: Term) -> bool:
    """Whether a term also matches the entity names it resembles."""
    return not term.negated and len(term.text) >= _FUZZY_MIN_LENGTH and not _UNSPACED.search(term.text)


# --- misspelt names -------------------------------------------------------------------------------------


def trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams: each word (letters and digits) lower-cased, padded with two spaces before, one after."""
    grams: set[str] = set()
    for word in re.findall(r"\w+", text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def similarity(a: str, b: str) -> float:
    """pg_trgm's similarity(): shared trigrams over all trigrams of both."""
    first, second = trigrams(a), trigrams(b)
    if not first or not second:
        return 0.0
    shared = len(first & second)
    return shared / (len(first) + len(second) - shared)


def similar_entity_names(terms: Iterable[str]) -> dict[str, list[str]]:
    """Each term's resembling names: the names and aliases of entities that resemble it
    (SEARCH_NAME_SIMILARITY), not counting exact matches; one query for all the terms."""
    return _similar_names_alongside(terms, None)[0]


def several_statements_a_message() -> bool:
    """PostgreSQL: whether one execute may carry several statements. psycopg binds values client-side by default
    and sends a simple query, which may; with OPTIONS server_side_binding it uses the extended protocol, one
    statement a message."""
    return not connection.settings_dict["OPTIONS"].get("server_side_binding")


def _similar_names_alongside(
    terms: Iterable[str], rows: QuerySet[Any] | None
) -> tuple[dict[str, list[str]], list[Sequence[Any]]]:
    """similar_entity_names(terms), and `rows` read in the same round trip on PostgreSQL (see parse_alongside)."""
    from timeline.selectors import normalize_name  # selectors import this module

    wanted = {term: normalize_name(term) for term in terms}
    if connection.vendor != "postgresql" or not wanted:
        return _similar_names_here(wanted), list(rows) if rows is not None else []
    together = rows is not None and several_statements_a_message()
    compiler = rows.query.get_compiler(using=rows.db) if rows is not None and together else None
    read: list[Sequence[Any]] = list(rows) if rows is not None and not together else []
    # The trigram index on the aliases answers `%` (at pg_trgm's looser default threshold) for each term; then ours.
    table = connection.ops.quote_name(EntityAlias._meta.db_table)
    sql = (
        f"SELECT wanted.term, alias.name FROM unnest(%s::text[]) AS wanted(term) JOIN {table} AS alias"
        " ON alias.normalized %% wanted.term AND similarity(alias.normalized, wanted.term) >= %s"
        " AND alias.normalized <> wanted.term"
    )
    params: list[Any] = [list(dict.fromkeys(wanted.values())), settings.SEARCH_NAME_SIMILARITY]
    if compiler is not None:
        # Two statements in one message: psycopg binds the values here and sends it as a simple query, whose
        # results come back one after the other.
        other_sql, other_params = compiler.as_sql()
        sql, params = f"{sql}; {other_sql}", [*params, *other_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pairs = cursor.fetchall()
        if compiler is not None:
            cursor.nextset()
            read = list(cursor.fetchall())
            converters = compiler.get_converters([column for column, _, _ in compiler.select])
            read = list(compiler.apply_converters(read, converters)) if converters else read
    found: dict[str, set[str]] = {normalized: set() for normalized in wanted.values()}
    for term, name in pairs:
        found[term].add(name)
    return {term: sorted(found[normalized]) for term, normalized in wanted.items()}, read


def _similar_names_here(wanted: Mapping[str, str]) -> dict[str, list[str]]:
    """Not on PostgreSQL: each term's resembling names (`wanted` maps a term to its normalized form), measured
    here as pg_trgm would."""
    if not wanted:
        return {}
    threshold = settings.SEARCH_NAME_SIMILARITY
    found: dict[str, set[str]] = {normalized: set() for normalized in wanted.values()}
    for name, normalized in EntityAlias.objects.values_list("name", "normalized"):
        for term in found:
            if normalized != term and similarity(normalized, term) >= threshold:
                found[term].add(name)
    return {term: sorted(found[normalized]) for term, normalized in wanted.items()}


# --- matching and ranking -------------------------------------------------------------------------------


def _like_pattern(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _like_operator(text: str) -> str:
    """PostgreSQL: how a document's text is compared with a term's _like_pattern. ILIKE folds the case of every
    document it reads; a term wholly in scripts without case (_UNSPACED_ONLY) finds the same documents with LIKE,
    which compares the bytes as they are (a window read in recency order tests every document in it: half the
    time)."""
    return "LIKE" if _UNSPACED_ONLY.fullmatch(text) else "ILIKE"


def _fts_phrase(text: str) -> str:
    """A term as an FTS5 string: with the trigram tokenizer, it matches wherever the text holds it."""
    return '"' + text.replace('"', '""') + '"'


class _OnDocument(Expression):
    """PostgreSQL SQL about one search document, its columns written `{doc}.column`: `{doc}` becomes the alias
    of the document `anchor` (one of its columns) resolves to, whether the document is a subquery's row or a
    row joined to the list being searched. What a user typed goes only into `params`."""

    def __init__(self, anchor: Any, sql: str, params: Sequence[Any], output_field: Field[Any, Any]) -> None:
        super().__init__(output_field=output_field)
        self.anchor, self.sql, self.params = anchor, sql, list(params)

    def get_source_expressions(self) -> list[Any]:
        return [self.anchor]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.anchor,) = exprs

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, tuple[str | int, ...]]:
        alias = compiler.quote_name_unless_alias(self.anchor.alias)
        return self.sql.replace("{doc}", alias), tuple(self.params)


def _text_matches(text: str, anchor: Any, *, indexed: bool = True) -> Q:
    """Where a SearchDocument holds `text` (a word, a phrase or a name), on this backend.

    indexed=False (PostgreSQL) writes the same test so that no index can answer it: for a narrow range of
    documents read in recency order (relevance_block), where a GIN index would read every match of a common word
    to intersect them with the range."""
    if connection.vendor == "postgresql":
        params: list[Any]
        if _UNSPACED.search(text):
            sql, params = f"{_PG_TEXT} {_like_operator(text)} %s", [_like_pattern(text)]
            if indexed and len(text) < _TRIGRAM and _UNSPACED_ONLY.fullmatch(text):
                # The trigram index would return every document for this term; the grams' index finds the few
                # that can hold it, and the LIKE test still decides (a read in recency order needs neither index).
                sql, params = f"{_PG_GRAMS} @> ARRAY[%s]::text[] AND {sql}", [text, *params]
        else:
            quoted = '"' + text.replace('"', "") + '"'
            sql = "{doc}.document @@ (websearch_to_tsquery('english', %s) || websearch_to_tsquery('simple', %s))"
            params = [quoted, quoted]
            if indexed and (pairs := _phrase_pairs(text.replace('"', ""))):
                # A phrase: its candidates are the documents holding its adjacent words (migration 0014), far
                # fewer than those holding each word; `@@` decides, written so that the index of words, whose
                # lists of a phrase's common words cost more than the candidates, is not read as well.
                has = "timeline_search_pairs({doc}.document) @> %s::text[]"
                sql, params = f"({has} OR {has}) AND ({sql}) IS TRUE", [list(pairs[0]), list(pairs[1]), *params]
        sql = sql if indexed else f"({sql}) IS TRUE"
        return Q(_OnDocument(anchor, sql, params, BooleanField()))
    if len(text) >= _TRIGRAM:
        fts = f"SELECT rowid FROM {_SQLITE_FTS} WHERE {_SQLITE_FTS} MATCH %s"
        return Q(version_id__in=RawSQL(fts, [_fts_phrase(text)]))  # noqa: S611
    pattern = _like_pattern(text)
    columns = ("title", "body", "citations", "entities")
    sql = " OR ".join(f"{column} LIKE %s ESCAPE '\\'" for column in columns)
    return Q(RawSQL(f"({sql})", [pattern] * len(columns), output_field=BooleanField()))  # noqa: S611


@lru_cache(maxsize=1024)
def _phrase_pairs(text: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """PostgreSQL: the pairs of adjacent lexemes (migration 0014) that every document matching `text` as a phrase
    holds, in the english and in the simple configuration; None when either has none (a single word, or words
    apart), and then no pairs say anything. `text` without its quotes, as websearch_to_tsquery reads it quoted."""
    if _ONE_WORD.fullmatch(text):
        return None
    with connection.cursor() as cursor:
        pairs = "timeline_search_pairs(to_tsvector('{}', %s))"
        cursor.execute(f"SELECT {pairs.format('english')}, {pairs.format('simple')}", [text, text])
        english, simple = cursor.fetchone()
    return (tuple(english), tuple(simple)) if english and simple else None


def _term_matches(term: Term, anchor: Any, *, indexed: bool) -> Q:
    found = _text_matches(term.text, anchor, indexed=indexed)
    for name in term.similar:
        found |= _text_matches(name, anchor, indexed=indexed)
    return ~found if term.negated else found


def document_matches(query: SearchQuery, anchor: Any = None, *, indexed: bool = True) -> Q:
    """The SearchDocuments the query finds; on PostgreSQL, `anchor` names the document (default: the row's own,
    in a query on SearchDocument)."""
    anchor = F("version_id") if anchor is None else anchor
    matches = Q()
    for clause in query.clauses:
        either = Q()
        for term in clause:
            either |= _term_matches(term, anchor, indexed=indexed)
        matches &= either
    return matches


def _rank_sql(query: SearchQuery) -> tuple[str, list[str]]:
    """SQL giving a document's relevance, lower first (bm25's sign), over the texts that make it match."""
    texts = query.positive_texts
    if connection.vendor == "postgresql":
        words = ['"' + text.replace('"', "") + '"' for text in texts if not _UNSPACED.search(text)]
        if not words:
            return "0.0::float8", []
        tsquery = " || ".join(
            "websearch_to_tsquery('english', %s) || websearch_to_tsquery('simple', %s)" for _ in words
        )
        return f"(-ts_rank({{doc}}.document, {tsquery}))::float8", [word for word in words for _ in (0, 1)]
    phrases = [_fts_phrase(text) for text in texts if len(text) >= _TRIGRAM]
    if not phrases:
        return "0.0", []
    # Title, body, citations, entities: a word in the title counts most, then an entity's name.
    sql = (
        f"(SELECT bm25({_SQLITE_FTS}, 10.0, 2.0, 1.0, 5.0) FROM {_SQLITE_FTS} "
        f"WHERE {_SQLITE_FTS} MATCH %s AND rowid = version_id)"
    )
    return f"COALESCE({sql}, 0.0)", [" OR ".join(phrases)]


def search_filter(query: SearchQuery, *, as_of: bool) -> Q:
    """The condition on Development rows (as_of False) or history rows (True) that the query finds."""
    documents = SearchDocument.objects.filter(document_matches(query))
    if as_of:
        return Q(document_id__in=documents.values("version_id"))
    return Q(pk__in=documents.filter(is_current=True).values("development_id"))


def _sqlite_rank(query: SearchQuery, *, as_of: bool) -> Subquery:
    """Each row's bm25 from its document's row in the FTS5 table (a subquery per row: the embedded default's
    lists are small, and FTS5's rank is only known inside a MATCH on its own table)."""
    sql, params = _rank_sql(query)
    documents = (
        SearchDocument.objects.filter(version_id=OuterRef("document_id"))
        if as_of
        else SearchDocument.objects.filter(development_id=OuterRef("pk"), is_current=True)
    )
    rank = RawSQL(sql, params, output_field=FloatField())  # noqa: S611
    ranked = documents.annotate(rank=rank).values("rank")[:1]
    return Subquery(ranked, output_field=FloatField())


def _joined(rows: QuerySet[Any], *, as_of: bool) -> tuple[QuerySet[Any], Any]:
    """PostgreSQL: the rows each joined to their search document (the current one, or the history row's)."""
    if as_of:
        joined = FilteredRelation("document")
    else:
        joined = FilteredRelation("search_documents", condition=Q(search_documents__is_current=True))
    return rows.alias(**{_JOINED: joined}), F(f"{_JOINED}__version_id")


def ranked_matches(rows: QuerySet[Any], query: SearchQuery, *, as_of: bool) -> QuerySet[Any]:
    """The rows (developments, or history rows when `as_of`) the query finds, each annotated with its relevance
    as `search_rank` (lower first).

    Every match, ranked: what the pages and the other orderings list. ordering=relevance pages through
    relevance_block instead, which ranks a bounded set at a time.

    PostgreSQL joins each row to its search document once and both matches and ranks on that joined row, so a
    broad query reads each matching document once, rather than ranking every match again in a subquery of its
    own."""
    if connection.vendor != "postgresql":
        found = rows.filter(search_filter(query, as_of=as_of))
        ranked: QuerySet[Any] = found.annotate(search_rank=_sqlite_rank(query, as_of=as_of))
        return ranked
    rows, anchor = _joined(rows, as_of=as_of)
    sql, params = _rank_sql(query)
    matched: QuerySet[Any] = rows.filter(document_matches(query, anchor))
    ranked = matched.annotate(search_rank=_OnDocument(anchor, sql, params, FloatField()))
    return ranked


# --- relevance in blocks ----------------------------------------------------------------------------------
#
# Ranking every match of a common word means reading every matching document (100,000 of a million for a word
# in a tenth of them), which no index avoids without an extension that orders a GIN index's matches (RUM). So
# ordering=relevance ranks the matches a block at a time: the SEARCH_RANK_BLOCK matches most recently written
# (their version's log position, newest first), ordered by ts_rank (bm25 on SQLite), then the next block, and so
# on. A query with no more matches than a block is ranked exactly as a whole. A block is found in windows of log
# positions, newest first, each sized from the density of matches so far. A window of dense matches is read
# document by document down the primary key, without the full-text index. Sparser matches go through the
# full-text index within a window (a BitmapAnd of the GIN index and the primary key's range), so that only the
# window's matches are read from the heap, not every match in the log: a word in 1% of a million documents reads
# roughly 750 documents, not 10,000. A window over most of the log still goes through the index alone.

# The first window, in blocks' worth of log positions: a word in one document in eight fills it.
_FIRST_WINDOW_BLOCKS = 8
# No window read document by document spans more log positions than this many blocks' worth; a wider one goes
# through the full-text index.
_MAX_WINDOW_BLOCKS = 40
# A window is this many times as wide as the matches so far say the rest of the block needs.
_WINDOW_MARGIN = 1.5
# A window through the index spans at most this fraction (1/n) of the positions left below it, else everything.
_WIDEST_INDEXED_SHARE = 4


def next_window(*, size: int, high: int, bottom: int, found: int, window: int) -> int:
    """How many log positions the next window of a block spans (below `bottom`): wide enough, at the density of
    the `found` matches in [bottom, high), for the rest of the block's `size` with a margin, at least a block, and
    a window through the index at least twice the last one (each such window reads the index's match list again).
    No matches yet: everything below. `window` is the last window's width."""
    if not found:
        return bottom
    expected = (size - found) * (high - bottom) / found * _WINDOW_MARGIN
    wanted = max(int(expected), size)
    if not window_walks(wanted):
        wanted = max(wanted, 2 * window)
        # A range over most of what is left costs more to combine than reading the matches outside it.
        if wanted > bottom // _WIDEST_INDEXED_SHARE:
            return bottom
    return min(wanted, bottom)


@contextmanager
def _bitmaps_only() -> Iterator[None]:
    """PostgreSQL: plan without plain index scans, so that a window's range and the full-text index combine in a
    BitmapAnd (the planner would otherwise read the range down the primary key, every document in it)."""
    with connection.cursor() as cursor:
        cursor.execute("SET enable_indexscan = off")
        try:
            yield
        finally:
            try:
                cursor.execute("RESET enable_indexscan")
            except DatabaseError:
                # A statement failed inside a transaction, which now only takes a rollback: the rollback undoes
                # the SET too. Outside one, the connection's session would keep it: that must not pass quietly.
                if not connection.in_atomic_block:
                    raise


def window_walks(window: int) -> bool:
    """Whether a window of this many log positions is read down the primary key (else through the index)."""
    return window <= settings.SEARCH_RANK_BLOCK * _MAX_WINDOW_BLOCKS


@dataclass(frozen=True)
class Block:
    """One block of ordering=relevance: the matches whose version lies in positions [low, high) (high None: no
    upper bound). low 0: the last block, holding every older match."""

    high: int | None
    low: int


def _recency(rows: QuerySet[Any], *, as_of: bool) -> str:
    """The field holding the log position of each row's document (the version that wrote it): what blocks are cut
    by. SQLite's current rows use their last position (their document's, or a later one that left the text
    as it was): the order of blocks past the first may differ between the backends."""
    if connection.vendor == "postgresql":
        return f"{_JOINED}__version_id"
    return "document_id" if as_of else "last_position"


def _matching(
    rows: QuerySet[Any],
    query: SearchQuery,
    *,
    as_of: bool,
    indexed: bool,
    low: int,
    high: int | None,
    categories: Sequence[str] = (),
) -> QuerySet[Any]:
    """The rows the query finds among the matches written in [low, high) (high None: no upper bound).
    `categories`: the category filter `rows` has (if any), tested again on the documents (see relevance_block)."""
    recency = _recency(rows, as_of=as_of)
    bounds: dict[str, Any] = {f"{recency}__gte": low, **({f"{recency}__lt": high} if high is not None else {})}
    if connection.vendor != "postgresql":
        return rows.filter(search_filter(query, as_of=as_of), **bounds)
    joined, anchor = _joined(rows, as_of=as_of)
    matches = document_matches(query, anchor, indexed=indexed)
    if indexed and len(categories) > 1:
        # Each category's documents have an index of their own (migration 0017), whose condition a list of
        # categories does not state: the match is written once for each category, so that each is found through
        # its category's index and the planner ORs them, rather than through the index of every document.
        either = Q()
        for category in dict.fromkeys(categories):
            either |= Q(**{f"{_JOINED}__category": category}) & matches
        matches = either
    elif categories:
        bounds[f"{_JOINED}__category__in"] = list(categories)
    # One filter() call: conditions on a joined relation in separate calls would each join it again.
    return joined.filter(matches, **bounds)


def _block_positions(
    rows: QuerySet[Any],
    query: SearchQuery,
    *,
    as_of: bool,
    high: int,
    categories: Sequence[str] = (),
    rows_key: Hashable | None = None,
) -> list[int]:
    """The log positions of the SEARCH_RANK_BLOCK matches written last below `high`, newest first (fewer: all).
    `rows_key`: see relevance_block."""
    size = settings.SEARCH_RANK_BLOCK
    top, window = high, size * _FIRST_WINDOW_BLOCKS
    positions: list[int] = []
    windows = _Windows(rows, query, as_of=as_of, categories=categories, rows_key=rows_key)
    while True:
        bottom = max(top - window, 0)
        # A narrow window is read newest first without the full-text index (PostgreSQL walks the primary key);
        # a wide one through the index within the window's range, sorted after (recency + 0: not by walking the
        # primary key, which would read every document in the range).
        walks = window_walks(window) and bottom > 0
        bitmaps = not walks and bottom > 0
        positions += windows.read(walks=walks, bitmaps=bitmaps, low=bottom, high=top, limit=size - len(positions))
        if len(positions) == size or bottom == 0:
            return positions
        window = next_window(size=size, high=high, bottom=bottom, found=len(positions), window=window)
        top = bottom


# Stand-ins for a window's bounds while its statement is compiled (_Windows): no log position is negative.
_LOW_STAND_IN, _HIGH_STAND_IN = -(2**62) + 1, -(2**62) + 2
# A window's statement: its SQL without the LIMIT, its parameters, and where the bounds are among them (None: the
# stand-ins did not each appear once, and the window is built as it is read).
_Compiled = tuple[str, list[Any], int, int] | None
# Window statements kept from earlier requests (_Windows.compiled_for), by what they were compiled from.
_KEPT_WINDOWS: dict[Hashable, _Compiled] = {}
# Statements kept in each of those, the oldest going first past this many.
_KEEP_STATEMENTS = 256
# A longer statement is run but not kept. Anyone may search, and a request line of words (with several
# categories, whose windows repeat the match for each) compiles to statements of 300,000 characters, 0.57 MB
# with their parameters: 256 such searches held 150 MB in each web process. A search of a few words compiles to
# 1,200-1,700 characters; this many keep a few dozen words, and each dict at most about 10 MB.
_KEEP_CHARS = 20_000
_KEEPING = threading.Lock()
_T = TypeVar("_T")


def _kept(kept: dict[Hashable, _T], key: Hashable, build: Callable[[], _T], sql: Callable[[_T], str]) -> _T:
    """kept[key], compiled and kept first if it is not there (the web process's threads share them); `sql`: the
    statement's SQL, which must not be longer than _KEEP_CHARS for it to be kept."""
    try:
        return kept[key]
    except KeyError:
        pass
    compiled = build()
    if len(sql(compiled)) > _KEEP_CHARS:
        return compiled
    with _KEEPING:
        while len(kept) >= _KEEP_STATEMENTS:
            kept.pop(next(iter(kept)))
        kept[key] = compiled
    return compiled


class _Windows:
    """The statements reading one block's windows (_block_positions). On PostgreSQL each shape of window (read
    down the primary key or through the index) is built and compiled through the ORM once, with stand-ins for
    its bounds, and every window of that shape runs it with its own: building and compiling a statement cost
    the request more CPU than reading its 500 positions. With a `rows_key` (relevance_block) the statements are
    kept for the next request asking the same, which builds none."""

    def __init__(
        self,
        rows: QuerySet[Any],
        query: SearchQuery,
        *,
        as_of: bool,
        categories: Sequence[str],
        rows_key: Hashable | None = None,
    ) -> None:
        self.rows, self.query, self.as_of, self.categories = rows, query, as_of, categories
        self.rows_key = rows_key
        self.recency = _recency(rows, as_of=as_of)
        self.compiled: dict[bool, _Compiled] = {}

    def _ordered(self, *, walks: bool, low: int, high: int) -> QuerySet[Any]:
        found = _matching(
            self.rows, self.query, as_of=self.as_of, indexed=not walks, low=low, high=high, categories=self.categories
        )
        recency = self.recency
        order = F(recency).desc() if walks else ExpressionWrapper(F(recency) + 0, IntegerField()).desc()
        return found.order_by(order).values_list(recency, flat=True)

    def compiled_for(self, walks: bool) -> _Compiled:
        """_compile(walks), kept across requests under rows_key, the query and the rest of what it is built from."""
        if self.rows_key is None:
            return self._compile(walks)
        key = (connection.alias, self.rows_key, self.query, self.as_of, tuple(self.categories), walks)
        return _kept(_KEPT_WINDOWS, key, lambda: self._compile(walks), lambda compiled: compiled[0] if compiled else "")

    def _compile(self, walks: bool) -> _Compiled:
        """The window's SQL without its LIMIT, its parameters, and where the bounds are among them; None when
        the stand-ins do not each appear once (then the window is built as it is read)."""
        ordered = self._ordered(walks=walks, low=_LOW_STAND_IN, high=_HIGH_STAND_IN)
        sql, params = ordered.query.get_compiler(using=ordered.db).as_sql()
        params = list(params)
        at = [
            [i for i, value in enumerate(params) if value == stand_in] for stand_in in (_LOW_STAND_IN, _HIGH_STAND_IN)
        ]
        if len(at[0]) != 1 or len(at[1]) != 1:
            return None
        return sql, params, at[0][0], at[1][0]

    def read(self, *, walks: bool, bitmaps: bool, low: int, high: int, limit: int) -> list[int]:
        """The positions of the matches in [low, high), newest first, at most `limit`; `bitmaps`: planned as
        _bitmaps_only does (PostgreSQL)."""
        if connection.vendor != "postgresql":
            return list(self._ordered(walks=walks, low=low, high=high)[:limit])
        if walks not in self.compiled:
            self.compiled[walks] = self.compiled_for(walks)
        compiled = self.compiled[walks]
        # The SET and RESET of _bitmaps_only in the window's own message: one round trip, not three.
        together = bitmaps and several_statements_a_message()
        if compiled is None or (bitmaps and not together):
            with _bitmaps_only() if bitmaps else nullcontext():
                if compiled is None:
                    return list(self._ordered(walks=walks, low=low, high=high)[:limit])
                return self._run(compiled, low=low, high=high, limit=limit, together=False)
        return self._run(compiled, low=low, high=high, limit=limit, together=together)

    @staticmethod
    def _run(
        compiled: tuple[str, list[Any], int, int], *, low: int, high: int, limit: int, together: bool
    ) -> list[int]:
        sql, params, low_at, high_at = compiled
        params = list(params)
        params[low_at], params[high_at] = low, high
        # The LIMIT as the ORM writes it for a slice.
        sql = f"{sql} LIMIT {int(limit)}"
        with connection.cursor() as cursor:
            if not together:
                cursor.execute(sql, params)
                return [row[0] for row in cursor.fetchall()]
            # A statement that fails ends the implicit transaction of a simple query (or the one it is in), whose
            # rollback undoes the SET as well, as _bitmaps_only says.
            cursor.execute(f"SET enable_indexscan = off; {sql}; RESET enable_indexscan", params)
            cursor.nextset()
            return [row[0] for row in cursor.fetchall()]


def relevance_block(
    rows: QuerySet[Any],
    query: SearchQuery,
    *,
    as_of: bool,
    high: int | None,
    low: int | None = None,
    categories: Sequence[str] = (),
    rows_key: Hashable | None = None,
) -> tuple[RankedRows, Block]:
    """The matches of one block of ordering=relevance (see above), each with `search_rank` (lower first), and the
    block's bounds; `low` known (from a cursor) skips finding it again.

    `rows_key`: a value that tells `rows` apart from the rows of any other search whose rows are built
    differently (the filters they were built from, where those alone decide their SQL), under which the
    statements finding the block and reading its rows are kept for the next search asking the same; None keeps
    nothing.

    `categories`: the categories `rows` are filtered to, if they are. Each search document carries its versions'
    category, so PostgreSQL tests it on the documents it reads to find the block, and reads only the rows of the
    documents that pass (a word in a tenth of the documents, in one category of four, otherwise reads four rows
    for each it keeps). The rows' own filter still decides: this one only says it sooner."""
    recency = _recency(rows, as_of=as_of)
    top = high if high is not None else store.last_position() + 1
    if low is None:
        # The block's rows are known: rank them by position, without matching them again.
        positions = _block_positions(rows, query, as_of=as_of, high=top, categories=categories, rows_key=rows_key)
        low = positions[-1] if len(positions) == settings.SEARCH_RANK_BLOCK else 0
        if connection.vendor == "postgresql":
            # One array parameter rather than 500 placeholders, each resolved and bound on its own; written as
            # PostgreSQL's array text, which psycopg would otherwise build from the list one element at a time.
            array = "{" + ",".join(str(position) for position in positions) + "}"

            def among(positions: str) -> QuerySet[Any]:
                found, anchor = _joined(rows, as_of=as_of)
                at = _OnDocument(anchor, "{doc}.version_id = ANY(%s::bigint[])", [positions], BooleanField())
                return _ranked(rows, found.filter(at), query, as_of=as_of)

            kept = None if rows_key is None else (connection.alias, rows_key, query, as_of)
            return RankedRows(among, array, kept_key=kept), Block(high, low)
        found = rows.filter(**{f"{recency}__in": positions})
    else:
        narrow = low > 0 and top - low <= settings.SEARCH_RANK_BLOCK * _MAX_WINDOW_BLOCKS
        found = _matching(rows, query, as_of=as_of, indexed=not narrow, low=low, high=high, categories=categories)
    ranked = _ranked(rows, found, query, as_of=as_of)
    return RankedRows(lambda _: ranked, ""), Block(high, low)


def _ranked(rows: QuerySet[Any], found: QuerySet[Any], query: SearchQuery, *, as_of: bool) -> QuerySet[Any]:
    """`found` (some of `rows`, joined to their documents on PostgreSQL) with search_rank, as plain rows."""
    if connection.vendor != "postgresql":
        return _plain_rows(found.annotate(search_rank=_sqlite_rank(query, as_of=as_of)))
    sql, params = _rank_sql(query)
    rank = _OnDocument(F(f"{_JOINED}__version_id"), sql, params, FloatField())
    # The joined document's texts come along for the page's snippets, which then need no query of their own.
    texts: dict[str, Any] = {f"searched_{column}": F(f"{_JOINED}__{column}") for column in _SNIPPET_COLUMNS}
    if not as_of:
        # And the current names of the entities it lists (page_entity_names), evaluated for the page's rows
        # alone (PostgreSQL computes such columns after the LIMIT): a page then needs no statement for them.
        quote = connection.ops.quote_name
        entities = quote(Entity._meta.db_table)
        sql = _ROW_ENTITY_NAMES.format(
            row=quote(rows.model._meta.db_table), entities=entities, id=quote("id"), name=quote("name")
        )
        texts[_ENTITY_NAMES] = RawSQL(sql, [])  # noqa: S611 (no parameters)
    return _plain_rows(found.annotate(search_rank=rank, **texts))


# Stands for a block's positions while the statement reading its rows is compiled (RankedRows).
_POSITIONS_STAND_IN = "{-4611686018427387901}"


@dataclass(frozen=True)
class _KeptRead:
    """The statement reading a block's rows in an order (RankedRows): its SQL without the LIMIT, its parameters,
    where the positions' array is among them, and its columns' names and converters (the compiler's)."""

    sql: str
    params: list[Any]
    positions_at: int
    names: list[str]
    pk: str
    converters: list[tuple[int, list[Any], Any]]


# Statements reading blocks' rows kept from earlier requests (RankedRows), by what they were compiled from.
_KEPT_READS: dict[Hashable, _KeptRead | None] = {}


class RankedRows:
    """One block's matches with their search_rank (relevance_block): `read` gives them in an order, after a key,
    some at a time; iterating gives them all, in no order.

    `among(positions)` builds them as a QuerySet of plain rows (_plain_rows) from `positions` (PostgreSQL's array
    text of the block's positions; unused when the block was not found by them). With a `kept_key`, a first read
    (no key to start after) runs a statement kept from an earlier request under that key with these positions
    instead: building the rows' QuerySet and compiling it cost a search page a fifth of its CPU."""

    def __init__(
        self, among: Callable[[str], QuerySet[Any]], positions: str, *, kept_key: Hashable | None = None
    ) -> None:
        self._among, self._positions, self._kept_key = among, positions, kept_key

    @cached_property
    def queryset(self) -> QuerySet[Any]:
        return self._among(self._positions)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.queryset)

    def read(self, order: Sequence[str], *, after: Q | None, limit: int) -> list[Any]:
        """At most `limit` rows in `order`, those after a key when `after` says which (the cursor's condition)."""
        if after is None and self._kept_key is not None:
            kept = _kept(
                _KEPT_READS,
                (self._kept_key, tuple(order)),
                lambda: self._compile(order),
                lambda compiled: compiled.sql if compiled else "",
            )
            if kept is not None:
                return self._run(kept, limit)
        rows = self.queryset.order_by(*order)
        if after is not None:
            rows = rows.filter(after)
        return list(rows[:limit])

    def _compile(self, order: Sequence[str]) -> _KeptRead | None:
        """The read in `order` built with a stand-in for the positions and compiled; None when the stand-in does
        not appear once among its parameters (then every read is built)."""
        rows = self._among(_POSITIONS_STAND_IN).order_by(*order)
        compiler = rows.query.get_compiler(using=rows.db)
        sql, params = compiler.as_sql()
        at = [i for i, value in enumerate(params) if value == _POSITIONS_STAND_IN]
        if len(at) != 1:
            return None
        query = rows.query
        # The columns as values() names them (ValuesIterable), in the compiler's order.
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        converters = compiler.get_converters([column for column, _, _ in compiler.select])
        kept = [(position, list(functions), expression) for position, (functions, expression) in converters.items()]
        return _KeptRead(sql, list(params), at[0], names, rows.model._meta.pk.attname, kept)

    def _run(self, kept: _KeptRead, limit: int) -> list[Any]:
        params = list(kept.params)
        params[kept.positions_at] = self._positions
        with connection.cursor() as cursor:
            # The LIMIT as the ORM writes it for a slice.
            cursor.execute(f"{kept.sql} LIMIT {int(limit)}", params)
            fetched = cursor.fetchall()
        found = []
        for values in fetched:
            row = list(values)
            for position, functions, expression in kept.converters:
                value = row[position]
                for convert in functions:
                    value = convert(value, expression, connection)
                row[position] = value
            named = dict(zip(kept.names, row, strict=True))
            found.append(SimpleNamespace(pk=named[kept.pk], **named))
        return found


# A current row's entities as its snapshot lists them, each as [id, name] (the name NULL where no entity has the
# id), through the entities' primary key; what page_entity_names reads.
_ENTITY_NAMES = "searched_entity_names"
_ROW_ENTITY_NAMES = (
    "ARRAY(SELECT ARRAY[listed.id, (SELECT {entities}.{name} FROM {entities} WHERE {entities}.{id} = listed.id)]"
    " FROM jsonb_array_elements_text({row}.snapshot -> 'entities') WITH ORDINALITY AS listed(id, at)"
    " ORDER BY listed.at)"
)


def page_entity_names(rows: Sequence[Any]) -> dict[str, str] | None:
    """Entity id -> current name for the entities of a relevance page's rows (selectors.entity_names, without
    its statement) when the rows carry them (relevance_block, PostgreSQL, not as_of); None when they do not."""
    if not rows or not hasattr(rows[0], _ENTITY_NAMES):
        return None
    return {entity_id: name for row in rows for entity_id, name in getattr(row, _ENTITY_NAMES) if name is not None}


class _PlainRows(ValuesIterable):
    """values() rows as objects whose attributes are the columns (and `pk`), as a model instance's are read."""

    def __iter__(self) -> Iterator[Any]:
        pk = self.queryset.model._meta.pk.attname
        for values in super().__iter__():
            yield SimpleNamespace(pk=values[pk], **values)


def _plain_rows(rows: QuerySet[Any]) -> QuerySet[Any]:
    """The rows with every column and annotation, read as plain objects (_PlainRows), not model instances: a
    relevance page only reads its rows, and building a model instance of each cost a search page more CPU than
    serialising it did. Ordering, filtering and slicing them stays the QuerySet's."""
    plain = rows.values()
    plain._iterable_class = _PlainRows
    return plain


# --- snippets ---------------------------------------------------------------------------------------------


def _hits(texts: Sequence[str]) -> re.Pattern[str] | None:
    """What a snippet marks: any of the searched texts, the longest first, in any case; None for no texts."""
    if not texts:
        return None
    return re.compile("|".join(re.escape(t) for t in sorted(texts, key=len, reverse=True)), re.IGNORECASE)


def _snippet(text: str, pattern: re.Pattern[str] | None) -> str | None:
    """HTML: a window of `text` around its first hit of `pattern` (_hits), escaped, with every hit in <mark>;
    None without a hit."""
    if pattern is None:
        return None
    first = pattern.search(text)
    if first is None:
        return None
    start = max(0, first.start() - SNIPPET_CHARS // 3)
    if start:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space > start - 20 else start
    end = min(len(text), start + SNIPPET_CHARS)
    window = text[start:end]
    # html.escape, as Django's escape() is without its check for lazy strings, which cost more than the
    # escaping itself for the few short pieces of each snippet.
    parts: list[str] = []
    last = 0
    for hit in pattern.finditer(window):
        parts.append(escape(window[last : hit.start()]))
        parts.append(f"<mark>{escape(hit.group())}</mark>")
        last = hit.end()
    parts.append(escape(window[last:]))
    return ("…" if start else "") + "".join(parts) + ("…" if end < len(text) else "")


def snippets(query: SearchQuery, rows: Iterable[Any]) -> dict[Any, str]:
    """A highlighted snippet per row (keyed by the row's pk): from its title, summary, citations or entity names,
    whichever first holds a searched text. Escaped HTML whose only markup is <mark>. From the document's texts
    the rows carry (relevance_block's), else from their documents, read here."""
    rows = list(rows)
    if not rows:
        return {}
    if hasattr(rows[0], "searched_title"):
        documents = {row.pk: [getattr(row, f"searched_{column}") for column in _SNIPPET_COLUMNS] for row in rows}
    else:
        as_of = hasattr(rows[0], "valid_from_position")
        # The history rows' documents (shared by rows whose text is the same), else the developments' current ones.
        keys = {row.document_id: row.pk for row in rows} if as_of else {row.pk: row.pk for row in rows}
        read = (
            SearchDocument.objects.filter(version_id__in=keys)
            if as_of
            else SearchDocument.objects.filter(development_id__in=keys, is_current=True)
        )
        documents = {
            keys[document.version_id if as_of else document.development_id]: [
                getattr(document, column) for column in _SNIPPET_COLUMNS
            ]
            for document in read
        }
    # One pattern for the page: building it again for each text was most of a snippet's cost.
    hits = _hits(query.positive_texts)
    return {key: _document_snippet(texts, hits) for key, texts in documents.items()}


def _document_snippet(texts: Sequence[str], hits: re.Pattern[str] | None) -> str:
    """The first of a document's texts (title, body, citations, entities) that holds a hit of `hits` (_hits)."""
    for text in texts:
        if (snippet := _snippet(text.replace("\n", " · "), hits)) is not None:
            return snippet
    title, body = texts[0], texts[1]
    return _snippet_start(body or title)


def _snippet_start(text: str) -> str:
    """No searched text shows (an English stem matched another form of the word): the text's opening."""
    end = min(len(text), SNIPPET_CHARS)
    return escape(text[:end]) + ("…" if end < len(text) else "")


# --- the projection ---------------------------------------------------------------------------------------


def entity_texts(entity_ids: Iterable[str]) -> dict[str, list[str]]:
    """Entity id → its name and aliases (the entities projection lists the name among the aliases)."""
    names: dict[str, list[str]] = {}
    for entity_id, name in EntityAlias.objects.filter(entity_id__in=set(entity_ids)).values_list("entity_id", "name"):
        names.setdefault(entity_id, []).append(name)
    return names


def citation_text(citations: Iterable[Mapping[str, Any]]) -> str:
    """A document's citations column: each citation's claim and excerpt, the empty ones left out, a line each."""
    # Written out rather than as a comprehension per citation: on a development with hundreds of citations this
    # runs for every event that writes a document, and the comprehensions were most of its cost.
    lines = []
    for citation in citations:
        if claim := citation.get("claim"):
            lines.append(str(claim))
        if excerpt := citation.get("excerpt"):
            lines.append(str(excerpt))
    return "\n".join(lines)


def same_searched_text(before: DevelopmentState, after: DevelopmentState) -> bool:
    """Whether two states of a development give the same search document: the same title, summary, entities and
    citation text (claims and excerpts), and the same category (which the document carries for the category
    filter). A history row whose event left it so shares its predecessor's document."""
    if before["title"] != after["title"] or before["summary"] != after["summary"]:
        return False
    if before["category"] != after["category"]:
        return False
    if before["entities"] != after["entities"]:
        return False
    return same_citation_text(before["citations"], after["citations"])


def same_citation_text(before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]]) -> bool:
    """citation_text(before) == citation_text(after), reading only what follows the citations both lists share.

    States share their unchanged parts (domain.evolve): the same list is the same text, and a citation added or
    removed leaves the citations before it the same objects. Their lines are the same, so the texts are equal
    exactly when the texts of the rest are; on a long-cited development that spares reading every citation's
    text twice for each event."""
    if before is after:
        return True
    shared = 0
    for old, new in zip(before, after, strict=False):
        if old is not new:
            break
        shared += 1
    return citation_text(before[shared:]) == citation_text(after[shared:])


# SearchDocument's columns in the order _document gives their values.
DOCUMENT_FIELDS = (
    "version_id",
    "development_id",
    "is_current",
    "title",
    "body",
    "citations",
    "entities",
    "category",
)


def _document(version: DevelopmentVersion, names: dict[str, list[str]], *, is_current: bool) -> tuple[object, ...]:
    """The values of the search document a history row writes, in DOCUMENT_FIELDS order."""
    snapshot = version.snapshot
    return (
        version.pk,
        version.development_id,
        is_current,
        version.title,
        version.summary,
        citation_text(snapshot.get("citations", [])),
        entities_text(snapshot.get("entities", []), names),
        version.category,
    )


def entities_text(entity_ids: Iterable[str], names: Mapping[str, list[str]]) -> str:
    """A document's entities column: the names and aliases of its entities (entity_texts), each once, in order."""
    return "\n".join(dict.fromkeys(name for entity_id in entity_ids for name in names.get(entity_id, [])))


# The entities text of _document, in SQL for a document given as JSON (`r`) with its entities' ids: each entity's
# names in the alias order entity_texts reads them in (the model's ordering), entity after entity as the state
# lists them, every name once, where it first appears.
_ENTITIES_SQL = """coalesce((
    SELECT string_agg(named.name, E'\\n' ORDER BY named.first_at)
    FROM (
        SELECT listed.name, min(listed.at) AS first_at
        FROM (
            SELECT alias.name, row_number() OVER (ORDER BY entity.ord, alias.entity_id, alias.normalized) AS at
            FROM jsonb_array_elements_text(r->'entity_ids') WITH ORDINALITY AS entity(id, ord)
            JOIN {alias_table} AS alias ON alias.entity_id = entity.id
        ) AS listed
        GROUP BY listed.name
    ) AS named
), '')"""


def _insert_naming_entities(
    versions: Sequence[DevelopmentVersion],
    current: dict[str, int | None],
    before: Mapping[str, int],
    *,
    position: int,
) -> None:
    """Queue the insert of `versions`' documents (events.deferred), the entities text written by the database
    (_ENTITIES_SQL) as _document writes it from entity_texts. `before`: by development, the document current
    before these (DevelopmentProjector.closed_documents), whose citations' part of the vector the first of them
    takes when its citations are the same text (_KEPT_CITATIONS_SQL). `position`: the log's, of the append's last
    event (deferred.replanned)."""
    rows = []
    offered: set[str] = set()
    for version in versions:
        development_id = str(version.development_id)
        values = _document(version, {}, is_current=current[development_id] == version.pk)
        row = dict(zip(DOCUMENT_FIELDS, values, strict=True))
        del row["entities"]
        row["entity_ids"] = list(version.snapshot.get("entities", []))
        # Only the first: a later one's predecessor is in this same statement, which does not see it.
        if development_id not in offered:
            offered.add(development_id)
            row["kept_from"] = before.get(development_id)
        rows.append(row)
    quote = connection.ops.quote_name
    table = quote(SearchDocument._meta.db_table)
    by_attname = {field.attname: field for field in SearchDocument._meta.concrete_fields}
    columns = [str(by_attname[name].column) for name in DOCUMENT_FIELDS]
    values_sql = ", ".join(
        _ENTITIES_SQL.format(alias_table=quote(EntityAlias._meta.db_table))
        if column == "entities"
        else f"d.{quote(column)}"
        for column in columns
    )
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(column) for column in [*columns, 'citations_vector'])})"
        f" SELECT {values_sql}, {_KEPT_CITATIONS_SQL.format(table=table)}"
        f" FROM jsonb_array_elements(%s::jsonb) AS r, jsonb_populate_record(NULL::{table}, r) AS d"
    )
    # The costliest of an append's statements to parse and plan. Its lookups' plans hang on the tables' sizes
    # (the kept document's, planned as a scan of a near-empty table, stayed one as it grew): planned anew each
    # time the log doubles.
    deferred.execute(deferred.replanned(sql, position), [orjson.dumps(rows).decode()], prepare=True)


# The citations' part of the vector of the document `kept_from` (of a row `r` given as JSON), when its citations
# are the text the new document's (`d`) are: the trigger (migration 0023) then does not parse them again.
_KEPT_CITATIONS_SQL = (
    "(SELECT kept.citations_vector FROM {table} AS kept"
    " WHERE kept.version_id = (r->>'kept_from')::bigint AND kept.citations = d.citations)"
)


@lru_cache(maxsize=1)
def _retire_sql() -> str:
    """PostgreSQL: the UPDATE that clears the current flag of the documents whose keys its one parameter lists."""
    quote = connection.ops.quote_name
    columns = {field.name: quote(str(field.column)) for field in SearchDocument._meta.concrete_fields}
    key, flag = columns[str(SearchDocument._meta.pk.name)], columns["is_current"]
    return (
        f"UPDATE {quote(SearchDocument._meta.db_table)} SET {flag} = false WHERE {key} = ANY(%s::bigint[]) AND {flag}"
    )


class SearchProjector:
    """The search index: a document for each history row that changed its development's searchable text (the rows
    that left it as it was share their predecessor's: DevelopmentVersion.document), written after the
    developments projector's rows.

    `developments` is that projector: the rows it has just written are taken from it rather than read back.
    """

    name = "search"

    def __init__(self, developments: DevelopmentProjector | None = None) -> None:
        self._developments = developments

    def apply(self, event: RecordedEvent) -> None:
        self.apply_batch([event])

    def apply_batch(self, events: Sequence[RecordedEvent]) -> None:
        relevant = [event for event in events if event.event_type in domain.DEVELOPMENT_EVENTS]
        if relevant:
            versions, closed = self._versions(relevant)
            # Each development's document after the batch: its last version's.
            current = {str(version.development_id): version.document_id for version in versions}
            own = [version for version in versions if version.document_id == version.pk]
            # Only a development that had events before this batch has a current document to retire, and only a
            # new document retires it.
            rewritten = {str(version.development_id) for version in own}
            position = relevant[-1].position  # the log's, for the statements planned anew as it grows
            if older := rewritten & domain.continued_developments(relevant):
                self._retire(older, closed, position=position)
            if deferred.queues(len(own)):
                # The entities' names are looked up by the insert itself: reading them first was a round trip.
                _insert_naming_entities(own, current, closed, position=position)
            else:
                names = entity_texts(e for version in own for e in version.snapshot.get("entities", []))
                documents = (
                    _document(version, names, is_current=current[str(version.development_id)] == version.pk)
                    for version in own
                )
                insert_values(SearchDocument, DOCUMENT_FIELDS, documents)
        renamed = {str(event.data["id"]) for event in events if event.event_type == domain.ENTITY_REVISED}
        if renamed:
            self._rename(renamed)

    def _versions(self, events: Sequence[RecordedEvent]) -> tuple[list[DevelopmentVersion], dict[str, int]]:
        """The history rows `events` made, in order: as the developments projector wrote them in this transaction
        when it holds them all (keyed by event id, which no other event shares), else read from the database;
        with the first, the search documents that were current before them (DevelopmentProjector.
        closed_documents), by development."""
        developments = self._developments
        if developments is not None and all(event.event_id in developments.written for event in events):
            return [developments.written[event.event_id] for event in events], developments.closed_documents
        rows = DevelopmentVersion.objects.filter(pk__in=[event.position for event in events])
        fields = ("id", "development_id", "title", "summary", "category", "snapshot", "document_id")
        return list(rows.order_by("pk").only(*fields)), {}

    @staticmethod
    def _retire(developments: set[str], closed: Mapping[str, int], *, position: int) -> None:
        """Clear the flag of the developments' current documents: by key where the document is known (the one
        the open history row had), else found among each development's documents, which are more the longer
        its stream. `position`: the log's, of the append's last event (deferred.replanned)."""
        if developments <= closed.keys():
            keys = sorted({closed[d] for d in developments})
            if deferred.active():
                # Written once: the ORM's building of this UPDATE cost an append more than running it.
                # Planned anew as the log grows: while the table is small, the keys are found by a scan. Marked
                # with the log's position, not the retired documents' keys: an old document's key would pick the
                # statement planned (a scan) when the log was that long.
                deferred.execute(deferred.replanned(_retire_sql(), position), [keys], prepare=True)
                return
            documents = SearchDocument.objects.filter(pk__in=keys)
        else:
            documents = SearchDocument.objects.filter(development_id__in=developments)
        deferred.update(documents.filter(is_current=True), is_current=False)

    @staticmethod
    def _rename(entity_ids: set[str]) -> None:
        """An entity's names changed: every document that names it, past versions too, names it anew (the pages
        and the API name entities as they are now, as_of included)."""
        linked = DevelopmentVersionEntity.objects.filter(entity_id__in=entity_ids).values("version_id")
        # The rows that wrote a document: the others share one of these.
        versions = list(DevelopmentVersion.objects.filter(pk__in=linked, document_id=F("pk")).only("id", "snapshot"))
        names = entity_texts(e for version in versions for e in version.snapshot.get("entities", []))
        documents = []
        for version in versions:
            entities = entities_text(version.snapshot.get("entities", []), names)
            documents.append(SearchDocument(version_id=version.pk, entities=entities))
        SearchDocument.objects.bulk_update(documents, ["entities"], batch_size=1000)

    def reset(self) -> None:
        SearchDocument.objects.all().delete()
