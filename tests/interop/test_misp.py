"""The MISP feed: manifest.json, one event per development and hashes.csv, each event loaded by PyMISP's
MISPEvent and checked against the event JSON schema PyMISP ships; citations carry the admiralty-scale taxonomy's tags.

No server is started: the feed is read in-process through Django's test client.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pymisp
import pytest
from pymisp import MISPEvent

from tests.api.conftest import citation, record
from timeline import services

pytestmark = pytest.mark.django_db
# The event schema PyMISP ships (its own load() no longer checks it).
MISP_SCHEMA = json.loads((Path(pymisp.__file__).parent / "data" / "schema.json").read_text(encoding="utf-8"))


@pytest.fixture
def developments(entities: None) -> list[Any]:
    return [
        record(citations=[citation(), citation(url="", title="A briefing", reliability="F", credibility="6")]),
        record(title="DeepSeek founded", date="2023-07", category="corporate", kind="founding", entities=["deepseek"]),
        record(title="Smuggling wave", date="2022-07~", kind="smuggling_case", disputed=True, tags=["smuggling"]),
    ]


def load_event(client: Any, event_uuid: str) -> MISPEvent:
    response = client.get(f"/misp/feed/{event_uuid}.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    jsonschema.validate(document, MISP_SCHEMA)
    event = MISPEvent()
    event.load(document)
    return event


def test_every_manifest_entry_is_an_event_that_pymisp_loads(anon: Any, developments: Any) -> None:
    manifest = anon.get("/misp/feed/manifest.json").json()
    assert set(manifest) == {str(development.pk) for development in developments}
    for event_uuid, entry in manifest.items():
        event = load_event(anon, event_uuid)
        assert event.uuid == event_uuid
        assert event.info == entry["info"]


def test_citations_carry_admiralty_scale_tags(anon: Any, developments: Any) -> None:
    event = load_event(anon, str(developments[0].pk))
    links = [attribute for attribute in event.attributes if attribute.category == "External analysis"]
    tags = [sorted(tag.name for tag in attribute.tags) for attribute in links]
    assert tags == [
        ['admiralty-scale:information-credibility="2"', 'admiralty-scale:source-reliability="b"'],
        ['admiralty-scale:information-credibility="6"', 'admiralty-scale:source-reliability="f"'],
    ]
    assert links[0].type == "link" and links[0].value == citation()["url"]
    assert links[1].type == "text" and links[1].value == "A briefing"


def test_categories_are_tags_and_the_edtf_date_keeps_its_precision(anon: Any, developments: Any) -> None:
    founded = load_event(anon, str(developments[1].pk))
    assert 'timeline:category="corporate"' in [tag.name for tag in founded.tags]
    assert founded.date.isoformat() == "2023-07-01"
    date_attribute = next(a for a in founded.attributes if a.comment.startswith("When it happened"))
    assert date_attribute.value == "2023-07" and "precision: month" in date_attribute.comment
    assert "DeepSeek" in [a.value for a in founded.attributes if a.category == "Attribution"]
    smuggling = load_event(anon, str(developments[2].pk))
    assert {'timeline:status="disputed"', 'timeline:tag="smuggling"'} <= {tag.name for tag in smuggling.tags}


def test_hashes_csv_names_each_attribute_value_with_its_event(anon: Any, developments: Any) -> None:
    response = anon.get("/misp/feed/hashes.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert [hashlib.md5(citation()["url"].encode()).hexdigest(), str(developments[0].pk)] in rows
    assert {event for _, event in rows} == {str(development.pk) for development in developments}


def test_a_revision_keeps_the_event_and_attribute_ids(anon: Any, developments: Any) -> None:
    before = json.loads(anon.get(f"/misp/feed/{developments[1].pk}.json").content)["Event"]
    services.development_revise(development_id=developments[1].pk, changes={"summary": "Hangzhou"}, expected_version=1)
    after = json.loads(anon.get(f"/misp/feed/{developments[1].pk}.json").content)["Event"]
    assert before["uuid"] == after["uuid"]
    assert before["Attribute"][0]["uuid"] == after["Attribute"][0]["uuid"]
    assert "Hangzhou" in [attribute["value"] for attribute in after["Attribute"]]


def test_an_unknown_event_is_a_404(anon: Any, db: None) -> None:
    assert anon.get("/misp/feed/not-a-uuid.json").status_code == 404
    assert anon.get("/misp/feed/00000000-0000-0000-0000-000000000000.json").status_code == 404


def test_a_misp_server_pulling_again_gets_304_until_something_is_recorded(anon: Any, developments: Any) -> None:
    first = anon.get("/misp/feed/manifest.json")
    again = anon.get("/misp/feed/manifest.json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    services.development_revise(development_id=developments[1].pk, changes={"summary": "Hangzhou"}, expected_version=1)
    assert anon.get("/misp/feed/manifest.json", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
