"""Search benchmark on PostgreSQL: p50/p95 of a `q` search (a ranked first page) against raw SQL running the same
tsquery.

Run: `.venv/bin/python -m bench.search` (see `--help`). It creates its own database (bench_search by default),
migrates it, fills it with synthetic developments (1,000,000 by default), builds their search documents, measures,
prints a table, writes bench/results/search.json and drops the database (--keep-db keeps and reuses it).
A benchmark, not a test.

How the data is made (said in the output too): the read models come from bench/synthetic.py (generated inside
PostgreSQL, not through the projectors), and the search documents are generated from the history rows by one
INSERT ... SELECT here: the title, twelve words per document drawn by hash from a vocabulary of the field (so a
word is in a few percent of the documents, a pair in a fraction of that), and the names and aliases of the
entities (华为 among them). The trigger the migration installs computes each document's tsvector, as it does for
the projector; the GIN indexes are dropped for the load and built again after it.

What is measured, in one run, each after a warm-up, N requests in sequence, for each query in QUERIES:
  api   GET /api/developments/?q=... through Django's full request path in-process (middleware, filters, the
        search selector, ranking, keyset pagination, snippets, serialisation, JSON), timed around the call;
  raw   the same 51 rows by hand-written SQL through psycopg, doing the API's work: the log's head, then the first
        relevance block's matches found in the same windows of log positions (timeline.search, relevance_block:
        the SEARCH_RANK_BLOCK matches most recently written), then that block ranked by ts_rank
        with the API's tie-breaks, then the rows' search documents for snippets; the tsquery is the API's (each
        term and the entity names it resembles, `websearch_to_tsquery` in the english and simple configurations),
        built once before the timing. Text without spaces (Chinese) is matched term by term as the API writes it:
        LIKE on the whole text (ILIKE for a term with letters that have a case), a term of one or two such
        characters first through the index of characters and pairs (migration 0012); it ranks 0, as in the API.
        A query with `as_of` (at a share of the log's positions) reads, on both sides, the history rows in force
        then, each with the search document it had, and their snippets by document.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import psycopg

from bench.api import _create_database, _finish, _placeholder_log, _timed

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUTPUT = BENCH_DIR / "results" / "search.json"

_WORDS = (
    "export controls entity list license lithography wafer foundry yield node packaging memory bandwidth "
    "accelerator cluster training inference model weights benchmark reasoning distillation smuggling shell "
    "company indictment sanctions tariff subsidy fab capacity equipment etching deposition photoresist "
    "immersion ultraviolet reticle chiplet interposer substrate datacenter hyperscaler procurement stockpile "
    "tender auction procurement ministry bureau commerce treasury customs seizure investigation prosecutor "
    "court ruling appeal settlement merger acquisition investment fund venture startup founder researcher "
    "talent recruitment laboratory university paper preprint release launch announcement roadmap shipment "
    "delivery order contract revenue earnings forecast guidance decline growth shortage surplus inventory "
    "price premium discount rental cloud compute quota allocation priority waiver exemption loophole "
    "enforcement penalty fine audit compliance screening diversion transshipment broker intermediary"
)
VOCABULARY = tuple(_WORDS.split())
QUERIES = [
    ("one word", "lithography"),
    ("a phrase", '"export controls"'),
    ("OR", "smuggling OR transshipment"),
    ("exclusion", "foundry -subsidy"),
    ("entity name", "Huawei"),
    # About 4,000 matches (0.4%): too sparse to walk, so its block is found through the index in windows.
    ("two words", "CXMT lithography"),
    # Text without spaces: two characters in 0.2% of the documents, which hold no whole trigram (through the
    # index of characters and pairs), and four in 3.9% (through the trigram index).
    ("zh, 2 chars", "华为"),
    ("zh, 4 chars", "深度求索"),
]
# A query with another filter: (name, q, category). A word in 10% of the documents among the quarter of the
# developments in one category: 2.5% of the rows, too sparse to walk.
FILTERED_QUERIES = [("word + category", "lithography", "government")]
# Queries of a past timeline: (name, q, share) with `as_of` at that share of the log's positions: its history rows
# and the search documents they had then.
AS_OF_QUERIES = [("word, as_of", "lithography", 0.6)]


# The categories with an index of their documents' words (migration 0017), dropped for the load like the others.
CATEGORY_INDEXES = ("corporate", "government", "gpu_acquisition", "technology")


def _build_documents() -> float:
    """Search documents for every history row, generated in SQL; returns the seconds it took."""
    from django.db import connection

    words = "ARRAY[" + ",".join(f"'{word}'" for word in VOCABULARY) + "]"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE timeline_searchdocument")
        cursor.execute("DROP INDEX IF EXISTS searchdoc_document")
        cursor.execute("DROP INDEX IF EXISTS searchdoc_text_trgm")
        cursor.execute("DROP INDEX IF EXISTS searchdoc_pairs")
        for category in CATEGORY_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS searchdoc_document_{category}")
        cursor.execute(
            f"""
            INSERT INTO timeline_searchdocument (version_id, development_id, is_current, title, body, citations,
                entities, category)
            SELECT v.id, v.development_id, v.valid_to_position IS NULL, v.title,
                   (SELECT string_agg(({words})[1 + abs(hashtext(v.id || ':' || k)) % {len(VOCABULARY)}], ' ')
                    FROM generate_series(1, 12) AS k),
                   '',
                   coalesce((SELECT string_agg(a.name, E'\\n') FROM timeline_developmentversionentity ve
                             JOIN timeline_entityalias a ON a.entity_id = ve.entity_id WHERE ve.version_id = v.id),
                            ''),
                   v.category
            FROM timeline_developmentversion v
            """
        )
        cursor.execute("CREATE INDEX searchdoc_document ON timeline_searchdocument USING gin (document)")
        cursor.execute(
            "CREATE INDEX searchdoc_text_trgm ON timeline_searchdocument "
            "USING gin ((title || ' ' || body || ' ' || citations || ' ' || entities) gin_trgm_ops)"
        )
        cursor.execute(
            "CREATE INDEX searchdoc_pairs ON timeline_searchdocument USING gin (timeline_search_pairs(document))"
        )
        for category in CATEGORY_INDEXES:
            cursor.execute(
                f"CREATE INDEX searchdoc_document_{category} ON timeline_searchdocument USING gin (document) "
                f"WHERE category = '{category}'"
            )
        # Vacuumed as autovacuum would have a table this size (hint bits, visibility map), then analysed.
        cursor.execute("VACUUM (ANALYZE) timeline_searchdocument")
    return time.perf_counter() - started


RAW_COLUMNS = (
    "d.id, d.title, d.summary, d.edtf, d.display_date, d.date_lower, d.date_upper, d.category, d.kind, d.status, "
    "d.disputed, d.version, d.last_position, d.updated_at, d.snapshot"
)
RAW_FROM = (
    "FROM timeline_development d JOIN timeline_searchdocument s ON s.development_id = d.id AND s.is_current "
    "WHERE d.status IN ('current')"
)
RAW_SNIPPETS = """
SELECT development_id, title, body, citations, entities FROM timeline_searchdocument
WHERE development_id = ANY(%s) AND is_current
"""
# The same as of a position (its two parameters): the history rows in force then, each with the document it had
# (DevelopmentVersion.document), and their snippets read by document.
RAW_COLUMNS_AS_OF = (
    "d.development_id, d.title, d.summary, d.edtf, d.display_date, d.date_lower, d.date_upper, d.category, d.kind, "
    "d.status, d.disputed, d.version, d.valid_from_position, d.valid_from_time, d.snapshot, d.document_id"
)
RAW_FROM_AS_OF = (
    "FROM timeline_developmentversion d JOIN timeline_searchdocument s ON s.version_id = d.document_id "
    "WHERE (d.valid_to_position IS NULL OR d.valid_to_position > %s) AND d.status IN ('current') "
    "AND d.valid_from_position <= %s"
)
RAW_SNIPPETS_AS_OF = """
SELECT version_id, title, body, citations, entities FROM timeline_searchdocument WHERE version_id = ANY(%s)
"""


# A search document's whole text: the expression of its trigram index (timeline.search._PG_TEXT).
RAW_TEXT = "(s.title || ' ' || s.body || ' ' || s.citations || ' ' || s.entities)"


@dataclass(frozen=True)
class RawQuery:
    """The API's match as SQL conditions on a search document `s`: `indexed` for a window through the indexes,
    `walked` for a window read in recency order (the same test, that no index answers); and its rank."""

    indexed: str
    indexed_params: list[Any]
    walked: str
    walked_params: list[Any]
    rank: str
    rank_params: list[str]


def _either(text: str) -> tuple[str, list[str]]:
    quoted = '"' + text.replace('"', "") + '"'
    return "(websearch_to_tsquery('english', %s) || websearch_to_tsquery('simple', %s))", [quoted, quoted]


def _term_conditions(parsed: Any, *, indexed: bool) -> tuple[str, list[Any]]:
    """A query with text without spaces or a phrase, matched term by term as timeline.search does: ILIKE on the
    whole text (a term of one or two such characters first through the index of characters and pairs), a tsquery
    else (a phrase's first through the index of adjacent words, migration 0014)."""
    from timeline import search

    clauses: list[str] = []
    params: list[Any] = []
    for clause in parsed.clauses:
        alternatives = []
        for term in clause:
            texts = []
            for text in (term.text, *term.similar):
                text_params: list[Any]
                if search._UNSPACED.search(text):
                    sql, text_params = f"{RAW_TEXT} {search._like_operator(text)} %s", [search._like_pattern(text)]
                    if indexed and len(text) < search._TRIGRAM and search._UNSPACED_ONLY.fullmatch(text):
                        sql, text_params = (
                            f"{search._PG_GRAMS.format(doc='s')} @> ARRAY[%s]::text[] AND {sql}",
                            [
                                text,
                                *text_params,
                            ],
                        )
                else:
                    tsquery, text_params = _either(text)
                    sql = f"s.document @@ {tsquery}"
                    if indexed and (pairs := search._phrase_pairs(text.replace('"', ""))):
                        has = "timeline_search_pairs(s.document) @> %s::text[]"
                        sql = f"({has} OR {has}) AND ({sql}) IS TRUE"
                        text_params = [list(pairs[0]), list(pairs[1]), *text_params]
                texts.append(f"({sql})")
                params += text_params
            either = " OR ".join(texts)
            alternatives.append(f"NOT ({either})" if term.negated else f"({either})")
        clauses.append("(" + " OR ".join(alternatives) + ")")
    return " AND ".join(clauses), params


def _tsqueries(q: str) -> RawQuery:
    """The API's match as SQL: for words, one tsquery (each term and the entity names it resembles in the
    english and simple configurations, clauses AND-ed, exclusions negated); with text without spaces or a phrase,
    a condition per term as the API writes it. And the tsquery it ranks with (every positive word OR-ed; none:
    rank 0). Parsed once, outside the timing: the raw side is given its query; the API parses (and looks up
    similar names) on every request."""
    from timeline import search

    parsed = search.parse(q)
    texts = [text for clause in parsed.clauses for term in clause for text in (term.text, *term.similar)]
    if any(search._UNSPACED.search(text) or search._phrase_pairs(text.replace('"', "")) for text in texts):
        indexed, indexed_params = _term_conditions(parsed, indexed=True)
        walked, walked_params = _term_conditions(parsed, indexed=False)
    else:
        clauses, params = [], []
        for clause in parsed.clauses:
            alternatives = []
            for term in clause:
                parts = [_either(text) for text in (term.text, *term.similar)]
                sql = "(" + " || ".join(part for part, _ in parts) + ")"
                alternatives.append(f"!!{sql}" if term.negated else sql)
                params += [param for _, part_params in parts for param in part_params]
            clauses.append("(" + " || ".join(alternatives) + ")")
        indexed, indexed_params = f"s.document @@ ({' && '.join(clauses)})", params
        walked, walked_params = indexed, params
    ranked = [_either(text) for text in parsed.positive_texts if not search._UNSPACED.search(text)]
    rank_sql = f"-ts_rank(s.document, {' || '.join(part for part, _ in ranked)})" if ranked else "0.0::float8"
    rank_params = [param for _, part_params in ranked for param in part_params]
    return RawQuery(indexed, indexed_params, f"({walked}) IS TRUE", walked_params, rank_sql, rank_params)


def _raw_page(
    conn: Any, query: RawQuery, category: str | None = None, as_of: int | None = None
) -> tuple[list[Any], str, list[Any]]:
    """The API's first relevance page by hand (timeline.search, relevance_block): the block's matches found in
    the same windows of log positions, then ranked by ts_rank, 51 rows; with `as_of`, of the history rows then."""
    from django.conf import settings

    from timeline.search import _FIRST_WINDOW_BLOCKS, next_window, window_walks

    size = settings.SEARCH_RANK_BLOCK
    # The category on both the development and its document, as the API tests it (timeline.search._matching).
    where, where_params = (" AND d.category = %s AND s.category = %s", [category, category]) if category else ("", [])
    from_params: list[Any] = []
    if as_of is None:
        columns, from_ = RAW_COLUMNS, RAW_FROM
        high = conn.execute("SELECT max(position) FROM events_storedevent").fetchone()[0] + 1
    else:
        columns, from_, from_params = RAW_COLUMNS_AS_OF, RAW_FROM_AS_OF, [as_of, as_of]
        head = "SELECT max(position) FROM events_storedevent WHERE position <= %s"
        high = conn.execute(head, [as_of]).fetchone()[0] + 1
    where, where_params = from_ + where, [*from_params, *where_params]
    top, window = high, size * _FIRST_WINDOW_BLOCKS
    positions: list[int] = []
    while True:
        bottom = max(top - window, 0)
        if window_walks(window) and bottom > 0:
            match, match_params = query.walked, query.walked_params
            sql = (
                f"SELECT s.version_id {where} AND {match} AND s.version_id >= %s "
                "AND s.version_id < %s ORDER BY s.version_id DESC LIMIT %s"
            )
        else:
            match, match_params = query.indexed, query.indexed_params
            sql = (
                f"SELECT s.version_id {where} AND {match} AND s.version_id >= %s "
                "AND s.version_id < %s ORDER BY s.version_id + 0 DESC LIMIT %s"
            )
        need = size - len(positions)
        # A bounded window through the index is planned with bitmaps only, as timeline.search plans it.
        bitmaps = bottom > 0 and not window_walks(window)
        if bitmaps:
            conn.execute("SET enable_indexscan = off")
        positions += [row[0] for row in conn.execute(sql, [*where_params, *match_params, bottom, top, need]).fetchall()]
        if bitmaps:
            conn.execute("RESET enable_indexscan")
        if len(positions) == size or bottom == 0:
            break
        window = next_window(size=size, high=high, bottom=bottom, found=len(positions), window=window)
        top = bottom
    sql = (
        f"SELECT {columns}, {query.rank} AS rank {where} AND s.version_id = ANY(%s) "
        "ORDER BY rank, d.date_lower, d.date_upper, d.title, d.id LIMIT 51"
    )
    params = [*query.rank_params, *where_params, positions]
    return conn.execute(sql, params).fetchall(), sql, params


def _time_api(
    client: Any, q: str, *, requests: int, warmup: int, category: str | None = None, as_of: int | None = None
) -> tuple[dict[str, float], list[str]]:
    url = f"/api/developments/?q={quote(q)}" + (f"&category={quote(category)}" if category else "")
    url += f"&as_of={as_of}" if as_of is not None else ""
    for _ in range(warmup):
        response = client.get(url)
        assert response.status_code == 200, response.content[:500]
    stats, response = _timed(lambda: client.get(url), requests=requests, warmup=0)
    return stats, [row["id"] for row in response.json()["results"]]


def _time_raw(
    dsn: str, q: str, *, requests: int, warmup: int, category: str | None = None, as_of: int | None = None
) -> tuple[dict[str, float], list[str], list[str]]:
    query = _tsqueries(q)
    # No prepared statements: their generic plans cannot see which range of positions a statement reads (Django,
    # binding values client-side, plans each statement with its values, as this does then).
    with psycopg.connect(dsn, prepare_threshold=None) as conn:

        def page() -> int:
            rows, _, _ = _raw_page(conn, query, category, as_of)
            if as_of is None:
                conn.execute(RAW_SNIPPETS, [[row[0] for row in rows[:50]]]).fetchall()
            else:
                conn.execute(RAW_SNIPPETS_AS_OF, [[row[-2] for row in rows[:50]]]).fetchall()
            return len(rows)

        stats, _ = _timed(page, requests=requests, warmup=warmup)
        last, sql, params = _raw_page(conn, query, category, as_of)
        plan = conn.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + sql, params).fetchall()
    return stats, [row[0].hex for row in last[:50]], [line[0] for line in plan]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db-name", default="bench_search")
    parser.add_argument("--developments", type=int, default=1_000_000)
    # A p95 of 100 requests is their fifth slowest, which one pause of the machine moves by half; of 400, the 20th.
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--keep-db", action="store_true", help="keep (and reuse) the database")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--no-output", action="store_true")
    args = parser.parse_args(argv)

    if urlsplit(args.server).scheme not in ("postgres", "postgresql"):
        print("bench.search: --server must be a postgres:// URL", file=sys.stderr)
        return 2
    dsn = f"{args.server.rstrip('/')}/{args.db_name}"
    reused = _create_database(args.server, args.db_name, reuse=args.keep_db)
    os.environ["DATABASE_URL"] = dsn
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("DB_CONN_MAX_AGE", "600")
    os.environ["API_THROTTLE_ANON"] = "100000000/minute"
    os.environ["API_THROTTLE_USER"] = "100000000/minute"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from bench import synthetic
    from timeline.models import SearchDocument

    load_start = os.getloadavg()[0]
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    store = synthetic.existing(args.developments) if reused else None
    if store is None:
        synthetic.reset()
        store = synthetic.generate(developments=args.developments)
    _placeholder_log(store.window_end)
    generation_s = time.perf_counter() - started
    documents_s = _build_documents() if not (reused and SearchDocument.objects.exists()) else 0.0
    documents = SearchDocument.objects.count()
    print(
        f"bench.search: {store.developments:,} synthetic developments ({generation_s:.0f} s) and {documents:,} "
        f"search documents ({documents_s:.0f} s), generated in PostgreSQL by SQL (bench/synthetic.py and "
        "_build_documents), not through the projectors."
    )
    connections.close_all()
    client = Client()
    # The API is timed in this process as a gunicorn worker would serve it, with config/wsgi.py's collector settings.
    from config.gc_tuning import tune_for_serving

    tune_for_serving()
    rows = []
    head = SearchDocument.objects.order_by("-version_id").values_list("version_id", flat=True).first() or 0
    asked: list[tuple[str, str, str | None, int | None]] = [(name, q, None, None) for name, q in QUERIES]
    asked += [(name, q, category, None) for name, q, category in FILTERED_QUERIES]
    asked += [(name, q, None, int(head * share)) for name, q, share in AS_OF_QUERIES]
    for name, q, category, as_of in asked:
        api, api_ids = _time_api(client, q, requests=args.requests, warmup=args.warmup, category=category, as_of=as_of)
        raw, raw_ids, plan = _time_raw(
            dsn, q, requests=args.requests, warmup=args.warmup, category=category, as_of=as_of
        )
        rows.append(
            {
                "name": name,
                "q": q,
                **({"category": category} if category else {}),
                **({"as_of": as_of} if as_of is not None else {}),
                "api": {**api, "rows": len(api_ids)},
                "raw_sql": {**raw, "rows": len(raw_ids)},
                # The raw side must find the API's rows, in its order, or its time says nothing.
                "same_rows": [uuid.UUID(id_).hex for id_ in api_ids] == raw_ids,
                "api_over_raw_p95": round(api["p95_ms"] / raw["p95_ms"], 2),
                "raw_sql_plan": plan,
            }
        )
    print(f"{'query':14} {'api p50':>9} {'api p95':>9} {'raw p50':>9} {'raw p95':>9} {'ratio p95':>9} {'rows':>5} same")
    for row in rows:
        api, raw = row["api"], row["raw_sql"]
        print(
            f"{row['name']:14} {api['p50_ms']:9.2f} {api['p95_ms']:9.2f} {raw['p50_ms']:9.2f} {raw['p95_ms']:9.2f} "
            f"{row['api_over_raw_p95']:9.2f} {api['rows']:5} {row['same_rows']}"
        )
    print("aims: api p95 < 100 ms and api/raw p95 <= 2x")
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_1m_start": load_start,
            "load_1m_end": os.getloadavg()[0],
        },
        "data": {
            "developments": store.developments,
            "search_documents": documents,
            "how": "read models by bench/synthetic.py, search documents by SQL from the history rows (twelve "
            "vocabulary words each, plus entity names and aliases); not through the projectors",
            "generation_s": round(generation_s, 1),
            "documents_s": round(documents_s, 1),
            "reused_database": reused,
        },
        "requests_per_query": args.requests,
        "warmup_requests": args.warmup,
        "queries": rows,
        "aims": {"api_p95_ms": 100, "api_over_raw_p95": 2.0},
    }
    _finish(args, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
