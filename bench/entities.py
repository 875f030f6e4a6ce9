"""Entities benchmark on PostgreSQL (issue 18's figures): a depth-2 relationship graph, and an entity's
developments page against the same page of /api/developments/?entity=.

Run: `.venv/bin/python -m bench.entities` (see `--help`). It creates its own database (bench_entities by default),
migrates it, fills it with synthetic developments (1,000,000 by default), adds the graph, measures, prints a table,
writes bench/results/entities.json and drops the database (--keep-db keeps and reuses it). A benchmark, not a test.

How the data is made (said in the output too): the developments, their entities and entity links come from
bench/synthetic.py (read models generated inside PostgreSQL, not through the projectors; the log gets placeholder
rows for positions). The graph is made through the services, as an analyst's writes would be: a hub entity with
500 relationships (500 suppliers "supplier to" the hub), and one more relationship from each supplier to one of 50
second-tier entities ("customer of"), so that the second hop has 500 more edges and 50 more nodes to find.

What is measured, in one run, each after a warm-up, N requests in sequence, through Django's full request path
in-process (django.test.Client: middleware, auth, throttling, filters, selector, serialisation, JSON, ETag):
  graph          GET /api/entities/bench-hub/graph/?depth=2 (551 nodes, 1,000 edges); aim p95 under 100 ms;
  entity page    GET /api/entities/nvidia/developments/ (first page of 50);
  filter page    GET /api/developments/?entity=nvidia (the same page); aim: entity page <= 1.5x the filter page.
The two pages alternate in rounds of 10 requests, so drift on a shared machine falls on both.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.api import _finish, _parser, _percentiles, _synthetic_database, _timed

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUTPUT = BENCH_DIR / "results" / "entities.json"
HUB = "bench-hub"
SUPPLIERS = 500
SECOND_TIER = 50
GRAPH_URL = f"/api/entities/{HUB}/graph/?depth=2"
ENTITY_PAGE_URL = "/api/entities/nvidia/developments/"
FILTER_PAGE_URL = "/api/developments/?entity=nvidia"


def _build_graph() -> float:
    """The hub, its 500 suppliers and 50 second-tier entities, through the services; seconds taken (0 if there)."""
    from timeline import selectors, services

    if selectors.entity_get(HUB) is not None:
        return 0.0
    started = time.perf_counter()
    services.entity_register(entity_id=HUB, name="Bench Hub Holdings", entity_type="company")
    for tier in range(SECOND_TIER):
        services.entity_register(entity_id=f"bench-tier2-{tier}", name=f"Bench Tier Two {tier}", entity_type="company")
    for index in range(SUPPLIERS):
        supplier = f"bench-supplier-{index}"
        services.entity_register(entity_id=supplier, name=f"Bench Supplier {index}", entity_type="company")
        services.relationship_record(source=supplier, relation="supplier_to", target=HUB)
        services.relationship_record(
            source=supplier, relation="customer_of", target=f"bench-tier2-{index % SECOND_TIER}"
        )
    return time.perf_counter() - started


def _get(client: Any, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response


def _alternating(client: Any, urls: list[str], *, requests: int, warmup: int) -> list[dict[str, float]]:
    """Each URL's percentiles, timed in alternating rounds of 10 requests after `warmup` calls of each."""
    for url in urls:
        for _ in range(warmup):
            _get(client, url)
    samples: list[list[float]] = [[] for _ in urls]
    while len(samples[0]) < requests:
        for index, url in enumerate(urls):
            for _ in range(min(10, requests - len(samples[index]))):
                started = time.perf_counter()
                _get(client, url)
                samples[index].append(time.perf_counter() - started)
    return [_percentiles(taken) for taken in samples]


def _queries(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        _get(client, url)
    return len(captured.captured_queries)


def main(argv: list[str] | None = None) -> int:
    parser = _parser(__doc__, db_name="bench_entities", requests=100, warmup=10, output=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    database = _synthetic_database(args, "bench.entities")
    if database is None:
        return 2
    from django.db import connections
    from django.test import Client

    graph_s = _build_graph()
    print(
        f"bench.entities: {database.store.developments:,} synthetic developments in PostgreSQL "
        f"({database.generation_s:.0f} s; read models by SQL, bench/synthetic.py, not through the projectors); the "
        "graph through the services "
        f"({graph_s:.0f} s): {SUPPLIERS} relationships of {HUB}, {SUPPLIERS} more to {SECOND_TIER} second-tier "
        "entities."
    )
    connections.close_all()  # measure on a fresh connection (see bench/api.py)
    client = Client()
    graph_stats, response = _timed(lambda: _get(client, GRAPH_URL), requests=args.requests, warmup=args.warmup)
    graph = response.json()
    entity_page, filter_page = _alternating(
        client, [ENTITY_PAGE_URL, FILTER_PAGE_URL], requests=args.requests, warmup=args.warmup
    )
    entity_rows = [row["id"] for row in _get(client, ENTITY_PAGE_URL).json()["results"]]
    filter_rows = [row["id"] for row in _get(client, FILTER_PAGE_URL).json()["results"]]
    assert entity_rows == filter_rows, "the two pages must hold the same developments"
    ratios = {
        "entity_over_filter_p50": round(entity_page["p50_ms"] / filter_page["p50_ms"], 2),
        "entity_over_filter_p95": round(entity_page["p95_ms"] / filter_page["p95_ms"], 2),
    }
    queries = {name: _queries(client, url) for name, url in (("graph", GRAPH_URL), ("entity_page", ENTITY_PAGE_URL))}
    queries["filter_page"] = _queries(client, FILTER_PAGE_URL)
    print(f"{'':12} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8}")
    for name, figures in (("graph", graph_stats), ("entity_page", entity_page), ("filter_page", filter_page)):
        print(f"{name:12} {figures['p50_ms']:9.2f} {figures['p95_ms']:9.2f} {queries[name]:8}")
    print(
        f"graph: {len(graph['nodes'])} nodes, {len(graph['edges'])} edges, p95 {graph_stats['p95_ms']:.1f} ms "
        f"(aim < 100 ms); entity page / filter page: p50 {ratios['entity_over_filter_p50']}x, "
        f"p95 {ratios['entity_over_filter_p95']}x (aim <= 1.5x); {len(entity_rows)} rows each"
    )
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_1m_start": database.load_start,
            "load_1m_end": os.getloadavg()[0],
        },
        "data": {
            "developments": database.store.developments,
            "entities": database.store.entities,
            "how": "developments by bench/synthetic.py (SQL, not through the projectors); the graph's entities and "
            "relationships through the services",
            "generation_s": round(database.generation_s, 1),
            "graph_s": round(graph_s, 1),
            "reused_database": database.reused,
        },
        "graph": {**graph_stats, "url": GRAPH_URL, "nodes": len(graph["nodes"]), "edges": len(graph["edges"])},
        "entity_page": {**entity_page, "url": ENTITY_PAGE_URL, "rows": len(entity_rows)},
        "filter_page": {**filter_page, "url": FILTER_PAGE_URL, "rows": len(filter_rows)},
        "queries": queries,
        "ratios": ratios,
        "aims": {"graph_p95_ms": 100, "entity_over_filter": 1.5},
    }
    _finish(args, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
