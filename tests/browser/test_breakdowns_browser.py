"""Breakdown clicks and the new filter values in headless Chromium: a click on a segment sets that filter (one
`chart_gender` / `chart_age_group` event, never the filter's own), `unknown` and the source filter are picked in the
controls card; every number against the raw-SQL oracle (tests/oracle.py) on the known dataset (tests/dataset.py)."""

from __future__ import annotations

import pytest

from tests import oracle
from tests.conftest import ANALYST_EMAIL, ANALYST_PASSWORD
from tests.dataset import END, START

pytestmark = pytest.mark.browser


def in_march(board, engine, **asked):
    board.wait_cards(oracle.card_texts(engine, START, END, **asked))


def test_a_gender_segment_click_sets_the_gender_filter_and_is_recorded_once(board, engine, analyst):
    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    board.type_date("start", str(START))
    board.type_date("end", str(END))
    in_march(board, engine)
    board.until(lambda: board.segments("gender-chart") == oracle.by_gender(engine, START, END), "genders")
    board.wait_events({"date_picker": 2}, analyst.id)

    board.click_bar("Female", "gender-chart")
    board.until(lambda: board.dropdown_text("filter-gender") == "Female", "the gender filter set by the chart")
    in_march(board, engine, gender="Female")
    assert board.cards() == ("3", "export", "0.6", "1")  # young's 3 exports (tests/dataset.py by hand)
    asked = dict(start=START, end=END, gender="Female")
    board.until(lambda: board.segments("age-group-chart") == oracle.by_age_group(engine, **asked), "Female ages")
    board.wait_events({"date_picker": 2, "chart_gender": 1}, analyst.id)  # not filter_gender

    board.click_bar("unknown", "gender-chart")  # another segment: the filter follows, one more chart event
    board.until(lambda: board.dropdown_text("filter-gender") == "Unknown", "gender unknown")
    in_march(board, engine, gender="unknown")
    assert board.cards() == ("1", "share", "0.2", "1")
    board.wait_events({"date_picker": 2, "chart_gender": 2}, analyst.id)

    board.click_bar("unknown", "gender-chart")  # the active segment again: every gender
    board.until(lambda: board.dropdown_text("filter-gender") == "All genders", "all genders")
    in_march(board, engine)
    board.wait_events({"date_picker": 2, "chart_gender": 3}, analyst.id)

    board.select("filter-gender", "Male")  # the control's own changes are still its own
    in_march(board, engine, gender="Male")
    board.wait_events({"date_picker": 2, "chart_gender": 3, "filter_gender": 1}, analyst.id)

    board.click_bar("<18", "age-group-chart")
    board.until(lambda: board.dropdown_text("filter-age-group") == "Under 18", "age group set by the chart")
    in_march(board, engine, age_group="<18", gender="Male")
    board.wait_events({"date_picker": 2, "chart_gender": 3, "filter_gender": 1, "chart_age_group": 1}, analyst.id)
    assert board.console_errors() == []


def test_unknown_and_the_source_filter_picked_in_the_controls(board, engine, analyst):
    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    board.type_date("start", str(START))
    board.type_date("end", str(END))
    in_march(board, engine)

    board.select("filter-source", "Dashboard use")  # the dashboard's own events: teen's 3 searches, forty's export
    in_march(board, engine, source="dashboard")
    assert board.cards() == ("4", "search", "0.8", "2")
    asked = dict(start=START, end=END, source="dashboard")
    board.until(lambda: board.segments("gender-chart") == oracle.by_gender(engine, **asked), "dashboard genders")
    board.until(lambda: board.figure("daily-trend-chart")[0]["y"] == [3, 0, 0, 0, 1], "dashboard days")

    board.select("filter-source", "Product (API)")
    in_march(board, engine, source="api")
    assert board.cards() == ("7", "export", "1.4", "3")
    board.select("filter-age-group", "Unknown")
    in_march(board, engine, age_group="unknown", source="api")
    assert board.cards() == ("1", "share", "0.2", "1")
    board.wait_events({"date_picker": 2, "filter_source": 2, "filter_age": 1}, analyst.id)

    board.reload()  # the saved filters keep the source and record nothing
    assert board.dropdown_text("filter-source") == "Product (API)"
    assert board.dropdown_text("filter-age-group") == "Unknown"
    in_march(board, engine, age_group="unknown", source="api")
    board.wait_events({"date_picker": 2, "filter_source": 2, "filter_age": 1}, analyst.id)
    assert board.console_errors() == []
