"""Adding a chart is one file plus one placement line: the README's example panel (tests/panels/clicks_by_weekday.py,
not on the product's page) placed on a board of a test app appears on the page, follows the filters with the rest,
has its key in the stats API and records one meta-analytics event per click."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.filters import Filters
from layouts.placement import BOARD
from panels.board import Place
from panels.panel import run_panel
from tests import oracle
from tests.conftest import login
from tests.dash_client import callback_for, count_events, data_dep, filter_values, layout_props, post_callback
from tests.dataset import END, START
from tests.panels import clicks_by_weekday

PROJECT = Path(__file__).resolve().parents[2]
WITH_WEEKDAY = BOARD.with_row(Place(clicks_by_weekday.PANEL, 12))  # the one placement line


@pytest.fixture
def weekday_client(settings, analyst, known):
    """A logged-in test client of an app whose board has the weekday panel in a row of its own."""
    from app import create_app
    from appstate import state

    app = create_app(settings, WITH_WEEKDAY)
    client = app.server.test_client()
    assert login(client).status_code == 302
    yield client
    state(app.server).close()


def weekdays(figure: dict) -> list[tuple[str, int]]:
    trace = figure["data"][0]
    return list(zip(trace["x"], trace["y"]))


def test_the_readme_recipe_is_this_file_verbatim():
    readme = (PROJECT / "README.md").read_text()
    example = (PROJECT / "tests" / "panels" / "clicks_by_weekday.py").read_text()
    assert f"```python\n{example}```" in readme


def test_the_new_panel_appears_on_the_page(weekday_client):
    props = layout_props(weekday_client)
    assert props["weekday-chart-title"]["children"] == "Clicks by weekday"
    assert props["weekday-chart"]["config"]["displayModeBar"] is False  # a dcc.Graph in the house card
    assert {"feature-bar-chart", "daily-trend-chart", "age-group-chart", "gender-chart"} <= set(props)


@pytest.mark.parametrize(
    "asked",
    [
        dict(),
        dict(gender="Male"),
        dict(age="18-40", feature="export"),
        dict(start=END, end=END),
    ],
)
def test_the_new_panel_follows_the_filters_with_the_rest(weekday_client, engine, asked):
    response = post_callback(weekday_client, data_dep(weekday_client), filter_values(**asked), [])
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.get_json()["response"]
    same = dict(
        start=asked.get("start", START),
        end=asked.get("end", END),
        age_group=asked.get("age", "all"),
        gender=asked.get("gender", "all"),
        feature=asked.get("feature"),
    )
    assert weekdays(result["weekday-chart"]["figure"]) == oracle.by_weekday(engine, **same)
    assert result["stat-total-clicks"]["children"] == oracle.card_texts(engine, **same)[0]  # in the same answer


def test_the_figure_changes_with_the_filters(weekday_client):
    dep = data_dep(weekday_client)
    everyone = post_callback(weekday_client, dep, filter_values(), []).get_json()["response"]
    male = post_callback(weekday_client, dep, filter_values(gender="Male"), []).get_json()["response"]
    # 2026-03-01 is a Sunday: 6 clicks by everyone, 3 by men; Tuesday 03-03: 2 and 2
    assert weekdays(everyone["weekday-chart"]["figure"])[1::5] == [("Tue", 2), ("Sun", 6)]
    assert weekdays(male["weekday-chart"]["figure"])[1::5] == [("Tue", 2), ("Sun", 3)]


def test_the_new_panel_has_its_key_in_the_stats_api(weekday_client, engine):
    response = weekday_client.get("/api/v1/stats", query_string={"start": str(START), "end": str(END)})
    body = response.get_json()
    assert list(body)[-6:] == ["by_age_group", "by_gender", "by_weekday", "granularity", "series", "comparison"]
    assert body["by_weekday"] == [{"weekday": day, "clicks": n} for day, n in oracle.by_weekday(engine, START, END)]
    assert {k: v for k, v in body.items() if k != "by_weekday"} == oracle.stats(engine, START, END)


def test_a_click_on_the_new_panel_records_exactly_one_event_under_its_name(weekday_client, engine, analyst):
    trackers = [d for d in callback_for(weekday_client, ["weekday-chart.clickData"]) if d.get("no_output")]
    assert len(trackers) == 1  # the one tracking mechanism, no code in the panel
    click = {"weekday-chart.clickData": {"points": [{"x": "Sun", "y": 6}], "timestamp": 1}}
    response = post_callback(weekday_client, trackers[0], click, list(click))
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    assert count_events(engine, user_id=analyst.id) == 1
    assert count_events(engine, user_id=analyst.id, feature="chart_weekday", source="dashboard") == 1


def test_run_panel_gives_the_rows_and_figure_in_one_call(engine, known):
    shown = run_panel(clicks_by_weekday.PANEL, engine, Filters(START, END, age_group=">40"))
    assert [(row.weekday, row.clicks) for row in shown.rows] == oracle.by_weekday(engine, START, END, age_group=">40")
    assert shown.figure["data"][0]["y"] == [0, 2, 0, 1, 0, 0, 0]  # older: share on Tue 03-03, search on Thu 03-05


def test_clicks_by_weekday_follow_the_gender_filter(engine, known):  # the README's example test, as written there
    shown = run_panel(clicks_by_weekday.PANEL, engine, Filters(START, END, gender="Male"))
    assert [(row.weekday, row.clicks) for row in shown.rows] == [
        ("Mon", 0),
        ("Tue", 2),
        ("Wed", 0),
        ("Thu", 1),
        ("Fri", 0),
        ("Sat", 0),
        ("Sun", 3),
    ]
    assert shown.figure["data"][0]["y"] == [0, 2, 0, 1, 0, 0, 3]
