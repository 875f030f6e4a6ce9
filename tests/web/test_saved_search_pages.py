"""The saved-search pages: a signed-in user lists, creates and deletes their own saved searches through
CSRF-protected forms; a refused form keeps what was typed. Django's test client; no servers (webhook URLs are
only checked, never called)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

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
    assert pete_client.get(f"{URL}{olgas.pk}/delete/").status_code == 405  # a link never deletes
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
