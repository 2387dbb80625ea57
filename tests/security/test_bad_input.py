"""Bad input at every entry point a logged-in analyst or an API client reaches: a 400 (or the dashboard's own message)
that names the problem — never a 500, never "database unavailable" — and unknown Dash asset paths are 404.

Was: a NUL byte in a filter gave 503 "database unavailable" (500 in the Dash callback), a year-1 date range a 500,
`GET /_dash-component-suites/clickboard/app.py` a 500 with a traceback.
"""

from __future__ import annotations

import pytest

from tests.dash_client import data_dep, filter_values, post_callback
from tests.dataset import END, START

BAD_FILTERS = [
    pytest.param({"feature": "exp\x00ort"}, "feature", id="nul-in-feature"),
    pytest.param({"feature": "export\x07"}, "feature", id="bell-in-feature"),
    pytest.param({"feature": "x" * 101}, "feature", id="feature-over-100"),
    pytest.param({"age_group": "18-40\x00"}, "age_group", id="nul-in-age-group"),
    pytest.param({"gender": "Ma\x00le"}, "gender", id="nul-in-gender"),
    pytest.param({"start": "0001-01-01", "end": "0001-01-31"}, "start", id="year-1"),
    pytest.param({"start": "2026-03-01", "end": "9999-12-31"}, "end", id="year-9999"),
    pytest.param({"start": "2026-03-0\x001"}, "start", id="nul-in-date"),
    pytest.param({"start": "2026-03-01" * 1000}, "start", id="oversized-date"),
    pytest.param({"start": "-2026-03-01"}, "start", id="negative-year"),
]


@pytest.mark.parametrize(("bad", "param"), BAD_FILTERS)
def test_the_stats_api_answers_bad_filters_400_naming_the_parameter(logged_in_client, known, bad, param):
    query = {"start": str(START), "end": str(END)} | bad
    response = logged_in_client.get("/api/v1/stats", query_string=query)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert param in response.get_json()["error"]


CALLBACK_KEYS = {"start": "start", "end": "end", "age_group": "age", "gender": "gender", "feature": "feature"}


@pytest.mark.parametrize(("bad", "param"), BAD_FILTERS)
def test_the_dashboard_answers_bad_filters_with_its_message_and_keeps_the_figures(logged_in_client, known, bad, param):
    values = filter_values(**{CALLBACK_KEYS[name]: value for name, value in bad.items()})
    response = post_callback(logged_in_client, data_dep(logged_in_client), values, ["filter-gender.value"])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    answer = response.get_json()["response"]
    assert answer["date-range-message"]["children"].endswith("The figures below are for the last valid filters.")
    assert "stat-total-clicks" not in answer  # the last figures stay


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/_dash-component-suites/clickboard/app.py", 404),
        ("/_dash-component-suites/dash/no_such_file.js", 404),
        ("/_dash-component-suites/no_such_package/x.js", 404),
        ("/assets/no_such_file.js", 404),
        ("/_dash-component-suites/dash/../../app.py", 401),  # not a normalized static path: behind the login
    ],
)
def test_unknown_asset_paths_are_404_without_a_traceback(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "app.py" not in body and "registered" not in body
