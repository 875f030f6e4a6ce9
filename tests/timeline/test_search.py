"""Full-text search (timeline.search): one query table that must give the same developments on SQLite and on
PostgreSQL (run this module with DATABASE_URL pointing at the PostgreSQL the machine runs to check the latter),
as_of searches, the index as a rebuildable projection, and escaped highlighted snippets. No servers started."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext

from events import registry, store
from events.maintenance import rebuild_projections
from tests.timeline.factories import citation, projection_rows, record, register_entities
from timeline import domain, search, selectors, services
from timeline.models import Development, DevelopmentVersion, SearchDocument
from timeline.selectors import TimelineFilters

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus() -> dict[str, str]:
    """Five developments whose words sit in different places: title, summary, a citation, an entity's alias."""
    register_entities()
    made = {
        "controls": record(
            title="BIS publishes the October 7, 2022 export controls",
            summary="Advanced computing and semiconductor manufacturing items are added to the Entity List.",
            entities=["bis"],
        ),
        "ascend": record(
            title="Ascend 910B enters mass production",
            date="2023-10",
            category="technology",
            kind="chip_launch",
            summary="华为发布昇腾910B芯片，性能接近A100。",
            entities=["huawei"],
        ),
        "deepseek": record(
            title="DeepSeek releases R1",
            date="2025-01-20",
            category="technology",
            kind="model_launch",
            summary="An open-weights reasoning model trained at low cost.",
            entities=["deepseek"],
            citations=[citation(excerpt="The model was distilled from a larger mixture-of-experts network.")],
        ),
        "smuggling": record(
            title="Smuggling ring indicted for diverting Nvidia GPUs",
            date="2024-08",
            category="government",
            kind="arrest_or_charge",
            entities=["nvidia"],
            citations=[citation(claim="Chips were routed through Singapore shell companies.")],
        ),
        "yield": record(
            title="SMIC 7nm yield disputed",
            date="2024-36",
            category="technology",
            kind="fab_milestone",
            summary="Yield estimates differ between sources.",
            entities=["smic"],
        ),
    }
    return {name: str(development.pk) for name, development in made.items()}


def found(q: str, **filters: object) -> set[str]:
    rows = selectors.timeline_developments(TimelineFilters(text=q, **filters))  # type: ignore[arg-type]
    # Plain rows (not model instances): a history row names its development, a current one is it.
    return {str(getattr(row, "development_id", row.pk)) for row in rows}


QUERY_TABLE = [
    # Chinese without spaces, in a summary and as an entity's alias.
    ("华为", {"ascend"}),
    ("昇腾", {"ascend"}),
    # One or two characters without spaces (PostgreSQL: not through the trigram index), found only where they
    # stand together: both characters of "华发" and of "腾华" are in the summary, never side by side.
    ("华", {"ascend"}),
    ("芯片", {"ascend"}),
    ("华发", set()),
    ("腾华", set()),
    # A short term mixing scripts, in either case.
    ("B芯", {"ascend"}),
    ("b芯", {"ascend"}),
    # A word found only in a citation's excerpt, and one only in a citation's claim.
    ("distilled", {"deepseek"}),
    ("Singapore", {"smuggling"}),
    # A quoted phrase: its words in that order, not merely both present.
    ('"Entity List"', {"controls"}),
    ('"List Entity"', set()),
    # OR, and an implicit AND.
    ("Nvidia OR SMIC", {"smuggling", "yield"}),
    ("yield disputed", {"yield"}),
    # An exclusion.
    ("technology -DeepSeek", set()),
    ("model -R1", set()),
    ("production -huawei", set()),
    ("semiconductor -Nvidia", {"controls", "yield"}),
    # Misspelt entity names.
    ("Huawai", {"ascend"}),
    ("Nvidea", {"smuggling"}),
    ("Huawai OR Nvidea", {"ascend", "smuggling"}),
    ("Huawai Nvidea", set()),
    # An alias in English finds the entity's developments.
    ("Bureau of Industry", {"controls"}),
    ("", {"controls", "ascend", "deepseek", "smuggling", "yield"}),
]


@pytest.mark.parametrize(("q", "expected"), QUERY_TABLE)
def test_each_query_finds_the_same_developments_on_either_database(
    corpus: dict[str, str], q: str, expected: set[str]
) -> None:
    assert found(q) == {corpus[name] for name in expected}


