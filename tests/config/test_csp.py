"""The Content-Security-Policy and Permissions-Policy headers (config/settings.py) and the report endpoint
(config/csp_reports.py), through Django's test client. No server is started; the browser side is in
tests/security/test_csp_browser.py.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.test import Client

from timeline import selectors

PAGES = ["/", "/timelines/", "/admin/login/", "/api/docs/", "/digests/subscribe/"]
REPORT = {
    "csp-report": {
        "document-uri": "https://timeline.example/timelines/deepseek-development/",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "blocked-uri": "inline",
        "source-file": "https://timeline.example/timelines/deepseek-development/",
        "line-number": 12,
        "script-sample": "alert(1)",
        "disposition": "enforce",
    }
}


def policy(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


@pytest.fixture(autouse=True)
def fresh_counts() -> None:
    cache.clear()


def post_report(client: Client, body: Any, *, content_type: str = "application/csp-report", **extra: Any) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.generic("POST", "/csp-report/", raw, content_type=content_type, **extra)


def reports_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "config.csp_reports"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_every_kind_of_page_carries_a_policy_that_allows_no_inline_script(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    directives = policy(response)
    script = directives["script-src"]
    # Files from the site, and a nonce only where the page has an inline block that uses it.
    assert [v for v in script if not v.startswith("'nonce-")] == ["'self'", "'report-sample'"]
    assert "'unsafe-inline'" not in directives["style-src"]
    assert directives["default-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["report-uri"] == ["/csp-report/"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/docs/", "/digests/subscribe/"])
def test_each_inline_block_carries_the_nonce_of_its_response(client: Client, path: str) -> None:
    first, second = client.get(path), client.get(path)
    nonce = next(v for v in policy(first)["script-src"] if v.startswith("'nonce-"))[len("'nonce-") : -1]
    assert nonce not in second["Content-Security-Policy"]  # a new one every time
    html = first.content.decode()
    inline = re.findall(r"<(script|style)\b([^>]*)>", html)
    inline = [(tag, attrs) for tag, attrs in inline if "src=" not in attrs]
    assert inline, "the page has inline blocks to check"
    assert all(f'nonce="{nonce}"' in attrs for _, attrs in inline), inline


@pytest.mark.django_db
def test_the_database_unavailable_page_styles_itself_with_the_nonce(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down() -> Any:
        raise OperationalError("connection refused")

    monkeypatch.setattr(selectors, "named_timelines", down)
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 503
    nonce = next(v for v in policy(response)["style-src"] if v.startswith("'nonce-"))[len("'nonce-") : -1]
    assert f'<style nonce="{nonce}">' in response.content.decode()


@pytest.mark.django_db
def test_every_page_turns_off_the_browser_features_it_never_uses(client: Client) -> None:
    header = client.get("/")["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "serial", "display-capture"):
        assert f"{feature}=()" in header


def test_a_report_is_logged_and_answered_204_without_a_session_or_csrf_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="config.csp_reports")
    response = post_report(Client(enforce_csrf_checks=True), REPORT)
    assert response.status_code == 204
    [line] = reports_logged(caplog)
    assert "'script-src-elem'" in line and "'inline'" in line and "alert(1)" in line
    assert "/timelines/deepseek-development/" in line
    [record] = [r for r in caplog.records if r.name == "config.csp_reports"]
    assert record.csp_violation["directive"] == "script-src-elem"  # a field of its own in JSON logs


def test_a_reporting_api_batch_is_logged_one_line_per_violation(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="config.csp_reports")
    batch = [
        {
            "type": "csp-violation",
            "url": "https://timeline.example/",
            "body": {"documentURL": "https://timeline.example/", "effectiveDirective": d, "blockedURL": "inline"},
        }
        for d in ("script-src-elem", "style-src-attr")
    ] + [{"type": "deprecation", "body": {"id": "x"}}]
    response = post_report(Client(), batch, content_type="application/reports+json")
    assert response.status_code == 204
    logged = reports_logged(caplog)
    assert len(logged) == 2
    assert "'script-src-elem'" in logged[0] and "'style-src-attr'" in logged[1]


def test_a_body_over_the_limit_is_refused_with_413_and_not_logged(
    caplog: pytest.LogCaptureFixture, settings: Any
) -> None:
    caplog.set_level(logging.WARNING, logger="config.csp_reports")
    big = {"csp-report": {**REPORT["csp-report"], "script-sample": "x" * settings.CSP_REPORT_MAX_BYTES}}
    assert post_report(Client(), big).status_code == 413
    assert reports_logged(caplog) == []


def test_past_the_limit_a_client_s_reports_answer_429_and_another_client_is_still_heard(
    caplog: pytest.LogCaptureFixture, settings: Any
) -> None:
    caplog.set_level(logging.WARNING, logger="config.csp_reports")
    settings.CSP_REPORTS_PER_CLIENT_PER_MINUTE = 2
    noisy = Client(REMOTE_ADDR="203.0.113.7")
    answers = [post_report(noisy, REPORT).status_code for _ in range(4)]
    assert answers == [204, 204, 429, 429]
    assert post_report(Client(REMOTE_ADDR="198.51.100.9"), REPORT).status_code == 204
    logged = reports_logged(caplog)
    assert len(logged) == 3
    assert sum("client 203.0.113.7" in line for line in logged) == 2


def test_a_field_with_a_line_break_stays_on_one_line_of_the_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="config.csp_reports")
    forged = {"csp-report": {**REPORT["csp-report"], "blocked-uri": "inline\nCRITICAL fake entry"}}
    assert post_report(Client(), forged).status_code == 204
    [line] = reports_logged(caplog)
    assert "\n" not in line and "\\nCRITICAL fake entry" in line


@pytest.mark.parametrize(
    "body", [b"not json", b"{}", b'{"csp-report": "text"}', b'[{"type": "deprecation", "body": {}}]']
)
def test_a_body_that_is_not_a_report_is_a_400_that_says_so(body: bytes, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="config.csp_reports")
    response = post_report(Client(), body)
    assert response.status_code == 400
    assert response.content.startswith(b"Not a CSP report: ")
    assert reports_logged(caplog) == []


def test_the_endpoint_takes_only_posts(client: Client) -> None:
    assert client.get("/csp-report/").status_code == 405
