"""Honest states in headless Chromium: a database that stops answering shows a banner with the time of the last
successful update (the figures stay, marked stale) and a reload gives the styled error page; an empty range says
which filters are active and resets them in one click, recorded once as `reset_filters`."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from selenium.webdriver.common.by import By

from tests import oracle
from tests.api.conftest import database_down  # noqa: F401 (fixture: a real outage of this test's database)
from tests.browser.test_dashboard_browser import default_range
from tests.conftest import ANALYST_EMAIL, ANALYST_PASSWORD
from tests.dataset import END, START

pytestmark = pytest.mark.browser
UPDATED = re.compile(r"^Updated (\d{2}:\d{2}:\d{2})$")


def banner_shown(board) -> bool:
    return board.driver.find_element(By.ID, "status-banner").is_displayed()


def test_a_database_outage_shows_the_banner_with_the_last_update(board, engine, analyst, database_down):  # noqa: F811
    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    board.type_date("start", str(START))
    board.type_date("end", str(END))
    board.wait_cards(oracle.card_texts(engine, START, END))
    board.until(board.settled, "no callback pending")
    last = UPDATED.match(board.text("last-updated")).group(1)
    assert not banner_shown(board)

    database_down()
    board.click("refresh-button")
    board.until(lambda: banner_shown(board), "the banner")
    banner = board.text("status-banner")
    assert "The database is not answering" in banner and re.search(rf"\(\d{{4}}-\d{{2}}-\d{{2}} {last} UTC\)", banner)
    assert board.cards() == ("11", "export", "2.2", "3")  # the last figures stay (tests/dataset.py by hand)

    board.driver.refresh()  # a reload: the styled error page, not plain text
    board.duo.wait_for_element("#auth-error")
    assert "The database is unavailable; retry shortly." in board.text("auth-error")
    assert board.driver.find_elements(By.CSS_SELECTOR, "link[href$='/assets/vendor/bootstrap.min.css']")
    retry = board.driver.find_element(By.ID, "retry").get_attribute("href")
    assert retry.endswith(f"/?start={START}&end={END}")  # the address holds the view: trying again keeps it


def test_an_empty_range_names_its_filters_and_resets_them_once(board, engine, analyst):
    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    board.type_date("start", "2025-01-01")
    board.type_date("end", "2025-01-31")
    board.select("filter-gender", "Male")
    board.wait_cards(("0", "—", "0.0", "0"))  # already so after the dates alone: wait for the gender's answer too
    board.until(lambda: board.driver.find_element(By.ID, "empty-state").is_displayed(), "the empty state")
    expected = "From 2025-01-01 to 2025-01-31, gender Male."
    board.until(lambda: board.text("empty-state-filters") == expected, "the empty state naming every filter")
    board.wait_events({"date_picker": 2, "filter_gender": 1}, analyst.id)

    board.click("reset-filters")
    start, end = default_range()
    board.until(lambda: board.picker_dates() == (str(start), str(end)), "the default range")
    board.until(lambda: board.dropdown_text("filter-gender") == "All genders", "all genders")
    # the figures are the default range's (its clicks include this test's own, recorded as it goes: compared by days)
    days = [str(start + timedelta(days=i)) for i in range(30)]
    board.until(lambda: board.figure("daily-trend-chart")[0]["x"] == days, "the daily chart over the default range")
    board.until(lambda: not board.driver.find_element(By.ID, "empty-state").is_displayed(), "the empty state gone")
    assert board.cards()[0] != "0"
    board.wait_events({"date_picker": 2, "filter_gender": 1, "reset_filters": 1}, analyst.id)  # one interaction

    board.select("filter-gender", "Female")  # and the filters' own changes are counted again afterwards
    board.wait_events({"date_picker": 2, "filter_gender": 2, "reset_filters": 1}, analyst.id)
    assert date.fromisoformat(board.picker_dates()[1]) == end
    assert board.console_errors() == []


def top_of(board, element_id: str) -> float:
    return board.driver.execute_script(
        "return document.getElementById(arguments[0]).getBoundingClientRect().top;", element_id
    )


def calendar_day(board, day: date):
    """The cell of `day` in the open calendar."""
    header = day.strftime("%B %Y")
    for table in board.driver.find_elements(By.CSS_SELECTOR, "[role='dialog'] table"):
        if table.find_element(By.CSS_SELECTOR, ".dash-datepicker-calendar-month-header").text == header:
            cells = table.find_elements(By.CSS_SELECTOR, "td.dash-datepicker-calendar-date-inside")
            return next(cell for cell in cells if cell.text == str(day.day))
    raise AssertionError(f"{header} is not shown")


def test_picking_a_range_in_the_calendar_shows_no_error_and_nothing_after_today(board, engine, analyst):
    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    board.until(board.settled, "no callback pending")
    cards_top = top_of(board, "stat-total-clicks")
    _start, end = default_range()
    board.click("date-range")
    board.duo.wait_for_element("[role='dialog']")
    # no day after today can be picked: every day shown after it is disabled, and the calendar goes no further
    assert board.driver.find_element(By.CSS_SELECTOR, "[aria-label='Next month']").get_attribute("disabled")
    shown = board.driver.execute_script(
        """return Array.from(document.querySelectorAll("[role='dialog'] table")).flatMap(table => {
             const month = table.querySelector('.dash-datepicker-calendar-month-header').textContent;
             return Array.from(table.querySelectorAll('td.dash-datepicker-calendar-date-inside'))
               .map(td => [month, td.textContent, td.getAttribute('aria-disabled') === 'true']);
           });"""
    )
    days = [(datetime.strptime(f"{day} {month}", "%d %B %Y").date(), off) for month, day, off in shown]
    assert days and all(off == (day > end) for day, off in days)

    # a range in the previous month (before today: the test's own clicks of today are not in it)
    board.driver.find_element(By.CSS_SELECTOR, "[aria-label='Previous month']").click()
    last = end.replace(day=1) - timedelta(days=1)
    first = last.replace(day=1)
    calendar_day(board, first).click()  # the first day picked: a range being picked, not an error
    board.until(board.settled, "no callback pending")
    message = board.driver.find_element(By.ID, "date-range-message")
    assert "text-danger" not in message.get_attribute("class")
    assert top_of(board, "stat-total-clicks") == cards_top  # the page did not move
    calendar_day(board, last).click()
    board.until(lambda: board.picker_dates() == (str(first), str(last)), "the picked range")
    board.wait_cards(oracle.card_texts(engine, first, last))
    assert board.text("date-range-message") == ""