def test_search_combines_with_the_other_filters(corpus: dict[str, str]) -> None:
    assert found("Nvidia OR SMIC", categories=("government",)) == {corpus["smuggling"]}
    assert found("Nvidia OR SMIC", entity_id="smic") == {corpus["yield"]}


def test_results_are_ranked_with_a_title_hit_before_a_summary_hit(corpus: dict[str, str]) -> None:
    record(title="A note", summary="Mentions yield in passing, once.", date="2024-01")
    rows = list(selectors.timeline_developments(TimelineFilters(text="yield")).order_by("search_rank", "pk"))
    assert str(rows[0].pk) == corpus["yield"]
    assert len(rows) == 2


def test_as_of_searches_the_words_a_development_had_then(corpus: dict[str, str]) -> None:
    before = store.last_position()
    development = Development.objects.get(pk=corpus["deepseek"])
    services.development_revise(
        development_id=development.pk,
        changes={"title": "DeepSeek releases its V3 model"},
        expected_version=development.version,
    )
    assert found("R1") == set()
    assert found("R1", as_of=before) == {corpus["deepseek"]}
    assert found("V3", as_of=before) == set()
    assert found("V3") == {corpus["deepseek"]}


def test_a_renamed_entity_is_found_by_its_new_alias(corpus: dict[str, str]) -> None:
    # No service revises entities yet; the projectors already follow the event, so the test appends it.
    aliases = [{"name": "英伟达", "lang": "zh"}, {"name": "NVDA", "lang": ""}]
    revised = store.NewEvent(domain.ENTITY_REVISED, {"id": "nvidia", "aliases": aliases})
    store.append(domain.entity_stream("nvidia"), [revised], expected_version=None)
    assert found("NVDA") == {corpus["smuggling"]}


def test_the_rebuilt_index_names_renamed_entities_as_the_live_one_does(corpus: dict[str, str]) -> None:
    # Documents written before the rename (rewritten by it) and after it: a rebuild, which replays the entities
    # before any development stream, must end with the same names in both.
    aliases = [{"name": "英伟达", "lang": "zh"}, {"name": "NVDA", "lang": ""}]
    revised = store.NewEvent(domain.ENTITY_REVISED, {"id": "nvidia", "aliases": aliases})
    store.append(domain.entity_stream("nvidia"), [revised], expected_version=None)
    services.citation_add(development_id=corpus["smuggling"], citation=citation(excerpt="Sold through resellers."))
    record(title="Nvidia ships a China-only accelerator", entities=["nvidia"])
    live = projection_rows()
    naming = [document for document in live["search_document"] if "Nvidia" in document["entities"]]
    # the smuggling ring's recording and its citations, before and after the rename, and the new development
    assert len(naming) == 4
    assert all("NVDA" in document["entities"] for document in naming)
    rebuild_projections()
    assert projection_rows() == live


def test_the_rebuilt_index_equals_the_live_one_row_for_row(corpus: dict[str, str]) -> None:
    services.development_revise(
        development_id=corpus["yield"], changes={"summary": "Now 40% per the FT."}, expected_version=1
    )
    live = projection_rows()
    # One document per history row: five recordings, two first citations, one revision.
    assert len(live["search_document"]) == 8
    rebuild_projections()
    assert projection_rows() == live
    assert found("FT") == {corpus["yield"]}


def test_the_index_reads_back_the_history_rows_the_developments_projector_did_not_just_write(db: None) -> None:
    """The search projector takes the rows the developments projector has just written from it; for any other
    event it reads them from the database rather than index what that projector holds."""
    first = record(title="Fab yields reach 50 percent")
    record(title="Lithography tools are delivered")  # the developments projector now holds this one's row
    (event,) = store.read_stream(domain.development_stream(str(first.pk)))
    SearchDocument.objects.filter(version_id=event.position).delete()
    searcher = next(p for p in registry.projectors() if p.name == "search")

    searcher.apply(event)

    document = SearchDocument.objects.get(version_id=event.position)
    assert (document.title, document.development_id, document.is_current) == (
        "Fab yields reach 50 percent",
        first.pk,
        True,
    )


def test_snippets_mark_the_hits_and_escape_the_stored_text(db: None) -> None:
    development = record(title="<script>alert(1)</script> Huawei & SMIC", summary="")
    query = search.parse("huawei")
    snippet = search.snippets(query, [development])[development.pk]
    assert snippet == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Huawei</mark> &amp; SMIC"


