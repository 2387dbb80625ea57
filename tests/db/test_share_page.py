"""The page as served (Flask test client, real database): the view of the address wins over the saved cookie, bad
parameters are listed, the title names the view, the theme is rendered on <html>, unknown paths are 404, and none
of it records anything."""

from __future__ import annotations

import re

from tests.dash_client import count_events, data_dep, filter_values, post_callback
from tests.dataset import END, START


def layout(client, page: str = "/") -> dict:
    """The served layout's props by id, for a page loaded at `page` (Dash sends the page's address as Referer)."""
    response = client.get("/_dash-layout", headers={"Referer": "http://localhost" + page})
    assert response.status_code == 200
    found = {}

    def walk(node):
        if isinstance(node, dict) and "props" in node:
            if isinstance(node["props"].get("id"), str):
                found[node["props"]["id"]] = node["props"]
            walk(node["props"].get("children"))
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(response.get_json())
    return found


def values(props: dict) -> dict:
    names = ["date-preset", "filter-age-group", "filter-gender", "filter-source", "compare-mode", "granularity"]
    picked = {name: props[name]["value"] for name in names}
    picked["feature"] = props["selected-feature"]["data"]
    picked["dates"] = (props["date-range"]["start_date"], props["date-range"]["end_date"])
    return picked


def test_the_address_wins_over_the_saved_view_and_bad_parameters_are_listed(logged_in_client, engine, known, analyst):
    client = logged_in_client
    saved = filter_values(gender="Female", source="api")  # saves a custom March view for Female, api
    assert post_callback(client, data_dep(client), saved, ["filter-gender.value"]).status_code == 200

    bare = layout(client, "/")
    assert values(bare)["filter-gender"] == "Female" and values(bare)["dates"] == (str(START), str(END))
    assert bare["url-notice"]["hidden"] is True
    assert bare["view-url"]["data"]["search"] == "?start=2026-03-01&end=2026-03-05&gender=Female&source=api"

    shared = layout(client, "/?start=2026-03-01&end=2026-03-03&gender=Male&feature=export&compare=previous_period&x=1")
    assert values(shared) == {
        "date-preset": "custom",
        "filter-age-group": "all",
        "filter-gender": "Male",
        "filter-source": "all",
        "compare-mode": "previous_period",
        "granularity": "auto",
        "feature": "export",
        "dates": ("2026-03-01", "2026-03-03"),
    }
    assert shared["url-notice"]["hidden"] is False
    assert shared["url-notice"]["children"] == "Some parts of this link were ignored: x (unknown parameter)."

    bad = layout(client, "/?gender=Robot")
    assert values(bad)["filter-gender"] == "all"  # dropped: the rest of the (default) view applies, not the cookie
    assert "gender=Robot" in bad["url-notice"]["children"]
    assert count_events(engine, source="dashboard", user_id=analyst.id) == 0  # loading pages records nothing


def test_the_title_names_the_view(logged_in_client):
    page = logged_in_client.get("/?preset=last_7_days&age_group=18-40&gender=Female&compare=previous_period")
    assert page.status_code == 200
    title = re.search(r"<title>(.*?)</title>", page.get_data(as_text=True)).group(1)
    assert title == "Last 7 days · 18 – 40 · Female · previous period · Clickboard"
    hostile = logged_in_client.get("/?feature=%3C/title%3E%3Cscript%3E").get_data(as_text=True)
    assert re.search(r"<title>(.*?)</title>", hostile).group(1) in (
        "Last 30 days · Clickboard",  # dropped while feature names are letters, digits and _ . : -
        "Last 30 days · &lt;/title&gt;&lt;script&gt; · Clickboard",  # escaped where such names are allowed
    )


def test_the_theme_is_rendered_on_the_page_and_remembered_per_analyst(logged_in_client, analyst):
    client = logged_in_client
    assert '<html lang="en" data-theme-choice="system">' in client.get("/").get_data(as_text=True)
    dep = next(
        d for d in client.get("/_dash-dependencies").get_json() if [i["id"] for i in d["inputs"]] == ["theme-applied"]
    )
    response = post_callback(client, dep, {"theme-applied.data": "dark"}, ["theme-applied.data"])
    assert response.status_code == 200
    cookie = client.get_cookie(f"cb_theme_{analyst.id}")
    assert cookie.value == "dark" and cookie.http_only and cookie.same_site == "Lax"
    assert '<html lang="en" data-theme-choice="dark" data-bs-theme="dark">' in client.get("/").get_data(as_text=True)
    assert layout(client)["theme-toggle"]["value"] == "dark"
    client.set_cookie(f"cb_theme_{analyst.id}", '"><script>')  # a forged value: the default, never markup
    assert '<html lang="en" data-theme-choice="system">' in client.get("/").get_data(as_text=True)


def test_unknown_paths_are_404_with_a_link_back(logged_in_client, client):
    for path in ("/some/deep/link", "/dashboard", "/index.html"):
        page = logged_in_client.get(path)
        assert page.status_code == 404, path
        assert 'href="/" id="back-to-dashboard"' in page.get_data(as_text=True)
    assert logged_in_client.get("/").status_code == 200


def test_a_visitor_without_a_session_logs_in_first(client):
    response = client.get("/some/deep/link")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fsome%2Fdeep%2Flink"
