"""Full-text search: the search index projection, web-search query parsing, matching, ranking and snippets.

One query language on both backends (words, "quoted phrases", OR, -exclusions), parsed here once and compiled
for each: PostgreSQL matches words through a weighted tsvector of the 'english' and 'simple' configurations
(websearch_to_tsquery per term) and text without spaces (Chinese) through pg_trgm; SQLite matches through an FTS5
trigram table. Misspelt entity names are widened to the names they resemble (pg_trgm's similarity, or the same
measure computed here on SQLite). The index has one document per history row, so `as_of` searches the words a
development had then; entity names are always the current ones, as the pages and the API name them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, FilteredRelation, FloatField, Q, QuerySet, Subquery
from django.db.models.expressions import Expression, OuterRef, RawSQL
from django.db.models.fields import Field
from django.db.models.sql.compiler import SQLCompiler
from django.utils.html import escape

from events.bulk import insert_values
from events.store import RecordedEvent
from timeline import domain
from timeline.models import DevelopmentVersion, DevelopmentVersionEntity, EntityAlias, SearchDocument

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
_SQLITE_FTS = "timeline_search_fts"
# Every RawSQL below is fixed text built from these constants; what a user typed goes only into its params.
# `{doc}` is the search document's alias (see _OnDocument); the expression is the trigram index's.
_PG_TEXT = "({doc}.title || ' ' || {doc}.body || ' ' || {doc}.citations || ' ' || {doc}.entities)"
# The search document a searched list joins, one per row (the current one, or the history row's own).
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
    clauses: list[list[Term]] = []
    join_next = False
    # Control characters are no one's search term, and PostgreSQL refuses a NUL in any string.
    text = "".join(char if char.isprintable() else " " for char in text)
    for word, negated, quoted in _tokens(text):
        if word == "OR" and not quoted and not negated:
            join_next = bool(clauses)
            continue
        term = Term(word, negated)
        if join_next:
            clauses[-1].append(term)
        else:
            clauses.append([term])
        join_next = False
    widened = [tuple(_widen(term) for term in clause) for clause in clauses]
    return SearchQuery(tuple(widened))


def _widen(term: Term) -> Term:
    if term.negated or len(term.text) < _FUZZY_MIN_LENGTH or _UNSPACED.search(term.text):
        return term
    return Term(term.text, term.negated, tuple(similar_entity_names(term.text)))


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


def similar_entity_names(term: str) -> list[str]:
    """Names and aliases of entities that resemble `term` (SEARCH_NAME_SIMILARITY), not counting exact matches."""
    from timeline.selectors import normalize_name  # selectors import this module

    wanted = normalize_name(term)
    threshold = settings.SEARCH_NAME_SIMILARITY
    if connection.vendor == "postgresql":
        # The trigram index on the aliases answers `%` (at pg_trgm's looser default threshold); then ours.
        close = RawSQL(
            "normalized %% %s AND similarity(normalized, %s) >= %s",
            [wanted, wanted, threshold],
            output_field=BooleanField(),
        )
        rows = EntityAlias.objects.filter(close)
        names: Iterable[str] = rows.exclude(normalized=wanted).values_list("name", flat=True)
    else:
        names = (
            name
            for name, normalized in EntityAlias.objects.values_list("name", "normalized")
            if normalized != wanted and similarity(normalized, wanted) >= threshold
        )
    return sorted(set(names))


# --- matching and ranking -------------------------------------------------------------------------------


def _like_pattern(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


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


def _text_matches(text: str, anchor: Any) -> Q:
    """Where a SearchDocument holds `text` (a word, a phrase or a name), on this backend."""
    if connection.vendor == "postgresql":
        if _UNSPACED.search(text):
            sql, params = f"{_PG_TEXT} ILIKE %s", [_like_pattern(text)]
        else:
            quoted = '"' + text.replace('"', "") + '"'
            sql = "{doc}.document @@ (websearch_to_tsquery('english', %s) || websearch_to_tsquery('simple', %s))"
            params = [quoted, quoted]
        return Q(_OnDocument(anchor, sql, params, BooleanField()))
    if len(text) >= _TRIGRAM:
        fts = f"SELECT rowid FROM {_SQLITE_FTS} WHERE {_SQLITE_FTS} MATCH %s"
        return Q(version_id__in=RawSQL(fts, [_fts_phrase(text)]))  # noqa: S611
    pattern = _like_pattern(text)
    columns = ("title", "body", "citations", "entities")
    sql = " OR ".join(f"{column} LIKE %s ESCAPE '\\'" for column in columns)
    return Q(RawSQL(f"({sql})", [pattern] * len(columns), output_field=BooleanField()))  # noqa: S611


def _term_matches(term: Term, anchor: Any) -> Q:
    found = _text_matches(term.text, anchor)
    for name in term.similar:
        found |= _text_matches(name, anchor)
    return ~found if term.negated else found


def document_matches(query: SearchQuery, anchor: Any = None) -> Q:
    """The SearchDocuments the query finds; on PostgreSQL, `anchor` names the document (default: the row's own,
    in a query on SearchDocument)."""
    anchor = F("version_id") if anchor is None else anchor
    matches = Q()
    for clause in query.clauses:
        either = Q()
        for term in clause:
            either |= _term_matches(term, anchor)
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
        return Q(pk__in=documents.values("version_id"))
    return Q(pk__in=documents.filter(is_current=True).values("development_id"))


def _sqlite_rank(query: SearchQuery, *, as_of: bool) -> Subquery:
    """Each row's bm25 from its document's row in the FTS5 table (a subquery per row: the embedded default's
    lists are small, and FTS5's rank is only known inside a MATCH on its own table)."""
    sql, params = _rank_sql(query)
    documents = (
        SearchDocument.objects.filter(version_id=OuterRef("pk"))
        if as_of
        else SearchDocument.objects.filter(development_id=OuterRef("pk"), is_current=True)
    )
    rank = RawSQL(sql, params, output_field=FloatField())  # noqa: S611
    ranked = documents.annotate(rank=rank).values("rank")[:1]
    return Subquery(ranked, output_field=FloatField())


def ranked_matches(rows: QuerySet[Any], query: SearchQuery, *, as_of: bool) -> QuerySet[Any]:
    """The rows (developments, or history rows when `as_of`) the query finds, each annotated with its relevance
    as `search_rank` (lower first), what ordering=relevance sorts by.

    PostgreSQL joins each row to its search document once and both matches and ranks on that joined row, so a
    broad query reads each matching document once and sorts (top-k, under a LIMIT) by ts_rank, rather than
    ranking every match again in a subquery of its own."""
    if connection.vendor != "postgresql":
        found = rows.filter(search_filter(query, as_of=as_of))
        ranked: QuerySet[Any] = found.annotate(search_rank=_sqlite_rank(query, as_of=as_of))
        return ranked
    if as_of:
        joined = FilteredRelation("search_document")
    else:
        joined = FilteredRelation("search_documents", condition=Q(search_documents__is_current=True))
    rows = rows.alias(**{_JOINED: joined})
    anchor = F(f"{_JOINED}__version_id")
    sql, params = _rank_sql(query)
    matched: QuerySet[Any] = rows.filter(document_matches(query, anchor))
    ranked = matched.annotate(search_rank=_OnDocument(anchor, sql, params, FloatField()))
    return ranked


# --- snippets ---------------------------------------------------------------------------------------------


def _snippet(text: str, texts: Sequence[str]) -> str | None:
    """HTML: a window of `text` around its first hit, escaped, with every hit in <mark>; None without a hit."""
    if not texts:
        return None
    pattern = re.compile("|".join(re.escape(t) for t in sorted(texts, key=len, reverse=True)), re.IGNORECASE)
    first = pattern.search(text)
    if first is None:
        return None
    start = max(0, first.start() - SNIPPET_CHARS // 3)
    if start:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space > start - 20 else start
    end = min(len(text), start + SNIPPET_CHARS)
    window = text[start:end]
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
    whichever first holds a searched text. Escaped HTML whose only markup is <mark>."""
    rows = list(rows)
    if not rows:
        return {}
    as_of = hasattr(rows[0], "valid_from_position")
    keys = [row.pk for row in rows]
    documents = (
        SearchDocument.objects.filter(version_id__in=keys)
        if as_of
        else SearchDocument.objects.filter(development_id__in=keys, is_current=True)
    )
    texts = query.positive_texts
    found: dict[Any, str] = {}
    for document in documents:
        key = document.version_id if as_of else document.development_id
        for text in (document.title, document.body, document.citations, document.entities):
            if (snippet := _snippet(text.replace("\n", " · "), texts)) is not None:
                found[key] = snippet
                break
        else:
            found[key] = _snippet_start(document.body or document.title)
    return found


def _snippet_start(text: str) -> str:
    """No searched text shows (an English stem matched another form of the word): the text's opening."""
    end = min(len(text), SNIPPET_CHARS)
    return escape(text[:end]) + ("…" if end < len(text) else "")


# --- the projection ---------------------------------------------------------------------------------------


def _entity_texts(entity_ids: Iterable[str]) -> dict[str, list[str]]:
    """Entity id → its name and aliases (the entities projection lists the name among the aliases)."""
    names: dict[str, list[str]] = {}
    for entity_id, name in EntityAlias.objects.filter(entity_id__in=set(entity_ids)).values_list("entity_id", "name"):
        names.setdefault(entity_id, []).append(name)
    return names


def _citation_text(citations: Iterable[Mapping[str, Any]]) -> str:
    lines = []
    for citation in citations:
        lines += [str(citation.get(name) or "") for name in ("claim", "excerpt")]
    return "\n".join(line for line in lines if line)


# SearchDocument's columns in the order _document gives their values.
_DOCUMENT_FIELDS = ("version_id", "development_id", "is_current", "title", "body", "citations", "entities")


def _document(version: DevelopmentVersion, names: dict[str, list[str]]) -> tuple[object, ...]:
    """The values of a history row's search document, in _DOCUMENT_FIELDS order."""
    snapshot = version.snapshot
    entities = [name for entity_id in snapshot.get("entities", []) for name in names.get(entity_id, [])]
    return (
        version.pk,
        version.development_id,
        version.valid_to_position is None,
        version.title,
        version.summary,
        _citation_text(snapshot.get("citations", [])),
        "\n".join(dict.fromkeys(entities)),
    )


class SearchProjector:
    """The search index: a document per history row, written after the developments projector's rows.

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
            versions = self._versions(relevant)
            names = _entity_texts(e for version in versions for e in version.snapshot.get("entities", []))
            developments = {version.development_id for version in versions}
            SearchDocument.objects.filter(development_id__in=developments, is_current=True).update(is_current=False)
            insert_values(SearchDocument, _DOCUMENT_FIELDS, (_document(version, names) for version in versions))
        renamed = {str(event.data["id"]) for event in events if event.event_type == domain.ENTITY_REVISED}
        if renamed:
            self._rename(renamed)

    def _versions(self, events: Sequence[RecordedEvent]) -> list[DevelopmentVersion]:
        """The history rows `events` made: as the developments projector wrote them in this transaction when it
        holds them all (keyed by event id, which no other event shares), else read from the database."""
        written = self._developments.written if self._developments is not None else {}
        if all(event.event_id in written for event in events):
            return [written[event.event_id] for event in events]
        return list(
            DevelopmentVersion.objects.filter(pk__in=[event.position for event in events]).only(
                "id", "development_id", "title", "summary", "snapshot", "valid_to_position"
            )
        )

    @staticmethod
    def _rename(entity_ids: set[str]) -> None:
        """An entity's names changed: every document that names it, past versions too, names it anew (the pages
        and the API name entities as they are now, as_of included)."""
        linked = DevelopmentVersionEntity.objects.filter(entity_id__in=entity_ids).values("version_id")
        versions = list(DevelopmentVersion.objects.filter(pk__in=linked).only("id", "snapshot"))
        names = _entity_texts(e for version in versions for e in version.snapshot.get("entities", []))
        documents = []
        for version in versions:
            entities = [n for entity_id in version.snapshot.get("entities", []) for n in names.get(entity_id, [])]
            documents.append(SearchDocument(version_id=version.pk, entities="\n".join(dict.fromkeys(entities))))
        SearchDocument.objects.bulk_update(documents, ["entities"], batch_size=1000)

    def reset(self) -> None:
        SearchDocument.objects.all().delete()
