"""The pages live with their Content-Security-Policy in headless Chromium, and the policy stops injected script.

Each page is watched three ways for violations: a `securitypolicyviolation` listener put into every document
before its own code runs (through the DevTools protocol, which the policy does not govern), Chromium's console
(it logs each refusal), and the report endpoint's log (config/csp_reports.py, where the browser posts each
violation). The admin (login, the review queue, a candidate's page and its promote form, a development's change
form and history), the public pages (home, the timeline with a filter and its figure, a development, the digest
subscribe page) and Swagger UI (the operations listed from the schema, one request tried out) must show none.
A stored title rendered unescaped through a test-only page (tests/security/csp_urls.py) must run nothing, and be
reported and logged.

Needs headless Chromium (tests/browser.py: the `browser` fixture skips, saying why, when it is missing).
Django's live server runs on loopback.
"""

from __future__ import annotations

import time
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from tests.admin.conftest import PASSWORD, make_candidate, make_user
from tests.timeline.factories import record, register_entities
from timeline.models import Development

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (requirements-dev.txt)")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

LISTENER = """
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.cspViolations.push(e.effectiveDirective + ' blocked ' + e.blockedURI + ' ' + (e.sample || ''));
});
"""
REPORTS_LOGGER = "config.csp_reports"
# How long a report posted by the browser may take to reach the endpoint's log.
REPORT_WAIT_SECONDS = 5.0


@pytest.fixture
def watched(browser: Any) -> Any:
    """The browser, with the violation listener in every document it opens."""
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": LISTENER})
    browser.implicitly_wait(5)
    return browser


def violations(driver: Any) -> list[str]:
    """The violations of the current document and everything Chromium's console said about the policy."""
    seen = [str(v) for v in driver.execute_script("return window.cspViolations || ['listener missing']")]
    console = [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]
    return seen + console


def reports_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == REPORTS_LOGGER]


def assert_clean(driver: Any, caplog: pytest.LogCaptureFixture) -> None:
    assert violations(driver) == []
    time.sleep(0.5)  # a report the browser posted is on its way to the endpoint
    assert reports_logged(caplog) == []


def log_in(driver: Any, base: str, next_path: str) -> None:
    driver.get(f"{base}/admin/login/?next={next_path}")
    driver.find_element(By.NAME, "username").send_keys("ana")
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()


