"""The saved-search pages: a signed-in user lists, creates, changes and deletes their own saved searches, rotates a
webhook's secret and enables a disabled webhook, through CSRF-protected forms; a refused form keeps what was typed.
Django's test client; no servers (webhook URLs are only checked, never called)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from alerts.models import Channel, SavedSearch

pytestmark = pytest.mark.django_db
URL = "/saved-searches/"


def signed_in(username: str, *, csrf: bool = False) -> tuple[Client, User]:
    user = User.objects.create_user(username=username, email=f"{username}@example.org", password="not-used-here")
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client, user


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in() -> None:
    answer = Client().get(URL)
    assert answer.status_code == 302
    assert answer["Location"].startswith("/admin/login/") and "next=/saved-searches/" in answer["Location"]
    assert not SavedSearch.objects.exists()


def test_a_user_saves_a_search_by_email_and_sees_it_listed() -> None:
    client, olga = signed_in("olga")
    answer = client.post(URL, {"name": "Rules", "category": ["government"], "from": "2023", "channel": "email"})
    assert answer.status_code == 302 and answer["Location"] == URL
    search = SavedSearch.objects.get(owner=olga)
    # The same filters the API keeps for category=government&from=2023 (tests/api/test_saved_searches.py).
    assert search.filters == {"category": ["government"], "from": "2023-01-01"}
    assert (search.name, search.query, search.channel) == ("Rules", "category=government&from=2023", Channel.EMAIL)
    html = client.get(URL).content.decode()
    assert "<h3>Rules</h3>" in html and "category=government&amp;from=2023" in html


def test_a_webhook_secret_is_shown_once_when_the_search_is_created(settings: Any) -> None:
    settings.ALERTS_ALLOW_LOOPBACK = True
    client, olga = signed_in("olga")
    answer = client.post(
        URL, {"name": "Huawei", "q": "华为", "channel": "webhook", "webhook_url": "http://127.0.0.1:9/hook"}
    )
    assert answer.status_code == 200
    search = SavedSearch.objects.get(owner=olga)
    assert search.webhook_secret.startswith("whsec_") and search.filters == {"q": "华为"}
    assert search.webhook_secret in answer.content.decode()
    assert search.webhook_secret not in client.get(URL).content.decode()


def test_a_refused_form_keeps_what_the_user_typed_and_saves_nothing() -> None:
    client, _ = signed_in("olga")
    typed = {
        "name": "Metadata",
        "q": '"export controls" -Nvidia',
        "category": ["government"],
        "channel": "webhook",
        "webhook_url": "http://169.254.169.254/latest/meta-data/",
    }
    answer = client.post(URL, typed)
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "link-local" in html
    assert 'value="Metadata"' in html and 'value="&quot;export controls&quot; -Nvidia"' in html
    assert 'value="http://169.254.169.254/latest/meta-data/"' in html
    assert re.search(r'<input[^>]*value="government"[^>]*checked', html)
    assert re.search(r'<option value="webhook" selected>', html)
    assert not SavedSearch.objects.exists()


def test_a_webhook_without_its_url_and_an_unknown_entity_are_refused_by_field() -> None:
    client, _ = signed_in("olga")
    answer = client.post(URL, {"name": "x", "entity": "No Such Company Ltd", "channel": "webhook"})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "A webhook needs its URL." in html and "No entity is called" in html
    assert not SavedSearch.objects.exists()


def test_users_see_and_delete_only_their_own_saved_searches() -> None:
    olga_client, olga = signed_in("olga")
    pete_client, pete = signed_in("pete")
    olga_client.post(URL, {"name": "Olga's", "channel": "email"})
    pete_client.post(URL, {"name": "Pete's", "channel": "daily"})
    olgas = SavedSearch.objects.get(owner=olga)
    assert "Pete&#x27;s" not in olga_client.get(URL).content.decode()
    assert pete_client.post(f"{URL}{olgas.pk}/delete/").status_code == 404
    assert pete_client.get(f"{URL}{olgas.pk}/delete/").status_code == 404
    # A link only asks: the owner's GET is the confirmation, and deletes nothing.
    confirm = olga_client.get(f"{URL}{olgas.pk}/delete/")
    assert confirm.status_code == 200 and f'action="{URL}{olgas.pk}/delete/"' in confirm.content.decode()
    assert SavedSearch.objects.filter(pk=olgas.pk).exists()
    answer = olga_client.post(f"{URL}{olgas.pk}/delete/")
    assert answer.status_code == 302 and answer["Location"] == URL
    assert list(SavedSearch.objects.values_list("owner__username", flat=True)) == [pete.username]


def test_the_forms_need_the_csrf_token() -> None:
    client, olga = signed_in("olga", csrf=True)
    assert client.post(URL, {"name": "Forged", "channel": "email"}).status_code == 403
    search = SavedSearch.objects.create(owner=olga, name="Kept", channel=Channel.EMAIL)
    assert client.post(f"{URL}{search.pk}/delete/").status_code == 403
    assert list(SavedSearch.objects.values_list("name", flat=True)) == ["Kept"]
    # With the page's token, the same delete goes through.
    html = client.get(URL).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None
    answer = client.post(f"{URL}{search.pk}/delete/", {"csrfmiddlewaretoken": token.group(1)})
    assert answer.status_code == 302 and not SavedSearch.objects.exists()


def test_the_edit_page_is_filled_in_with_what_the_owner_saved() -> None:
    client, olga = signed_in("olga")
    client.post(URL, {"name": "Rules", "category": ["government", "corporate"], "from": "2023", "channel": "daily"})
    search = SavedSearch.objects.get(owner=olga)
    answer = client.get(f"{URL}{search.pk}/")
    assert answer.status_code == 200
    html = answer.content.decode()
    # As typed (2023, not the 2023-01-01 the filters keep), with the page's CSRF-protected form.
    assert 'value="Rules"' in html and 'name="from" id="id_from" value="2023"' in html
    assert re.search(r'<input[^>]*value="government"[^>]*checked', html)
    assert re.search(r'<input[^>]*value="corporate"[^>]*checked', html)
    assert not re.search(r'<input[^>]*value="technology"[^>]*checked', html)
    assert re.search(r'<option value="daily" selected>', html)
    assert re.search(r'<input type="checkbox" name="active"[^>]*checked', html)
    assert 'name="csrfmiddlewaretoken"' in html
    assert "Rotate the signing secret" not in html  # no webhook, no secret


def test_an_owner_changes_the_name_filters_and_delivery_and_the_filters_mean_what_a_new_search_means() -> None:
    client, olga = signed_in("olga")
    client.post(URL, {"name": "Rules", "category": ["government"], "channel": "email"})
    search = SavedSearch.objects.get(owner=olga)
    changed = {"name": "Chips", "category": ["corporate"], "to": "2024-06", "q": "export -Nvidia", "channel": "daily"}
    answer = client.post(f"{URL}{search.pk}/", {**changed, "active": "on"})
    assert answer.status_code == 302 and answer["Location"] == URL
    search.refresh_from_db()
    client.post(URL, {**changed, "name": "Fresh"})
    fresh = SavedSearch.objects.get(name="Fresh")
    assert (search.name, search.channel, search.active) == ("Chips", "daily", True)
    assert (search.query, search.filters) == (fresh.query, fresh.filters)
    assert search.filters == {"category": ["corporate"], "to": "2024-06-30", "q": "export -Nvidia"}
    assert "Saved “Chips”." in client.get(URL).content.decode()


def test_unticking_send_alerts_pauses_the_search() -> None:
    client, olga = signed_in("olga")
    client.post(URL, {"name": "Rules", "channel": "email"})
    search = SavedSearch.objects.get(owner=olga)
    assert client.post(f"{URL}{search.pk}/", {"name": "Rules", "channel": "email"}).status_code == 302
    search.refresh_from_db()
    assert search.active is False
    assert "paused" in client.get(URL).content.decode()


def test_a_refused_edit_keeps_what_was_typed_next_to_the_field_and_changes_nothing() -> None:
    client, olga = signed_in("olga")
    client.post(URL, {"name": "Rules", "category": ["government"], "channel": "email"})
    search = SavedSearch.objects.get(owner=olga)
    before = (search.name, search.query, search.filters, search.channel, search.webhook_url, search.updated_at)
    typed = {
        "name": "Metadata",
        "q": '"export controls"',
        "from": "2024",
        "to": "2023",
        "channel": "webhook",
        "webhook_url": "http://169.254.169.254/latest/meta-data/",
        "active": "on",
    }
    answer = client.post(f"{URL}{search.pk}/", typed)
    assert answer.status_code == 400
    html = answer.content.decode()
    assert re.search(r'id="id_to-error" role="alert">[^<]*lies before', html)
    assert 'value="Metadata"' in html and 'value="&quot;export controls&quot;"' in html
    assert not re.search(r'<input[^>]*value="government"[^>]*checked', html)  # unticked, as sent
    # The form's shapes pass once the dates are right; the service then refuses the address, by its field.
    answer = client.post(f"{URL}{search.pk}/", {**typed, "to": "2025"})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert re.search(r'id="id_webhook_url-error" role="alert">[^<]*link-local', html)
    assert 'value="http://169.254.169.254/latest/meta-data/"' in html and 'value="2025"' in html
    search.refresh_from_db()
    after = (search.name, search.query, search.filters, search.channel, search.webhook_url, search.updated_at)
    assert after == before and not search.webhook_secret


def test_filters_saved_through_the_api_without_a_field_on_the_page_are_kept() -> None:
    client, olga = signed_in("olga")
    api = APIClient()
    api.force_authenticate(user=olga)
    query = "kind=rule_release&category=government&tag=chips&disputed=false&min_reliability=b"
    made = api.post("/api/saved-searches/", {"name": "Launches", "query": query}, format="json")
    assert made.status_code == 201, made.json()
    search = SavedSearch.objects.get(pk=made.json()["id"])
    html = client.get(f"{URL}{search.pk}/").content.decode()
    assert "kind=rule_release&amp;tag=chips&amp;disputed=false&amp;min_reliability=b" in html
    answer = client.post(f"{URL}{search.pk}/", {"name": "Renamed", "category": ["corporate"], "channel": "email"})
    assert answer.status_code == 302
    search.refresh_from_db()
    assert search.filters == {
        "category": ["corporate"],
        "kind": ["rule_release"],
        "tag": "chips",
        "disputed": False,
        "min_reliability": "B",
    }
    assert search.query == "category=corporate&kind=rule_release&tag=chips&disputed=false&min_reliability=b"
    # What the API saves for that query, read back through the API.
    again = api.patch(f"/api/saved-searches/{search.pk}/", {"query": search.query}, format="json").json()
    assert again["filters"] == search.filters


def test_turning_a_search_into_a_webhook_shows_its_first_secret_once(settings: Any) -> None:
    settings.ALERTS_ALLOW_LOOPBACK = True
    client, olga = signed_in("olga")
    client.post(URL, {"name": "Rules", "channel": "email"})
    search = SavedSearch.objects.get(owner=olga)
    typed = {"name": "Rules", "channel": "webhook", "webhook_url": "http://127.0.0.1:9/hook", "active": "on"}
    answer = client.post(f"{URL}{search.pk}/", typed)
    assert answer.status_code == 200
    search.refresh_from_db()
    assert search.webhook_secret.startswith("whsec_") and search.webhook_secret in answer.content.decode()
    # Saving again keeps the secret and shows it nowhere.
    answer = client.post(f"{URL}{search.pk}/", {**typed, "name": "Renamed"})
    assert answer.status_code == 302
    assert SavedSearch.objects.get(pk=search.pk).webhook_secret == search.webhook_secret
    for page in (URL, f"{URL}{search.pk}/"):
        assert search.webhook_secret not in client.get(page).content.decode()


def test_rotating_the_webhook_secret_shows_the_new_one_once(settings: Any) -> None:
    settings.ALERTS_ALLOW_LOOPBACK = True
    client, olga = signed_in("olga")
    client.post(URL, {"name": "Hook", "channel": "webhook", "webhook_url": "http://127.0.0.1:9/hook"})
    search = SavedSearch.objects.get(owner=olga)
    old = search.webhook_secret
    html = client.get(f"{URL}{search.pk}/").content.decode()
    assert f'action="{URL}{search.pk}/secret/"' in html and old not in html
    assert client.get(f"{URL}{search.pk}/secret/").status_code == 405  # a link never rotates
    answer = client.post(f"{URL}{search.pk}/secret/")
    assert answer.status_code == 200
    search.refresh_from_db()
    assert search.webhook_secret.startswith("whsec_") and search.webhook_secret != old
    assert search.webhook_secret in answer.content.decode() and old not in answer.content.decode()
    assert search.webhook_secret not in client.get(f"{URL}{search.pk}/").content.decode()


def test_a_search_without_a_webhook_has_no_secret_to_rotate() -> None:
    client, olga = signed_in("olga")
    search = SavedSearch.objects.create(owner=olga, name="Mail", channel=Channel.EMAIL)
    assert client.post(f"{URL}{search.pk}/secret/").status_code == 404
    assert SavedSearch.objects.get(pk=search.pk).webhook_secret == ""


def test_the_owner_enables_a_disabled_webhook_again() -> None:
    client, olga = signed_in("olga")
    now = timezone.now()
    search = SavedSearch.objects.create(
        owner=olga,
        name="Hook",
        channel=Channel.WEBHOOK,
        webhook_url="https://hooks.example.org/in",
        webhook_secret="whsec_x",
        webhook_failing_since=now,
        webhook_disabled_at=now,
    )
    assert "Enable the webhook again" in client.get(f"{URL}{search.pk}/").content.decode()
    answer = client.post(f"{URL}{search.pk}/enable/")
    assert answer.status_code == 302 and answer["Location"] == f"{URL}{search.pk}/"
    search.refresh_from_db()
    assert search.webhook_disabled_at is None and search.webhook_failing_since is None
    assert "Enable the webhook again" not in client.get(f"{URL}{search.pk}/").content.decode()


def test_another_user_gets_404_from_every_page_of_a_saved_search(settings: Any) -> None:
    settings.ALERTS_ALLOW_LOOPBACK = True
    olga_client, olga = signed_in("olga")
    pete_client, _ = signed_in("pete")
    olga_client.post(URL, {"name": "Hook", "channel": "webhook", "webhook_url": "http://127.0.0.1:9/hook"})
    search = SavedSearch.objects.get(owner=olga)
    before = (search.name, search.webhook_secret, search.updated_at)
    for path in ("", "delete/", "secret/", "enable/"):
        assert pete_client.post(f"{URL}{search.pk}/{path}", {"name": "Taken", "channel": "daily"}).status_code == 404
    assert pete_client.get(f"{URL}{search.pk}/").status_code == 404
    search.refresh_from_db()
    assert (search.name, search.webhook_secret, search.updated_at) == before
    # An id no database integer holds is no one's either.
    assert olga_client.get(f"{URL}{2**64}/").status_code == 404
    assert Client().get(f"{URL}{search.pk}/").status_code == 302  # signed out: to the sign-in page


def test_the_edit_forms_need_the_csrf_token(settings: Any) -> None:
    settings.ALERTS_ALLOW_LOOPBACK = True
    client, olga = signed_in("olga", csrf=True)
    search = SavedSearch.objects.create(
        owner=olga, name="Kept", channel=Channel.WEBHOOK, webhook_url="http://127.0.0.1:9/hook", webhook_secret="s"
    )
    for path in ("", "secret/", "enable/"):
        assert client.post(f"{URL}{search.pk}/{path}", {"name": "Forged", "channel": "email"}).status_code == 403
    search.refresh_from_db()
    assert (search.name, search.webhook_secret) == ("Kept", "s")
    html = client.get(f"{URL}{search.pk}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None
    typed = {"csrfmiddlewaretoken": token.group(1), "name": "Changed", "channel": "email"}
    assert client.post(f"{URL}{search.pk}/", typed).status_code == 302
    assert SavedSearch.objects.get(pk=search.pk).name == "Changed"


def test_the_edit_pages_run_no_inline_script_or_style_under_the_policy() -> None:
    client, olga = signed_in("olga")
    search = SavedSearch.objects.create(owner=olga, name="Hook", channel=Channel.WEBHOOK, webhook_url="https://x.org/")
    for page in (f"{URL}{search.pk}/", f"{URL}{search.pk}/delete/"):
        answer = client.get(page)
        html = answer.content.decode()
        policy = answer["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "<script" not in html and "<style" not in html and " style=" not in html and " on" + "click" not in html