def test_web_search_syntax_is_parsed_into_clauses() -> None:
    parsed = search.parse('"export controls" OR Entity -smuggling 华为')
    assert [[(t.text, t.negated) for t in clause] for clause in parsed.clauses] == [
        [("export controls", False), ("Entity", False)],
        [("smuggling", True)],
        [("华为", False)],
    ]


def test_each_term_is_widened_to_the_names_it_resembles_in_one_query(corpus: dict[str, str]) -> None:
    with CaptureQueriesContext(connection) as queries:
        parsed = search.parse("Huawai OR Nvidea -Nvidia GPU")
    similar = {term.text: term.similar for clause in parsed.clauses for term in clause}
    assert "Huawei" in similar["Huawai"] and not any("Nvidia" in name for name in similar["Huawai"])
    assert "Nvidia" in similar["Nvidea"] and not any("Huawei" in name for name in similar["Nvidea"])
    # An exclusion and a word too short to widen resemble nothing.
    assert similar["Nvidia"] == similar["GPU"] == ()
    assert len(queries.captured_queries) == 1


def test_a_quoted_term_asks_for_its_words_as_written_and_is_not_widened(corpus: dict[str, str]) -> None:
    parsed = search.parse('"Huawai" "huawei production"')
    assert [term.similar for clause in parsed.clauses for term in clause] == [(), ()]
    # Huawei's development is about a production, and its name resembles the phrase, but it does not hold the phrase.
    assert found('"huawei production"') == set()
    assert found('"Huawai"') == set()
    # The same misspelling unquoted still finds Huawei's development through the name.
    assert found("Huawai") == {corpus["ascend"]}


@pytest.mark.parametrize("server_side_binding", [False, True])
def test_rows_read_alongside_a_parse_are_the_rows_their_query_gives(
    corpus: dict[str, str], server_side_binding: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Values bound on the server cannot send two statements as one message: the rows are then read on their own.
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "server_side_binding", server_side_binding)
    parsed, rows = search.parse_alongside("Huawai", selectors.log_state_rows())
    assert [tuple(row) for row in rows] == [tuple(row) for row in selectors.log_state_rows()]
    assert selectors.log_state_from(rows)[0] == store.last_position()
    assert parsed == search.parse("Huawai") and "Huawei" in parsed.clauses[0][0].similar
    # A query with nothing to widen still reads them.
    assert (
        selectors.log_state_from(search.parse_alongside("华为", selectors.log_state_rows())[1]) == selectors.log_state()
    )


ODD = ["\x00", "a\x00b", "%", "_", "\\", '"', "-", "OR", '" OR ""="', "x" * 5000]


@pytest.mark.parametrize("q", ODD, ids=[f"odd-{index}" for index in range(len(ODD))])
def test_odd_input_is_searched_as_text_and_never_an_error(corpus: dict[str, str], q: str) -> None:
    rows = list(selectors.timeline_developments(TimelineFilters(text=q)))
    assert len(rows) <= len(corpus)


@pytest.fixture
def spread() -> None:
    """Forty developments, a word in each at a different density (every one, one in three, one in eleven), some
    revised later, so that their current documents are written out of recording order."""
    made = []
    for number in range(40):
        words = ["common"] + (["third"] if number % 3 == 0 else []) + (["rare"] if number % 11 == 0 else [])
        made.append(record(title=f"Development {number}", summary=" ".join(words)))
    for development in made[::7]:
        services.development_revise(
            development_id=development.pk, changes={"title": f"{development.title} revised"}, expected_version=1
        )


