"""A synthetic store of N developments (default 1,000,000) for benchmarks, generated inside PostgreSQL.

Reusable: `generate(developments=..., ...)` writes the timeline read models directly (developments, their
version history, citations, entity links, entities with aliases, a few named timelines) and the projection
checkpoints, with INSERT ... SELECT over generate_series, so PostgreSQL makes the rows itself (about a minute
for a million on a small machine) instead of Python shipping them. The event log is NOT generated: the read
models are what the API and digests read; benchmarks that need the log must append their own events.

Layout of log positions, so that a benchmark can ask for "last week":
  1 .. N                          DevelopmentRecorded, one per development (development i at position i)
  N+1 .. N+R                      DevelopmentRevised (title and date) of R older developments
  N+R+1 .. N+R+T                  DevelopmentRetracted of T other older developments
The window (N - recorded_in_window, N+R+T] holds the last `recorded_in_window` recordings, the revisions and
the retractions: a week's worth of changes on top of a large history.

Determinism: every choice is a hash of the row number, so the same arguments give the same store.
Requires: a migrated PostgreSQL database whose timeline tables are empty (see `reset`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

CATEGORIES = ["corporate", "government", "gpu_acquisition", "technology"]
KINDS = [
    "rule_release",
    "enforcement_action",
    "arrest_or_charge",
    "indictment",
    "model_launch",
    "research_paper",
    "chip_launch",
    "fab_milestone",
    "gpu_acquisition",
    "smuggling_case",
    "investment",
    "founding",
    "market_move",
    "meeting",
    "policy_statement",
    "corporate_move",
    "other",
]
# Well-known entities first (the API bench filters on Nvidia), then generated ones.
KNOWN_ENTITIES = [
    ("nvidia", "Nvidia", "company", "英伟达"),
    ("huawei", "Huawei", "company", "华为"),
    ("deepseek", "DeepSeek", "company", "深度求索"),
    ("smic", "SMIC", "company", "中芯国际"),
    ("bis", "Bureau of Industry and Security", "agency", "BIS"),
    ("tsmc", "TSMC", "company", "台积电"),
    ("high-flyer", "High-Flyer", "company", "幻方"),
    ("cxmt", "CXMT", "company", "长鑫存储"),
]
NAMED_TIMELINES = {
    "export-controls": {"category": ["government"], "kind": ["rule_release", "enforcement_action"]},
    "deepseek": {"entity": "deepseek"},
    "nvidia-gpus": {"entity": "nvidia", "category": ["gpu_acquisition"]},
    "technology-well-sourced": {"category": ["technology"], "min_reliability": "B"},
    "chips": {"kind": ["chip_launch", "fab_milestone"]},
}
# An entity's columns past its name and type, at their projected defaults (an empty snapshot: the API falls back
# to the columns, as for entities projected before snapshots were kept).
ENTITY_COLUMNS = "id, name, entity_type, version, country, description, identifiers, last_position, snapshot"
ENTITY_DEFAULTS = "1, '', '', '{}'::jsonb, 0, '{}'::jsonb"
TABLES = [
    "timeline_developmentversionentity",
    "timeline_developmentversion",
    "timeline_developmententity",
    "timeline_citation",
    "timeline_development",
    "timeline_entityalias",
    "timeline_entity",
    "timeline_namedtimeline",
]


@dataclass(frozen=True)
class SyntheticStore:
    developments: int
    entities: int
    window_start: int  # the position a subscriber had seen last week
    window_end: int  # the last position (the projections' checkpoint)
    recorded_in_window: int
    revised_in_window: int
    retracted_in_window: int


def _arr(values: list[str]) -> str:
    return "ARRAY[" + ",".join(f"'{v}'" for v in values) + "]"


def reset() -> None:
    """Empty the read models (never the event log, which is append-only)."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(TABLES) + " CASCADE")
        cursor.execute("DELETE FROM events_projectioncheckpoint")


