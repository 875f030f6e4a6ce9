"""/api/saved-searches/: a signed-in user's own saved searches, checked by the developments list's filters.
No servers (the webhook URLs here are refused or only checked, never called)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from alerts.models import SavedSearch
from tests.api.conftest import make_user

pytestmark = pytest.mark.django_db


def client_for(username: str) -> APIClient:
    user, key = make_user(username)
    user.email = f"{username}@example.org"
    user.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_user_saves_a_search_and_gets_the_webhook_secret_once(settings: Any) -> None:
    settings.ALERTS_ALLOW_LOOPBACK = True
    olga = client_for("olga")
    answer = olga.post(
        "/api/saved-searches/",
        {"name": "Rules", "query": "category=government&from=2023", "channel": "webhook",
         "webhook_url": "http://127.0.0.1:9/hook"},
        format="json",
    )  # fmt: skip
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["webhook_secret"].startswith("whsec_")
    assert body["filters"] == {"category": ["government"], "from": "2023-01-01"}
    again = olga.get(f"/api/saved-searches/{body['id']}/").json()
    assert "webhook_secret" not in again and again["query"] == "category=government&from=2023"
    assert "webhook_secret" not in olga.get("/api/saved-searches/").json()["results"][0]


def test_users_see_and_change_only_their_own_saved_searches() -> None:
    olga, pete = client_for("olga"), client_for("pete")
    created = olga.post("/api/saved-searches/", {"name": "Mine", "query": "kind=model_launch"}, format="json")
    pk = created.json()["id"]
    assert pete.get("/api/saved-searches/").json()["results"] == []
    assert pete.get(f"/api/saved-searches/{pk}/").status_code == 404
    assert pete.patch(f"/api/saved-searches/{pk}/", {"name": "Theirs"}, format="json").status_code == 404
    assert pete.delete(f"/api/saved-searches/{pk}/").status_code == 404
    assert APIClient().get("/api/saved-searches/").status_code in (401, 403)
    assert olga.patch(f"/api/saved-searches/{pk}/", {"name": "Launches"}, format="json").json()["name"] == "Launches"
    assert olga.delete(f"/api/saved-searches/{pk}/").status_code == 204
    assert not SavedSearch.objects.exists()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("category=weather", "category"),
        ("from=2023-13", "from"),
        ("from=2024&to=2023", "to"),
        ("as_of=5", "query"),
        ("colour=red", "query"),
        ("timeline=no-such-timeline", "timeline"),
    ],
)
def test_a_filter_the_developments_list_refuses_is_a_400_naming_it(query: str, field: str) -> None:
    answer = client_for("olga").post("/api/saved-searches/", {"name": "x", "query": query}, format="json")
    assert answer.status_code == 400
    assert field in answer.json()
    assert not SavedSearch.objects.exists()


def test_a_hostile_webhook_url_is_a_400() -> None:
    answer = client_for("olga").post(
        "/api/saved-searches/",
        {"name": "x", "channel": "webhook", "webhook_url": "http://169.254.169.254/latest/meta-data/"},
        format="json",
    )
    assert answer.status_code == 400
    assert "link-local" in answer.json()["webhook_url"][0]


def test_rotating_the_secret_shows_the_new_one_once(settings: Any) -> None:
    settings.ALERTS_ALLOW_LOOPBACK = True
    olga = client_for("olga")
    body = {"name": "x", "channel": "webhook", "webhook_url": "http://127.0.0.1:9/hook"}
    created = olga.post("/api/saved-searches/", body, format="json").json()
    rotated = olga.post(f"/api/saved-searches/{created['id']}/secret/").json()
    assert rotated["webhook_secret"].startswith("whsec_") and rotated["webhook_secret"] != created["webhook_secret"]


def test_a_search_turned_into_a_webhook_shows_its_first_secret_in_that_answer_only(settings: Any) -> None:
    settings.ALERTS_ALLOW_LOOPBACK = True
    olga = client_for("olga")
    created = olga.post("/api/saved-searches/", {"name": "x", "channel": "email"}, format="json").json()
    assert "webhook_secret" not in created
    url = f"/api/saved-searches/{created['id']}/"
    hooked = olga.patch(url, {"channel": "webhook", "webhook_url": "http://127.0.0.1:9/hook"}, format="json").json()
    stored = SavedSearch.objects.get(pk=created["id"]).webhook_secret
    assert stored.startswith("whsec_") and hooked["webhook_secret"] == stored
    assert "webhook_secret" not in olga.patch(url, {"name": "y"}, format="json").json()
    assert SavedSearch.objects.get(pk=created["id"]).webhook_secret == stored


def test_a_name_over_the_schemas_max_length_is_a_400_even_when_padded_with_whitespace() -> None:
    """The schema's maxLength counts the text as sent; trimming it first would accept what the schema refuses."""
    olga = client_for("olga")
    padded = olga.post("/api/saved-searches/", {"name": "\n " + "x" * 199, "query": ""}, format="json")
    assert padded.status_code == 400 and "name" in padded.json()
    assert not SavedSearch.objects.exists()
    fits = olga.post("/api/saved-searches/", {"name": " " + "x" * 199, "query": ""}, format="json")
    assert fits.status_code == 201, fits.json()
    assert fits.json()["name"] == "x" * 199
