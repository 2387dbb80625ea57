"""The data callback with a preset, compare and granularity, today pinned: the four change texts, the comparison's
description, the feature table's change column and the trend's buckets and comparison line, against the raw-SQL
oracle (tests/oracle.py) over the known dataset (tests/dataset.py)."""

from __future__ import annotations

from datetime import date

import pytest

from callbacks.dashboard import update_dashboard
from layouts.placement import BOARD
from tests import oracle

CHANGES = (
    "stat-total-clicks-change.children",
    "stat-top-feature-change.children",
    "stat-daily-average-change.children",
    "stat-features-tracked-change.children",
)
MINUS = "\u2212"


def run(engine, start, end, today, *, preset="custom", compare="off", granularity="auto", **filters):
    f = {"age": "all", "gender": "all", "feature": None, "source": "all"} | filters
    return update_dashboard(
        engine.connect,
        BOARD,
        str(start),
        str(end),
        f["age"],
        f["gender"],
        f["feature"],
        today=today,
        source=f["source"],
        preset=preset,
        compare=compare,
        granularity=granularity,
    )


def trend(update) -> list[dict]:
    return update.values["daily-trend-chart.figure"]["data"]


@pytest.mark.parametrize(
    ("start", "end", "today", "preset", "compare", "previous"),
    [
        (
            date(2026, 3, 3),
            date(2026, 3, 5),
            date(2026, 3, 6),
            "custom",
            "previous_period",
            (date(2026, 2, 28), date(2026, 3, 2)),
        ),
        (
            date(2026, 2, 27),
            date(2026, 3, 5),
            date(2026, 3, 5),
            "last_7_days",
            "previous_period",
            (date(2026, 2, 20), date(2026, 2, 26)),
        ),
        (
            date(2026, 3, 1),
            date(2026, 3, 5),
            date(2026, 3, 5),
            "month_to_date",
            "previous_period",
            (date(2026, 2, 1), date(2026, 2, 5)),
        ),
        (
            date(2026, 3, 1),
            date(2026, 3, 6),
            date(2026, 3, 7),
            "custom",
            "year_over_year",
            (date(2025, 3, 1), date(2025, 3, 6)),
        ),
        (
            date(2026, 3, 5),
            date(2026, 3, 6),
            date(2026, 3, 7),
            "custom",
            "previous_period",
            (date(2026, 3, 3), date(2026, 3, 4)),
        ),
    ],
)
def test_change_texts_and_table_match_sql(engine, known, start, end, today, preset, compare, previous):
    update = run(engine, start, end, today, preset=preset, compare=compare)
    expected = oracle.comparison(engine, start, end, *previous)
    assert [update.values[key] for key in CHANGES] == list(expected["changes"].values())
    assert update.values["stat-comparison-range.children"] == f"Changes against {previous[0]} to {previous[1]}."
    assert update.values["feature-table-head-change.hidden"] is False
    table = update.values["feature-table-data.data"]
    assert table["changes"] == {row["feature"]: row["change"] for row in expected["by_feature"]}
    assert update.view.preset == preset
    # the comparison line: one value per aligned bucket, the days of the comparison range
    size = oracle.granularity_for(start, end)
    compared = oracle.series(engine, *previous, size, today)
    line = trend(update)[-1]
    assert line["name"] == "Comparison"
    assert line["y"] == [bucket["clicks"] for bucket in compared][: len(trend(update)[0]["x"])]


def test_by_hand_the_last_days_against_the_days_before(engine, known):
    # 03-05..03-06 (2 + 5 = 7 clicks: share 5, export 1, search 1) against 03-03..03-04 (share 2 + share 1 = 3)
    update = run(engine, date(2026, 3, 5), date(2026, 3, 6), date(2026, 3, 7), compare="previous_period")
    assert [update.values[key] for key in CHANGES] == ["+133%", "+67%", "+133%", "+2"]
    assert update.values["feature-table-data.data"]["changes"] == {"share": "+67%", "export": "new", "search": "new"}


def test_compare_off_leaves_the_changes_empty(engine, known):
    update = run(engine, date(2026, 3, 3), date(2026, 3, 5), date(2026, 3, 6))
    assert [update.values[key] for key in CHANGES] == ["", "", "", ""]
    assert update.values["feature-table-head-change.hidden"] is True
    assert [trace["name"] for trace in trend(update) if trace.get("name") == "Comparison"] == []


def test_no_clicks_anywhere_is_dashes(engine, known):
    update = run(engine, date(2026, 4, 1), date(2026, 4, 3), date(2026, 4, 10), compare="previous_period")
    assert [update.values[key] for key in CHANGES] == ["\u2014", "\u2014", "\u2014", "0"]


@pytest.mark.parametrize("granularity", ["day", "week", "month"])
def test_trend_buckets_match_sql(engine, known, granularity):
    start, end, today = date(2026, 2, 23), date(2026, 3, 8), date(2026, 3, 8)
    update = run(engine, start, end, today, granularity=granularity)
    buckets = oracle.series(engine, start, end, granularity, today)
    area = trend(update)[0]
    assert area["x"] == [bucket["start"] for bucket in buckets]
    assert area["y"] == [bucket["clicks"] for bucket in buckets]
    # the incomplete buckets' tooltips say so; the dashed line touches exactly them
    for text, bucket in zip(area["customdata"], buckets):
        assert ("so far" in text or "partial" in text) == (not bucket["complete"])
    dashed = trend(update)[2]
    assert dashed["line"]["dash"] == "dash"


def test_a_preset_whose_dates_the_picker_shows_is_that_preset_else_custom(engine, known):
    today = date(2026, 3, 5)
    named = run(engine, date(2026, 2, 27), today, today, preset="last_7_days")
    assert named.view.preset == "last_7_days"
    edited = run(engine, date(2026, 2, 28), today, today, preset="last_7_days")  # a date edited: a custom range
    assert (edited.view.preset, edited.view.start) == ("custom", date(2026, 2, 28))


def test_bad_compare_or_granularity_keeps_the_last_figures(engine, known):
    update = run(engine, date(2026, 3, 3), date(2026, 3, 5), date(2026, 3, 6), compare="always")
    assert update.values is None and "compare" in update.message.lower() or "always" in update.message
    update = run(engine, date(2026, 3, 3), date(2026, 3, 5), date(2026, 3, 6), granularity="hour")
    assert update.values is None


def test_a_preset_rolled_over_wins_over_the_pickers_old_dates_unless_a_date_was_edited(engine, known):
    # the page was loaded on 03-05 (last 7 days: 02-27..03-05); a filter changes on 03-06
    stale = dict(preset="last_7_days", compare="previous_period")
    rolled = update_dashboard(
        engine.connect,
        BOARD,
        "2026-02-27",
        "2026-03-05",
        "all",
        "all",
        None,
        today=date(2026, 3, 6),
        **stale,
        dates_edited=False,
    )
    assert (rolled.view.preset, rolled.filters.start, rolled.filters.end) == (
        "last_7_days",
        date(2026, 2, 28),
        date(2026, 3, 6),
    )
    assert (
        rolled.values["stat-total-clicks.children"] == oracle.card_texts(engine, date(2026, 2, 28), date(2026, 3, 6))[0]
    )
    edited = run(engine, date(2026, 2, 27), date(2026, 3, 5), date(2026, 3, 6), **stale)
    assert (edited.view.preset, edited.filters.start) == ("custom", date(2026, 2, 27))
