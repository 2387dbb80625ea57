"""Date presets, compare and granularity in headless Chromium, with "today" pinned (TODAY, clock.py), 60 features
(one with a 100-character name) and the known dataset, at 1440 and 800 px: a preset sets the picker's dates, compare
fills the four change texts, the table's change column and the trend's comparison line, a granularity switch
re-buckets the trend; every number against the raw-SQL oracle (tests/oracle.py); no horizontal overflow; one
meta-analytics event per interaction under its own name (a preset: date_preset only; an edited date: date_picker
only, the preset turning custom silently)."""

from __future__ import annotations

from datetime import date

import pytest

from tests import oracle
from tests.browser.conftest import Dashboard
from tests.browser.test_charts_browser import page_overflow, set_width, shot
from tests.conftest import ANALYST_EMAIL, ANALYST_PASSWORD
from tests.dataset import LONG_FEATURE, write_many_features

pytestmark = pytest.mark.browser

TODAY = date(2026, 3, 5)
LAST_90 = (date(2025, 12, 6), TODAY)  # 90 days ending today
BEFORE_90 = (date(2025, 9, 7), date(2025, 12, 5))  # the 90 days before
CHANGE_IDS = (
    "stat-total-clicks-change",
    "stat-top-feature-change",
    "stat-daily-average-change",
    "stat-features-tracked-change",
)


@pytest.fixture
def live_app(make_app):
    return make_app(today=TODAY)


@pytest.fixture
def board(dash_duo, start, engine, writer, known) -> Dashboard:
    write_many_features(engine, writer)
    return Dashboard(dash_duo, engine, start())


def changes(board: Dashboard) -> list[str]:
    return [board.text(element_id) for element_id in CHANGE_IDS]


def table(board: Dashboard) -> list[list[str]]:
    script = """return Array.from(document.querySelectorAll('#feature-table tbody tr'))
                  .map(tr => Array.from(tr.cells).map(td => td.textContent));"""
    return board.driver.execute_script(script)


def trend(board: Dashboard) -> list[dict]:
    return board.figure("daily-trend-chart") or []


@pytest.mark.parametrize("width", [1440, 800])
def test_preset_compare_and_granularity(board, engine, analyst, width):
    set_width(board, width)
    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    # the default view: the last 30 days ending the pinned today, compare off (empty change texts)
    assert board.dropdown_text("date-preset") == "Last 30 days"
    assert board.picker_dates() == ("2026-02-04", "2026-03-05")
    board.wait_cards(oracle.card_texts(engine, date(2026, 2, 4), TODAY))
    assert changes(board) == ["", "", "", ""]

    board.select("date-preset", "Last 90 days")
    board.until(lambda: board.picker_dates() == tuple(str(d) for d in LAST_90), "the preset's dates in the picker")
    board.wait_cards(oracle.card_texts(engine, *LAST_90))
    board.wait_events({"date_preset": 1}, analyst.id)  # the picker's dates followed without a date_picker event

    board.select("compare-mode", "Previous period")
    expected = oracle.comparison(engine, *LAST_90, *BEFORE_90)
    board.until(
        lambda: changes(board) == list(expected["changes"].values()),
        f"the four change texts {list(expected['changes'].values())}",
        on_timeout=lambda: changes(board),
    )
    assert board.text("stat-comparison-range") == f"Changes against {BEFORE_90[0]} to {BEFORE_90[1]}."
    rows = [[r["feature"], f"{r['clicks']:,}", r["change"]] for r in expected["by_feature"]]
    board.until(lambda: [[row[0], row[1], row[3]] for row in table(board)] == rows, "the table's change column")
    assert len(rows) > 15 and rows[0][0] == LONG_FEATURE  # 44 of the 60 features clicked in these 90 days
    days = oracle.series(engine, *LAST_90, "day", TODAY)
    before = oracle.series(engine, *BEFORE_90, "day", TODAY)
    board.until(lambda: trend(board)[-1]["name"] == "Comparison", "the comparison line")
    assert trend(board)[0]["y"] == [b["clicks"] for b in days]
    assert trend(board)[-1]["y"] == [b["clicks"] for b in before]  # aligned by position: 90 against 90
    assert "so far" in trend(board)[0]["customdata"][-1]  # today is not over
    board.wait_events({"date_preset": 1, "compare_mode": 1}, analyst.id)

    board.select("granularity", "Week")
    weeks = oracle.series(engine, *LAST_90, "week", TODAY)
    board.until(lambda: trend(board)[0]["x"] == [b["start"] for b in weeks], "weekly buckets")
    assert trend(board)[0]["y"] == [b["clicks"] for b in weeks]
    before_weeks = oracle.series(engine, *BEFORE_90, "week", TODAY)
    assert trend(board)[-1]["y"] == [b["clicks"] for b in before_weeks][: len(weeks)]
    board.wait_events({"date_preset": 1, "compare_mode": 1, "granularity": 1}, analyst.id)
    board.until(lambda: page_overflow(board) <= 0, f"no overflow at {width}")
    shot(board, f"compare-{width}")

    # an edited date: a custom range, recorded as one date_picker; the preset turns custom without an event
    board.type_date("start", "2026-03-01")
    board.until(lambda: board.dropdown_text("date-preset") == "Custom", "the preset turned custom")
    board.wait_cards(oracle.card_texts(engine, date(2026, 3, 1), TODAY))
    expected = oracle.comparison(engine, date(2026, 3, 1), TODAY, date(2026, 2, 24), date(2026, 2, 28))
    board.until(lambda: changes(board) == list(expected["changes"].values()), "the custom range's changes")
    board.wait_events({"date_preset": 1, "compare_mode": 1, "granularity": 1, "date_picker": 1}, analyst.id)
    assert board.console_errors() == []


