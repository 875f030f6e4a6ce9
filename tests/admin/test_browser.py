"""End to end in headless Chromium: an analyst logs in, promotes a candidate through the prefilled form, and then
finds the development in the API.

Needs headless Chromium (tests/browser.py: the `browser` fixture skips, saying why, when it is missing).
Django's live server runs on loopback.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.admin.conftest import PASSWORD, make_candidate, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_an_analyst_promotes_a_candidate_and_finds_it_in_the_api(live_server: Any, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from tests.timeline.factories import register_entities

    browser.implicitly_wait(5)
    register_entities()
    make_user("ana", "analyst")
    candidate = make_candidate(title="Commerce adds 140 Chinese chip firms to the Entity List")

    browser.get(f"{live_server.url}/admin/login/?next=/admin/sources/candidate/")
    browser.find_element(By.NAME, "username").send_keys("ana")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()

    # The queue lists the candidate; the analyst opens it.
    browser.find_element(By.LINK_TEXT, "Commerce adds 140 Chinese chip firms to the Entity List").click()
    assert f"/admin/sources/candidate/{candidate.pk}/change/" in browser.current_url
    form = browser.find_element(By.ID, "promote_form")
    # The form came prefilled from the suggestion, the entities through the select2 autocomplete widget.
    assert form.find_element(By.NAME, "promote-date").get_attribute("value") == "2024-12-02"
    assert Select(form.find_element(By.NAME, "promote-kind")).first_selected_option.get_attribute("value") == (
        "rule_release"
    )
    chosen = browser.find_elements(By.CSS_SELECTOR, "#promote .select2-selection__choice")
    assert sorted(c.get_attribute("title") or c.text for c in chosen) == ["Bureau of Industry and Security", "SMIC"]
    # The analyst shortens the title and grades the source, then promotes.
    title = form.find_element(By.NAME, "promote-title")
    title.clear()
    title.send_keys("BIS adds 140 Chinese chip firms to the Entity List")
    Select(form.find_element(By.NAME, "promote-citation-reliability")).select_by_value("B")
    Select(form.find_element(By.NAME, "promote-citation-credibility")).select_by_value("2")
    form.find_element(By.NAME, "promote-reason").send_keys("confirmed by the Federal Register")
    form.find_element(By.NAME, "_promote").click()

    message = browser.find_element(By.CSS_SELECTOR, "ul.messagelist li.success").text
    assert message.startswith("Promoted to BIS adds 140 Chinese chip firms")

    browser.get(f"{live_server.url}/api/developments/?q=140+Chinese+chip+firms&format=json")
    answer = json.loads(browser.find_element(By.TAG_NAME, "body").text)
    [found] = answer["results"]
    assert found["title"] == "BIS adds 140 Chinese chip firms to the Entity List"
    assert (found["date"], found["category"], found["kind"]) == ("2024-12-02", "government", "rule_release")
    assert sorted(e["id"] if isinstance(e, dict) else e for e in found["entities"]) == ["bis", "smic"]
    [cited] = found["citations"]
    assert (cited["url"], cited["grading"]) == ("https://news.example.org/entity-list-140", "B2")


def test_the_queue_gives_each_title_room_to_be_read_at_1400_px(live_server: Any, browser: Any) -> None:
    """The browser fixture's window is 1400 px wide, with the admin's navigation and the queue's filters open."""
    from selenium.webdriver.common.by import By

    browser.implicitly_wait(5)
    make_user("ana", "analyst")
    sample = "Commerce adds 140 Chinese chip firms to the Entity List"
    long = f"{sample}, including suppliers of SMIC and Huawei Technologies"
    many = [{"name": name, "entity_id": ""} for name in ("BIS", "SMIC", "Huawei Technologies", "Naura", "AMEC")]
    make_candidate(title=sample, entities=many)
    make_candidate(title=long, link="https://news.example.org/long", entities=many)

    browser.get(f"{live_server.url}/admin/login/?next=/admin/sources/candidate/")
    browser.find_element(By.NAME, "username").send_keys("ana")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()

    def lines(title: str) -> int:
        # An inline link has one client rectangle per line it is laid out on.
        link = browser.find_element(By.LINK_TEXT, title)
        return int(browser.execute_script("return arguments[0].getClientRects().length", link))

    cell = browser.find_element(By.CSS_SELECTOR, "#result_list .field-title")
    assert browser.execute_script("return arguments[0].getBoundingClientRect().width", cell) >= 280
    assert lines(sample) <= 2
    assert lines(long) <= 3