def existing(developments: int) -> SyntheticStore | None:
    """The store already generated with these sizes, if the database holds one (generation is slow)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM timeline_development")
        count = cursor.fetchone()[0]
        cursor.execute("SELECT position FROM events_projectioncheckpoint WHERE name = 'synthetic'")
        row = cursor.fetchone()
    if count != developments or row is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT position FROM events_projectioncheckpoint WHERE name = 'synthetic-window-start'")
        start = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM timeline_entity")
        entities = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FILTER (WHERE event_type = 'DevelopmentRevised'),"
            " count(*) FILTER (WHERE event_type = 'DevelopmentRetracted') FROM timeline_developmentversion"
            " WHERE valid_from_position > %s",
            [developments],
        )
        revised, retracted = cursor.fetchone()
    return SyntheticStore(
        developments=developments,
        entities=entities,
        window_start=start,
        window_end=row[0],
        recorded_in_window=developments - start,
        revised_in_window=revised,
        retracted_in_window=retracted,
    )


# An entity row's columns with no database default (Django keeps defaults in Python): version 1, an empty profile.
ENTITY_COLUMNS = "id, name, entity_type, version, country, description, identifiers, last_position, snapshot"
ENTITY_DEFAULTS = "1, '', '', '{}'::jsonb, 0, '{}'::jsonb"


def generate(
    *,
    developments: int = 1_000_000,
    entities: int = 500,
    recorded_in_window: int = 2_000,
    revised_in_window: int = 500,
    retracted_in_window: int = 100,
) -> SyntheticStore:
    """Fill the (empty) read models; see the module docstring for the layout."""
    assert connection.vendor == "postgresql", "the synthetic store is generated by PostgreSQL itself"
    n = developments
    older = n - recorded_in_window
    half = older // 2
    assert revised_in_window <= half and retracted_in_window <= older - half
    window_end = n + revised_in_window + retracted_in_window
    generated_entities = max(entities - len(KNOWN_ENTITIES), 0)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        # --- entities ---
        for entity_id, name, entity_type, alias in KNOWN_ENTITIES:
            cursor.execute(
                f"INSERT INTO timeline_entity ({ENTITY_COLUMNS}) VALUES (%s, %s, %s, {ENTITY_DEFAULTS})",
                [entity_id, name, entity_type],
            )
            cursor.execute(
                "INSERT INTO timeline_entityalias (entity_id, name, normalized, lang) VALUES"
                " (%s, %s, %s, ''), (%s, %s, %s, 'zh')",
                [entity_id, name, name.casefold(), entity_id, alias, alias.casefold()],
            )
        cursor.execute(
            f"INSERT INTO timeline_entity ({ENTITY_COLUMNS})"
            f" SELECT 'entity-' || e, 'Entity ' || e, 'company', {ENTITY_DEFAULTS} FROM generate_series(1, %s) e",
            [generated_entities],
        )
        cursor.execute(
            "INSERT INTO timeline_entityalias (entity_id, name, normalized, lang)"
            " SELECT 'entity-' || e, 'Entity ' || e, 'entity ' || e, '' FROM generate_series(1, %s) e",
            [generated_entities],
        )
        cursor.execute(
            "CREATE TEMP TABLE synthetic_entities ON COMMIT DROP AS"
            " SELECT row_number() OVER (ORDER BY id) AS n, id FROM timeline_entity"
        )
        # --- the recorded developments: one parameter row each ---
        cursor.execute(
            f"""
            CREATE TEMP TABLE g ON COMMIT DROP AS
            SELECT i,
                   md5('development-' || i)::uuid AS id,
                   ({_arr(CATEGORIES)})[1 + mod(h1, 4)] AS category,
                   ({_arr(KINDS)})[1 + mod(h2, {len(KINDS)})] AS kind,
                   date '2012-01-01' + mod(h3, 4745) AS day,
                   -- a skewed choice of entities: the well-known ones appear far more often
                   CASE WHEN mod(h4, 10) < 3 THEN 1 + mod(h4 / 10, {len(KNOWN_ENTITIES)})
                        ELSE 1 + mod(h4 / 10, {entities}) END AS e1,
                   CASE WHEN mod(h5, 3) = 0 THEN 1 + mod(h5 / 3, {entities}) END AS e2,
                   ({_arr(list("ABCDEF"))})[1 + mod(h6, 6)] AS rel1,
                   (1 + mod(h6 / 6, 6))::text AS cred1,
                   CASE WHEN mod(h7, 2) = 0 THEN ({_arr(list("ABCDEF"))})[1 + mod(h7 / 2, 6)] END AS rel2,
                   (1 + mod(h7 / 12, 6))::text AS cred2,
                   timestamptz '2025-01-27 00:00:00+00' - make_interval(secs => (({n} - i) * 30)::float8) AS recorded_at
            FROM (
                SELECT i, (hashint4(i) & 2147483647) AS h1, (hashint4(i + 1000003) & 2147483647) AS h2,
                       (hashint4(i + 2000003) & 2147483647) AS h3,
                       (hashint4(i + 3000017) & 2147483647) AS h4, (hashint4(i + 4000037) & 2147483647) AS h5,
                       (hashint4(i + 5000011) & 2147483647) AS h6, (hashint4(i + 6000011) & 2147483647) AS h7
                FROM generate_series(1, {n}) AS i
            ) AS hashes
            """
        )
        cursor.execute(
            """
            CREATE TEMP TABLE gx ON COMMIT DROP AS
            SELECT g.*, a.id AS entity1, b.id AS entity2,
                   CASE WHEN g.rel2 IS NULL OR g.rel1 <= g.rel2 THEN g.rel1 ELSE g.rel2 END AS best,
                   'Synthetic development ' || g.i || ': ' || replace(g.kind, '_', ' ') AS title,
                   to_char(g.day, 'YYYY-MM-DD') AS edtf,
                   to_char(g.day, 'Mon FMDD, YYYY') AS display
            FROM g JOIN synthetic_entities a ON a.n = g.e1 LEFT JOIN synthetic_entities b ON b.n = g.e2
            """
        )
        cursor.execute("ALTER TABLE gx ADD PRIMARY KEY (i)")
        snapshot = """
            jsonb_build_object(
                'id', gx.id::text, 'title', {title}, 'summary', 'Generated for benchmarks.', 'date', {edtf},
                'category', gx.category, 'kind', gx.kind,
                'entities', CASE WHEN gx.entity2 IS NULL OR gx.entity2 = gx.entity1
                                 THEN jsonb_build_array(gx.entity1) ELSE jsonb_build_array(gx.entity1, gx.entity2) END,
                'tags', '[]'::jsonb, 'disputed', false, 'media', null, 'status', {status}, 'merged_into', null,
                'citations', jsonb_build_array(
                    jsonb_build_object('id', md5('citation-1-' || gx.i)::uuid::text, 'title', 'Source for ' || gx.i,
                        'url', 'https://news.example/' || gx.i, 'publisher', 'Example News', 'author', '',
                        'published', gx.edtf, 'excerpt', '', 'locator', '', 'claim', '',
                        'reliability', gx.rel1, 'credibility', gx.cred1, 'grading_note', ''))
                    || CASE WHEN gx.rel2 IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(
                    jsonb_build_object('id', md5('citation-2-' || gx.i)::uuid::text,
                        'title', 'Second source for ' || gx.i,
                        'url', 'https://wire.example/' || gx.i, 'publisher', 'Example Wire', 'author', '',
                        'published', gx.edtf, 'excerpt', '', 'locator', '', 'claim', '',
                        'reliability', gx.rel2, 'credibility', gx.cred2, 'grading_note', '')) END)
        """
        v1 = snapshot.format(title="gx.title", edtf="gx.edtf", status="'current'")
        cursor.execute(
            f"""
            INSERT INTO timeline_development (id, title, summary, edtf, date_lower, date_upper, precision,
                display_date, category, kind, tags_key, disputed, status, best_reliability, version, snapshot,
                merged_into_id, recorded_at, recorded_position, updated_at, last_position)
            SELECT gx.id, gx.title, 'Generated for benchmarks.', gx.edtf, gx.day, gx.day, 'day', gx.display,
                   gx.category, gx.kind, '', false, 'current', gx.best, 1, {v1},
                   NULL, gx.recorded_at, gx.i, gx.recorded_at, gx.i
            FROM gx
            """
        )
        cursor.execute(
            f"""
            INSERT INTO timeline_developmentversion (id, development_id, title, summary, edtf, date_lower,
                date_upper, precision, display_date, category, kind, tags_key, disputed, status,
                best_reliability, version, snapshot, valid_from_position, valid_to_position, valid_from_time,
                valid_to_time, event_type, change, reason, actor, document_id)
            SELECT gx.i, gx.id, gx.title, 'Generated for benchmarks.', gx.edtf, gx.day, gx.day, 'day', gx.display,
                   gx.category, gx.kind, '', false, 'current', gx.best, 1, {v1}, gx.i, NULL, gx.recorded_at,
                   NULL, 'DevelopmentRecorded', '{{"recorded": true}}'::jsonb, '', 'synthetic', gx.i
            FROM gx
            """
        )
        cursor.execute(
            """
            INSERT INTO timeline_citation (id, development_id, url, title, publisher, author, published,
                published_lower, excerpt, locator, claim, reliability, credibility, grading_note, added_position)
            SELECT md5('citation-1-' || i)::uuid, id, 'https://news.example/' || i, 'Source for ' || i,
                   'Example News', '', edtf, day, '', '', '', rel1, cred1, '', i FROM gx
            UNION ALL
            SELECT md5('citation-2-' || i)::uuid, id, 'https://wire.example/' || i, 'Second source for ' || i,
                   'Example Wire', '', edtf, day, '', '', '', rel2, cred2, '', i FROM gx WHERE rel2 IS NOT NULL
            """
        )
        cursor.execute(
            """
            INSERT INTO timeline_developmententity (development_id, entity_id)
            SELECT id, entity1 FROM gx
            UNION ALL SELECT id, entity2 FROM gx WHERE entity2 IS NOT NULL AND entity2 <> entity1
            """
        )
        cursor.execute(
            """
            INSERT INTO timeline_developmentversionentity (version_id, entity_id)
            SELECT i, entity1 FROM gx
            UNION ALL SELECT i, entity2 FROM gx WHERE entity2 IS NOT NULL AND entity2 <> entity1
            """
        )
        # --- the week's revisions (first half of the older ones) and retractions (second half) ---
        cursor.execute(
            f"""
            CREATE TEMP TABLE changed ON COMMIT DROP AS
            SELECT {n} + j AS position, 1 + mod(j::bigint * 7919, {half}) AS i, 'DevelopmentRevised' AS event_type
            FROM generate_series(1, {revised_in_window}) j
            UNION ALL
            SELECT {n} + {revised_in_window} + k, {half} + 1 + mod(k::bigint * 7919, {older - half}),
                   'DevelopmentRetracted'
            FROM generate_series(1, {retracted_in_window}) k
            """
        )
        v2 = snapshot.format(
            title="CASE WHEN c.event_type = 'DevelopmentRevised' THEN gx.title || ' (revised)' ELSE gx.title END",
            edtf="CASE WHEN c.event_type = 'DevelopmentRevised'"
            " THEN to_char(gx.day + 1, 'YYYY-MM-DD') ELSE gx.edtf END",
            status="CASE WHEN c.event_type = 'DevelopmentRevised' THEN 'current' ELSE 'retracted' END",
        )
        cursor.execute(
            f"""
            CREATE TEMP TABLE v2 ON COMMIT DROP AS
            SELECT c.position, c.event_type, gx.i, gx.id, gx.entity1, gx.entity2, gx.category, gx.kind, gx.best,
                   CASE WHEN c.event_type = 'DevelopmentRevised' THEN gx.title || ' (revised)' ELSE gx.title END
                       AS title,
                   CASE WHEN c.event_type = 'DevelopmentRevised' THEN gx.day + 1 ELSE gx.day END AS day,
                   CASE WHEN c.event_type = 'DevelopmentRevised' THEN 'current' ELSE 'retracted' END AS status,
                   CASE WHEN c.event_type = 'DevelopmentRevised' THEN jsonb_build_object(
                        'title', jsonb_build_object('from', gx.title, 'to', gx.title || ' (revised)'),
                        'date', jsonb_build_object('from', gx.edtf, 'to', to_char(gx.day + 1, 'YYYY-MM-DD')))
                   ELSE jsonb_build_object('status', jsonb_build_object('from', 'current', 'to', 'retracted'))
                   END AS change,
                   CASE WHEN c.event_type = 'DevelopmentRetracted' THEN 'synthetic retraction' ELSE '' END AS reason,
                   {v2} AS snapshot,
                   timestamptz '2025-01-27 00:00:00+00' + make_interval(secs => (c.position - {n})::float8) AS at
            FROM changed c JOIN gx ON gx.i = c.i
            """
        )
        cursor.execute(
            """
            UPDATE timeline_developmentversion v SET valid_to_position = v2.position, valid_to_time = v2.at
            FROM v2 WHERE v.id = v2.i
            """
        )
        cursor.execute(
            """
            INSERT INTO timeline_developmentversion (id, development_id, title, summary, edtf, date_lower,
                date_upper, precision, display_date, category, kind, tags_key, disputed, status,
                best_reliability, version, snapshot, valid_from_position, valid_to_position, valid_from_time,
                valid_to_time, event_type, change, reason, actor, document_id)
            SELECT position, id, title, 'Generated for benchmarks.', to_char(day, 'YYYY-MM-DD'), day, day, 'day',
                   to_char(day, 'Mon FMDD, YYYY'), category, kind, '', false, status, best, 2, snapshot, position,
                   NULL, at, NULL, event_type, change, reason, 'synthetic', position
            FROM v2
            """
        )
        cursor.execute(
            """
            INSERT INTO timeline_developmentversionentity (version_id, entity_id)
            SELECT position, entity1 FROM v2
            UNION ALL SELECT position, entity2 FROM v2 WHERE entity2 IS NOT NULL AND entity2 <> entity1
            """
        )
        cursor.execute(
            """
            UPDATE timeline_development d SET title = v2.title, edtf = to_char(v2.day, 'YYYY-MM-DD'),
                date_lower = v2.day, date_upper = v2.day, display_date = to_char(v2.day, 'Mon FMDD, YYYY'),
                status = v2.status, version = 2, snapshot = v2.snapshot, updated_at = v2.at,
                last_position = v2.position
            FROM v2 WHERE d.id = v2.id
            """
        )
        # --- named timelines and checkpoints ---
        import json

        for slug, filters in NAMED_TIMELINES.items():
            cursor.execute(
                "INSERT INTO timeline_namedtimeline (slug, title, description, filters, pinned, version,"
                " last_position) VALUES (%s, %s, '', %s, '[]'::jsonb, 1, 0)",
                [slug, slug.replace("-", " ").title(), json.dumps(filters)],
            )
        window_start = n - recorded_in_window
        for name, position in (
            ("developments", window_end),
            ("entities", window_end),
            ("timelines", window_end),
            ("synthetic", window_end),
            ("synthetic-window-start", window_start),
        ):
            cursor.execute(
                "INSERT INTO events_projectioncheckpoint (name, position) VALUES (%s, %s)"
                " ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position",
                [name, position],
            )
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"ANALYZE {table}")
    return SyntheticStore(
        developments=n,
        entities=entities,
        window_start=window_start,
        window_end=window_end,
        recorded_in_window=recorded_in_window,
        revised_in_window=revised_in_window,
        retracted_in_window=retracted_in_window,
    )
