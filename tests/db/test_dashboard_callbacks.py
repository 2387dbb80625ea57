"""The data callback's plain functions against a real PostgreSQL: the cards, the chip and every panel for one set of
filters, checked by hand (tests/dataset.py) and against the raw-SQL oracle (tests/oracle.py)."""

from __future__ import annotations

import socket
from datetime import date, timedelta

import pytest
from dash import no_update
from sqlalchemy import event, text
from sqlalchemy.exc import ProgrammingError

from callbacks.dashboard import BOTH_DATES_NEEDED, outputs, update_dashboard
from db.filters import Filters
from layouts.placement import BOARD
from panels.board import Place
from panels.panel import Panel
from tests import oracle
from tests.dash_client import text_of
from tests.dataset import END, START

CARDS = (
    "stat-total-clicks.children",
    "stat-top-feature.children",
    "stat-top-feature-clicks.children",
    "stat-daily-average.children",
    "stat-features-tracked.children",
)


def run(engine, start=START, end=END, age="all", gender="all", feature=None, board=BOARD, source="all"):
    dates = (start and str(start), end and str(end))
    return update_dashboard(engine.connect, board, *dates, age, gender, feature, source=source)


def cards(update) -> tuple:
    return tuple(update.values[key] for key in CARDS)


def trace(update, graph_id: str) -> dict:
    return update.values[f"{graph_id}.figure"]["data"][0]


def bars(update) -> list[tuple[str, int]]:
    """The feature bars as (feature, clicks), top to bottom; none in the empty state."""
    data = update.values["feature-bar-chart.figure"]["data"]
    return list(zip(data[0]["y"], data[0]["x"])) if data else []


def line(update) -> dict[str, int]:
    return dict(zip(trace(update, "daily-trend-chart")["x"], trace(update, "daily-trend-chart")["y"]))


def segments(update, graph_id: str) -> list[tuple[str, int]]:
    """The bars of a breakdown as (segment, clicks); none in the empty state."""
    data = update.values[f"{graph_id}.figure"]["data"]
    return list(zip(data[0]["customdata"], data[0]["y"])) if data else []


