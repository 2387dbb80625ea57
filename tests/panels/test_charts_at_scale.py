"""The charts at real-product scale: 60 features (one with a 100-character name), counts in the thousands, long
ranges; run with run_panel on the many-features dataset (tests/dataset.py) against the raw-SQL oracle."""

from __future__ import annotations

from datetime import date

import pytest

from callbacks.selection import clicked_feature
from db.filters import Filters
from db.queries import FeatureClicks
from panels import daily_trend, feature_bar, gender
from panels.figures import as_text, count_axis, shorten
from panels.panel import run_panel
from tests import oracle
from tests.dataset import LONG_FEATURE, MANY_END, MANY_START, write_many_features


@pytest.fixture
def many(engine, writer) -> None:
    write_many_features(engine, writer)


def trace(rendered) -> dict:
    return rendered.figure["data"][0]


def test_the_top_15_features_then_one_other_bar(engine, many):
    shown = run_panel(feature_bar.PANEL, engine, Filters(MANY_START, MANY_END))
    expected = oracle.by_feature(engine, MANY_START, MANY_END)
    bars = trace(shown)
    assert bars["y"] == [name for name, _ in expected[:15]] + ["Other (45 features)"]
    assert bars["x"] == [n for _, n in expected[:15]] + [sum(n for _, n in expected[15:])]
    assert (
        bars["customdata"][-1] == "" and clicked_feature({"points": [{"customdata": "", "y": bars["y"][-1]}]}) is None
    )
    assert feature_bar.PANEL.stats_json(shown.rows) == [{"feature": f, "clicks": n} for f, n in expected]  # all 60
    layout = shown.figure["layout"]
    assert layout["yaxis"]["ticktext"][0] == shorten(LONG_FEATURE) and layout["yaxis"]["ticktext"][0].endswith("…")
    assert bars["hovertext"][0].split("<br>") == [LONG_FEATURE[:40], LONG_FEATURE[40:80], LONG_FEATURE[80:]]
    assert layout["xaxis"]["tickformat"] == ",d" and bars["texttemplate"] == "%{x:,d}"


def test_a_selected_feature_among_the_rest_highlights_other(engine, many):
    shown = run_panel(feature_bar.PANEL, engine, Filters(MANY_START, MANY_END, feature="feature_50"))
    colors = trace(shown)["marker"]["color"]
    assert colors[-1] != colors[0] and len(set(colors[:-1])) == 1


def test_fifteen_features_or_fewer_have_no_other_bar():
    rows = [FeatureClicks(f"f{n:02d}", 20 - n) for n in range(15)]
    figure = feature_bar.feature_bar_figure(rows, Filters(MANY_START, MANY_END))
    assert figure["data"][0]["y"] == [row.feature for row in rows]


def test_names_are_text_never_markup():
    rows = [FeatureClicks("<b>bold</b>&<br>", 3)]
    figure = feature_bar.feature_bar_figure(rows, Filters(MANY_START, MANY_END))
    assert figure["data"][0]["hovertext"] == ["&lt;b&gt;bold&lt;/b&gt;&amp;&lt;br&gt;"]  # whole: a tooltip line
    assert figure["layout"]["yaxis"]["ticktext"] == [as_text(shorten("<b>bold</b>&<br>"))]
    assert "<" not in figure["layout"]["yaxis"]["ticktext"][0]
    assert figure["data"][0]["customdata"] == ["<b>bold</b>&<br>"]  # what a click selects: the name itself


def test_count_axes_tick_whole_numbers():
    assert count_axis(3) == {"tickformat": ",d", "rangemode": "tozero", "tickmode": "linear", "tick0": 0, "dtick": 1}
    assert count_axis(101_890) == {"tickformat": ",d", "rangemode": "tozero"}


def test_the_daily_axis_says_the_year_on_long_ranges(engine, many):
    long = run_panel(daily_trend.PANEL, engine, Filters(MANY_START, MANY_END))
    assert long.figure["layout"]["xaxis"]["tickformat"] == "%b %Y"
    assert sum(trace(long)["y"]) == sum(n for _, n in oracle.daily(engine, MANY_START, MANY_END))
    assert "%{y:,d}" in trace(long)["hovertemplate"]
    across = daily_trend.daily_figure([], Filters(date(2025, 12, 20), date(2026, 1, 10)))
    assert across["layout"]["xaxis"]["tickformat"] == "%b %d, %Y"
    short = daily_trend.daily_figure([], Filters(date(2026, 3, 1), date(2026, 3, 5)))
    assert short["layout"]["xaxis"]["tickformat"] == "%b %d"


def test_breakdowns_count_with_separators(engine, many):
    shown = run_panel(gender.PANEL, engine, Filters(MANY_START, MANY_END))
    assert list(zip(trace(shown)["customdata"], trace(shown)["y"])) == oracle.by_gender(engine, MANY_START, MANY_END)
    assert trace(shown)["texttemplate"] == "%{y:,d}" and shown.figure["layout"]["yaxis"]["tickformat"] == ",d"
