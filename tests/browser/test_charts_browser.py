"""The dashboard at real-product scale in headless Chromium: 60 features, one with a 100-character name, at 1440 and
800 px. Nothing overflows the page, the bar chart shows the top 15 and one "Other" bar, long names are cut on the
axes and whole in tooltips and the feature table, counts carry thousands separators and whole-number ticks; every
number against the raw-SQL oracle (tests/oracle.py)."""

from __future__ import annotations

import os
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

WIDTHS = (1440, 800)
SHOTS = Path(os.environ.get("CLICKBOARD_SHOTS", "/tmp/clickboard-shots"))


@pytest.fixture
def many(dash_duo, start, engine, writer, analyst) -> Dashboard:
    write_many_features(engine, writer)
    board = Dashboard(dash_duo, engine, start())
    board.login(ANALYST_EMAIL, ANALYST_PASSWORD)
    board.type_date("start", str(MANY_START))
    board.type_date("end", str(MANY_END))
    board.wait_cards(oracle.card_texts(engine, MANY_START, MANY_END))
    return board


def page_overflow(board: Dashboard) -> int:
    """How many pixels the page is wider than the window (0: no horizontal scrolling)."""
    return board.driver.execute_script(
        "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth;"
    )


def set_width(board: Dashboard, width: int) -> None:
    board.driver.set_window_size(width, 1000)
    board.until(lambda: board.driver.execute_script("return window.innerWidth;") <= width, f"width {width}")


def texts(board: Dashboard, selector: str) -> list[str]:
    """The text of every element matching `selector`, read in one go (plotly redraws on resize)."""
    script = "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent);"
    return board.driver.execute_script(script, selector)


