"""Access: anonymous callers cannot write or see who the analysts are; a viewer cannot curate; the admin enforces
CSRF; a deleted token stops working at once; failed admin logins are throttled; secrets come only from the
environment. Django's test client in-process, and `manage.py` subprocesses for the settings checks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from events.models import StoredEvent
from tests.admin.conftest import form_data
from tests.timeline.factories import register_entities
from timeline import services
from timeline.models import Development

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
ANALYST = "agent-zeta-7"  # distinctive, so any leak of it is easy to find
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fast_and_fresh(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000000/minute", "user": "1000000/minute"},
    }
    cache.clear()


def user(username: str, role: str | None, **extra: Any) -> User:
    created = User.objects.create_user(username=username, password=PASSWORD, email=f"{username}@example.org", **extra)
    if role:
        created.groups.add(Group.objects.get(name=role))
    return created


def token_client(who: User) -> tuple[APIClient, Token]:
    token = Token.objects.create(user=who)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client, token


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    register_entities()
    development = services.development_record(
        title="BIS publishes the October 7, 2022 controls",
        date="2022-10-07",
        category="government",
        kind="rule_release",
        entities=["bis"],
        citations=[{"url": "https://example.org/r", "title": "Rule", "reliability": "A", "credibility": "1"}],
        actor=ANALYST,
        reason="first draft",
    )
    services.development_revise(
        development_id=str(development.pk),
        changes={"summary": "Revised by the analyst."},
        expected_version=development.version,
        actor=ANALYST,
        reason="clarified",
    )
    services.timeline_define(slug="figure", title="Figure", pinned=[development.pk], actor=ANALYST)
    first = StoredEvent.objects.filter(stream=f"development-{development.pk}").order_by("position").first()
    assert first is not None
    return {"development": Development.objects.get(pk=development.pk), "first_position": first.position}


def _events() -> int:
    return StoredEvent.objects.count()


# --- anonymous callers ---------------------------------------------------------------------------------------


def test_anonymous_callers_cannot_write_anything(world: dict[str, Any]) -> None:
    pk = world["development"].pk
    before = _events()
    client = APIClient()
    body = {"title": "Anonymous", "date": "2020", "category": "government", "kind": "rule_release"}
    attempts = [
        client.post("/api/developments/", body, format="json"),
        client.put("/api/developments/", body, format="json"),
        client.patch(f"/api/developments/{pk}/", {"title": "x", "expected_version": 2}, format="json"),
        client.put(f"/api/developments/{pk}/", body, format="json"),
        client.delete(f"/api/developments/{pk}/?reason=gone"),
        client.post(f"/api/developments/{pk}/citations/", {"url": "https://e.org", "title": "t"}, format="json"),
        client.post("/api/timelines/", {"slug": "x"}, format="json"),
        client.delete("/api/timelines/figure/"),
        client.post("/api/changes/", {}, format="json"),
    ]
    for response in attempts:
        assert response.status_code in (401, 403, 405), (response.request, response.status_code)
    assert [r.status_code for r in attempts[:6]] == [401, 401, 401, 401, 401, 401]
    assert attempts[0]["WWW-Authenticate"].startswith("Token")
    assert _events() == before


def test_anonymous_callers_never_see_an_analysts_identity(world: dict[str, Any]) -> None:
    pk = world["development"].pk
    paths = [
        "/api/developments/",
        "/api/developments/?format=csv",
        "/api/developments/?format=ics",
        "/api/developments/?format=atom",
        "/api/developments/?format=timelinejs",
        f"/api/developments/{pk}/",
        f"/api/developments/{pk}/?as_of={world['first_position']}",
        f"/api/developments/{pk}/history/",
        "/api/changes/?after=0&limit=1000",
        "/api/feed/",
        "/api/timelines/",
        "/api/timelines/figure/",
        "/api/timelines/figure/figure.svg",
        "/timelines/",
        "/timelines/figure/",
        f"/developments/{pk}/",
    ]
    client = Client()
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert ANALYST not in response.content.decode(), f"{path} shows the analyst to an anonymous caller"
    # The same answers do name the analyst to an analyst, so the check above can fail.
    analyst, _ = token_client(user("ada", "analyst"))
    assert ANALYST in analyst.get(f"/api/developments/{pk}/history/").content.decode()
    assert ANALYST in analyst.get("/api/changes/?after=0").content.decode()


def test_a_viewer_token_reads_but_cannot_write(world: dict[str, Any]) -> None:
    viewer, _ = token_client(user("vic", "viewer"))
    pk = world["development"].pk
    before = _events()
    assert viewer.get("/api/developments/").status_code == 200
    assert viewer.post("/api/developments/", {"title": "x"}, format="json").status_code == 403
    assert (
        viewer.patch(f"/api/developments/{pk}/", {"title": "x", "expected_version": 2}, format="json").status_code
        == 403
    )
    assert viewer.delete(f"/api/developments/{pk}/?reason=x").status_code == 403
    assert ANALYST not in viewer.get(f"/api/developments/{pk}/history/").content.decode()
    assert _events() == before


def test_staff_status_without_a_role_cannot_write_or_see_identities(world: dict[str, Any]) -> None:
    # is_staff only opens the admin's door; curating needs the analyst or editor role, there and here.
    staff, _ = token_client(user("sam", None, is_staff=True))
    pk = world["development"].pk
    before = _events()
    assert staff.post("/api/developments/", {"title": "x"}, format="json").status_code == 403
    assert staff.delete(f"/api/developments/{pk}/?reason=x").status_code == 403
    assert ANALYST not in staff.get(f"/api/developments/{pk}/history/").content.decode()
    assert _events() == before


# --- the admin -------------------------------------------------------------------------------------------------


def test_a_viewer_cannot_curate_in_the_admin(world: dict[str, Any]) -> None:
    development = world["development"]
    viewer = Client()
    viewer.force_login(user("vic", "viewer", is_staff=True))
    analyst = Client()
    analyst.force_login(user("ada", "analyst", is_staff=True))
    before = _events()
    change = reverse("admin:timeline_development_change", args=[development.pk])
    data = form_data(analyst.get(change), "development_form")
    assert viewer.get(change).status_code == 200  # may read
    assert viewer.post(change, {**data, "title": "Hijacked", "reason": "x"}).status_code == 403
    assert viewer.get(reverse("admin:timeline_development_add")).status_code == 403
    retract = reverse("admin:timeline_development_retract", args=[development.pk])
    assert viewer.post(retract, {"reason": "x", "token": data.get("token", "")}).status_code == 403
    assert _events() == before and Development.objects.get(pk=development.pk).title == development.title


def test_the_admin_refuses_a_post_without_the_csrf_token(world: dict[str, Any]) -> None:
    development = world["development"]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user("ada", "analyst", is_staff=True))
    retract = reverse("admin:timeline_development_retract", args=[development.pk])
    data = {k: v for k, v in form_data(browser.get(retract)).items() if k != "csrfmiddlewaretoken"}
    before = _events()

    forged = browser.post(retract, {**data, "reason": "forged from another site"})
    assert forged.status_code == 403 and b"CSRF" in forged.content
    wrong = browser.post(retract, {**data, "reason": "forged", "csrfmiddlewaretoken": "x" * 64})
    assert wrong.status_code == 403
    assert _events() == before

    token = browser.cookies["csrftoken"].value
    genuine = browser.post(retract, {**data, "reason": "withdrawn by BIS", "csrfmiddlewaretoken": token})
    assert genuine.status_code == 302  # the same form with its token goes through, so the 403s were CSRF's
    assert _events() == before + 1


def test_the_admin_login_form_needs_its_csrf_token_too(world: dict[str, Any]) -> None:
    user("ada", "analyst", is_staff=True)
    browser = Client(enforce_csrf_checks=True)
    refused = browser.post("/admin/login/", {"username": "ada", "password": PASSWORD})
    assert refused.status_code == 403 and "_auth_user_id" not in browser.session


# --- tokens --------------------------------------------------------------------------------------------------


def test_a_deleted_token_is_refused_at_once(world: dict[str, Any]) -> None:
    client, token = token_client(user("ada", "analyst"))
    body = {"title": "SMIC ships 5nm", "date": "2025", "category": "technology", "kind": "fab_milestone"}
    assert client.post("/api/developments/", body, format="json").status_code == 201
    before = _events()
    token.delete()
    refused = client.post("/api/developments/", {**body, "title": "After revocation"}, format="json")
    assert refused.status_code == 401 and "Invalid token" in refused.json()["detail"]
    assert _events() == before
    # Reading with the revoked token is refused as well, not silently treated as anonymous.
    assert client.get("/api/developments/").status_code == 401


def test_a_user_made_inactive_loses_token_access(world: dict[str, Any]) -> None:
    ada = user("ada", "analyst")
    client, _ = token_client(ada)
    User.objects.filter(pk=ada.pk).update(is_active=False)
    body = {"title": "x", "date": "2025", "category": "technology", "kind": "fab_milestone"}
    assert client.post("/api/developments/", body, format="json").status_code == 401


# --- login throttling ------------------------------------------------------------------------------------------


def test_failed_admin_logins_are_throttled_per_username(world: dict[str, Any], settings: Any) -> None:
    settings.LOGIN_THROTTLE_USER_FAILURES = 5
    settings.LOGIN_THROTTLE_ADDRESS_FAILURES = 100
    user("ada", "analyst", is_staff=True)
    guesser = Client()
    for attempt in range(5):
        response = guesser.post("/admin/login/", {"username": "ada", "password": f"guess-{attempt}"})
        assert response.status_code == 200  # the form again, with its error
    blocked = guesser.post("/admin/login/", {"username": "ADA", "password": PASSWORD})
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    assert "_auth_user_id" not in guesser.session  # even the right password is refused while blocked
    assert "Too many failed logins" in blocked.content.decode()

    user("bob", "analyst", is_staff=True)
    other = Client()
    assert other.post("/admin/login/", {"username": "bob", "password": PASSWORD}).status_code == 302

    cache.clear()  # the window has passed
    assert guesser.post("/admin/login/", {"username": "ada", "password": PASSWORD}).status_code == 302


def test_failed_admin_logins_are_throttled_per_address(world: dict[str, Any], settings: Any) -> None:
    settings.LOGIN_THROTTLE_USER_FAILURES = 100
    settings.LOGIN_THROTTLE_ADDRESS_FAILURES = 4
    for number in range(5):
        user(f"user{number}", "analyst", is_staff=True)
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    for number in range(4):
        assert guesser.post("/admin/login/", {"username": f"user{number}", "password": "x"}).status_code == 200
    assert guesser.post("/admin/login/", {"username": "user4", "password": PASSWORD}).status_code == 429
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert elsewhere.post("/admin/login/", {"username": "user4", "password": PASSWORD}).status_code == 302


def test_another_spelling_of_a_username_counts_against_the_same_account(world: dict[str, Any], settings: Any) -> None:
    settings.LOGIN_THROTTLE_USER_FAILURES = 5
    settings.LOGIN_THROTTLE_ADDRESS_FAILURES = 100
    user("analyst2", "analyst", is_staff=True)
    fullwidth = "ａｎａｌｙｓｔ２"
    # Django's login form normalises the name (NFKC): the fullwidth spelling logs into the same account.
    assert Client().post("/admin/login/", {"username": fullwidth, "password": PASSWORD}).status_code == 302
    guesser = Client()
    for attempt in range(5):
        name = ("analyst2", fullwidth, " analyst2 ", "ANALYST2", fullwidth)[attempt]
        assert guesser.post("/admin/login/", {"username": name, "password": f"guess-{attempt}"}).status_code == 200
    for name in (fullwidth, "analyst2", "ａｎａｌｙｓｔ2"):
        assert guesser.post("/admin/login/", {"username": name, "password": "another guess"}).status_code == 429


def test_behind_a_trusted_proxy_each_client_is_counted_not_the_proxy(world: dict[str, Any], settings: Any) -> None:
    settings.TRUSTED_PROXIES = 1
    settings.LOGIN_THROTTLE_USER_FAILURES = 100
    settings.LOGIN_THROTTLE_ADDRESS_FAILURES = 4
    user("ada", "analyst", is_staff=True)
    proxy = "172.18.0.5"  # Caddy: REMOTE_ADDR of every request; it writes the client's address in the header
    guesser = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
    for _ in range(4):
        assert guesser.post("/admin/login/", {"username": "ada", "password": "guess"}).status_code == 200
    assert guesser.post("/admin/login/", {"username": "ada", "password": PASSWORD}).status_code == 429
    # A spoofed header in front of the proxy's entry changes nothing: only the entry the proxy wrote counts.
    spoofing = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.9")
    assert spoofing.post("/admin/login/", {"username": "ada", "password": PASSWORD}).status_code == 429
    administrator = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert administrator.post("/admin/login/", {"username": "ada", "password": PASSWORD}).status_code == 302


def test_without_a_trusted_proxy_a_forged_forwarded_for_gives_no_fresh_count(
    world: dict[str, Any], settings: Any
) -> None:
    assert settings.TRUSTED_PROXIES == 0  # the default
    settings.LOGIN_THROTTLE_USER_FAILURES = 100
    settings.LOGIN_THROTTLE_ADDRESS_FAILURES = 4
    user("ada", "analyst", is_staff=True)
    for number in range(4):
        forged = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
        assert forged.post("/admin/login/", {"username": "ada", "password": "guess"}).status_code == 200
    forged = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert forged.post("/admin/login/", {"username": "ada", "password": PASSWORD}).status_code == 429


def test_a_flood_of_failures_on_unknown_names_does_not_lock_a_real_account_out_of_the_address(
    world: dict[str, Any], settings: Any
) -> None:
    settings.LOGIN_THROTTLE_USER_FAILURES = 5
    settings.LOGIN_THROTTLE_ADDRESS_FAILURES = 4
    user("ada", "analyst", is_staff=True)
    shared = "172.18.0.5"  # one address for everyone: a proxy not declared trusted, or an office
    attacker = Client(REMOTE_ADDR=shared)
    for number in range(40):
        response = attacker.post("/admin/login/", {"username": f"nobody{number}", "password": "x"})
        assert response.status_code == 200, number
    administrator = Client(REMOTE_ADDR=shared)
    assert administrator.post("/admin/login/", {"username": "ada", "password": PASSWORD}).status_code == 302


def test_a_successful_login_clears_the_usernames_failures(world: dict[str, Any], settings: Any) -> None:
    settings.LOGIN_THROTTLE_USER_FAILURES = 3
    user("ada", "analyst", is_staff=True)
    client = Client()
    for _ in range(2):
        client.post("/admin/login/", {"username": "ada", "password": "typo"})
    assert client.post("/admin/login/", {"username": "ada", "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(2):
        assert client.post("/admin/login/", {"username": "ada", "password": "typo"}).status_code == 200
    assert client.post("/admin/login/", {"username": "ada", "password": PASSWORD}).status_code == 302


def test_with_the_shared_cache_down_logins_go_on_unthrottled_and_the_log_says_so(
    world: dict[str, Any], settings: Any, unreachable_cache: None, caplog: pytest.LogCaptureFixture
) -> None:
    settings.LOGIN_THROTTLE_USER_FAILURES = 1
    user("ada", "analyst", is_staff=True)
    client = Client()
    for _ in range(3):
        assert client.post("/admin/login/", {"username": "ada", "password": "typo"}).status_code == 200
    assert client.post("/admin/login/", {"username": "ada", "password": PASSWORD}).status_code == 302
    assert "admin login throttle skipped: the cache is unavailable" in caplog.text


# --- secrets -------------------------------------------------------------------------------------------------


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**base, "DATABASE_URL": "sqlite:///:memory:", "ALLOWED_HOSTS": "timeline.example", **env},
        timeout=60,
        check=False,
    )


def test_with_debug_off_and_no_secret_key_the_service_refuses_to_start() -> None:
    for env in ({"DEBUG": "0"}, {"DEBUG": "false", "SECRET_KEY": "   "}):
        result = _manage("check", **env)
        lines = result.stderr.strip().splitlines()
        assert result.returncode != 0, result
        assert len(lines) == 1 and "SECRET_KEY" in lines[0], result.stderr


def test_the_secret_key_and_other_secrets_come_from_the_environment() -> None:
    script = (
        "from django.conf import settings as s; "
        "print(s.SECRET_KEY); print(s.DEBUG); print(s.EMAIL_HOST_PASSWORD); print(s.DATABASES['default']['PASSWORD'])"
    )
    secret = "env-only-" + "k" * 50
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        script,
        DEBUG="0",
        SECRET_KEY=secret,
        EMAIL_URL="smtp://mailer:mail-pass-from-env@smtp.example:587",
        DATABASE_URL="postgres://app:db-pass-from-env@db.example:5432/timeline",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [secret, "False", "mail-pass-from-env", "db-pass-from-env"]
    # The settings file holds no secret of its own: the only key in it is the embedded default's, used with
    # DEBUG on, and it says so.
    source = (ROOT / "config" / "settings.py").read_text()
    assert "embedded-default-insecure-key" in source
    embedded = _manage(
        "shell", "--no-imports", "-c", "from django.conf import settings as s; print(s.SECRET_KEY)", DEBUG="1"
    )
    assert embedded.stdout.strip().startswith("embedded-default-insecure-key")
