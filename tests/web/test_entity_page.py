"""The page of one entity: its names in every language, Entity List status, relationships with their graded
sources, its own timeline figure and a relationship graph drawn as SVG whose labels never overlap.

No servers: the test database (SQLite, or PostgreSQL with DATABASE_URL) and Django's test client."""

from __future__ import annotations

import itertools
import re

import pytest
from django.test import Client

from tests.timeline.factories import citation, record, register_entities
from timeline import selectors, services
from timeline.entity_graph_svg import ROW, render_graph_svg

pytestmark = pytest.mark.django_db


def test_an_entity_page_shows_its_names_relationships_sources_figure_and_graph(client: Client) -> None:
    register_entities()
    services.relationship_record(
        source="smic", relation="foundry_for", target="huawei", citations=[citation(excerpt="SMIC makes them")]
    )
    record(title="Huawei listed", date="2019-05-16", kind="entity_listing", entities=["huawei"])
    page = client.get("/entities/huawei/").content.decode()
    assert "<h1>Huawei</h1>" in page and '<span lang="zh">华为</span>' in page
    assert "On the Entity List" in page and "Huawei listed" in page
    assert "SMIC</a> foundry for <a" in page and "SMIC makes them" in page
    assert 'class="entity-graph"' in page and 'id="entity-figure' in page
    assert client.get("/entities/nobody/").status_code == 404


def test_the_graph_of_an_entity_with_many_relationships_puts_each_label_on_its_own_row() -> None:
    register_entities()
    for index in range(40):
        services.entity_register(
            entity_id=f"firm-{index}", name=f"A firm with a long name {index}", entity_type="company"
        )
        services.relationship_record(source=f"firm-{index}", relation="supplier_to", target="huawei")
    svg = render_graph_svg(selectors.entity_graph("huawei", 2))
    assert 'width="1400"' in svg
    labels = re.findall(r'<text x="(\d+)" y="(\d+)" text-anchor="(start|end)"', svg)
    assert len(labels) == 40
    rows: dict[tuple[str, str], list[int]] = {}
    for x, y, anchor in labels:
        rows.setdefault((x, anchor), []).append(int(y))
    for ys in rows.values():  # labels in one column are at least a row apart
        ys.sort()
        assert all(b - a >= ROW for a, b in itertools.pairwise(ys))
