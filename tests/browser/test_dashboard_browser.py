"""The dashboard in headless Chromium: real app, real database, the known dataset (tests/dataset.py), every number
checked against the raw-SQL oracle (tests/oracle.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests import oracle
from tests.browser.conftest import user_id_of
from tests.conftest import ANALYST_EMAIL, ANALYST_PASSWORD
from tests.dataset import END, START, today_utc

pytestmark = pytest.mark.browser


def default_range() -> tuple[date, date]:
    today = today_utc()
    return today - timedelta(days=29), today


def daily_clicks(engine, **asked) -> list[int]:
    return [n for _day, n in oracle.daily(engine, **asked)]


def test_register_then_every_filter_matches_sql_and_is_counted_once(board, engine):
    board.register("Reg Istered", "reg@example.com", "copper kettle morning", 35, "Male")
    me = user_id_of(engine, "reg@example.com")
    start, end = default_range()
    assert board.picker_dates() == (str(start), str(end))
    board.wait_cards(oracle.card_texts(engine, start, end))
    assert board.cards()[0] != "0"  # the default range has data
    board.wait_events({}, me)  # loading the page records nothing

    # (ranges ending today would also count this test's own interactions, recorded while the cards load)
    before = board.cards()
    board.type_date("end", str(END))  # before the start date: refused, the last results stay
    board.until(lambda: "before start date" in board.text("date-range-message"), "the end-before-start message")
    assert board.cards() == before
    board.wait_events({"date_picker": 1}, me)
    board.type_date("start", str(START))
    board.wait_cards(oracle.card_texts(engine, START, END))
    assert board.cards() == ("11", "export", "2.2", "3")  # and by hand, from tests/dataset.py
    assert board.text("date-range-message") == ""
    board.wait_events({"date_picker": 2}, me)

    board.select("filter-age-group", "18 – 40")
    board.wait_cards(oracle.card_texts(engine, START, END, "18-40"))
    board.wait_events({"date_picker": 2, "filter_age": 1}, me)
    board.select("filter-gender", "Male")
    board.wait_cards(oracle.card_texts(engine, START, END, "18-40", "Male"))
    assert board.cards() == ("0", "—", "0.0", "0")  # nobody 18-40 and male clicked in March
    assert board.text("feature-bar-chart").find("No clicks in this range") >= 0  # explicit empty state
    board.wait_events({"date_picker": 2, "filter_age": 1, "filter_gender": 1}, me)
    board.select("filter-gender", "Other")
    board.wait_cards(oracle.card_texts(engine, START, END, "18-40", "Other"))
    assert board.cards() == ("1", "export", "0.2", "1")

    # one date cleared: the message appears, the last results stay
    board.type_date("end", "")
    board.until(lambda: "both" in board.text("date-range-message"), "the both-dates message")
    assert board.cards() == ("1", "export", "0.2", "1")
    board.type_date("end", str(END))
    board.until(lambda: board.text("date-range-message") == "", "the message to go")
    board.wait_events({"date_picker": 4, "filter_age": 1, "filter_gender": 2}, me)

    board.click("refresh-button")
    board.wait_events({"date_picker": 4, "filter_age": 1, "filter_gender": 2, "refresh_button": 1}, me)
    assert board.cards() == ("1", "export", "0.2", "1")


def test_breakdowns_follow_every_filter_but_their_own_and_count_their_clicks(board, engine, analyst):
    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    board.type_date("start", str(START))
    board.type_date("end", str(END))
    board.wait_cards(("11", "export", "2.2", "3"))
    board.until(lambda: board.segments("age-group-chart") == oracle.by_age_group(engine, START, END), "age groups")
    board.until(lambda: board.segments("gender-chart") == oracle.by_gender(engine, START, END), "genders")
    assert board.segments("age-group-chart") == [("<18", 3), ("18-40", 4), (">40", 3), ("unknown", 1)]
    assert board.segments("gender-chart") == [("Male", 6), ("Female", 3), ("Other", 1), ("unknown", 1)]
    assert board.figure("age-group-chart")[0]["x"] == ["Under 18", "18 – 40", "Over 40", "Unknown"]

    board.select("filter-gender", "Male")  # the age chart follows it; the gender chart keeps every gender
    asked = dict(start=START, end=END, gender="Male")
    board.wait_cards(oracle.card_texts(engine, **asked))
    board.until(lambda: board.segments("age-group-chart") == oracle.by_age_group(engine, **asked), "Male ages")
    assert board.segments("age-group-chart") == [("<18", 3), ("18-40", 0), (">40", 3)]
    assert board.segments("gender-chart") == oracle.by_gender(engine, **asked) == oracle.by_gender(engine, START, END)

    board.click_bar("share")  # and both follow the selected feature
    asked["feature"] = "share"
    board.until(lambda: board.chip() == "share ×", "the chip")
    board.until(lambda: board.segments("gender-chart") == oracle.by_gender(engine, **asked), "genders for share")
    assert board.segments("gender-chart") == [("Male", 2), ("Female", 0), ("Other", 0), ("unknown", 1)]
    assert board.segments("age-group-chart") == oracle.by_age_group(engine, **asked)
    assert board.segments("age-group-chart") == [("<18", 0), ("18-40", 0), (">40", 2)]

    board.click_bar("Male", "gender-chart")  # the active segment again: back to every gender, recorded once
    board.until(lambda: board.dropdown_text("filter-gender") == "All genders", "gender reset by the chart")
    board.wait_cards(oracle.card_texts(engine, START, END))
    board.click_bar(">40", "age-group-chart")  # sets the age group filter
    board.until(lambda: board.dropdown_text("filter-age-group") == "Over 40", "age group set by the chart")
    board.wait_cards(oracle.card_texts(engine, START, END, ">40"))
    board.wait_events(
        {"date_picker": 2, "filter_gender": 1, "chart_bar": 1, "chart_gender": 1, "chart_age_group": 1}, analyst.id
    )
    assert board.console_errors() == []


def test_bar_click_selects_a_feature_and_the_chip_clears_it(board, engine, analyst):
    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    board.type_date("start", str(START))
    board.type_date("end", str(END))
    board.wait_cards(("11", "export", "2.2", "3"))
    bars = board.figure("feature-bar-chart")[0]
    assert (bars["y"], bars["x"]) == (["export", "search", "share"], [4, 4, 3])  # descending, ties alphabetical
    assert board.chip() is None
    assert board.figure("daily-trend-chart")[0]["y"] == daily_clicks(engine, start=START, end=END)

    board.click_bar("export")
    board.until(lambda: board.chip() == "export ×", "the chip")
    board.until(lambda: board.figure("daily-trend-chart")[0]["name"] == "export", "line chart for export")
    assert board.figure("daily-trend-chart")[0]["y"] == daily_clicks(engine, start=START, end=END, feature="export")
    assert board.cards() == ("11", "export", "2.2", "3")  # cards ignore the selection

    board.click("clear-feature-chip")
    board.until(lambda: board.chip() is None, "the chip to go")
    board.until(lambda: board.figure("daily-trend-chart")[0]["name"] == "All features", "all features again")

    board.click_bar("share")
    board.until(lambda: board.chip() == "share ×", "the chip for share")
    board.click_bar("share")  # the selected bar again clears the selection
    board.until(lambda: board.chip() is None, "the chip to go after a second click")
    board.wait_events({"date_picker": 2, "chart_bar": 3, "clear_feature_chip": 1}, analyst.id)
    assert board.console_errors() == []


def test_reload_restores_the_filters_and_records_nothing(board, engine, analyst):
    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    board.type_date("start", str(START))
    board.type_date("end", str(END))
    board.select("filter-age-group", "Over 40")
    board.wait_cards(oracle.card_texts(engine, START, END, ">40"))
    board.click_bar("share")
    board.until(lambda: board.chip() == "share ×", "the chip")
    actions = {"date_picker": 2, "filter_age": 1, "chart_bar": 1}
    board.wait_events(actions, analyst.id)

    board.reload()
    assert board.picker_dates() == (str(START), str(END))
    assert board.dropdown_text("filter-age-group") == "Over 40"
    assert board.dropdown_text("filter-gender") == "All genders"
    assert board.chip() == "share ×"
    board.wait_cards(oracle.card_texts(engine, START, END, ">40"))
    assert board.cards() == ("3", "share", "0.6", "2")
    board.until(lambda: board.figure("daily-trend-chart")[0]["name"] == "share", "restored selection")
    asked = dict(start=START, end=END, age_group=">40", feature="share")
    assert board.figure("daily-trend-chart")[0]["y"] == daily_clicks(engine, **asked) == [0, 0, 2, 0, 0]
    board.wait_events(actions, analyst.id)  # the reload and the restoring recorded nothing

    board.click("clear-feature-chip")  # the restored chip works and is counted once
    board.until(lambda: board.chip() is None, "the chip to go")
    board.wait_events({**actions, "clear_feature_chip": 1}, analyst.id)
    assert board.console_errors() == []


def test_two_analysts_in_one_browser_keep_separate_filters(board, engine, analyst):
    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    board.select("filter-gender", "Female")
    board.until(lambda: board.dropdown_text("filter-gender") == "Female", "Ana's gender")
    board.wait_events({"filter_gender": 1}, analyst.id)
    board.logout()

    board.register("Bob Builder", "bob@example.com", "bob-password-1", 52, "Male")
    bob = user_id_of(engine, "bob@example.com")
    assert board.dropdown_text("filter-gender") == "All genders"  # not Ana's filters
    assert board.text("analyst-name") == "Bob Builder"
    board.select("filter-age-group", "Under 18")
    board.until(lambda: board.dropdown_text("filter-age-group") == "Under 18", "Bob's age group")
    board.wait_events({"filter_age": 1}, bob)
    board.logout()

    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    assert board.dropdown_text("filter-gender") == "Female"
    assert board.dropdown_text("filter-age-group") == "All ages"
    start, end = default_range()
    board.wait_cards(oracle.card_texts(engine, start, end, gender="Female"))
    board.logout()

    board.login("bob@example.com", "bob-password-1")
    assert board.dropdown_text("filter-age-group") == "Under 18"
    assert board.dropdown_text("filter-gender") == "All genders"
    board.wait_events({"filter_age": 1}, bob)
    board.wait_events({"filter_gender": 1}, analyst.id)