def test_the_admin_review_and_curation_pages_work_with_no_violation(
    live_server: Any, watched: Any, caplog: pytest.LogCaptureFixture, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    register_entities()
    make_user("ana", "analyst")
    title = "Commerce adds 140 Chinese chip firms to the Entity List"
    candidate = make_candidate(title=title)

    log_in(watched, live_server.url, "/admin/sources/candidate/")
    assert violations(watched) == []  # the queue
    watched.find_element(By.LINK_TEXT, title).click()
    assert f"/admin/sources/candidate/{candidate.pk}/change/" in watched.current_url
    form = watched.find_element(By.ID, "promote_form")
    # The select2 autocomplete ran (the admin's own scripts): the suggested entities are chosen in it.
    chosen = watched.find_elements(By.CSS_SELECTOR, "#promote .select2-selection__choice")
    assert len(chosen) == 2
    assert violations(watched) == []
    Select(form.find_element(By.NAME, "promote-citation-reliability")).select_by_value("B")
    Select(form.find_element(By.NAME, "promote-citation-credibility")).select_by_value("2")
    form.find_element(By.NAME, "promote-reason").send_keys("confirmed by the Federal Register")
    form.find_element(By.NAME, "_promote").click()
    assert watched.find_element(By.CSS_SELECTOR, "ul.messagelist li.success").text.startswith("Promoted to")
    assert violations(watched) == []

    development = Development.objects.get(title=title)
    watched.get(f"{live_server.url}/admin/timeline/development/{development.pk}/change/")
    watched.find_element(By.NAME, "title")  # the change form is there
    assert violations(watched) == []
    watched.get(f"{live_server.url}/admin/timeline/development/{development.pk}/history/")
    assert watched.find_elements(By.CSS_SELECTOR, ".history-entry")
    # The curation pages' own style block applied (it carries the nonce): history entries have their border.
    entry = watched.find_element(By.CSS_SELECTOR, ".history-entry")
    assert entry.value_of_css_property("border-left-style") == "solid"
    assert_clean(watched, caplog)


def test_the_public_pages_work_with_no_violation(
    live_server: Any, watched: Any, caplog: pytest.LogCaptureFixture
) -> None:
    call_command("load_deepseek_timeline", stdout=StringIO())
    wait = WebDriverWait(watched, 15)

    watched.get(f"{live_server.url}/")
    assert violations(watched) == []
    watched.get(f"{live_server.url}/timelines/")
    assert violations(watched) == []
    watched.get(f"{live_server.url}/timelines/deepseek-development/")
    assert watched.find_elements(By.CSS_SELECTOR, "svg.timeline-figure [data-marker]")
    assert violations(watched) == []
    watched.find_element(By.CSS_SELECTOR, "input[name='category'][value='government']").click()
    watched.find_element(By.CSS_SELECTOR, "form.filters button[type='submit']").click()
    wait.until(expected_conditions.url_contains("category=government"))
    assert watched.find_elements(By.CSS_SELECTOR, "svg.timeline-figure [data-marker]")
    assert violations(watched) == []
    watched.find_element(By.CSS_SELECTOR, "ol.developments > li h3 a").click()
    wait.until(expected_conditions.url_contains("/developments/"))
    # The stylesheet came from the site (style-src 'self').
    header = watched.find_element(By.CSS_SELECTOR, ".site-header")
    assert header.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"
    assert violations(watched) == []
    # The digest pages style themselves with an inline block that carries the nonce.
    watched.get(f"{live_server.url}/digests/subscribe/")
    assert watched.find_element(By.TAG_NAME, "main").value_of_css_property("max-width") == "640px"
    assert_clean(watched, caplog)


def test_swagger_ui_lists_the_api_and_tries_a_request_with_no_violation(
    live_server: Any, watched: Any, caplog: pytest.LogCaptureFixture
) -> None:
    wait = WebDriverWait(watched, 20)
    watched.get(f"{live_server.url}/api/docs/")
    # The inline start-up script ran (it has the nonce) and fetched the schema (connect-src 'self').
    wait.until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "#operations-timelines-timelines_list"))
    )
    operation = watched.find_element(By.CSS_SELECTOR, "#operations-timelines-timelines_list")
    operation.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
    wait.until(expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, ".try-out__btn"))).click()
    wait.until(expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, ".btn.execute"))).click()
    status = wait.until(
        expected_conditions.presence_of_element_located(
            (By.CSS_SELECTOR, ".live-responses-table tbody .response-col_status")
        )
    )
    assert status.text.strip().startswith("200")
    assert_clean(watched, caplog)


def test_a_stored_payload_rendered_unescaped_runs_nothing_and_is_reported_and_logged(
    live_server: Any, watched: Any, caplog: pytest.LogCaptureFixture, settings: Any
) -> None:
    settings.ROOT_URLCONF = "tests.security.csp_urls"
    payload = (
        "<script>window.pwned = 'inline script';</script>"
        "<img id=probe src=/static/no-such-image.png onerror=\"window.pwned = 'event handler'\">"
        "<style>.site-header { display: none; }</style>"
    )
    development = record(title=f"Export rule {payload}")

    watched.get(f"{live_server.url}/test-only/unescaped/{development.pk}/")
    # The markup went into the page unescaped: the image element is there ...
    assert watched.find_element(By.ID, "probe").tag_name == "img"
    WebDriverWait(watched, 5).until(lambda driver: len(driver.execute_script("return window.cspViolations")) >= 3)
    # ... but neither the script nor the handler ran, and the injected style did not hide the header.
    assert watched.execute_script("return window.pwned === undefined")
    assert watched.find_element(By.CSS_SELECTOR, ".site-header").is_displayed()
    seen = watched.execute_script("return window.cspViolations")
    assert {v.split(" ")[0] for v in seen} >= {"script-src-elem", "script-src-attr", "style-src-elem"}

    deadline = time.monotonic() + REPORT_WAIT_SECONDS
    while time.monotonic() < deadline and len(reports_logged(caplog)) < 3:
        time.sleep(0.1)
    logged = reports_logged(caplog)
    assert len(logged) >= 3, logged
    assert all(f"/test-only/unescaped/{development.pk}/" in line for line in logged)
    assert any("'script-src-elem'" in line and "window.pwned = 'inline script'" in line for line in logged)
    assert any("'script-src-attr'" in line for line in logged)
    assert any("'style-src-elem'" in line for line in logged)