def test_a_saved_preset_is_restored_without_an_event(board, engine, analyst):
    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    board.select("date-preset", "Month to date")
    board.until(lambda: board.picker_dates() == ("2026-03-01", "2026-03-05"), "month to date")
    board.select("compare-mode", "Year over year")
    expected = oracle.comparison(engine, date(2026, 3, 1), TODAY, date(2025, 3, 1), date(2025, 3, 5))
    board.until(lambda: changes(board) == list(expected["changes"].values()), "year over year")
    board.wait_events({"date_preset": 1, "compare_mode": 1}, analyst.id)

    board.reload()  # the cookie keeps the preset's name and the compare mode: nothing recorded on restore
    assert board.dropdown_text("date-preset") == "Month to date"
    assert board.dropdown_text("compare-mode") == "Year over year"
    board.wait_cards(oracle.card_texts(engine, date(2026, 3, 1), TODAY))
    board.until(lambda: changes(board) == list(expected["changes"].values()), "restored changes")
    board.wait_events({"date_preset": 1, "compare_mode": 1}, analyst.id)


def test_a_preset_rolls_over_on_refresh_without_a_date_picker_event(board, engine, analyst, live_app):
    from appstate import state

    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    board.select("date-preset", "Last 7 days")
    board.until(lambda: board.picker_dates() == ("2026-02-27", "2026-03-05"), "last 7 days on 03-05")
    board.wait_cards(oracle.card_texts(engine, date(2026, 2, 27), TODAY))
    board.wait_events({"date_preset": 1}, analyst.id)

    appstate = state(live_app.server)  # midnight passes: the app's clock reads 03-06 from now on
    appstate.settings = appstate.settings.model_copy(update={"today": date(2026, 3, 6)})
    board.click("refresh-button")
    board.until(lambda: board.picker_dates() == ("2026-02-28", "2026-03-06"), "last 7 days on 03-06")
    assert board.dropdown_text("date-preset") == "Last 7 days"
    board.wait_cards(oracle.card_texts(engine, date(2026, 2, 28), date(2026, 3, 6)))
    board.wait_events({"date_preset": 1, "refresh_button": 1}, analyst.id)  # the dates it moved record nothing
