"""?format=stix on the developments list and a named timeline: bundles that the `stix2` library parses and
`stix2-validator` passes, with deterministic ids, citations and gradings that round-trip, and EDTF precision.

No server is started: the API is called in-process; the validators are the reference Python tools.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import stix2
from stix2validator import ValidationOptions, validate_string

from interop import stix
from tests.api.conftest import citation, record
from timeline import services
from timeline.models import Development

pytestmark = pytest.mark.django_db


def bundle(client: Any, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/stix+json")
    return json.loads(response.content)


def assert_valid(document: dict[str, Any]) -> None:
    results = validate_string(json.dumps(document), ValidationOptions(version="2.1"))
    assert results.is_valid, [str(error) for error in results.errors]
    stix2.parse(document, allow_custom=True)


def reports(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {obj["name"]: obj for obj in document["objects"] if obj["type"] == "report"}


@pytest.fixture
def developments(entities: None) -> dict[str, Any]:
    return {
        "controls": record(
            citations=[
                citation(),
                citation(title="Federal Register notice", publisher="BIS", reliability="A", credibility="1"),
            ],
            entities=["bis", "nvidia"],
        ),
        "founded": record(
            title="DeepSeek founded", date="2023-07", category="corporate", kind="founding", entities=["deepseek"]
        ),
        "quarter": record(title="Q4 shipments", date="2024-36", category="gpu_acquisition", kind="gpu_acquisition"),
        "about": record(title="Smuggling wave", date="2022-07~", kind="smuggling_case", disputed=True),
    }


def test_the_developments_list_as_stix_passes_the_reference_validator(anon: Any, developments: Any) -> None:
    document = bundle(anon, "/api/developments/?format=stix")
    assert_valid(document)
    assert document["type"] == "bundle"
    assert set(reports(document)) == {
        "BIS publishes the October 7, 2022 controls",
        "DeepSeek founded",
        "Q4 shipments",
        "Smuggling wave",
    }


def test_entities_are_identities_that_the_reports_refer_to(anon: Any, developments: Any) -> None:
    document = bundle(anon, "/api/developments/?format=stix")
    identities = {obj["id"]: obj for obj in document["objects"] if obj["type"] == "identity"}
    controls = reports(document)["BIS publishes the October 7, 2022 controls"]
    named = {identities[ref]["name"] for ref in controls["object_refs"]}
    assert named == {"Bureau of Industry and Security", "Nvidia"}
    bis = next(obj for obj in identities.values() if obj["name"] == "Bureau of Industry and Security")
    assert bis["identity_class"] == "organization" and bis["sectors"] == ["government-national"]
    deepseek = next(obj for obj in identities.values() if obj["name"] == "DeepSeek")
    assert "深度求索" in deepseek["x_timeline_aliases"]
    # Every reference resolves inside the bundle.
    ids = {obj["id"] for obj in document["objects"]}
    for report in reports(document).values():
        assert set(report["object_refs"]) <= ids


def test_the_same_development_has_the_same_stix_id_in_every_export(anon: Any, developments: Any) -> None:
    first = reports(bundle(anon, "/api/developments/?format=stix"))
    services.development_revise(
        development_id=developments["founded"].pk, changes={"title": "DeepSeek is founded"}, expected_version=1
    )
    second = reports(bundle(anon, "/api/developments/?format=stix"))
    assert first["DeepSeek founded"]["id"] == second["DeepSeek is founded"]["id"]
    assert first["Q4 shipments"]["id"] == second["Q4 shipments"]["id"]
    assert second["DeepSeek is founded"]["modified"] > first["DeepSeek founded"]["modified"]
    assert second["DeepSeek is founded"]["created"] == first["DeepSeek founded"]["created"]


def test_citations_are_external_references_and_the_grading_round_trips(anon: Any, developments: Any) -> None:
    document = bundle(anon, "/api/developments/?format=stix")
    parsed = stix2.parse(document, allow_custom=True)
    report = next(obj for obj in parsed.objects if obj.type == "report" and obj.name.startswith("BIS"))
    urls = [ref.get("url") for ref in report.external_references]
    assert citation()["url"] in urls
    gradings = [c["grading"] for c in report.x_timeline_citations]
    assert gradings == ["B2", "A1"]
    # The best credibility (1, confirmed) on STIX's Admiralty Credibility scale.
    assert report.confidence == 90


def test_fuzzy_dates_keep_their_precision(anon: Any, developments: Any) -> None:
    by_name = reports(bundle(anon, "/api/developments/?format=stix"))
    assert by_name["DeepSeek founded"]["x_timeline_date"] == "2023-07"
    assert by_name["DeepSeek founded"]["x_timeline_date_precision"] == "month"
    assert by_name["DeepSeek founded"]["published"] == "2023-07-01T00:00:00Z"
    assert by_name["Q4 shipments"]["x_timeline_date"] == "2024-36"
    assert by_name["Q4 shipments"]["x_timeline_date_upper"] == "2024-12-31"
    assert by_name["Smuggling wave"]["x_timeline_date"] == "2022-07~"
    assert "disputed" in by_name["Smuggling wave"]["labels"]


def test_a_named_timeline_as_stix_holds_only_its_developments(anon: Any, developments: Any) -> None:
    services.timeline_define(slug="corporate", title="Corporate", filters={"category": ["corporate"]})
    document = bundle(anon, "/api/timelines/corporate/?format=stix")
    assert_valid(document)
    assert set(reports(document)) == {"DeepSeek founded"}


def test_a_retracted_development_is_revoked_as_of_its_retraction(anon: Any, developments: Any) -> None:
    """The API lists only current developments; a full export (TAXII, the bench) includes retracted ones."""
    services.development_retract(development_id=developments["quarter"].pk, expected_version=1, reason="Misdated")
    records = [stix.record_from_model(row) for row in Development.objects.all()]
    document = json.loads(stix.bundle_text(records, scope="test"))
    assert_valid(document)
    assert reports(document)["Q4 shipments"]["revoked"] is True


def test_one_development_as_stix_is_a_bundle_of_its_report_and_entities(anon: Any, developments: Any) -> None:
    development = developments["controls"]
    document = bundle(anon, f"/api/developments/{development.pk}/?format=stix")
    assert_valid(document)
    assert [obj["type"] for obj in document["objects"]] == ["identity", "identity", "identity", "report"]
    list_bundle = bundle(anon, "/api/developments/?format=stix")
    assert reports(document)[development.title]["id"] == reports(list_bundle)[development.title]["id"]


def test_as_of_gives_the_bundle_of_the_timeline_as_it_was_then(anon: Any, developments: Any) -> None:
    before = developments["founded"].last_position
    services.development_revise(
        development_id=developments["founded"].pk, changes={"date": "2023-07-17"}, expected_version=1
    )
    then = reports(bundle(anon, f"/api/developments/?format=stix&as_of={before}"))["DeepSeek founded"]
    now = reports(bundle(anon, "/api/developments/?format=stix"))["DeepSeek founded"]
    assert (then["x_timeline_date"], then["x_timeline_version"]) == ("2023-07", 1)
    assert (now["x_timeline_date"], now["x_timeline_date_precision"]) == ("2023-07-17", "day")
    assert then["id"] == now["id"] and then["created"] == now["created"]
