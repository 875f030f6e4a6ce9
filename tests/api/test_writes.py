"""Writes through the API: token auth, analyst/editor roles, versions (If-Match, 409, 428), retraction with a
reason, citations, and Idempotency-Key replays."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from events.models import StoredEvent
from tests.api.conftest import citation, make_user, record
from timeline.models import Development

pytestmark = pytest.mark.django_db

NEW = {
    "title": "SMIC ships 5nm chips for Huawei",
    "date": "2024-36",
    "category": "technology",
    "kind": "fab_milestone",
    "entities": ["中芯国际", "huawei"],
    "tags": ["yield"],
    "summary": "Low yields.",
    "citations": [citation(reliability="C", credibility="3")],
    "reason": "from the FT",
}


def test_anonymous_writes_are_401_and_non_analysts_403(anon: Any, viewer: Any, entities: None) -> None:
    response = anon.post("/api/developments/", NEW, format="json")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert viewer.post("/api/developments/", NEW, format="json").status_code == 403
    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert bad_token.post("/api/developments/", NEW, format="json").status_code == 401
    development = record()
    assert anon.patch(f"/api/developments/{development.pk}/", {"title": "x"}, format="json").status_code == 401
    assert viewer.delete(f"/api/developments/{development.pk}/?reason=x").status_code == 403
    assert viewer.post(f"/api/developments/{development.pk}/citations/", citation(), format="json").status_code == 403
    assert Development.objects.count() == 1


def test_an_analyst_records_a_development(analyst: Any, entities: None) -> None:
    response = analyst.post("/api/developments/", NEW, format="json")
    assert response.status_code == 201, response.content
    row = response.json()
    assert response["Location"] == row["url"]
    assert (row["display_date"], row["precision"], row["status"], row["version"]) == (
        "Q4 2024",
        "quarter",
        "current",
        2,
    )
    assert [e["id"] for e in row["entities"]] == ["smic", "huawei"]
    assert row["citations"][0]["grading"] == "C3"
    history = analyst.get(f"/api/developments/{row['id']}/history/").json()["results"]
    assert (history[0]["actor"], history[0]["reason"]) == ("ada", "from the FT")


def test_an_editor_may_write_too(entities: None) -> None:
    _, key = make_user("eddie", "editor")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.post("/api/developments/", NEW, format="json").status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date": "2024-13-45"}, "date"),
        ({"date": "sometime"}, "date"),
        ({"date": "2023-XX-05"}, "date"),
        ({"date": "2023-25"}, "date"),
        ({"category": "sports"}, "category"),
        ({"kind": "party"}, "kind"),
        ({"title": ""}, "title"),
        ({"entities": ["nobody-knows"]}, "entities"),
        ({"tags": ["Not A Tag"]}, "tags"),
        ({"media": {"url": "javascript:alert(1)"}}, "media"),
        ({"citations": [citation(reliability="G")]}, "citations"),
        ({"citations": [citation(url="ftp://example.org/x")]}, "citations[0].url"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_400_with_field_errors_and_records_nothing(
    analyst: Any, entities: None, change: dict[str, Any], field: str
) -> None:
    before = StoredEvent.objects.count()
    response = analyst.post("/api/developments/", {**NEW, **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert StoredEvent.objects.count() == before


def test_a_retried_post_with_an_idempotency_key_records_once_and_answers_as_the_first_did(
    analyst: Any, entities: None
) -> None:
    first = analyst.post("/api/developments/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    events = StoredEvent.objects.count()
    row = first.json()
    # The development changes meanwhile; the retry still answers what the first request answered.
    revised = analyst.patch(
        f"/api/developments/{row['id']}/", {"summary": "Changed", "expected_version": row["version"]}, format="json"
    )
    assert revised.status_code == 200
    events_after_patch = StoredEvent.objects.count()
    retry = analyst.post("/api/developments/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (retry.status_code, retry.json(), retry["Location"]) == (201, row, first["Location"])
    assert retry["Idempotent-Replayed"] == "true"
    assert StoredEvent.objects.count() == events_after_patch == events + 1
    assert Development.objects.count() == 1


def test_an_idempotency_key_reused_for_another_request_is_a_422(analyst: Any, entities: None) -> None:
    assert analyst.post("/api/developments/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="k-2").status_code == 201
    for other in ({**NEW, "title": "Something else"}, {**NEW, "date": "2023-11"}, {**NEW, "tags": []}):
        reused = analyst.post("/api/developments/", other, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        assert reused.status_code == 422, (other, reused.content)
    # The same request with its keys in another order is a retry.
    shuffled = dict(reversed(list(NEW.items())))
    assert analyst.post("/api/developments/", shuffled, format="json", HTTP_IDEMPOTENCY_KEY="k-2").status_code == 201
    assert Development.objects.count() == 1


def test_a_key_reused_for_another_revision_citation_or_retraction_is_a_422(analyst: Any, existing: Development) -> None:
    url = f"/api/developments/{existing.pk}/"
    assert (
        analyst.patch(
            url, {"title": "First", "expected_version": 2}, format="json", HTTP_IDEMPOTENCY_KEY="p"
        ).status_code
        == 200
    )
    assert (
        analyst.patch(
            url, {"title": "Other", "expected_version": 2}, format="json", HTTP_IDEMPOTENCY_KEY="p"
        ).status_code
        == 422
    )
    cite = f"{url}citations/"
    assert analyst.post(cite, citation(title="One"), format="json", HTTP_IDEMPOTENCY_KEY="c").status_code == 201
    assert analyst.post(cite, citation(title="Two"), format="json", HTTP_IDEMPOTENCY_KEY="c").status_code == 422
    assert analyst.delete(f"{url}?reason=dup", HTTP_IDEMPOTENCY_KEY="d").status_code == 200
    assert analyst.delete(f"{url}?reason=other", HTTP_IDEMPOTENCY_KEY="d").status_code == 422
    assert Development.objects.get(pk=existing.pk).version == 5  # recorded, cited, revised, cited, retracted


def test_the_same_key_from_two_users_records_two_developments(analyst: Any, entities: None) -> None:
    _, key = make_user("eve", "analyst")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert analyst.post("/api/developments/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="same").status_code == 201
    assert other.post("/api/developments/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="same").status_code == 201
    assert Development.objects.count() == 2


@pytest.fixture
def existing(entities: None) -> Development:
    return record(entities=["bis"], citations=[citation()])


def test_a_revision_needs_the_version_it_was_read_at(analyst: Any, existing: Development) -> None:
    url = f"/api/developments/{existing.pk}/"
    missing = analyst.patch(url, {"title": "New title"}, format="json")
    assert missing.status_code == 428
    etag = analyst.get(url)["ETag"]
    response = analyst.patch(url, {"title": "New title", "reason": "typo"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert (response.json()["title"], response.json()["version"]) == ("New title", 3)
    assert response["ETag"].startswith('"v3-')
    by_body = analyst.patch(url, {"summary": "More.", "expected_version": 3}, format="json")
    assert by_body.status_code == 200 and by_body.json()["version"] == 4


def test_a_stale_version_is_a_409_with_the_current_version(analyst: Any, existing: Development) -> None:
    url = f"/api/developments/{existing.pk}/"
    stale = analyst.get(url)["ETag"]
    assert analyst.patch(url, {"title": "First edit", "expected_version": 2}, format="json").status_code == 200
    response = analyst.patch(url, {"title": "Second edit"}, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 409
    body = response.json()
    assert body["current_version"] == 3 and body["current"]["title"] == "First edit"
    assert Development.objects.get(pk=existing.pk).title == "First edit"


def test_a_revision_that_changes_nothing_or_an_unknown_field_is_a_400(analyst: Any, existing: Development) -> None:
    url = f"/api/developments/{existing.pk}/"
    assert analyst.patch(url, {"title": existing.title, "expected_version": 2}, format="json").status_code == 400
    assert "status" in analyst.patch(url, {"status": "x", "expected_version": 2}, format="json").json()
    assert "If-Match" in analyst.patch(url, {"title": "y"}, format="json", HTTP_IF_MATCH="garbage").json()


def test_a_retried_patch_answers_as_the_first_did(analyst: Any, existing: Development) -> None:
    url = f"/api/developments/{existing.pk}/"
    body = {"title": "Retried", "expected_version": 2}
    first = analyst.patch(url, body, format="json", HTTP_IDEMPOTENCY_KEY="p-1")
    retry = analyst.patch(url, body, format="json", HTTP_IDEMPOTENCY_KEY="p-1")
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json() and retry["Idempotent-Replayed"] == "true"
    assert Development.objects.get(pk=existing.pk).version == 3


def test_delete_retracts_with_a_reason_and_deletes_nothing(analyst: Any, anon: Any, existing: Development) -> None:
    url = f"/api/developments/{existing.pk}/"
    assert "reason" in analyst.delete(url).json()
    response = analyst.delete(f"{url}?reason=duplicate%20entry", HTTP_IDEMPOTENCY_KEY="d-1")
    assert response.status_code == 200 and response.json()["status"] == "retracted"
    retry = analyst.delete(f"{url}?reason=duplicate%20entry", HTTP_IDEMPOTENCY_KEY="d-1")
    assert retry.status_code == 200 and retry.json() == response.json()
    assert anon.get(url).json()["status"] == "retracted"
    assert anon.get("/api/developments/").json()["results"] == []
    assert anon.get(f"{url}history/").json()["results"][-1]["reason"] == "duplicate entry"
    assert Development.objects.filter(pk=existing.pk).exists()


def test_delete_takes_the_reason_from_the_body_and_checks_a_version_if_given(
    analyst: Any, existing: Development
) -> None:
    url = f"/api/developments/{existing.pk}/"
    stale = analyst.delete(url, {"reason": "wrong", "expected_version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert analyst.delete(url, {"reason": "wrong", "expected_version": 2}, format="json").status_code == 200


def test_an_analyst_cites_a_source_with_its_grading(analyst: Any, existing: Development) -> None:
    url = f"/api/developments/{existing.pk}/citations/"
    source = citation(title="Financial Times", url="https://www.ft.com/x", reliability="B", credibility="3")
    response = analyst.post(url, source, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    assert response.status_code == 201, response.content
    assert [c["grading"] for c in response.json()["citations"]] == ["B2", "B3"]
    retry = analyst.post(url, source, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    assert retry.status_code == 201 and retry.json() == response.json()
    assert len(Development.objects.get(pk=existing.pk).snapshot["citations"]) == 2
    bad = analyst.post(url, {**source, "credibility": "9"}, format="json")
    assert bad.status_code == 400 and "credibility" in bad.json()
    assert analyst.get(url).status_code == 405
