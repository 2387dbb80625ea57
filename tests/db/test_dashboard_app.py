"""The dashboard through its real HTTP endpoints (Flask test client, logged in): the data callback, the
saved-filters cookie, the served layout and the meta-analytics callbacks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from http.cookies import SimpleCookie

from sqlalchemy import text

from db.users import create_user
from tests import oracle
from tests.conftest import login, logout
from tests.dash_client import (
    callback_for,
    count_events,
    data_dep,
    filter_values,
    layout_props,
    post_callback,
    text_of,
)
from tests.dataset import END, START
from view_codec.cookie import MAX_AGE_SECONDS, cookie_name


def utc_today() -> date:
    """Today in the analytics time zone of the test settings (UTC)."""
    return datetime.now(UTC).date()


def set_cookie_headers(response) -> dict[str, SimpleCookie]:
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        parsed = SimpleCookie()
        parsed.load(header)
        for name, morsel in parsed.items():
            cookies[name] = (morsel, header)
    return cookies


def test_data_callback_answers_with_the_figures_and_sets_the_cookie(logged_in_client, analyst, engine, known):
    dep = data_dep(logged_in_client)
    response = post_callback(logged_in_client, dep, filter_values(age="18-40"), ["filter-age-group.value"])
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.get_json()["response"]
    assert result["stat-total-clicks"]["children"] == "4"
    assert result["stat-top-feature"]["children"] == "export"
    assert result["stat-daily-average"]["children"] == "0.8"
    assert result["stat-features-tracked"]["children"] == "1"
    assert result["feature-bar-chart"]["figure"]["data"][0]["y"] == ["export"]
    asked = dict(start=START, end=END, age_group="18-40")
    assert result["daily-trend-chart"]["figure"]["data"][0]["y"] == [n for _d, n in oracle.daily(engine, **asked)]
    for graph_id, expected in (("age-group-chart", oracle.by_age_group), ("gender-chart", oracle.by_gender)):
        trace = result[graph_id]["figure"]["data"][0]
        assert list(zip(trace["customdata"], trace["y"])) == expected(engine, **asked)

    morsel, header = set_cookie_headers(response)[cookie_name(analyst.id)]
    assert morsel["httponly"] and morsel["samesite"] == "Lax" and morsel["path"] == "/"
    assert int(morsel["max-age"]) == MAX_AGE_SECONDS == 30 * 24 * 3600
    assert not morsel["secure"]


def test_cookie_is_secure_over_https(make_app, analyst, known):
    client = make_app(trusted_proxies=1).server.test_client()
    client.environ_base["HTTP_X_FORWARDED_PROTO"] = "https"  # TLS ends at the (trusted) reverse proxy
    assert login(client).status_code == 302
    response = post_callback(client, data_dep(client), filter_values(), ["date-range.end_date"])
    morsel, _ = set_cookie_headers(response)[cookie_name(analyst.id)]
    assert morsel["secure"]


def test_page_is_served_with_the_saved_filters(logged_in_client, analyst, known):
    before = layout_props(logged_in_client)
    today = utc_today()
    assert before["date-range"]["start_date"] == str(today - timedelta(days=29))
    assert before["date-range"]["end_date"] == str(today)
    assert before["filter-age-group"]["value"] == "all" and before["filter-gender"]["value"] == "all"
    assert "clear-feature-chip" not in before
    assert before["analyst-name"]["children"] == "Ana Analyst"

    post_callback(
        logged_in_client,
        data_dep(logged_in_client),
        filter_values(age=">40", gender="Male", feature="share"),
        ["selected-feature.data"],
    )
    after = layout_props(logged_in_client)
    assert (after["date-range"]["start_date"], after["date-range"]["end_date"]) == ("2026-03-01", "2026-03-05")
    assert after["filter-age-group"]["value"] == ">40"
    assert after["filter-gender"]["value"] == "Male"
    assert after["selected-feature"]["data"] == "share"
    assert text_of(after["clear-feature-chip"]["children"]) == "share ×"


def test_one_date_cleared_shows_a_message_and_saves_nothing(logged_in_client, analyst, known):
    dep = data_dep(logged_in_client)
    response = post_callback(logged_in_client, dep, filter_values(end=None), ["date-range.end_date"])
    assert response.status_code == 200
    result = response.get_json()["response"]
    assert list(result) == ["status-banner", "reset-pending", "date-range-message"]  # the rest keeps its last value
    assert result["date-range-message"]["className"] == "small text-muted"  # a hint, not a red error
    assert result["status-banner"]["hidden"] is True
    assert "both" in result["date-range-message"]["children"]
    assert cookie_name(analyst.id) not in set_cookie_headers(response)


def test_tampered_or_foreign_cookie_is_ignored(logged_in_client, analyst, known):
    post_callback(logged_in_client, data_dep(logged_in_client), filter_values(gender="Other"), ["filter-gender.value"])
    genuine = logged_in_client.get_cookie(cookie_name(analyst.id)).value
    logged_in_client.set_cookie(cookie_name(analyst.id), genuine[:-3] + "xyz")
    props = layout_props(logged_in_client)
    assert props["filter-gender"]["value"] == "all"
    assert props["date-range"]["end_date"] == str(utc_today())

    # another analyst's genuine cookie, copied under my name, is not mine
    other = create_user_and_token(logged_in_client, analyst)
    logged_in_client.set_cookie(cookie_name(analyst.id), other)
    assert layout_props(logged_in_client)["filter-gender"]["value"] == "all"


def create_user_and_token(client, analyst) -> str:
    from db.filters import Filters
    from view import View
    from view_codec.cookie import dump_view

    return dump_view("test-secret-key", analyst.id + 1, View.from_filters(Filters(START, END, "all", "Male")))


def test_two_analysts_in_one_browser_keep_separate_filters(client, analyst, engine, known):
    with engine.begin() as conn:
        bob = create_user(conn, "bob@example.com", "bob-password-1", "Bob Builder", 52, "Male")
    assert login(client).status_code == 302
    post_callback(client, data_dep(client), filter_values(age="<18"), ["filter-age-group.value"])
    assert logout(client).status_code in (302, 303)

    assert login(client, "bob@example.com", "bob-password-1").status_code == 302
    bob_view = layout_props(client)
    assert bob_view["filter-age-group"]["value"] == "all"  # not Ana's
    assert bob_view["analyst-name"]["children"] == "Bob Builder"
    bob_filters = filter_values(gender="Female", start=date(2026, 3, 5))
    post_callback(client, data_dep(client), bob_filters, ["filter-gender.value"])
    logout(client)

    login(client)
    ana_view = layout_props(client)
    assert ana_view["filter-age-group"]["value"] == "<18" and ana_view["filter-gender"]["value"] == "all"
    logout(client)
    login(client, "bob@example.com", "bob-password-1")
    bob_view = layout_props(client)
    assert bob_view["filter-gender"]["value"] == "Female" and bob_view["date-range"]["start_date"] == "2026-03-05"
    assert client.get_cookie(cookie_name(analyst.id)) and client.get_cookie(cookie_name(bob.id))


TRACKED = {
    "date_picker": (["date-range.start_date", "date-range.end_date"], {"date-range.start_date": "2026-03-02"}),
    "filter_age": (["filter-age-group.value"], {"filter-age-group.value": "<18"}),
    "filter_gender": (["filter-gender.value"], {"filter-gender.value": "Male"}),
    "chart_bar": (["feature-bar-chart.clickData"], {"feature-bar-chart.clickData": {"points": [{"y": "search"}]}}),
    "chart_age_group": (
        ["age-group-chart.clickData"],
        {"age-group-chart.clickData": {"points": [{"x": "Over 40", "customdata": ">40"}], "timestamp": 1}},
    ),
    "chart_gender": (
        ["gender-chart.clickData"],
        {"gender-chart.clickData": {"points": [{"x": "Female", "customdata": "Female"}], "timestamp": 1}},
    ),
    "clear_feature_chip": (["clear-feature-chip.n_clicks"], {"clear-feature-chip.n_clicks": 1}),
    "refresh_button": (["refresh-button.n_clicks"], {"refresh-button.n_clicks": 1}),
}


def test_each_interaction_records_exactly_one_event_for_the_analyst(logged_in_client, analyst, engine, known):
    client = logged_in_client
    # page load: the page, the layout, the dependencies and the initial data callback record nothing
    assert client.get("/").status_code == 200
    layout_props(client)
    post_callback(client, data_dep(client), filter_values(), [])
    baseline = count_events(engine)
    assert count_events(engine, user_id=analyst.id) == 0

    for name, (inputs, values) in TRACKED.items():
        trackers = [d for d in callback_for(client, inputs) if d.get("no_output")]
        assert len(trackers) == 1, name  # one mechanism: exactly one recorder per control
        response = post_callback(client, trackers[0], values, list(values))
        assert response.status_code in (200, 204), response.get_data(as_text=True)
        assert count_events(engine, feature=name, source="dashboard", user_id=analyst.id) == 1, name
    assert count_events(engine) == baseline + len(TRACKED)
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT DISTINCT source, age_group, gender FROM events WHERE user_id = :id"), {"id": analyst.id}
        ).one()
    assert tuple(row) == ("dashboard", "18-40", "Female")  # the analyst's demographics, captured at write time


def test_page_links_the_vendored_bootstrap_once(logged_in_client):
    page = logged_in_client.get("/").get_data(as_text=True)
    assert page.count("bootstrap.min.css") == 1  # Dash serves assets/ itself; no CDN link, no second copy
    assert "cdn.jsdelivr" not in page and "dashboard.css" in page
    css = logged_in_client.get("/assets/vendor/bootstrap.min.css")
    assert css.status_code == 200 and b"Bootstrap" in css.data[:200]
