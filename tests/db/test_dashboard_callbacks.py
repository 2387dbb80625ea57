"""The data callback's plain functions against a real PostgreSQL, with figures worked out by hand."""

from __future__ import annotations

import socket
from datetime import date, timedelta

import pytest
from dash import no_update

from callbacks.dashboard import BOTH_DATES_NEEDED, OUTPUTS, update_dashboard
from tests.db.dashboard_data import END, START, seed_known_data


@pytest.fixture
def known(engine, writer):
    return seed_known_data(engine, writer)


def run(engine, start=START, end=END, age="all", gender="all", feature=None):
    return update_dashboard(engine.connect, start and str(start), end and str(end), age, gender, feature)


def cards(update):
    v = update.view
    return (v.total_clicks, v.top_feature, v.top_feature_clicks, v.daily_average, v.features_tracked)


def bars(update):
    trace = update.view.bar_figure["data"][0]
    assert trace["orientation"] == "h"
    return list(zip(trace["y"], trace["x"]))


def line(update):
    trace = update.view.line_figure["data"][0]
    return dict(zip(trace["x"], trace["y"]))


def test_all_filters_open(engine, known):
    update = run(engine)
    # search 3+2+1, export 4+1, share 2+1 (the 5 on Mar 11 and the 7 alerts on Feb 28 are outside the range)
    assert cards(update) == ("14", "search", "6 clicks", "1.4", "3")
    assert bars(update) == [("search", 6), ("export", 5), ("share", 3)]
    daily = line(update)
    assert len(daily) == 10  # one point per day, both ends included
    assert daily == {
        "2026-03-01": 7,
        "2026-03-02": 2,
        "2026-03-03": 2,
        "2026-03-04": 1,
        "2026-03-05": 1,
        "2026-03-06": 0,
        "2026-03-07": 0,
        "2026-03-08": 0,
        "2026-03-09": 0,
        "2026-03-10": 1,
    }
    assert update.view.chip is None
    assert update.view.message == ""
    assert update.view.trend_title == "Daily clicks: all features"


def test_age_group_filter_counts_boundaries(engine, known):
    update = run(engine, age="18-40")  # ages 30 and 40
    assert cards(update) == ("7", "export", "5 clicks", "0.7", "2")
    assert bars(update) == [("export", 5), ("search", 2)]
    update = run(engine, age=">40")  # age 41
    assert cards(update) == ("3", "share", "2 clicks", "0.3", "2")
    update = run(engine, age="<18")
    assert cards(update) == ("3", "search", "3 clicks", "0.3", "1")


def test_gender_filter(engine, known):
    update = run(engine, gender="Male")
    assert cards(update) == ("6", "search", "4 clicks", "0.6", "2")
    assert bars(update) == [("search", 4), ("share", 2)]
    assert run(engine, gender="Other").view.total_clicks == "1"


def test_combined_filters_and_single_day(engine, known):
    update = run(engine, start=date(2026, 3, 10), end=date(2026, 3, 11), age=">40", gender="Male")
    assert cards(update) == ("1", "search", "1 clicks", "0.5", "1")
    update = run(engine, start=date(2026, 3, 11), end=date(2026, 3, 11))
    assert cards(update) == ("5", "share", "5 clicks", "5.0", "1")


def test_selected_feature_filters_only_the_line_chart(engine, known):
    update = run(engine, feature="search")
    assert cards(update) == ("14", "search", "6 clicks", "1.4", "3")  # cards ignore the selection
    assert bars(update) == [("search", 6), ("export", 5), ("share", 3)]
    daily = line(update)
    assert [daily[d] for d in sorted(daily)] == [3, 2, 0, 0, 0, 0, 0, 0, 0, 1]
    assert update.view.line_figure["data"][0]["name"] == "search"
    assert update.view.trend_title == "Daily clicks: search"
    assert update.view.chip.id == "clear-feature-chip"
    assert update.view.chip.children == "search ×"
    colors = update.view.bar_figure["data"][0]["marker"]["color"]
    assert colors[0] != colors[1] == colors[2]  # the selected bar stands out


def test_empty_range_shows_an_empty_state(engine, known):
    update = run(engine, start=date(2025, 1, 1), end=date(2025, 1, 31))
    assert cards(update) == ("0", "—", "no clicks in this range", "0.0", "0")
    bar = update.view.bar_figure
    assert bar["data"] == []
    assert bar["layout"]["annotations"][0]["text"] == "No clicks in this range"
    daily = line(update)
    assert len(daily) == 31 and set(daily.values()) == {0}
    assert update.view.line_figure["layout"]["annotations"][0]["text"] == "No clicks in this range"


@pytest.mark.parametrize("start,end", [(START, None), (None, END), (None, None), ("", END)])
def test_one_date_cleared_keeps_the_last_results(engine, known, start, end):
    update = run(engine, start=start, end=end)
    assert update.view is None and update.filters is None
    outputs = update.outputs()
    assert len(outputs) == len(OUTPUTS)
    assert all(value is no_update for value in outputs[:-1])
    assert outputs[-1] == BOTH_DATES_NEEDED


def test_invalid_range_keeps_the_last_results(engine, known):
    update = run(engine, start=END, end=START)
    assert update.view is None
    assert "before start date" in update.message


def test_outputs_follow_the_declared_order(engine, known):
    outputs = run(engine, feature="export").outputs()
    declared = [f"{o.component_id}.{o.component_property}" for o in OUTPUTS]
    assert declared[:5] == [
        "stat-total-clicks.children",
        "stat-top-feature.children",
        "stat-top-feature-clicks.children",
        "stat-daily-average.children",
        "stat-features-tracked.children",
    ]
    assert outputs[:5] == ["14", "search", "6 clicks", "1.4", "3"]
    assert outputs[5]["data"][0]["type"] == "bar" and outputs[6]["data"][0]["type"] == "scatter"
    assert outputs[7] == "Daily clicks: export"
    assert outputs[8].children == "export ×"
    assert outputs[9] == ""


def test_default_range_is_thirty_days_ending_today():
    from layouts.dashboard import default_filters

    filters = default_filters(date(2026, 3, 31))
    assert (filters.start, filters.end) == (date(2026, 3, 2), date(2026, 3, 31))
    assert (filters.end - filters.start) + timedelta(days=1) == timedelta(days=30)


def test_database_down_keeps_the_last_results():
    from callbacks.dashboard import DATABASE_DOWN
    from db.engine import make_engine

    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    down = make_engine(f"postgresql+psycopg://nobody@127.0.0.1:{port}/nothing", pool_pre_ping=False)
    update = update_dashboard(down.connect, str(START), str(END), "all", "all", None)
    down.dispose()
    assert update.view is None and update.message == DATABASE_DOWN
    assert all(value is no_update for value in update.outputs()[:-1])


def test_meta_event_failure_never_breaks_the_dashboard(db_url, caplog):
    from callbacks.tracking import record_interaction
    from db.writer import EventWriter

    closed = EventWriter(db_url, "UTC")
    closed.close()
    assert record_interaction(closed, "refresh_button", None) is None
    assert "refresh_button was not recorded" in caplog.text


def test_meta_event_is_written_with_the_user(engine, writer, known):
    from sqlalchemy import text

    from callbacks.tracking import record_interaction

    result = record_interaction(writer, "filter_gender", known["forty_o"])
    assert (result.accepted, result.duplicates) == (1, 0)
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT feature, source, user_id, age_group, gender FROM events WHERE source = 'dashboard'")
        ).one()
    assert tuple(row) == ("filter_gender", "dashboard", known["forty_o"], "18-40", "Other")