@pytest.mark.parametrize("first_blocks", [1, 8])
@pytest.mark.parametrize("walk_blocks", [0, 1, 40])
@pytest.mark.parametrize("block", [1, 2, 3, 7])
def test_a_relevance_block_holds_the_latest_written_matches_whichever_windows_find_them(
    spread: None,
    settings: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    block: int,
    walk_blocks: int,
    first_blocks: int,
) -> None:
    # walk_blocks 0: every window goes through the full-text index; 40: every bounded one walks the documents.
    # A first window of one block: most queries need several windows among forty developments.
    settings.SEARCH_RANK_BLOCK = block  # type: ignore[attr-defined]
    monkeypatch.setattr(search, "_MAX_WINDOW_BLOCKS", walk_blocks)
    monkeypatch.setattr(search, "_FIRST_WINDOW_BLOCKS", first_blocks)
    rows = Development.objects.filter(status="current")
    high = store.last_position() + 1
    recency = search._recency(rows, as_of=False)
    for q in ("common", "third", "rare", "common -third", "third OR rare", "nomatch"):
        query = search.parse(q)
        every = search.ranked_matches(rows, query, as_of=False).values_list(recency, flat=True)
        latest = sorted(every, reverse=True)
        assert search._block_positions(rows, query, as_of=False, high=high) == latest[:block], q
        # A block below another: what a cursor's next block asks for.
        if len(latest) > block:
            below = [position for position in latest if position < latest[block - 1]]
            got = search._block_positions(rows, query, as_of=False, high=latest[block - 1])
            assert got == below[:block], q


def test_a_window_grows_with_the_matches_it_lacks_and_through_the_index_at_least_doubles(settings: object) -> None:
    settings.SEARCH_RANK_BLOCK = 500  # type: ignore[attr-defined]
    # 400 matches in the first 4,000 positions: the other 100 in about 1,500 more (a margin of half), walked.
    assert search.next_window(size=500, high=10_000, bottom=6_000, found=400, window=4_000) == 1_500
    assert search.window_walks(1_500)
    # 40 matches in 4,000 (1%): 69,000 positions more, through the index.
    assert search.next_window(size=500, high=1_000_000, bottom=996_000, found=40, window=4_000) == 69_000
    assert not search.window_walks(69_000)
    # Through the index, a window that came up short is followed by one at least twice as wide, unless what is
    # left is near enough to walk.
    assert search.next_window(size=500, high=1_000_000, bottom=900_000, found=300, window=69_000) == 138_000
    assert search.next_window(size=500, high=1_000_000, bottom=900_000, found=499, window=69_000) == 500
    # 8 matches in 4,000 (0.2%): a window over more than a quarter of what is left costs more to combine with the
    # index than reading the matches outside it, so everything below goes through the index.
    assert search.next_window(size=500, high=1_000_000, bottom=996_000, found=8, window=4_000) == 996_000
    # No match yet, or a window wider than what is left: everything below.
    assert search.next_window(size=500, high=1_000_000, bottom=996_000, found=0, window=4_000) == 996_000
    assert search.next_window(size=500, high=1_000_000, bottom=50_000, found=10, window=4_000) == 50_000


