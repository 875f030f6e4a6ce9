"""Comparing actors: /api/developments/?entity=A&entity=B and the figure with lanes=entity, one lane per entity.

No servers: the test database (SQLite, or PostgreSQL with DATABASE_URL)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client

from timeline import services

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
URL = "/api/timelines/actors/figure.svg"


@pytest.fixture
def actors(db: None) -> dict[str, str]:
    """Huawei's, SMIC's and both their developments, one of neither, and a named timeline of them all."""
    services.entity_register(entity_id="huawei", name="Huawei", entity_type="company", aliases=[{"name": "华为"}])
    services.entity_register(entity_id="smic", name="SMIC", entity_type="company")
    services.entity_register(entity_id="nvidia", name="Nvidia", entity_type="company")
    rows = {
        "huawei": ("Huawei launches the Ascend 910B", "2023-08", "technology", "chip_launch", ["huawei"]),
        "smic": ("SMIC ships 7 nm in volume", "2022-07", "technology", "fab_milestone", ["smic"]),
        "both": ("SMIC makes the Kirin 9000s for Huawei", "2023-08-29", "corporate", "chip_launch", ["huawei", "smic"]),
        "neither": ("Nvidia announces the H20", "2023-11", "corporate", "chip_launch", ["nvidia"]),
    }
    ids = {}
    for key, (title, when, category, kind, entities) in rows.items():
        ids[key] = str(
            services.development_record(title=title, date=when, category=category, kind=kind, entities=entities).pk
        )
    services.timeline_define(slug="actors", title="Chips and their makers", pinned=list(ids.values()))
    return ids


def test_several_entities_give_the_developments_of_any_of_them(client: Client, actors: dict[str, str]) -> None:
    response = client.get("/api/developments/", {"entity": ["华为", "smic"]})
    assert response.status_code == 200, response.content
    assert {row["id"] for row in response.json()["results"]} == {actors["huawei"], actors["smic"], actors["both"]}
    one = client.get("/api/developments/", {"entity": "smic"}).json()["results"]
    assert {row["id"] for row in one} == {actors["smic"], actors["both"]}
    unknown = client.get("/api/developments/", {"entity": ["huawei", "nobody"]})
    assert unknown.status_code == 400 and "nobody" in str(unknown.json()["entity"])


def lanes(body: bytes) -> dict[str, set[str]]:
    root = ET.fromstring(body)
    found = {}
    for lane in root.findall(f".//{SVG}g[@class='lane']"):
        label = lane.find(f"{SVG}text[@class='lane-label']")
        assert label is not None
        name = "".join(label.itertext())
        found[name] = {str(g.get("data-development-id")) for g in lane.findall(f"{SVG}g[@class='development']")}
    return found


def test_lanes_entity_draws_one_labelled_lane_per_entity_on_one_axis(client: Client, actors: dict[str, str]) -> None:
    response = client.get(URL, {"entity": ["huawei", "smic"], "lanes": "entity"})
    assert response.status_code == 200, response.content
    drawn = lanes(response.content)
    # One lane per entity, in the order asked, each named once; the development of both is in both lanes.
    assert list(drawn) == ["Huawei", "SMIC"]
    assert drawn["Huawei"] == {actors["huawei"], actors["both"]}
    assert drawn["SMIC"] == {actors["smic"], actors["both"]}
    root = ET.fromstring(response.content)
    assert root.get("data-lanes") == "2"
    assert len(root.findall(f".//{SVG}text[@class='lane-label']")) == 2
    # One time axis for all lanes: a single ribbon with its tick labels, spanning 2022 to 2023.
    ticks = ["".join(t.itertext()) for t in root.findall(f".//{SVG}g[@class='axis']/{SVG}text")]
    assert ticks and len(root.findall(f".//{SVG}g[@class='axis']")) == 1
    assert any("2022" in t for t in ticks) and any("2023" in t for t in ticks)
    # The other filters still apply, lane by lane.
    narrowed = lanes(
        client.get(URL, {"entity": ["huawei", "smic"], "lanes": "entity", "category": "corporate"}).content
    )
    assert narrowed == {"Huawei": {actors["both"]}, "SMIC": {actors["both"]}}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lanes": "entity"}, "lanes"),
        ({"lanes": "category", "entity": "huawei"}, "lanes"),
    ],
)
def test_bad_lanes_are_a_400_naming_the_field(
    client: Client, actors: dict[str, str], params: dict[str, Any], field: str
) -> None:
    response = client.get(URL, params)
    assert response.status_code == 400 and field in response.json()


def test_more_lanes_than_a_figure_holds_are_a_400(client: Client, actors: dict[str, str]) -> None:
    for index in range(9):
        services.entity_register(entity_id=f"fab-{index}", name=f"Fab {index}", entity_type="fab")
    response = client.get(URL, {"lanes": "entity", "entity": [f"fab-{index}" for index in range(9)]})
    assert response.status_code == 400 and "8 entities" in str(response.json()["lanes"])
