"""Accessibility in headless Chromium: axe-core (vendored in tests/browser/vendor, injected by the test only) finds
no critical or serious violation on the dashboard, the login page and the registration page; the dashboard has
lang="en", one main landmark and one h1, labels tied to their controls, and every control reachable by keyboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests import oracle
from tests.browser.conftest import Dashboard
from tests.conftest import ANALYST_EMAIL, ANALYST_PASSWORD
from tests.dataset import LONG_FEATURE, MANY_END, MANY_START, write_many_features

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SEVERE = ("critical", "serious")


def axe_violations(driver) -> list[dict]:
    """Critical and serious axe-core violations on the current page: (rule id, impact, the offending nodes)."""
    driver.execute_script(AXE.read_text())
    driver.set_script_timeout(60)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations), e => done(String(e)));"
    )
    assert isinstance(result, list), result
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": [(n["html"][:300], n["failureSummary"]) for n in v["nodes"][:5]],
        }
        for v in result
        if v["impact"] in SEVERE
    ]


@pytest.fixture
def page(dash_duo, start, engine, writer, analyst) -> Dashboard:
    write_many_features(engine, writer)
    return Dashboard(dash_duo, engine, start())


def test_login_and_register_pages_have_no_serious_violations(page):
    for path in ("/login", "/register"):
        page.driver.get(page.base + path)
        page.duo.wait_for_element("main")
        assert axe_violations(page.driver) == [], path


def test_the_dashboard_has_no_serious_violations_and_its_landmarks(page, engine):
    page.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    page.type_date("start", str(MANY_START))
    page.type_date("end", str(MANY_END))
    page.wait_cards(oracle.card_texts(engine, MANY_START, MANY_END))
    page.until(page.settled, "no callback pending")
    page.until(lambda: len(page.driver.find_elements(By.CSS_SELECTOR, "#feature-table tbody tr")) == 60, "rows")
    driver = page.driver
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert len(driver.find_elements(By.TAG_NAME, "main")) == 1
    assert [h.text for h in driver.find_elements(By.TAG_NAME, "h1")] == ["Clickboard"]
    assert axe_violations(driver) == []
    labels = {label.get_attribute("for") for label in driver.find_elements(By.TAG_NAME, "label")}
    assert {"date-range", "filter-age-group", "filter-gender", "feature-table-search"} <= labels
    assert {"date-preset", "compare-mode", "granularity", "filter-source"} <= labels

    # every control is reached by Tab, in page order, the feature table's buttons included
    driver.execute_script("window.scrollTo(0, 0); document.getElementById('logout-button').focus();")
    reached = []
    for _ in range(24):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        active = driver.switch_to.active_element
        element_id = active.get_attribute("id") or ""
        reached.append(active.text if element_id.startswith("{") else element_id)
    expected = ["date-preset", "date-range", "date-range-end-date", "compare-mode", "granularity", "refresh-button"]
    expected += [
        "filter-age-group",
        "filter-gender",
        "filter-source",
        "feature-table-search",
        "feature-table-sort-feature",
        "feature-table-sort-clicks",
    ]
    expected += [LONG_FEATURE, "feature_01"]
    assert [step for step in reached if step in expected] == expected, reached
    ActionChains(driver).send_keys(Keys.ESCAPE).perform()
    driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")

    # compare on: the change texts and the table's change column, a weekly trend with its comparison line
    page.select("compare-mode", "Previous period")
    page.select("granularity", "Week")
    page.until(lambda: page.text("stat-total-clicks-change") != "", "the change texts")
    page.until(page.settled, "no callback pending")
    assert axe_violations(driver) == []

    page.click_bar(LONG_FEATURE)  # with a selection: the chip, the highlighted row
    page.until(lambda: page.chip() == f"{LONG_FEATURE} ×", "the chip")
    assert axe_violations(driver) == []
    page.driver.find_element(By.ID, "date-range").click()  # the calendar open
    page.duo.wait_for_element(".dash-datepicker-calendar-container, [role='dialog']")
    assert axe_violations(driver) == []