def shot(board: Dashboard, name: str) -> None:
    """A screenshot of the whole page at the current width (the window made as tall as the page, then restored)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = board.driver.get_window_size()
    height = board.driver.execute_script("return document.documentElement.scrollHeight;")
    board.driver.set_window_size(size["width"], height + 150)
    board.driver.save_screenshot(str(SHOTS / f"{name}.png"))
    board.driver.set_window_size(size["width"], size["height"])


def test_sixty_features_fit_at_both_widths(many, engine):
    board = many
    expected = oracle.by_feature(engine, MANY_START, MANY_END)
    assert len(expected) == 60 and expected[0][0] == LONG_FEATURE
    top, rest = expected[:15], expected[15:]
    bars = board.figure("feature-bar-chart")[0]
    assert bars["y"][:15] == [name for name, _ in top]
    assert bars["x"] == [clicks for _, clicks in top] + [sum(clicks for _, clicks in rest)]
    assert bars["y"][15] == f"Other ({len(rest)} features)"
    assert board.cards() == oracle.card_texts(engine, MANY_START, MANY_END)
    assert board.cards()[0] == f"{sum(clicks for _, clicks in expected):,}" and "," in board.cards()[0]

    for width in WIDTHS:
        set_width(board, width)
        board.until(lambda: page_overflow(board) <= 0, f"no overflow at {width}")
        ticks = texts(board, "#feature-bar-chart .ytick text")
        assert ticks[0].endswith("…") and len(ticks[0]) < 40 and LONG_FEATURE.startswith(ticks[0][:-1].rstrip())
        counts = texts(board, "#feature-bar-chart .xtick text")
        assert counts and all(text.replace(",", "").isdigit() for text in counts)  # whole numbers, separators
        shot(board, f"sixty-features-{width}")


def hover_label(board: Dashboard, graph_id: str) -> dict | None:
    """The tooltip plotly shows in a graph: its text, text colour and background colour (None when none is up)."""
    return board.driver.execute_script(
        """
        const box = document.querySelector(arguments[0] + ' .hoverlayer .hovertext');
        if (!box) return null;
        const text = box.querySelector('text');
        return {text: text.textContent, color: getComputedStyle(text).fill,
                background: getComputedStyle(box.querySelector('path')).fill};
        """,
        f"#{graph_id}",
    )


def right_edge(board: Dashboard, element_id: str) -> float:
    return board.driver.execute_script(
        "return document.getElementById(arguments[0]).getBoundingClientRect().right;", element_id
    )


def test_long_name_selected_other_not_and_tooltips_readable(many, engine, analyst):
    board = many
    bars = board.bars()
    ActionChains(board.driver).move_to_element(bars[LONG_FEATURE]).perform()
    label = board.until(lambda: hover_label(board, "feature-bar-chart"), "the tooltip")
    assert LONG_FEATURE in label["text"] and "1,500 clicks" in label["text"]  # the whole name, separators
    assert label["color"] == "rgb(33, 37, 41)" and label["background"] == "rgb(255, 255, 255)"  # dark on white
    SHOTS.mkdir(parents=True, exist_ok=True)
    board.driver.save_screenshot(str(SHOTS / "tooltip-long-name.png"))

    ActionChains(board.driver).click().perform()  # select the 100-character feature, the mouse still on the bar
    board.until(lambda: board.chip() == f"{LONG_FEATURE} ×", "the chip")
    board.until(lambda: board.figure("daily-trend-chart")[0]["name"] == LONG_FEATURE, "the daily chart follows")
    ActionChains(board.driver).move_to_element(board.driver.find_element(By.ID, "header")).perform()
    board.until(lambda: hover_label(board, "feature-bar-chart") is None, "the tooltip to go after the click")
    for width in WIDTHS:
        set_width(board, width)
        board.until(lambda: page_overflow(board) <= 0, f"no overflow at {width} with the chip")
        window = board.driver.execute_script("return window.innerWidth;")
        assert 0 < right_edge(board, "clear-feature-chip") <= window  # the chip stays on screen
        title = board.driver.find_element(By.ID, "daily-trend-chart-title")
        assert title.text == f"Clicks over time: {LONG_FEATURE}"  # whole in the DOM, cut on screen by an ellipsis
        assert right_edge(board, "daily-trend-chart-title") <= window
        shot(board, f"long-name-selected-{width}")
    set_width(board, 1440)

    board.click_bar("")  # the "Other (45 features)" bar: counted as a click on the chart, selects nothing
    board.wait_events({"date_picker": 2, "chart_bar": 2}, analyst.id)
    assert board.chip() == f"{LONG_FEATURE} ×"
    board.click("clear-feature-chip")
    board.until(lambda: board.chip() is None, "the chip to go")
    board.wait_events({"date_picker": 2, "chart_bar": 2, "clear_feature_chip": 1}, analyst.id)
    assert board.console_errors() == []


def press(board: Dashboard, element_id: str) -> None:
    """Click a button after scrolling it to the middle of the window."""
    element = board.driver.find_element(By.ID, element_id)
    board.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)
    element.click()


def table_rows(board: Dashboard) -> list[tuple[str, str, str]]:
    script = """return Array.from(document.querySelectorAll('#feature-table tbody tr'))
                  .map(tr => Array.from(tr.cells).map(td => td.textContent));"""
    return [tuple(row) for row in board.driver.execute_script(script)]


def test_the_feature_table_lists_every_feature_and_selects_by_keyboard(many, engine, analyst):
    board = many
    expected = oracle.by_feature(engine, MANY_START, MANY_END)
    total = sum(clicks for _, clicks in expected)
    board.until(lambda: len(table_rows(board)) == 60, "60 rows")
    assert table_rows(board) == [(name, f"{n:,}", f"{n / total * 100:.1f}%") for name, n in expected]

    search = board.driver.find_element(By.ID, "feature-table-search")
    search.send_keys("feature_3")
    board.until(lambda: [row[0] for row in table_rows(board)] == [f"feature_{n}" for n in range(30, 40)], "search")
    assert board.text("feature-table-count") == "10 of 60 features match"

    # sorting by name (the header's button; again: the other way round), then back to most clicked first
    press(board, "feature-table-sort-feature")
    names = sorted(f"feature_{n}" for n in range(30, 40))
    board.until(lambda: [row[0] for row in table_rows(board)] == names, "sorted by name")
    head = board.driver.find_element(By.ID, "feature-table-head-feature")
    board.until(lambda: head.get_attribute("aria-sort") == "ascending", "the header says how it sorts")
    press(board, "feature-table-sort-feature")
    board.until(lambda: [row[0] for row in table_rows(board)] == names[::-1], "sorted by name, Z to A")
    press(board, "feature-table-sort-clicks")
    board.until(lambda: [row[0] for row in table_rows(board)] == [f"feature_{n}" for n in range(30, 40)], "by clicks")
    assert board.driver.find_element(By.ID, "feature-table-head-clicks").get_attribute("aria-sort") == "descending"

    # keyboard only: Tab from the search box past the two sortable headers to the first row's button, Enter selects,
    # Enter again clears
    board.driver.execute_script("document.getElementById('feature-table-search').focus();")
    for _ in range(3):
        ActionChains(board.driver).send_keys(Keys.TAB).perform()
    focused = board.driver.switch_to.active_element
    assert focused.text == "feature_30"
    focused.send_keys(Keys.ENTER)
    board.until(lambda: board.chip() == "feature_30 ×", "the chip for feature_30")
    board.until(lambda: board.figure("daily-trend-chart")[0]["name"] == "feature_30", "the daily chart follows")
    asked = dict(start=MANY_START, end=MANY_END, feature="feature_30")
    assert sum(board.figure("daily-trend-chart")[0]["y"]) == sum(n for _, n in oracle.daily(engine, **asked))
    pressed = board.driver.find_element(By.CSS_SELECTOR, "#feature-table tbody tr button[aria-pressed='true']")
    assert pressed.text == "feature_30"
    pressed.send_keys(Keys.ENTER)
    board.until(lambda: board.chip() is None, "the selection cleared from the table")
    board.wait_events({"date_picker": 2, "feature_table": 2}, analyst.id)  # searching and sorting recorded nothing
    assert board.console_errors() == []
