"""Production settings: `check --deploy` passes with no warnings when configured as the README says, a missing
SECRET_KEY stops the start in one line, static files are served by whitenoise, and the embedded default is as it was.

The production cases run `manage.py` in subprocesses with the environment docker-compose.yml gives the web
service: .env.example's values with SECRET_KEY filled in, plus the compose file's own `environment:` for the app
(with the database and broker pointed at a temporary SQLite file and the filesystem broker, since `check` and
the static-file requests touch neither).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.compose_env import ROOT, app_environment, env_example_values

OUTSIDE = {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE", "LOG_FORMAT", "DEBUG", "SECRET_KEY"}


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in OUTSIDE}
    passwords = {name: "unused" for name in ("POSTGRES_PASSWORD", "POSTGRES_OWNER_PASSWORD", "POSTGRES_APP_PASSWORD")}
    variables = env_example_values() | {"SECRET_KEY": secrets.token_urlsafe(50)} | passwords
    env |= app_environment("web", variables)
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "MIGRATE_DATABASE_URL": "",  # SQLite has one role
        "CELERY_BROKER_URL": "filesystem://",
        "TIMELINE_VAR_DIR": str(tmp_path),
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    return env | extra


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_readme_configuration_is_production_and_passes_check_deploy_with_no_warnings(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    assert env["DEBUG"] == "0"
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_does_fail_when_a_production_setting_is_loosened(tmp_path: Path) -> None:
    # the test above would pass vacuously if check --deploy could not see these settings
    env = production_env(tmp_path, SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0")
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    for code in ("security.W008", "security.W012", "security.W016"):
        assert code in result.stderr


def test_without_secret_key_production_refuses_to_start_in_one_line(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    for empty in (None, "", "  "):
        if empty is None:
            env.pop("SECRET_KEY")
        else:
            env["SECRET_KEY"] = empty
        result = manage("check", env=env)
        assert result.returncode == 1
        assert result.stderr.splitlines() == [
            "config.settings: SECRET_KEY is not set; with DEBUG off it is required (see .env.example)"
        ]


PROBE = """
import json, re
from django.test import Client
c = Client(HTTP_HOST="localhost")
out = {}
plain = c.get("/admin/login/")
out["http_status"], out["http_location"] = plain.status_code, plain.get("Location")
page = c.get("/admin/login/", HTTP_X_FORWARDED_PROTO="https")
out["https_status"], out["hsts"] = page.status_code, page.get("Strict-Transport-Security")
css = re.search(r'href="(/static/admin/css/base\\.[0-9a-f]{12}\\.css)"', page.content.decode()).group(1)
static = c.get(css, HTTP_X_FORWARDED_PROTO="https", HTTP_ACCEPT_ENCODING="gzip")
out["css"], out["static_status"] = css, static.status_code
out["static_encoding"], out["static_cache"] = static.get("Content-Encoding"), static.get("Cache-Control")
out["cookie_secure"] = bool(page.cookies["csrftoken"]["secure"])
print(json.dumps(out))
"""


@pytest.mark.slow
def test_a_cache_url_that_is_not_redis_refuses_to_start_in_one_line(tmp_path: Path) -> None:
    result = manage("check", env=production_env(tmp_path, CACHE_URL="memcached://cache:11211"))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "config.settings: CACHE_URL must be a redis://, rediss:// or unix:// URL (or unset for local memory)"
    ]


def test_production_serves_hashed_compressed_static_files_through_whitenoise_over_https_only(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    collected = manage("collectstatic", "--no-input", env=env)
    assert collected.returncode == 0, collected.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()
    result = manage("shell", "--no-imports", "-c", PROBE, env=env)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert (out["http_status"], out["http_location"]) == (301, "https://localhost/admin/login/")
    assert out["https_status"] == 200
    assert out["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert out["static_status"] == 200 and out["static_encoding"] == "gzip"
    assert "immutable" in out["static_cache"]
    assert out["cookie_secure"] is True


def test_the_embedded_default_keeps_debug_plain_static_files_and_no_https_requirements() -> None:
    # The test run loads settings like `dev.py run`: no DEBUG, SECRET_KEY or security variables in the environment.
    assert "DEBUG" not in os.environ and "SECRET_KEY" not in os.environ
    assert settings.SECRET_KEY.startswith("embedded-default-insecure-key")
    assert settings.STORAGES["staticfiles"]["BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    assert settings.SECURE_SSL_REDIRECT is False
    assert settings.SESSION_COOKIE_SECURE is False and settings.CSRF_COOKIE_SECURE is False
    assert settings.SECURE_HSTS_SECONDS == 0
    assert settings.SECURE_PROXY_SSL_HEADER is None
    assert "config.logs.RequestLogMiddleware" not in settings.MIDDLEWARE
