"""The Content-Security-Policy and frame-ancestors in headless Chromium.

Was: no CSP at all, and a page on another port framed the logged-in dashboard (clickjacking).
"""

from __future__ import annotations

import pytest
import requests
from selenium.webdriver.common.by import By

from tests.browser.conftest import Dashboard, require_chromium
from tests.conftest import ANALYST_EMAIL, ANALYST_PASSWORD
from tests.dataset import END, START

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def chromium_available():
    require_chromium()


def csp_violations(entries: list[dict]) -> list[str]:
    return [entry["message"] for entry in entries if "Content Security Policy" in entry.get("message", "")]


def test_the_whole_dashboard_works_under_the_csp_with_no_violation(board: Dashboard, analyst):
    assert "script-src 'self' 'sha256-" in requests.get(board.base + "/login").headers["Content-Security-Policy"]
    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    board.type_date("start", str(START))
    board.type_date("end", str(END))
    board.wait_cards(("11", "export", "2.2", "3"))  # tests/dataset.py, by hand
    board.select("filter-age-group", "18 – 40")
    board.select("filter-gender", "Other")
    board.wait_cards(("1", "export", "0.2", "1"))
    board.select("filter-gender", "All")
    board.click_bar("export")
    board.until(lambda: board.chip() is not None, "the selected-feature chip")
    board.click("refresh-button")
    board.until(board.settled, "no callback pending")
    board.driver.get(board.base + "/account/password")
    board.driver.get(board.base + "/")
    board.wait_loaded()
    board.logout()
    entries = board.driver.get_log("browser")
    assert csp_violations(entries) == []
    assert [e["message"] for e in entries if e["level"] == "SEVERE"] == []

    # the check can fail: an inline script injected into the page is refused, and reported
    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    board.driver.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.injected = true';"
        "document.body.appendChild(s);"
    )
    assert board.driver.execute_script("return window.injected === undefined")
    board.until(lambda: csp_violations(board.driver.get_log("browser")), "the refusal in the console")


@pytest.mark.parametrize("path", ["/", "/login"])
def test_a_foreign_page_cannot_frame_the_dashboard(board: Dashboard, analyst, attacker_site, path):
    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    board.driver.get_log("browser")  # forget the login's log
    page = attacker_site(
        "frame.html",
        f'<!doctype html><html><body><iframe id="victim" src="{board.base}{path}"></iframe></body></html>',
        board.base,
    )
    board.driver.get(page)
    board.until(
        lambda: any("frame-ancestors" in m for m in csp_violations(board.driver.get_log("browser"))),
        "Chromium's refusal to frame the app",
    )
    board.driver.switch_to.frame(board.driver.find_element(By.ID, "victim"))
    assert board.driver.find_elements(By.ID, "header") == []  # no dashboard inside the frame
    assert board.driver.find_elements(By.ID, "login-email") == []
    board.driver.switch_to.default_content()