@pytest.fixture
def windows_through_the_index(spread: None, settings: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The spread corpus, on PostgreSQL, with blocks of two found through the index from the first window on."""
    if connection.vendor != "postgresql":
        pytest.skip("the planner settings are PostgreSQL's")
    settings.SEARCH_RANK_BLOCK = 2  # type: ignore[attr-defined]
    monkeypatch.setattr(search, "_MAX_WINDOW_BLOCKS", 0)
    monkeypatch.setattr(search, "_FIRST_WINDOW_BLOCKS", 1)


def test_a_window_through_the_index_leaves_the_connection_planning_as_before(windows_through_the_index: None) -> None:
    rows = Development.objects.filter(status="current")
    with CaptureQueriesContext(connection) as queries:
        search._block_positions(rows, search.parse("third"), as_of=False, high=store.last_position() + 1)
    # On its own, or at the start of the window's statement (sent as one message).
    assert any(query["sql"].startswith("SET enable_indexscan = off") for query in queries.captured_queries)
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_indexscan")
        assert cursor.fetchone() == ("on",)


def test_a_window_through_the_index_that_fails_in_a_transaction_raises_its_own_error(
    windows_through_the_index: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    matching = search._matching

    def failing(*args: Any, **kwargs: Any) -> Any:
        return matching(*args, **kwargs).extra(where=["1 / 0 = 1"])

    monkeypatch.setattr(search, "_matching", failing)
    rows = Development.objects.filter(status="current")
    # The division's error, not the aborted transaction's refusal of the RESET after it.
    with pytest.raises(DataError), transaction.atomic():
        search._block_positions(rows, search.parse("third"), as_of=False, high=store.last_position() + 1)
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_indexscan")
        assert cursor.fetchone() == ("on",)


def _documents_of(development_id: str) -> list[tuple[int, bool]]:
    rows = SearchDocument.objects.filter(development_id=development_id).order_by("version_id")
    return list(rows.values_list("version_id", "is_current"))


def test_a_change_that_leaves_the_text_as_it_was_writes_no_document_and_shares_the_last(db: None) -> None:
    register_entities()
    development = record(title="Lithography tools are delivered", summary="Two scanners arrive.", entities=["smic"])
    first = store.last_position()
    services.development_revise(development_id=development.pk, changes={"date": "2023-05"}, expected_version=1)
    services.development_retract(development_id=development.pk, reason="Unconfirmed.", expected_version=2)
    services.development_restore(development_id=development.pk, reason="Confirmed.", expected_version=3)
    # A citation with neither claim nor excerpt adds no searchable text either.
    services.citation_add(development_id=development.pk, citation=citation(claim="", excerpt=""), expected_version=4)

    versions = selectors.development_history(str(development.pk))
    assert [(v.version, v.document_id) for v in versions] == [(n, first) for n in range(1, 6)]
    assert _documents_of(str(development.pk)) == [(first, True)]

    services.development_revise(
        development_id=development.pk, changes={"summary": "Three scanners arrive."}, expected_version=5
    )
    revised = store.last_position()
    assert selectors.development_history(str(development.pk)).last().document_id == revised  # type: ignore[union-attr]
    assert _documents_of(str(development.pk)) == [(first, False), (revised, True)]
    assert found("scanners") == {str(development.pk)}
    # Every version before the revision answers with the first text, the retracted one aside.
    assert found("two", as_of=first + 1) == {str(development.pk)}
    assert found("two", as_of=first + 2, include_retracted=True) == {str(development.pk)}
    assert found("two", as_of=first + 2) == set()
    assert found("two", as_of=revised - 1) == {str(development.pk)}
    assert found("two") == found("three", as_of=first + 1) == set()
    assert found("three") == {str(development.pk)}


def test_an_as_of_search_finds_a_citation_until_its_removal_through_shared_documents(db: None) -> None:
    development = record(
        title="Export licences revoked", citations=[citation(excerpt="Licences held by three suppliers ended.")]
    )
    cited = store.last_position()
    development = Development.objects.get(pk=development.pk)
    citation_id = development.snapshot["citations"][0]["id"]
    services.development_revise(
        development_id=development.pk, changes={"tags": ["export-controls"]}, expected_version=development.version
    )
    tagged = store.last_position()
    services.citation_remove(
        development_id=development.pk, citation_id=citation_id, reason="Superseded.", expected_version=None
    )
    removed = store.last_position()
    services.development_revise(development_id=development.pk, changes={"date": "2023-01"}, expected_version=None)

    assert found("suppliers", as_of=cited) == {str(development.pk)}
    assert found("suppliers", as_of=tagged) == {str(development.pk)}
    assert found("suppliers", as_of=removed) == set()
    assert found("suppliers") == set()
    rows = list(selectors.timeline_developments(TimelineFilters(text="suppliers", as_of=tagged)))
    assert search.snippets(search.parse("suppliers"), rows) == {
        rows[0].pk: "Licences held by three <mark>suppliers</mark> ended."
    }
    # The recording, its first citation, the tag, the removal, the date: the tag and the date share their
    # predecessor's document.
    history = selectors.development_history(str(development.pk))
    assert [v.document_id for v in history] == [cited - 1, cited, cited, removed, removed]
    assert _documents_of(str(development.pk)) == [(cited - 1, False), (cited, False), (removed, True)]


def test_a_renamed_entity_is_found_as_of_a_version_that_shares_its_document(db: None) -> None:
    register_entities()
    development = record(title="Smuggling ring indicted", entities=["nvidia"])
    services.development_retract(development_id=development.pk, reason="Sealed.", expected_version=1)
    services.development_restore(development_id=development.pk, reason="Unsealed.", expected_version=2)
    restored = store.last_position()
    aliases = [{"name": "英伟达", "lang": "zh"}, {"name": "NVDA", "lang": ""}]
    revised = store.NewEvent(domain.ENTITY_REVISED, {"id": "nvidia", "aliases": aliases})
    store.append(domain.entity_stream("nvidia"), [revised], expected_version=None)
    assert found("NVDA", as_of=restored) == {str(development.pk)}
    assert found("NVDA") == {str(development.pk)}


def test_the_rebuilt_shared_documents_equal_the_live_ones_row_for_row(corpus: dict[str, str]) -> None:
    services.development_retract(development_id=corpus["yield"], reason="Disputed.", expected_version=1)
    services.development_restore(development_id=corpus["yield"], reason="Settled.", expected_version=2)
    services.development_revise(development_id=corpus["yield"], changes={"disputed": True}, expected_version=3)
    services.development_revise(
        development_id=corpus["yield"], changes={"title": "SMIC 7nm yield at 40%"}, expected_version=4
    )
    services.development_revise(development_id=corpus["yield"], changes={"date": "2024"}, expected_version=5)
    live = projection_rows()
    # Seven documents as before, and one for the new title: the status, disputed and date changes wrote none.
    assert len(live["search_document"]) == 8
    assert len(live["development_version"]) == 12
    rebuild_projections()
    assert projection_rows() == live
    assert found("40%") == found("40") == {corpus["yield"]}


def _block(q: str, *, categories: tuple[str, ...] = (), as_of: int | None = None) -> set[str]:
    """The developments of the first relevance block (selectors.timeline_search_block) `q` finds."""
    filters = TimelineFilters(text=q, categories=categories)
    rows, _ = selectors.timeline_search_block(filters, as_of, search.parse(q), high=None)
    # Plain rows (not model instances): a history row names its development, a current one is it.
    return {str(getattr(row, "development_id", row.pk)) for row in rows}


def test_a_change_of_category_writes_a_document_that_the_category_filter_reads(corpus: dict[str, str]) -> None:
    recorded = store.last_position()
    services.development_revise(development_id=corpus["yield"], changes={"category": "government"}, expected_version=1)
    moved = store.last_position()
    services.development_revise(development_id=corpus["yield"], changes={"date": "2024"}, expected_version=2)

    # The text is the same, but the category is the document's too: the change writes one, the date does not.
    history = selectors.development_history(corpus["yield"])
    assert [v.document_id for v in history] == [recorded, moved, moved]
    documents = SearchDocument.objects.filter(development_id=corpus["yield"]).order_by("version_id")
    assert [(d.version_id, d.category, d.is_current) for d in documents] == [
        (recorded, "technology", False),
        (moved, "government", True),
    ]
    # Every document's category is that of each version sharing it.
    for version in history:
        assert SearchDocument.objects.get(version_id=version.document_id).category == version.category
    for search_in in (found, _block):
        assert search_in("yield", categories=("government",)) == {corpus["yield"]}
        assert search_in("yield", categories=("technology",)) == set()
        assert search_in("yield", categories=("technology",), as_of=recorded) == {corpus["yield"]}
        assert search_in("yield", categories=("government",), as_of=recorded) == set()
        assert search_in("yield OR Nvidia", categories=("government", "corporate")) == {
            corpus["yield"],
            corpus["smuggling"],
        }
        # Several categories, each through its own index on PostgreSQL: as of then, yield was technology's.
        assert search_in("yield OR Nvidia", categories=("technology", "corporate"), as_of=recorded) == {corpus["yield"]}
        assert search_in("yield OR Nvidia", categories=("technology", "corporate")) == set()
    live = projection_rows()
    rebuild_projections()
    assert projection_rows() == live


def test_the_category_migration_splits_documents_as_the_projector_writes_them(corpus: dict[str, str]) -> None:
    """Migration 0016 on documents written before it, when a change of category shared its predecessor's
    document: the documents it leaves equal the projector's (and so a rebuild's)."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("timeline.migrations.0016_search_document_category")
    recorded = store.last_position()
    services.development_revise(development_id=corpus["yield"], changes={"category": "government"}, expected_version=1)
    services.development_revise(development_id=corpus["yield"], changes={"date": "2024"}, expected_version=2)
    services.development_revise(
        development_id=corpus["yield"], changes={"summary": "Now 40% per the FT."}, expected_version=3
    )
    services.development_revise(development_id=corpus["yield"], changes={"category": "technology"}, expected_version=4)
    live = projection_rows()
    # As the projector wrote them before: a document per change of text, shared across changes of category.
    versions = list(selectors.development_history(corpus["yield"]))
    texts = [recorded, recorded, recorded, versions[3].pk, versions[3].pk]
    for version, document_id in zip(versions, texts, strict=True):
        DevelopmentVersion.objects.filter(pk=version.pk).update(document_id=document_id)
    SearchDocument.objects.filter(development_id=corpus["yield"]).exclude(version_id__in=texts).delete()
    SearchDocument.objects.filter(version_id=versions[3].pk).update(is_current=True)
    SearchDocument.objects.update(category="")

    # The two steps use the schema editor only to run SQL (SQLite's cannot be opened inside a test's transaction).
    editor = SimpleNamespace(connection=connection, execute=lambda sql, params: connection.cursor().execute(sql))
    migration._backfill(apps, editor)
    migration._split(apps, editor)

    assert projection_rows() == live