def shown(pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """What a bar chart draws for these counts: nothing (the empty state) when they are all zero."""
    return pairs if any(n for _name, n in pairs) else []


def test_all_filters_open(engine, known):
    update = run(engine)
    # export 4 and search 4 (alphabetical wins the tie), share 3; the 7 on 02-28 and the 5 on 03-06 are outside
    assert cards(update) == ("11", "export", "4 clicks", "2.2", "3")
    assert bars(update) == [("export", 4), ("search", 4), ("share", 3)]
    assert line(update) == {"2026-03-01": 6, "2026-03-02": 0, "2026-03-03": 2, "2026-03-04": 1, "2026-03-05": 2}
    assert segments(update, "age-group-chart") == [("<18", 3), ("18-40", 4), (">40", 3), ("unknown", 1)]
    assert segments(update, "gender-chart") == [("Male", 6), ("Female", 3), ("Other", 1), ("unknown", 1)]
    assert update.values["feature-chip-container.children"] is None
    assert update.values["daily-trend-chart-title.children"] == "Clicks over time: all features"
    assert update.message == ""


def test_age_group_and_gender_filters(engine, known):
    update = run(engine, age="18-40")  # ages 18 and 40
    assert cards(update) == ("4", "export", "4 clicks", "0.8", "1")
    assert segments(update, "age-group-chart") == [("<18", 3), ("18-40", 4), (">40", 3), ("unknown", 1)]
    assert segments(update, "gender-chart") == [("Male", 0), ("Female", 3), ("Other", 1)]
    update = run(engine, gender="Male")
    assert cards(update) == ("6", "search", "4 clicks", "1.2", "2")
    assert bars(update) == [("search", 4), ("share", 2)]


def test_selected_feature_narrows_the_line_and_the_breakdowns_not_the_cards_or_bars(engine, known):
    update = run(engine, feature="search")
    assert trace(update, "feature-bar-chart")["orientation"] == "h"
    assert cards(update) == ("11", "export", "4 clicks", "2.2", "3")
    assert bars(update) == [("export", 4), ("search", 4), ("share", 3)]
    assert list(line(update).values()) == [3, 0, 0, 0, 1]
    assert segments(update, "age-group-chart") == [("<18", 3), ("18-40", 0), (">40", 1)]
    assert segments(update, "gender-chart") == [("Male", 4), ("Female", 0), ("Other", 0)]
    assert update.values["daily-trend-chart-title.children"] == "Clicks over time: search"
    chip = update.values["feature-chip-container.children"]
    assert (chip.id, text_of(chip.children)) == ("clear-feature-chip", "search ×")
    colors = trace(update, "feature-bar-chart")["marker"]["color"]
    assert colors[1] != colors[0] == colors[2]  # the selected bar stands out


def assert_equals_the_oracle(engine, update, f: dict) -> None:
    """Cards, bars, daily line and both breakdowns of one data-callback answer equal the raw-SQL oracle for `f`."""
    texts = oracle.card_texts(engine, **f)
    assert (cards(update)[:2], cards(update)[3:]) == (texts[:2], texts[2:]), f
    assert bars(update) == oracle.by_feature(engine, **f), f
    assert list(line(update).values()) == [n for _day, n in oracle.daily(engine, **f)], f
    assert segments(update, "age-group-chart") == shown(oracle.by_age_group(engine, **f)), f
    assert segments(update, "gender-chart") == shown(oracle.by_gender(engine, **f)), f


@pytest.mark.parametrize(("start", "end"), [(START, END), (date(2026, 2, 28), date(2026, 3, 6))])
def test_every_output_equals_the_raw_sql_oracle(engine, known, start, end):
    for age in ("all", "<18", "18-40", ">40"):
        for gender in ("all", "Male", "Female", "Other"):
            for feature in (None, "share"):
                f = dict(start=start, end=end, age_group=age, gender=gender, feature=feature)
                update = run(engine, start, end, age, gender, feature)
                assert_equals_the_oracle(engine, update, f)


@pytest.mark.parametrize("source", ["all", "api", "dashboard"])
def test_unknown_and_source_filters_equal_the_raw_sql_oracle(engine, known, source):
    for age in ("all", "unknown", "<18"):
        for gender in ("all", "unknown", "Male"):
            for feature in (None, "search"):
                f = dict(start=START, end=END, age_group=age, gender=gender, feature=feature, source=source)
                update = run(engine, START, END, age, gender, feature, source=source)
                assert_equals_the_oracle(engine, update, f)


def test_unknown_and_source_by_hand(engine, known):
    update = run(engine, gender="unknown")  # the share click on 03-04 without a known person
    assert cards(update) == ("1", "share", "1 clicks", "0.2", "1")
    assert segments(update, "gender-chart") == [("Male", 6), ("Female", 3), ("Other", 1), ("unknown", 1)]
    assert update.values["empty-state-filters.children"] == "From 2026-03-01 to 2026-03-05, gender Unknown."
    update = run(engine, source="dashboard")  # search by teen 3 (03-01), export by forty 1 (03-05)
    assert cards(update) == ("4", "search", "3 clicks", "0.8", "2")
    assert bars(update) == [("search", 3), ("export", 1)]
    assert list(line(update).values()) == [3, 0, 0, 0, 1]
    update = run(engine, source="api", age="unknown")
    assert cards(update) == ("1", "share", "1 clicks", "0.2", "1")
    update = run(engine, source="nonsense")
    assert update.values is None
    assert update.message.startswith("'nonsense' is not one of all, api, dashboard.")


def test_single_day_and_combined_filters(engine, known):
    update = run(engine, start=END, end=date(2026, 3, 6), age=">40", gender="Male")
    assert cards(update) == ("1", "search", "1 clicks", "0.5", "1")
    update = run(engine, start=date(2026, 3, 6), end=date(2026, 3, 6))
    assert cards(update) == ("5", "share", "5 clicks", "5.0", "1")


def test_empty_range_shows_an_empty_state_in_every_panel(engine, known):
    update = run(engine, start=date(2025, 1, 1), end=date(2025, 1, 31))
    assert cards(update) == ("0", "—", "no clicks in this range", "0.0", "0")
    for graph_id in ("feature-bar-chart", "age-group-chart", "gender-chart"):
        figure = update.values[f"{graph_id}.figure"]
        assert figure["data"] == [], graph_id
        assert figure["layout"]["annotations"][0]["text"] == "No clicks in this range"
    daily = line(update)
    assert len(daily) == 31 and set(daily.values()) == {0}  # the zero line stays, under the note
    assert update.values["daily-trend-chart.figure"]["layout"]["annotations"][0]["text"] == "No clicks in this range"


@pytest.mark.parametrize("start,end", [(START, None), (None, END), (None, None), ("", END)])
def test_one_date_cleared_keeps_the_last_results(engine, known, start, end):
    update = run(engine, start=start, end=end)
    assert update.values is None and update.filters is None
    values = update.outputs(outputs(BOARD))
    assert values[:-4] == [no_update] * (len(values) - 4)
    # no banner, no reset pending, the message as a grey hint (a range being picked is not an error)
    assert values[-4:] == [True, False, "small text-muted", BOTH_DATES_NEEDED]


def test_invalid_range_keeps_the_last_results(engine, known):
    update = run(engine, start=END, end=START)
    assert update.values is None
    assert "before start date" in update.message
    assert update.outputs(outputs(BOARD))[-2] == "small text-danger"  # an error, in red


def test_an_end_after_today_is_refused_with_a_message(engine, known):
    today = END - timedelta(days=1)
    update = update_dashboard(engine.connect, BOARD, str(START), str(END), "all", "all", None, today=today)
    assert update.values is None
    assert (
        update.message
        == f"The end date {END} is after today ({today}). The figures below are for the last valid filters."
    )
    assert run(engine).values is not None  # without a today (tests, the stats API's own rules): as before


def test_one_callback_fills_the_cards_the_chip_and_every_panel_in_order(engine, known):
    declared = [f"{o.component_id}.{o.component_property}" for o in outputs(BOARD)]
    assert declared == [
        *CARDS,
        "feature-chip-container.children",
        "feature-bar-chart.figure",
        "daily-trend-chart.figure",
        "daily-trend-chart-title.children",
        "age-group-chart.figure",
        "gender-chart.figure",
        "last-updated.children",
        "status-banner-time.children",
        "empty-state.hidden",
        "empty-state-filters.children",
        "feature-table-data.data",
        "stat-total-clicks-change.children",
        "stat-top-feature-change.children",
        "stat-daily-average-change.children",
        "stat-features-tracked-change.children",
        "stat-comparison-range.children",
        "feature-table-head-change.hidden",
        "status-banner.hidden",
        "reset-pending.data",
        "date-range-message.className",
        "date-range-message.children",
    ]
    values = run(engine, feature="export").outputs(outputs(BOARD), "2026-03-05 14:02:07 UTC")
    assert values[:5] == ["11", "export", "4 clicks", "2.2", "3"]
    assert text_of(values[5].children) == "export ×"
    assert [values[i]["data"][0]["type"] for i in (6, 7, 9, 10)] == ["bar", "scatter", "bar", "bar"]
    assert values[8] == "Clicks over time: export"
    assert values[11:13] == ["Updated 2026-03-05 14:02:07 UTC", " (2026-03-05 14:02:07 UTC)"]
    assert values[13:15] == [True, "From 2026-03-01 to 2026-03-05."]  # clicks: no empty state
    assert values[15] == {"rows": [["export", 4], ["search", 4], ["share", 3]], "total": 11, "changes": None}
    assert values[16:22] == ["", "", "", "", "", True]  # compare off: no change texts, no change column
    assert values[22:] == [True, False, "small text-danger", ""]


def test_the_whole_view_takes_one_connection_and_four_queries(engine, known):
    connections, statements = [], []

    def connect():
        connections.append(1)
        return engine.connect()

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        update = update_dashboard(connect, BOARD, str(START), str(END), "all", "all", "share")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert update.message == "" and len(connections) == 1
    assert len(statements) == 4  # the cards and the bar chart share one query; one each for the other panels


def test_default_range_is_thirty_days_ending_today():
    from layouts.dashboard import default_filters

    filters = default_filters(date(2026, 3, 31))
    assert (filters.start, filters.end) == (date(2026, 3, 2), date(2026, 3, 31))
    assert (filters.end - filters.start) + timedelta(days=1) == timedelta(days=30)


def test_database_down_keeps_the_last_results():
    from db.engine import make_engine

    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    down = make_engine(f"postgresql+psycopg://nobody@127.0.0.1:{port}/nothing", pool_pre_ping=False)
    update = update_dashboard(down.connect, BOARD, str(START), str(END), "all", "all", None)
    down.dispose()
    assert update.values is None and update.database_down
    shown = dict(
        zip((f"{o.component_id}.{o.component_property}" for o in outputs(BOARD)), update.outputs(outputs(BOARD)))
    )
    assert shown.pop("status-banner.hidden") is False  # the banner says the figures are stale
    assert shown.pop("date-range-message.children") == ""
    assert shown.pop("reset-pending.data") is False
    assert shown.pop("date-range-message.className") == "small text-danger"
    assert set(shown.values()) == {no_update}  # every figure, card and time stays as it was


def panel_with_query(query) -> Panel:
    return Panel(
        id="probe-chart",
        title="Probe",
        query=query,
        figure=lambda rows, f: {"data": [], "layout": {}},
        stats_key="probe",
        tracked_as=None,
    )


def test_a_value_the_database_refuses_is_a_message_not_a_crash(engine, known):
    def refused(conn, f: Filters):
        return conn.execute(text("SELECT CAST(:text AS integer) AS clicks"), {"text": "twelve"}).all()

    update = run(engine, board=BOARD.with_row(Place(panel_with_query(refused))))
    assert update.values is None
    assert update.message.startswith("The database refused a value (invalid input syntax for type integer")
    assert update.message.endswith("The figures below are for the last valid filters.")


def test_a_bug_in_a_query_is_not_hidden_as_an_outage(engine, known):
    def broken(conn, f: Filters):
        return conn.execute(text("SELECT clicks FROM no_such_table")).all()

    with pytest.raises(ProgrammingError):
        run(engine, board=BOARD.with_row(Place(panel_with_query(broken))))


def test_meta_event_failure_never_breaks_the_dashboard(db_url, engine, caplog):
    from callbacks.tracking import record_interaction
    from db.writer import EventWriter

    closed = EventWriter(db_url, "UTC")
    closed.close()
    assert record_interaction(closed, engine, "refresh_button", None) is None
    assert "refresh_button was not recorded" in caplog.text


def test_meta_event_is_written_with_the_user(engine, writer, known):
    from callbacks.tracking import record_interaction

    result = record_interaction(writer, engine, "chart_gender", known["forty"])
    assert (result.accepted, result.duplicates) == (1, 0)
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT feature, source, user_id, age_group, gender FROM events WHERE feature = 'chart_gender'")
        ).one()
    assert tuple(row) == ("chart_gender", "dashboard", known["forty"], "18-40", "Other")
