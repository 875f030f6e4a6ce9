"""The Figure 1 page in headless Chromium: it loads with no console errors, draws one marker per development
with labels and legend entries that stay on the canvas, inside the boxes layout reserved and apart as the
browser lays the text out, a filter changes what is shown, and it fits a phone. Screenshots are saved under
var/artifacts/ (the paths are printed).

Needs /usr/bin/chromium and /usr/bin/chromedriver (Debian: apt-get install -y chromium chromium-driver) and
selenium; skips with that reason when they are missing. The page is served by pytest-django's live_server.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from timeline.models import Development, NamedTimeline

pytestmark = pytest.mark.slow

FIGURE_1 = "deepseek-development"

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (requirements-dev.txt)")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

# Each label's text boxes as Chromium measured them, in the SVG's own units.
LABEL_BOXES_JS = """
return Array.from(document.querySelectorAll('svg.timeline-figure g.label')).map(function (group) {
  var boxes = Array.from(group.querySelectorAll('text')).map(function (t) { return t.getBBox(); });
  return {
    id: group.parentNode.getAttribute('data-development-id'),
    x0: Math.min.apply(null, boxes.map(function (b) { return b.x; })),
    y0: Math.min.apply(null, boxes.map(function (b) { return b.y; })),
    x1: Math.max.apply(null, boxes.map(function (b) { return b.x + b.width; })),
    y1: Math.max.apply(null, boxes.map(function (b) { return b.y + b.height; })),
    reserved: group.getAttribute('data-box').split(' ').map(Number),
  };
});
"""
# Each legend entry (its swatch and the text after it) as Chromium drew it.
LEGEND_BOXES_JS = """
var entries = [], parts = [];
Array.from(document.querySelector('svg.timeline-figure g.legend').children).forEach(function (element) {
  parts.push(element.getBBox());
  if (element.tagName === 'text') {
    entries.push({
      text: element.textContent,
      x0: Math.min.apply(null, parts.map(function (b) { return b.x; })),
      y0: Math.min.apply(null, parts.map(function (b) { return b.y; })),
      x1: Math.max.apply(null, parts.map(function (b) { return b.x + b.width; })),
      y1: Math.max.apply(null, parts.map(function (b) { return b.y + b.height; })),
    });
    parts = [];
  }
});
return entries;
"""


@pytest.fixture
def figure_1(transactional_db: None) -> NamedTimeline:
    call_command("load_deepseek_timeline", stdout=StringIO())
    return NamedTimeline.objects.get(slug=FIGURE_1)


def current(named: NamedTimeline, category: str = "") -> list[Development]:
    rows = Development.objects.filter(pk__in=named.pinned, status="current")
    return list(rows.filter(category=category) if category else rows)


def screenshot(driver: Any, name: str, capsys: pytest.CaptureFixture[str], *, width: int = 1400) -> Path:
    folder = Path(settings.BASE_DIR) / "var" / "artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(width, min(height + 120, 8000))
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))
    with capsys.disabled():
        print(f"\nscreenshot: {path}")
    return path


def severe_messages(driver: Any) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def open_page(driver: Any, url: str) -> None:
    driver.get(url)
    WebDriverWait(driver, 15).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "main h1")))


def test_figure_1_loads_cleanly_with_one_marker_per_development_and_no_overlapping_labels(
    live_server: Any, figure_1: NamedTimeline, browser: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    open_page(browser, f"{live_server.url}/timelines/{FIGURE_1}/")
    expected = current(figure_1)
    markers = browser.find_elements(By.CSS_SELECTOR, "svg.timeline-figure [data-marker]")
    assert sorted(m.get_attribute("data-marker") for m in markers) == sorted(str(d.pk) for d in expected)
    assert len(browser.find_elements(By.CSS_SELECTOR, "ol.developments > li")) == len(expected)
    # the stylesheet arrived (a missing one would also be a console error)
    header = browser.find_element(By.CSS_SELECTOR, ".site-header")
    assert header.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"
    # no two labels overlap as Chromium actually set the text
    boxes = browser.execute_script(LABEL_BOXES_JS)
    assert len(boxes) == len(expected)
    view_width = float(browser.find_element(By.CSS_SELECTOR, "svg.timeline-figure").get_attribute("width"))
    for a in boxes:  # the text fits the box layout reserved for it
        x0, y0, x1, y1 = a["reserved"]
        assert x0 - 0.5 <= a["x0"] and a["x1"] <= x1 + 0.5 and y0 - 0.5 <= a["y0"] and a["y1"] <= y1 + 0.5, a
    legend = browser.execute_script(LEGEND_BOXES_JS)
    assert [entry["text"] for entry in legend][-2:] == ["Month, quarter or year", "Disputed"]
    boxes = [*boxes, *legend]
    for index, a in enumerate(boxes):
        assert a["x0"] >= 0 and a["x1"] <= view_width, a
        for b in boxes[index + 1 :]:
            overlap = a["x0"] < b["x1"] and b["x0"] < a["x1"] and a["y0"] < b["y1"] and b["y0"] < a["y1"]
            assert not overlap, (a, b)
    screenshot(browser, "timeline-deepseek-development", capsys)
    assert severe_messages(browser) == []


def test_a_filter_changes_what_is_shown(
    live_server: Any, figure_1: NamedTimeline, browser: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    open_page(browser, f"{live_server.url}/timelines/{FIGURE_1}/")
    browser.find_element(By.CSS_SELECTOR, "input[name='category'][value='government']").click()
    browser.find_element(By.CSS_SELECTOR, "form.filters button[type='submit']").click()
    WebDriverWait(browser, 15).until(expected_conditions.url_contains("category=government"))
    expected = current(figure_1, "government")
    assert 0 < len(expected) < len(current(figure_1))
    markers = browser.find_elements(By.CSS_SELECTOR, "svg.timeline-figure [data-marker]")
    assert sorted(m.get_attribute("data-marker") for m in markers) == sorted(str(d.pk) for d in expected)
    assert {
        m.get_attribute("data-category") for m in browser.find_elements(By.CSS_SELECTOR, "ol.developments > li")
    } == {"government"}
    checkbox = browser.find_element(By.CSS_SELECTOR, "input[name='category'][value='government']")
    assert checkbox.is_selected()  # the filter bar shows what is applied
    screenshot(browser, "timeline-deepseek-development-government", capsys)
    assert severe_messages(browser) == []


def test_the_page_fits_a_phone_and_starts_with_a_skip_link(
    live_server: Any, figure_1: NamedTimeline, browser: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    browser.set_window_size(390, 844)
    open_page(browser, f"{live_server.url}/timelines/{FIGURE_1}/")
    page_width, view_width = browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert page_width <= view_width  # nothing but the figure scrolls sideways
    scroller = browser.find_element(By.CSS_SELECTOR, ".figure-scroll")
    assert browser.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", scroller)
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.get_attribute("class") == "skip-link" and focused.is_displayed()
    screenshot(browser, "timeline-deepseek-development-phone", capsys, width=390)
    assert severe_messages(browser) == []
