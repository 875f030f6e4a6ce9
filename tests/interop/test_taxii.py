"""The read-only TAXII 2.1 server, proven with `taxii2-client` as a real client: discovery -> API root ->
collection -> objects, paging to the end, added_after and match[type].

Starts pytest-django's live_server (a threaded HTTP server on loopback) and talks to it over HTTP.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
import stix2
from taxii2client.v21 import Server, as_pages

from interop.taxii import TAXII_MEDIA_TYPE
from tests.api.conftest import ENTITIES, record
from timeline import services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def recorded(db: None) -> list[Any]:
    for entity_id, name, entity_type, _ in ENTITIES:
        services.entity_register(entity_id=entity_id, name=name, entity_type=entity_type, aliases=[])
    rows = [
        record(title=f"Development {n:02d}", date=f"2023-{n % 12 + 1:02d}", entities=["deepseek"] if n % 2 else [])
        for n in range(25)
    ]
    services.timeline_define(slug="deepseek", title="DeepSeek", filters={"entity": "deepseek"})
    return rows


def reports_of(envelopes: list[dict[str, Any]]) -> list[str]:
    return [obj["name"] for envelope in envelopes for obj in envelope.get("objects", []) if obj["type"] == "report"]


def test_a_taxii_client_finds_the_collections_from_discovery(live_server: Any, recorded: Any) -> None:
    server = Server(f"{live_server.url}/taxii2/")
    assert server.title == "Intelligence timeline TAXII server"
    api_root = server.default
    assert TAXII_MEDIA_TYPE in api_root.versions
    titles = {collection.title: collection for collection in api_root.collections}
    assert set(titles) == {"All developments", "DeepSeek"}
    assert titles["DeepSeek"].can_read and not titles["DeepSeek"].can_write


def test_a_taxii_client_pages_through_a_collection_to_the_end(live_server: Any, recorded: Any) -> None:
    collection = next(c for c in Server(f"{live_server.url}/taxii2/").default.collections if c.title.startswith("All"))
    envelopes = list(as_pages(collection.get_objects, per_request=10))
    assert len(envelopes) >= 3
    assert sorted(reports_of(envelopes)) == [f"Development {n:02d}" for n in range(25)]
    # Each page stands on its own: every report's entities are on its page, and STIX parses it.
    for envelope in envelopes:
        ids = {obj["id"] for obj in envelope["objects"]}
        for obj in envelope["objects"]:
            stix2.parse(obj, allow_custom=True)
            if obj["type"] == "report" and obj["object_refs"][0].startswith("identity--"):
                assert set(obj["object_refs"]) <= ids | {obj["created_by_ref"]}


def test_a_named_timeline_collection_holds_only_its_developments(live_server: Any, recorded: Any) -> None:
    collection = next(c for c in Server(f"{live_server.url}/taxii2/").default.collections if c.title == "DeepSeek")
    names = reports_of(list(as_pages(collection.get_objects, per_request=5)))
    assert sorted(names) == [f"Development {n:02d}" for n in range(25) if n % 2]


def test_added_after_answers_only_what_was_added_since(live_server: Any, recorded: Any) -> None:
    collection = next(c for c in Server(f"{live_server.url}/taxii2/").default.collections if c.title.startswith("All"))
    seen_until = _last_date_added(live_server, collection.id)
    assert "objects" not in collection.get_objects(added_after=seen_until)
    services.development_revise(development_id=recorded[3].pk, changes={"title": "Revised"}, expected_version=1)
    envelope = collection.get_objects(added_after=seen_until)
    assert reports_of([envelope]) == ["Revised"]


def _last_date_added(live_server: Any, collection_id: str) -> str:
    request = urllib.request.Request(
        f"{live_server.url}/taxii2/api/collections/{collection_id}/objects/?limit=1000",
        headers={"Accept": TAXII_MEDIA_TYPE},
    )
    with urllib.request.urlopen(request) as response:
        return str(response.headers["X-TAXII-Date-Added-Last"])


def test_match_type_filters_the_objects(live_server: Any, recorded: Any) -> None:
    collection = next(c for c in Server(f"{live_server.url}/taxii2/").default.collections if c.title.startswith("All"))
    envelope = collection.get_objects(type="identity")
    assert {obj["type"] for obj in envelope["objects"]} == {"identity"}
    assert {obj["name"] for obj in envelope["objects"]} == {"DeepSeek"}


def test_answers_carry_the_taxii_media_type_and_errors_are_taxii_errors(live_server: Any, recorded: Any) -> None:
    request = urllib.request.Request(f"{live_server.url}/taxii2/api/collections/nope/objects/")
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request)
    assert raised.value.code == 404
    assert raised.value.headers["Content-Type"] == TAXII_MEDIA_TYPE
    assert json.loads(raised.value.read())["http_status"] == "404"


def test_relationships_and_links_are_objects_of_the_collections_that_hold_both_ends(
    live_server: Any, recorded: Any
) -> None:
    services.relationship_record(source="deepseek", relation="subsidiary_of", target="high-flyer")
    services.development_revise(
        development_id=recorded[1].pk, changes={"entities": ["deepseek", "high-flyer"]}, expected_version=1
    )
    # Development 03 (in the DeepSeek timeline) links to 01 (in it too) and to 00 (not in it).
    services.development_link(development_id=recorded[3].pk, relation="follows_from", target_id=recorded[1].pk)
    services.development_link(development_id=recorded[3].pk, relation="responds_to", target_id=recorded[0].pk)
    collections = {c.title: c for c in Server(f"{live_server.url}/taxii2/").default.collections}

    def relations(title: str) -> set[str]:
        envelopes = list(as_pages(collections[title].get_objects, per_request=10, type="relationship"))
        found = [obj for envelope in envelopes for obj in envelope.get("objects", [])]
        for obj in found:
            stix2.parse(obj, allow_custom=True)
        return {obj["x_timeline_relation"] for obj in found}

    assert relations("All developments") == {"subsidiary_of", "follows_from", "responds_to"}
    assert relations("DeepSeek") == {"subsidiary_of", "follows_from"}
