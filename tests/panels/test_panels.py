"""The page's panels, each run with panels.panel.run_panel (its query and figure, as the dashboard shows them) on
the known dataset, against the raw-SQL oracle and the hand counts of tests/dataset.py."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from db.filters import Filters
from layouts.placement import BOARD
from panels import age_group, daily_trend, feature_bar, gender
from panels.panel import run_panel
from tests import oracle
from tests.dataset import END, START

AGE_GROUPS = ("all", "<18", "18-40", ">40")
GENDERS = ("all", "Male", "Female", "Other")
FEATURES = (None, "export", "share", "never_clicked")


def grid():
    """Every demographic filter, with and without a selected feature."""
    return [Filters(START, END, age, sex, feature) for age in AGE_GROUPS for sex in GENDERS for feature in FEATURES]


def oracle_args(f: Filters) -> dict:
    return dict(start=f.start, end=f.end, age_group=f.age_group, gender=f.gender, feature=f.feature)


def trace(rendered) -> dict:
    return rendered.figure["data"][0]


# -- clicks by feature ---------------------------------------------------------------------------------------------
def test_feature_bars_are_the_clicks_per_feature_most_clicked_first(engine, known):
    shown = run_panel(feature_bar.PANEL, engine, Filters(START, END))
    assert (trace(shown)["y"], trace(shown)["x"]) == (["export", "search", "share"], [4, 4, 3])  # tie: alphabetical
    assert trace(shown)["orientation"] == "h" and shown.title == "Clicks by feature"
    assert feature_bar.PANEL.stats_json(shown.rows) == [
        {"feature": "export", "clicks": 4},
        {"feature": "search", "clicks": 4},
        {"feature": "share", "clicks": 3},
    ]


def test_feature_bars_ignore_the_selection_but_highlight_it(engine, known):
    plain = run_panel(feature_bar.PANEL, engine, Filters(START, END))
    selected = run_panel(feature_bar.PANEL, engine, Filters(START, END, feature="search"))
    assert selected.rows == plain.rows
    colors = trace(selected)["marker"]["color"]
    assert colors[1] != colors[0] == colors[2]
    assert len(set(trace(plain)["marker"]["color"])) == 1


# -- daily clicks --------------------------------------------------------------------------------------------------
def test_daily_trend_has_one_point_per_day_zeros_included(engine, known):
    shown = run_panel(daily_trend.PANEL, engine, Filters(START, END))
    assert trace(shown)["x"] == ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]
    assert trace(shown)["y"] == [6, 0, 2, 1, 2]
    assert (trace(shown)["name"], shown.title) == ("All features", "Clicks over time: all features")
    assert daily_trend.PANEL.stats_json(shown.rows)[1] == {"date": "2026-03-02", "clicks": 0}


def test_daily_trend_follows_the_selected_feature(engine, known):
    shown = run_panel(daily_trend.PANEL, engine, Filters(START, END, age_group="18-40", feature="export"))
    assert trace(shown)["y"] == [3, 0, 0, 0, 1]
    assert (trace(shown)["name"], shown.title) == ("export", "Clicks over time: export")


def test_daily_trend_without_clicks_keeps_its_zero_line_under_a_note(engine, known):
    shown = run_panel(daily_trend.PANEL, engine, Filters(date(2025, 1, 1), date(2025, 1, 31)))
    assert trace(shown)["y"] == [0] * 31
    assert shown.figure["layout"]["annotations"][0]["text"] == "No clicks in this range"


# -- breakdowns ----------------------------------------------------------------------------------------------------
def segments(rendered) -> list[tuple[str, int]]:
    return list(zip(trace(rendered)["customdata"], trace(rendered)["y"]))


def test_age_groups_show_every_group_and_unknown_when_it_has_clicks(engine, known):
    shown = run_panel(age_group.PANEL, engine, Filters(START, END))
    assert segments(shown) == [("<18", 3), ("18-40", 4), (">40", 3), ("unknown", 1)]
    assert trace(shown)["x"] == ["Under 18", "18 – 40", "Over 40", "Unknown"]
    assert age_group.PANEL.stats_json(shown.rows)[0] == {"age_group": "<18", "clicks": 3}
    # only known people clicked export: no unknown bar; 18-40 counts ages 18 and 40
    assert segments(run_panel(age_group.PANEL, engine, Filters(START, END, feature="export"))) == [
        ("<18", 0),
        ("18-40", 4),
        (">40", 0),
    ]


def test_an_active_age_group_keeps_every_group_visible_and_stands_out(engine, known):
    shown = run_panel(age_group.PANEL, engine, Filters(START, END, age_group=">40", gender="Male"))
    assert segments(shown) == [("<18", 3), ("18-40", 0), (">40", 3)]  # gender applies, the age group does not
    colors = trace(shown)["marker"]["color"]
    assert colors[2] != colors[0] == colors[1]


def test_genders_show_every_gender_and_follow_the_other_filters(engine, known):
    assert segments(run_panel(gender.PANEL, engine, Filters(START, END))) == [
        ("Male", 6),
        ("Female", 3),
        ("Other", 1),
        ("unknown", 1),
    ]
    female = run_panel(gender.PANEL, engine, Filters(START, END, gender="Female", feature="search"))
    assert segments(female) == [("Male", 4), ("Female", 0), ("Other", 0)]  # follows the selected feature
    assert gender.PANEL.stats_json(female.rows) == [
        {"gender": "Male", "clicks": 4},
        {"gender": "Female", "clicks": 0},
        {"gender": "Other", "clicks": 0},
    ]


def test_a_breakdown_without_clicks_shows_the_empty_state(engine, known):
    shown = run_panel(gender.PANEL, engine, Filters(START, END, age_group="<18", feature="export"))
    assert shown.rows and all(row.clicks == 0 for row in shown.rows)
    assert shown.figure["data"] == []
    assert shown.figure["layout"]["annotations"][0]["text"] == "No clicks in this range"


# -- every panel against the oracle, and from the rollup only -------------------------------------------------------
ORACLE = {
    "feature-bar-chart": (oracle.by_feature, lambda rows: [(r.feature, r.clicks) for r in rows]),
    "daily-trend-chart": (oracle.daily, lambda rows: [(r.day, r.clicks) for r in rows]),
    "age-group-chart": (oracle.by_age_group, lambda rows: [(r.value, r.clicks) for r in rows]),
    "gender-chart": (oracle.by_gender, lambda rows: [(r.value, r.clicks) for r in rows]),
}


@pytest.mark.parametrize("panel", BOARD.panels, ids=lambda panel: panel.id)
def test_every_panel_equals_the_raw_sql_oracle_for_every_filter(engine, known, panel):
    expected, as_pairs = ORACLE[panel.id]
    for f in grid():
        assert as_pairs(run_panel(panel, engine, f).rows) == expected(engine, **oracle_args(f)), f


def test_panels_read_the_rollup_never_the_raw_events(engine, known):
    before = {panel.id: run_panel(panel, engine, Filters(START, END)).rows for panel in BOARD.panels}
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM events"))  # the rollup keeps its counts
    after = {panel.id: run_panel(panel, engine, Filters(START, END)).rows for panel in BOARD.panels}
    assert after == before
    assert oracle.by_feature(engine, START, END) == []  # while the raw events are gone