def test_every_category_has_an_index_of_its_documents_words() -> None:
    """Migration 0017 indexes each category's documents; a category added since goes through the index of all
    documents (slower, still right) until a migration gives it one, and the benchmark rebuilds the same."""
    from importlib import import_module

    from bench.search import CATEGORY_INDEXES
    from timeline.taxonomy import Category

    migration = import_module("timeline.migrations.0017_search_document_category_indexes")
    assert set(migration.CATEGORIES) == set(CATEGORY_INDEXES) == set(Category.values)


def test_a_short_unspaced_term_goes_through_its_own_index_on_postgresql(corpus: dict[str, str]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the index of characters and pairs is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT timeline_search_unspaced_grams(%s)", ["Ascend 华为发布 x 芯, 한국"])
        grams = cursor.fetchone()[0]
    assert sorted(grams) == sorted(["华", "为", "发", "布", "华为", "为发", "发布", "芯", "한", "국", "한국"])
    documents = SearchDocument.objects.filter(search.document_matches(search.parse("华为")))
    sql, params = documents.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # Seven documents would be read whole; a million would not, which the planner is told here.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "searchdoc_unspaced_grams" in plan
    assert {str(document.development_id) for document in documents} == {corpus["ascend"]}


# Phrases whose words are hyphenated, apart (a stop word between), repeated, in another order, across punctuation
# and across the end of one text and the start of the next.
PHRASES = [
    '"export controls"',
    '"controls export"',
    '"2022 export controls"',
    '"export-controls"',
    '"Entity List"',
    '"List Entity"',
    '"Bureau of Industry"',
    '"the Entity List"',
    '"mixture-of-experts network"',
    '"experts network"',
    '"U.S. export-controls"',
    '"shell companies."',
    '"SMIC 7nm yield"',
    '"7nm yield disputed"',
    '"controls advanced"',
    '"e-mail 5nm"',
    '"don\'t list"',
]


def test_a_phrase_is_found_through_its_adjacent_words_as_without_them_on_postgresql(corpus: dict[str, str]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the index of adjacent words is PostgreSQL's")
    record(title="U.S. export-controls of A.I. chips", summary="By e-mail 5nm: the don't list, export controls.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT timeline_search_pairs(to_tsvector('simple', %s))", ["export of export controls"])
        pairs = cursor.fetchone()[0]
    assert sorted(pairs) == ["export controls", "export of", "of export"]
    for q in PHRASES:
        query = search.parse(q)
        through_pairs = SearchDocument.objects.filter(search.document_matches(query))
        without = SearchDocument.objects.filter(search.document_matches(query, indexed=False))
        assert set(through_pairs) == set(without), q
    assert found('"export controls"') == {corpus["controls"], str(Development.objects.get(title__startswith="U.S.").pk)}
    documents = SearchDocument.objects.filter(search.document_matches(search.parse('"Entity List"')))
    sql, params = documents.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "searchdoc_pairs" in plan
    assert "searchdoc_document" not in plan


def test_citation_texts_are_compared_from_the_first_citation_the_states_do_not_share() -> None:
    shared = [{"claim": "A claim.", "excerpt": ""}, {"claim": "", "excerpt": "An excerpt."}]
    before = [*shared, {"claim": "", "excerpt": "Two\nlines"}]
    cases = [
        (before, before),
        (before, [*before, {"claim": "", "excerpt": ""}]),  # adds no line: the same text
        (before, [*before, {"claim": "New.", "excerpt": ""}]),
        (before, [*shared, {"claim": "Two", "excerpt": "lines"}]),  # other lines, the same text
        (before, [*shared, {"claim": "Two", "excerpt": "lines."}]),
        (before, shared[1:]),  # the first removed: nothing shared
        ([{"claim": "", "excerpt": ""}], []),
        ([], [{"claim": "Only.", "excerpt": ""}]),
    ]
    for old, new in cases:
        expected = search.citation_text(old) == search.citation_text(new)
        assert search.same_citation_text(old, new) is expected, (old, new)
        assert search.same_citation_text(new, old) is expected, (new, old)
    assert search.citation_text(before) == "A claim.\nAn excerpt.\nTwo\nlines"


def test_a_document_whose_citations_are_its_predecessors_takes_their_part_of_the_vector(db: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the vector is PostgreSQL's")
    development = record(title="Wafer fab expands", citations=[citation(excerpt="Capacity doubles by 2026.")])
    first = store.last_position()
    # A mark in the kept part: a document that takes it shows it, one that parses its citations again does not.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE timeline_searchdocument SET citations_vector = citations_vector || 'kept'::tsvector"
            " WHERE version_id = %s",
            [first],
        )
    services.development_revise(
        development_id=development.pk, changes={"summary": "A second line."}, expected_version=None
    )
    revised = store.last_position()
    services.citation_add(
        development_id=development.pk, citation=citation(excerpt="Yields improve."), expected_version=None
    )
    cited = store.last_position()

    def vector(version_id: int) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT document::text FROM timeline_searchdocument WHERE version_id = %s", [version_id])
            return str(cursor.fetchone()[0])

    assert "'kept'" in vector(revised)
    assert "'kept'" not in vector(cited)
    assert "'yield'" in vector(cited)
    assert found("capacity") == {str(development.pk)}


IN_TURN_SQL = (
    "SELECT version_id FROM timeline_searchdocument WHERE development_id = %s AND document IS DISTINCT FROM"
    " setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('simple', title), 'A')"
    " || setweight(to_tsvector('english', entities), 'B') || setweight(to_tsvector('simple', entities), 'B')"
    " || setweight(to_tsvector('english', body), 'C') || setweight(to_tsvector('simple', body), 'C')"
    " || setweight(to_tsvector('english', citations), 'D') || setweight(to_tsvector('simple', citations), 'D')"
)


def test_a_document_taking_its_predecessors_citations_part_has_the_vector_of_the_parts_in_turn(db: None) -> None:
    # A lexeme holds at most 256 positions: `||` drops the rest, and the dropped ones can hold the left operand's
    # last position, which shifts what follows. Prefix || kept part is then not the parts concatenated in turn.
    if connection.vendor != "postgresql":
        pytest.skip("the vector is PostgreSQL's")
    development = record(
        title="A court ruling",
        summary=" ".join(["The court held."] * 130),
        citations=[citation(claim="Appeal to the court", excerpt="Upheld by the court")],
    )
    services.development_revise(
        development_id=development.pk, changes={"summary": " ".join(["The court ruled."] * 130)}, expected_version=None
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM timeline_searchdocument WHERE development_id = %s AND citations_vector IS NOT NULL",
            [development.pk],
        )
        assert cursor.fetchone()[0] >= 2  # the revision's document was offered its predecessor's part
        cursor.execute(IN_TURN_SQL, [development.pk])
        assert cursor.fetchall() == []


def test_a_long_cited_document_with_a_lexeme_past_256_positions_still_takes_the_kept_part(db: None) -> None:
    # "the" fills its 256 positions in the citations' 'simple' part and is in the body's too: a lexeme is cut, but
    # not the english part's last position, so the kept part gives the vector of the parts in turn.
    if connection.vendor != "postgresql":
        pytest.skip("the vector is PostgreSQL's")
    excerpt = " ".join(f"The figure {n} of the report." for n in range(150))
    development = record(title="The fab", summary="The plant.", citations=[citation(excerpt=excerpt)])
    services.development_revise(
        development_id=development.pk, changes={"summary": "The plant grows."}, expected_version=None
    )
    with connection.cursor() as cursor:
        cursor.execute(IN_TURN_SQL, [development.pk])
        assert cursor.fetchall() == []
        # A mark in the kept part: the next document shows it if it took the part rather than parsing again.
        cursor.execute(
            "UPDATE timeline_searchdocument SET citations_vector = citations_vector || 'kept'::tsvector"
            " WHERE development_id = %s AND is_current",
            [development.pk],
        )
    services.development_revise(
        development_id=development.pk, changes={"summary": "The plant grows again."}, expected_version=None
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT document::text FROM timeline_searchdocument WHERE development_id = %s AND is_current",
            [development.pk],
        )
        assert "'kept'" in cursor.fetchone()[0]
