"""Sharing, export, auto-refresh and the dark theme in headless Chromium, on the known dataset (tests/dataset.py).

A view built by clicking is in the address bar; opened in a second analyst's session it shows the same cards, charts
and table and records nothing; the exported CSV equals an independent SQL computation and the API's file byte for
byte; auto-refresh shows newly ingested events without a click; the theme survives a reload and passes axe-core in
both modes.
"""

from __future__ import annotations

import base64
import csv
import io
import time
from datetime import date
from pathlib import Path

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from export import neutralise, share
from tests import oracle
from tests.browser.conftest import Dashboard, dashboard_events, user_id_of
from tests.browser.test_accessibility_browser import axe_violations
from tests.conftest import ANALYST_EMAIL, ANALYST_PASSWORD
from tests.dataset import END, START

pytestmark = pytest.mark.browser
CONTROLS = ("date-preset", "filter-age-group", "filter-gender", "filter-source", "compare-mode", "granularity")
SECOND_EMAIL, SECOND_PASSWORD = "bo@example.com", "another long passphrase"


def table_rows(board: Dashboard) -> list[list[str]]:
    rows = board.driver.find_elements(By.CSS_SELECTOR, "#feature-table tbody tr")
    return [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")] for row in rows]


def what_it_shows(board: Dashboard) -> dict:
    """Everything an analyst reads on the page: cards, each chart's traces, the table, the controls."""
    board.until(board.settled, "no callback pending")
    return {
        "cards": board.cards(),
        "charts": {g: board.figure(g) for g in ("feature-bar-chart", "daily-trend-chart", "age-group-chart")},
        "gender": board.figure("gender-chart"),
        "table": table_rows(board),
        "controls": {i: board.driver.find_element(By.ID, i).get_attribute("value") for i in CONTROLS},
        "dates": board.picker_dates(),
        "chip": board.chip(),
    }


@pytest.fixture
def second_analyst(engine):
    from db.users import create_user

    with engine.begin() as conn:
        return create_user(conn, SECOND_EMAIL, SECOND_PASSWORD, "Bo Analyst", 45, "Male")


def test_a_view_built_by_clicking_opens_the_same_for_a_second_analyst(board, engine, analyst, second_analyst):
    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    board.type_date("start", str(START))
    board.type_date("end", str(END))
    board.wait_cards(oracle.card_texts(engine, START, END))
    board.select("filter-gender", "Male")
    board.wait_cards(oracle.card_texts(engine, START, END, gender="Male"))
    board.select("compare-mode", "Previous period")
    board.until(lambda: "compare=previous_period" in board.driver.current_url, "the address follows")
    board.click_bar("search")
    board.until(lambda: board.chip() == "search ×", "the chip")
    board.until(lambda: "feature=search" in board.driver.current_url, "the address follows the selection")
    shown = what_it_shows(board)
    url = board.driver.current_url
    assert url == (f"{board.base}/?start={START}&end={END}&gender=Male&feature=search&compare=previous_period")
    board.click("share-link")
    board.until(lambda: board.text("share-link-status") != "", "the copy's outcome")
    assert board.text("share-link-status") in ("Link copied.", "Copy the address bar to share this view.")
    assert board.driver.title == f"{START} to {END} · Male · search · previous period · Clickboard"
    first = user_id_of(engine, ANALYST_EMAIL)
    board.wait_events({"date_picker": 2, "filter_gender": 1, "compare_mode": 1, "chart_bar": 1, "share_link": 1}, first)

    board.logout()
    board.login(SECOND_EMAIL, SECOND_PASSWORD)  # the second analyst's own (default) view first
    board.driver.get(url)
    board.wait_loaded()
    board.until(lambda: board.chip() == "search ×", "the shared selection")
    assert what_it_shows(board) == shown
    assert board.driver.current_url == url
    assert board.text("url-notice") == ""
    assert dashboard_events(engine, second_analyst.id) == {}  # opening a link records nothing

    board.driver.get(url + "&gender=Robot&utm_source=chat")  # repeated gender: dropped, listed; never an error
    board.wait_loaded()
    notice = board.text("url-notice")
    assert "gender (given more than once)" in notice and "utm_source (unknown parameter)" in notice
    assert board.driver.find_element(By.ID, "filter-gender").get_attribute("value") == "all"
    board.driver.back()  # Back: the shared view again, recording nothing
    board.wait_loaded()
    board.until(lambda: board.driver.current_url == url, "back to the shared view")
    board.until(lambda: board.chip() == "search ×", "the shared selection again")
    assert dashboard_events(engine, second_analyst.id) == {}


def fetch_bytes(board: Dashboard, path: str) -> bytes:
    """GET `path` with the browser's own session (fetch), as bytes."""
    board.driver.set_script_timeout(30)
    encoded = board.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.arrayBuffer()).then(b => {"
        "  let s = ''; new Uint8Array(b).forEach(c => s += String.fromCharCode(c)); done(btoa(s)); });",
        path,
    )
    return base64.b64decode(encoded)


def test_the_downloaded_csv_equals_sql_and_the_api_byte_for_byte(dash_duo, board, engine, analyst):
    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    board.driver.get(f"{board.base}/?start={START}&end={END}&age_group=18-40")
    board.wait_loaded()
    board.driver.find_element(By.XPATH, "//*[@id='export-csv']/button[normalize-space()='Feature table']").click()
    target = Path(dash_duo.download_path) / f"clickboard-features-{START}_{END}.csv"
    board.until(lambda: target.exists() and target.stat().st_size > 0, "the download", timeout=20)
    time.sleep(0.5)  # Chromium renames the finished file into place; let it settle
    downloaded = target.read_bytes()
    api = fetch_bytes(board, f"/api/v1/export?start={START}&end={END}&age_group=18-40&table=features")
    assert downloaded == api
    rows = oracle.by_feature(engine, START, END, age_group="18-40")
    total = sum(c for _f, c in rows)
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(
        [["feature", "clicks", "share"], *([neutralise(f), c, share(c, total)] for f, c in rows)]
    )
    assert downloaded == out.getvalue().encode("utf-8")
    assert downloaded == b"feature,clicks,share\r\nexport,4,1.0000\r\n"  # ages 18 and 40: young and forty
    board.wait_events({"export_csv": 1}, user_id_of(engine, ANALYST_EMAIL))


def test_auto_refresh_shows_new_events_without_a_click(board, engine, analyst, live_app, monkeypatch, db_url):
    from tests.api.conftest import run_cli

    live_app.server.config["CLICKBOARD_AUTO_REFRESH_PERIODS_MS"] = {"30s": 1000, "1m": 2000, "5m": 3000}
    code, out, _ = run_cli(monkeypatch, db_url, "create-api-key", "live", "--scope", "ingest", "--quiet")
    assert code == 0
    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    first = user_id_of(engine, ANALYST_EMAIL)
    Select(board.driver.find_element(By.ID, "auto-refresh")).select_by_value("30s")
    board.wait_events({"auto_refresh": 1}, first)  # the choice itself is one event, counted on the page too
    start, end = board.picker_dates()
    before = oracle.card_texts(engine, date.fromisoformat(start), date.fromisoformat(end))[0]
    board.until(lambda: board.text("stat-total-clicks") == before, "the choice's own event counted")
    sent = requests.post(
        f"{board.base}/api/v1/events",
        json={"events": [{"feature": "live.signal"} for _ in range(3)]},
        headers={"Authorization": f"Bearer {out.strip()}"},
        timeout=10,
    )
    assert sent.status_code == 202
    expected = f"{int(before.replace(',', '')) + 3:,}"
    assert oracle.card_texts(engine, date.fromisoformat(start), date.fromisoformat(end))[0] == expected
    board.until(lambda: board.text("stat-total-clicks") == expected, "the new events", timeout=15)
    assert board.text("last-updated").startswith("Updated ")
    time.sleep(2.5)  # two more ticks: they record nothing
    board.wait_events({"auto_refresh": 1}, first)


def test_the_theme_survives_a_reload_and_passes_axe_in_both_modes(board, engine, analyst):
    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    root = board.driver.find_element(By.TAG_NAME, "html")
    assert root.get_attribute("data-theme-choice") == "system"
    media = "Emulation.setEmulatedMedia"
    board.driver.execute_cdp_cmd(media, {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    board.until(lambda: root.get_attribute("data-bs-theme") == "dark", "System follows the browser's dark")
    board.driver.execute_cdp_cmd(media, {"features": [{"name": "prefers-color-scheme", "value": "light"}]})
    board.until(lambda: root.get_attribute("data-bs-theme") == "light", "and its light")
    board.select("theme-toggle", "Dark")
    board.until(lambda: root.get_attribute("data-bs-theme") == "dark", "dark at once")
    board.until(board.settled, "the choice remembered")
    board.reload()
    root = board.driver.find_element(By.TAG_NAME, "html")
    assert (root.get_attribute("data-theme-choice"), root.get_attribute("data-bs-theme")) == ("dark", "dark")
    assert board.driver.find_element(By.ID, "theme-toggle").get_attribute("value") == "dark"
    page_bg = board.driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    assert page_bg == "rgb(22, 25, 29)"
    tick = board.driver.execute_script(
        "return getComputedStyle(document.querySelector('#feature-bar-chart .xtick text')).fill"
    )
    assert tick == "rgb(173, 181, 189)"  # the charts follow
    violations = axe_violations(board.driver)
    assert violations == [], [(v["id"], v["nodes"]) for v in violations]
    board.driver.find_element(By.ID, "date-range").click()  # the calendar open, dark
    board.duo.wait_for_element(".dash-datepicker-calendar-container, [role='dialog']")
    violations = axe_violations(board.driver)
    assert violations == [], [(v["id"], v["nodes"]) for v in violations]
    board.driver.find_element(By.TAG_NAME, "body").click()

    board.select("theme-toggle", "Light")
    board.until(lambda: root.get_attribute("data-bs-theme") == "light", "light")
    board.until(board.settled, "the choice remembered")
    board.reload()
    assert board.driver.find_element(By.TAG_NAME, "html").get_attribute("data-bs-theme") == "light"
    violations = axe_violations(board.driver)
    assert violations == [], [(v["id"], v["nodes"]) for v in violations]
    board.wait_events({"theme_toggle": 2}, user_id_of(engine, ANALYST_EMAIL))


def timer_prop(board: Dashboard, prop: str):
    """A prop of the auto-refresh timer as the renderer holds it (its layout store)."""
    return board.driver.execute_script(
        "const s = window.store.getState(); let node = s.layout;"
        "for (const k of s.paths.strs['auto-refresh-timer']) { node = node[k]; }"
        "return node.props[arguments[0]];",
        prop,
    )


def set_hidden(board: Dashboard, hidden: bool) -> None:
    """The tab hidden or shown again, as the browser reports it (document.hidden and its event)."""
    board.driver.execute_script(
        "const hidden = arguments[0];"
        "Object.defineProperty(document, 'hidden', {configurable: true, get: () => hidden});"
        "const state = hidden ? 'hidden' : 'visible';"
        "Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => state});"
        "document.dispatchEvent(new Event('visibilitychange'));",
        hidden,
    )


def test_auto_refresh_pauses_while_the_tab_is_hidden(board, engine, analyst):
    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    assert (timer_prop(board, "disabled"), timer_prop(board, "interval")) == (True, 60000)  # off
    Select(board.driver.find_element(By.ID, "auto-refresh")).select_by_value("5m")
    board.until(lambda: timer_prop(board, "disabled") is False, "the timer running")
    assert timer_prop(board, "interval") == 300000
    set_hidden(board, True)
    board.until(lambda: timer_prop(board, "disabled") is True, "paused while hidden")
    set_hidden(board, False)
    board.until(lambda: timer_prop(board, "disabled") is False, "running again")
    Select(board.driver.find_element(By.ID, "auto-refresh")).select_by_value("off")
    board.until(lambda: timer_prop(board, "disabled") is True, "off")
    set_hidden(board, False)  # shown again while off: stays off
    assert timer_prop(board, "disabled") is True
    board.wait_events({"auto_refresh": 2}, user_id_of(engine, ANALYST_EMAIL))  # two choices; ticks record nothing
