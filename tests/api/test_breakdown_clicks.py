"""Through the Dash endpoint, as the browser sends it: a click on a breakdown segment sets that filter and the
RESET_PENDING mark (so the filter's own recorder records nothing), a forged segment changes nothing, and the data
callback answers the new filter values (unknown, source) with the oracle's numbers in one request."""

from __future__ import annotations

import pytest

from tests import oracle
from tests.dash_client import callback_for, count_events, data_dep, filter_values, post_callback
from tests.dataset import END, START


def segment_click(chart: str, value: str) -> dict:
    return {f"{chart}.clickData": {"points": [{"x": value, "y": 1, "customdata": value}], "timestamp": 1}}


def setter(client, chart: str, control: str) -> dict:
    """The callback that turns a click on `chart` into a value of the filter `control`."""
    found = [d for d in callback_for(client, [f"{chart}.clickData"]) if f"{control}.value" in d["output"]]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize(
    ("chart", "control", "active", "value", "expected"),
    [
        ("gender-chart", "filter-gender", "all", "Female", "Female"),
        ("gender-chart", "filter-gender", "Male", "unknown", "unknown"),
        ("gender-chart", "filter-gender", "Female", "Female", "all"),  # the active segment again: everyone
        ("age-group-chart", "filter-age-group", "all", "18-40", "18-40"),
        ("age-group-chart", "filter-age-group", "18-40", "18-40", "all"),
    ],
)
def test_a_segment_click_sets_the_filter_and_the_mark(logged_in_client, chart, control, active, value, expected):
    dep = setter(logged_in_client, chart, control)
    values = segment_click(chart, value) | {f"{control}.value": active}
    response = post_callback(logged_in_client, dep, values, [f"{chart}.clickData"])
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()["response"]
    assert answer[control]["value"] == expected
    assert answer["reset-pending"]["data"] is True


@pytest.mark.parametrize("value", ["robot", "all", "<script>", ""])
def test_a_forged_segment_changes_nothing(logged_in_client, engine, analyst, value):
    dep = setter(logged_in_client, "gender-chart", "filter-gender")
    values = segment_click("gender-chart", value) | {"filter-gender.value": "Male"}
    response = post_callback(logged_in_client, dep, values, ["gender-chart.clickData"])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"multi": True, "response": {}}  # nothing set, nothing marked
    assert count_events(engine, user_id=analyst.id) == 0


def test_the_filter_recorder_skips_a_marked_change_and_counts_its_own(logged_in_client, engine, analyst):
    trackers = [d for d in callback_for(logged_in_client, ["filter-gender.value"]) if d.get("no_output")]
    assert len(trackers) == 1
    change = {"filter-gender.value": "Female"}
    marked = post_callback(logged_in_client, trackers[0], change | {"reset-pending.data": True}, list(change))
    assert marked.status_code in (200, 204)
    assert count_events(engine, user_id=analyst.id) == 0
    own = post_callback(logged_in_client, trackers[0], change | {"reset-pending.data": False}, list(change))
    assert own.status_code in (200, 204)
    assert count_events(engine, user_id=analyst.id, feature="filter_gender") == 1


@pytest.mark.parametrize(
    "asked",
    [
        dict(gender="unknown"),
        dict(age="unknown"),
        dict(source="api"),
        dict(source="dashboard"),
        dict(source="dashboard", gender="Male", feature="search"),
        dict(source="api", age="unknown", gender="unknown"),
    ],
)
def test_one_data_request_answers_the_new_filter_values_with_the_oracle(logged_in_client, engine, known, asked):
    response = post_callback(logged_in_client, data_dep(logged_in_client), filter_values(**asked), [])
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.get_json()["response"]
    same = dict(
        age_group=asked.get("age", "all"),
        gender=asked.get("gender", "all"),
        feature=asked.get("feature"),
        source=asked.get("source", "all"),
    )
    texts = oracle.card_texts(engine, START, END, **same)
    shown = tuple(
        result[i]["children"]
        for i in ("stat-total-clicks", "stat-top-feature", "stat-daily-average", "stat-features-tracked")
    )
    assert shown == texts
    trend = result["daily-trend-chart"]["figure"]["data"][0]["y"]
    assert trend == [n for _day, n in oracle.daily(engine, START, END, **same)]
    genders = result["gender-chart"]["figure"]["data"]
    expected = oracle.by_gender(engine, START, END, **same)
    assert (list(zip(genders[0]["customdata"], genders[0]["y"])) if genders else []) == (
        expected if any(n for _g, n in expected) else []
    )
