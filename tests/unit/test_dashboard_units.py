"""Plain functions of the dashboard: bar selection, the saved-filters cookie, the registry of ids and names."""

from __future__ import annotations

import time
from datetime import date

import dash
import pytest
from dash import dcc, html
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from callbacks.selection import clicked_feature, next_selection
from db.filters import Filters
from layouts import ids
from layouts.components import feature_chip, feature_table_rows
from layouts.dashboard import dashboard_layout, default_filters
from layouts.placement import BOARD
from panels.board import Place
from tests.dash_client import text_of
from tests.panels import clicks_by_weekday
from view import View
from view_codec.cookie import (
    COOKIE_PREFIX,
    MAX_AGE_SECONDS,
    SALT,
    cookie_name,
    dump_view,
    load_view,
    saved_view_from_cookies,
)

SECRET = "unit-secret"
FILTERS = Filters(date(2026, 3, 1), date(2026, 3, 10), "18-40", "Female", "search")
FAR_FUTURE = date(2999, 12, 31)  # "today" for resolving the custom ranges of these cookies


# The cookie keeps a View; these tests write custom ranges and read them back as Filters.
def dump_filters(secret: str, user_id: int, filters: Filters) -> str:
    return dump_view(secret, user_id, View.from_filters(filters))


def load_filters(secret: str, user_id: int, token: str | None) -> Filters | None:
    view = load_view(secret, user_id, token)
    return None if view is None else view.resolve(FAR_FUTURE)


def saved_filters_from_cookies(secret: str, user_id: int | None, cookies) -> Filters | None:
    view = saved_view_from_cookies(secret, user_id, cookies)
    return None if view is None else view.resolve(FAR_FUTURE)


def test_cookie_keeps_the_preset_so_it_rolls_forward():
    view = View(preset="last_7_days", source="api", compare="previous_period", granularity="week")
    loaded = load_view(SECRET, 7, dump_view(SECRET, 7, view))
    assert loaded == view
    assert loaded.resolve(date(2026, 3, 15)) == Filters(date(2026, 3, 9), date(2026, 3, 15), source="api")
    assert loaded.resolve(date(2026, 3, 16)) == Filters(date(2026, 3, 10), date(2026, 3, 16), source="api")
    payload = URLSafeTimedSerializer(SECRET, salt=SALT).loads(dump_view(SECRET, 7, view))
    assert "s" not in payload and "e" not in payload  # a preset keeps no dates
    custom = View.from_filters(FILTERS, compare="year_over_year")
    assert load_view(SECRET, 7, dump_view(SECRET, 7, custom)) == custom


def test_cookie_from_before_presets_loads_as_a_custom_range():
    before = {"u": 7, "s": "2026-03-01", "e": "2026-03-10", "a": "<18", "g": "all", "f": None, "o": "api"}
    token = URLSafeTimedSerializer(SECRET, salt=SALT).dumps(before)
    assert load_view(SECRET, 7, token) == View(
        preset="custom", start=date(2026, 3, 1), end=date(2026, 3, 10), age_group="<18", source="api"
    )


def click(feature: str, timestamp: int = 1) -> dict:
    """clickData as Dash 4.2+ sends it for a bar (with a timestamp, so repeated clicks fire again)."""
    return {
        "points": [{"curveNumber": 0, "pointNumber": 0, "x": 6, "y": feature, "customdata": feature}],
        "timestamp": timestamp,
    }


# -- selection ---------------------------------------------------------------------------------------------------
def test_click_selects_and_second_click_clears():
    assert next_selection(click("search"), None) == "search"
    assert next_selection(click("search", 2), "search") is None
    assert next_selection(click("export", 3), "search") == "export"


def test_click_without_points_keeps_the_selection():
    assert next_selection(None, "search") == "search"
    assert next_selection({"points": []}, None) is None


def test_category_read_from_the_category_axis_when_no_customdata():
    assert clicked_feature({"points": [{"x": 2, "y": "share"}]}) == "share"
    assert clicked_feature({"points": [{"x": "share", "y": 2}]}) == "share"
    assert clicked_feature({"points": [{"x": 2, "y": 3}]}) is None


# -- saved filters cookie ----------------------------------------------------------------------------------------
def test_cookie_round_trip():
    token = dump_filters(SECRET, 7, FILTERS)
    assert load_filters(SECRET, 7, token) == FILTERS
    no_feature = Filters(date(2026, 1, 1), date(2026, 1, 1))
    assert load_filters(SECRET, 7, dump_filters(SECRET, 7, no_feature)) == no_feature


def test_cookie_keeps_source_and_unknown_and_an_older_cookie_means_all_sources():
    mine = Filters(date(2026, 3, 1), date(2026, 3, 5), age_group="unknown", gender="unknown", source="dashboard")
    assert load_filters(SECRET, 7, dump_filters(SECRET, 7, mine)) == mine
    before_sources = {"u": 7, "s": "2026-03-01", "e": "2026-03-10", "a": "<18", "g": "all", "f": None}
    token = URLSafeTimedSerializer(SECRET, salt=SALT).dumps(before_sources)
    assert load_filters(SECRET, 7, token) == Filters(date(2026, 3, 1), date(2026, 3, 10), age_group="<18")


# -- breakdown clicks --------------------------------------------------------------------------------------------
def test_a_segment_click_sets_its_filter_and_a_second_click_resets_it():
    from callbacks.breakdown import next_filter
    from db.filters import AGE_GROUP_CHOICES, GENDER_CHOICES

    def segment(value: str) -> dict:
        return {"points": [{"x": value.title(), "y": 3, "customdata": value}], "timestamp": 1}

    assert next_filter(segment("Female"), "all", GENDER_CHOICES) == "Female"
    assert next_filter(segment("unknown"), "Male", GENDER_CHOICES) == "unknown"
    assert next_filter(segment("Female"), "Female", GENDER_CHOICES) == "all"
    assert next_filter(segment("18-40"), "all", AGE_GROUP_CHOICES) == "18-40"
    assert next_filter(segment("robot"), "all", GENDER_CHOICES) is None  # forged clickData changes nothing
    assert next_filter(segment("all"), "Male", GENDER_CHOICES) is None
    assert next_filter(None, "Male", GENDER_CHOICES) is None


def test_source_and_unknown_filters_are_validated():
    from db.filters import InvalidFilter

    f = Filters.parse("2026-03-01", "2026-03-05", "unknown", "unknown", None, "api")
    assert (f.age_group, f.gender, f.source) == ("unknown", "unknown", "api")
    assert Filters.parse("2026-03-01", "2026-03-05").source == "all"
    with pytest.raises(InvalidFilter) as refused:
        Filters.parse("2026-03-01", "2026-03-05", source="seed")
    assert refused.value.param == "source"


def test_cookie_is_per_analyst():
    assert cookie_name(7) == f"{COOKIE_PREFIX}7" != cookie_name(8)
    cookies = {cookie_name(7): dump_filters(SECRET, 7, FILTERS)}
    assert saved_filters_from_cookies(SECRET, 7, cookies) == FILTERS
    assert saved_filters_from_cookies(SECRET, 8, cookies) is None
    assert saved_filters_from_cookies(SECRET, None, cookies) is None


def test_foreign_cookie_is_ignored():
    """Another analyst's token copied under my cookie name is not mine."""
    token = dump_filters(SECRET, 8, FILTERS)
    assert load_filters(SECRET, 7, token) is None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if t[-2:] != "AA" else "BB"),  # signature changed
        lambda t: "x" + t,  # payload changed
        lambda t: "",
        lambda t: "not-a-token",
        lambda t: t.split(".")[0],  # signature removed
    ],
)
def test_tampered_cookie_is_ignored(tamper):
    token = dump_filters(SECRET, 7, FILTERS)
    assert load_filters(SECRET, 7, tamper(token)) is None


def test_cookie_signed_with_another_key_is_ignored():
    assert load_filters(SECRET, 7, dump_filters("other-key", 7, FILTERS)) is None


class _BackdatedSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - MAX_AGE_SECONDS - 60


def test_outdated_cookie_is_ignored():
    payload = {"u": 7, "s": "2026-03-01", "e": "2026-03-10", "a": "all", "g": "all", "f": None}
    old = URLSafeTimedSerializer(SECRET, salt=SALT, signer=_BackdatedSigner).dumps(payload)
    assert load_filters(SECRET, 7, old) is None
    fresh = URLSafeTimedSerializer(SECRET, salt=SALT).dumps(payload)
    assert load_filters(SECRET, 7, fresh) == Filters(date(2026, 3, 1), date(2026, 3, 10))


@pytest.mark.parametrize(
    "payload",
    [
        {"u": 7, "s": "2026-03-10", "e": "2026-03-01", "a": "all", "g": "all", "f": None},  # end before start
        {"u": 7, "s": "2026-03-01", "e": "2026-03-10", "a": "99", "g": "all", "f": None},
        {"u": 7, "s": "2026-03-01", "e": "2026-03-10", "a": "all", "g": "robot", "f": None},
        {"u": 7, "s": "March", "e": "2026-03-10", "a": "all", "g": "all", "f": None},
        {"u": 7, "s": "2026-03-01", "e": "2026-03-10", "a": "all", "g": "all", "f": 5},
        {"u": 7, "s": "2026-03-01", "e": "2026-03-10", "a": "all", "g": "all", "f": None, "o": "robots"},
        {"u": 7, "s": "2026-03-01"},
        ["not", "a", "dict"],
        {"u": "7", "s": "2026-03-01", "e": "2026-03-10", "a": "all", "g": "all", "f": None},
    ],
)
def test_genuine_but_invalid_cookie_is_ignored(payload):
    token = URLSafeTimedSerializer(SECRET, salt=SALT).dumps(payload)
    assert load_filters(SECRET, 7, token) is None


def test_older_format_is_ignored():
    token = URLSafeTimedSerializer(SECRET, salt="clickboard.saved-filters.v0").dumps(
        {"u": 7, "s": "2026-03-01", "e": "2026-03-10", "a": "all", "g": "all", "f": None}
    )
    assert load_filters(SECRET, 7, token) is None


# -- layout and meta-analytics registry --------------------------------------------------------------------------
INTERACTIVE = tuple(
    getattr(module, name)
    for module, names in [
        (
            dcc,
            [
                "Dropdown",
                "DatePickerRange",
                "DatePickerSingle",
                "Graph",
                "RadioItems",
                "Checklist",
                "Input",
                "Slider",
                "RangeSlider",
                "Textarea",
                "Tabs",
                "Tab",
                "Upload",
                "Interval",
            ],
        ),
        (html, ["Button", "A", "Select", "Textarea", "Details", "Summary"]),
    ]
    for name in names
    if hasattr(module, name)
)


def walk(component):
    yield component
    children = getattr(component, "children", None)
    if children is None or isinstance(children, (str, int, float)):
        return
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if isinstance(child, dash.development.base_component.Component):
            yield from walk(child)


def interactive_ids(layout) -> list:
    import dash_bootstrap_components as dbc

    found = []
    for component in walk(layout):
        interactive = (
            isinstance(component, INTERACTIVE)
            or type(component).__name__
            in {
                "Button",
                "Input",
                "Select",
                "Checklist",
                "RadioItems",
                "Switch",
                "Checkbox",
                "RadioButton",
                "Textarea",
                "DropdownMenu",
                "DropdownMenuItem",
                "NavLink",
                "Tabs",
                "Tab",
                "Pagination",
            }
            or isinstance(component, (dbc.Button, dbc.Input, dbc.Select, dbc.Checklist, dbc.RadioItems))
        )
        if interactive:
            component_id = getattr(component, "id", None)
            # a pattern-matching id ({"type": ..., ...}: one button per row) is registered under its type
            found.append(component_id["type"] if isinstance(component_id, dict) else component_id)
    return found


def unnamed_controls(layout, registry: ids.Registry = ids.REGISTRY) -> list:
    return [
        cid
        for cid in interactive_ids(layout)
        if cid not in registry.tracked_controls and cid not in registry.untracked_controls
    ]


def full_layouts(board=BOARD):
    """The page as served, with and without a selected feature, plus the chip built by its own function."""
    return [
        dashboard_layout("Ana", default_filters(date(2026, 3, 31)), board),
        dashboard_layout("Ana", FILTERS, board),
        dashboard_layout("Ada", FILTERS, board, is_admin=True),  # an admin's header links to the settings page
        feature_chip("search"),
        html.Tbody(feature_table_rows([("search", 4), ("share", 3)], 7, "search")),
    ]


def layout_ids(layout) -> list[str]:
    """Every id on the page (the type of a pattern-matching id, once)."""
    found = [c.id for c in walk(layout) if getattr(c, "id", None) is not None]
    plain = [i for i in found if not isinstance(i, dict)]
    return plain + sorted({i["type"] for i in found if isinstance(i, dict)} - set(plain))


WITH_WEEKDAY = BOARD.with_row(Place(clicks_by_weekday.PANEL))


def test_every_control_has_a_meta_analytics_name():
    seen = set()
    for layout in full_layouts():
        assert unnamed_controls(layout) == []
        seen.update(interactive_ids(layout))
    assert set(ids.TRACKED_CONTROLS) <= seen  # and every name belongs to a control that exists


def test_a_new_panel_is_in_the_registry_with_its_name():
    registry = ids.registry(WITH_WEEKDAY)
    for layout in full_layouts(WITH_WEEKDAY):
        assert unnamed_controls(layout, registry) == []
    assert registry.tracked_controls["weekday-chart"] == ("chart_weekday", ("clickData",))
    assert registry.feature_names == [*ids.FEATURE_NAMES, "chart_weekday"]
    assert {"weekday-chart", "weekday-chart-title"} <= set(registry.component_ids)


def test_every_component_id_on_the_page_is_in_the_registry_once():
    for board in (BOARD, WITH_WEEKDAY):
        registry = ids.registry(board)
        for layout in full_layouts(board):
            on_page = layout_ids(layout)
            assert len(on_page) == len(set(on_page))
            assert set(on_page) <= set(registry.component_ids)
        assert len(registry.component_ids) == len(set(registry.component_ids))
        assert len(registry.feature_names) == len(set(registry.feature_names))


def test_a_repeated_id_or_name_is_refused():
    from dataclasses import replace

    weekday = clicks_by_weekday.PANEL
    with pytest.raises(ValueError, match="component id used more than once: date-range"):
        ids.registry(BOARD.with_row(Place(replace(weekday, id="date-range"))))
    with pytest.raises(ValueError, match="meta-analytics name used more than once: filter_age"):
        ids.registry(BOARD.with_row(Place(replace(weekday, tracked_as="filter_age"))))
    with pytest.raises(ValueError, match="meta-analytics name used more than once: chart_bar"):
        BOARD.with_row(Place(replace(weekday, tracked_as="chart_bar")))
    with pytest.raises(ValueError, match="panel id used more than once: gender-chart"):
        BOARD.with_row(Place(replace(weekday, id="gender-chart")))
    with pytest.raises(ValueError, match="stats key used more than once: daily"):
        BOARD.with_row(Place(replace(weekday, stats_key="daily")))
    with pytest.raises(ValueError, match="stats key used more than once: total_clicks"):
        BOARD.with_row(Place(replace(weekday, stats_key="total_clicks")))
    with pytest.raises(ValueError, match="1 to 12 columns"):
        BOARD.with_row(Place(weekday, 7), Place(replace(weekday, id="x", stats_key="x", tracked_as=None), 6))


def test_a_panel_declares_names_the_api_and_the_event_writer_accept():
    from dataclasses import replace

    for field, value in [("stats_key", "By Weekday"), ("tracked_as", "chart weekday"), ("id", "")]:
        with pytest.raises(ValueError):
            replace(clicks_by_weekday.PANEL, **{field: value})


def test_the_check_catches_a_control_without_a_name():
    import dash_bootstrap_components as dbc

    layout = dashboard_layout("Ana", FILTERS)
    layout.children.append(dbc.Button("Export", id="export-button"))
    layout.children.append(html.Div(dcc.RadioItems(id="zoom-level", options=["day", "week"])))
    assert unnamed_controls(layout) == ["export-button", "zoom-level"]


def test_meta_analytics_names():
    names = {cid: name for cid, (name, _props) in ids.TRACKED_CONTROLS.items()}
    assert names == {
        "date-preset": "date_preset",
        "date-range": "date_picker",
        "compare-mode": "compare_mode",
        "granularity": "granularity",
        "filter-age-group": "filter_age",
        "filter-gender": "filter_gender",
        "filter-source": "filter_source",
        "feature-bar-chart": "chart_bar",
        "clear-feature-chip": "clear_feature_chip",
        "refresh-button": "refresh_button",
        "feature-table": "feature_table",
        "reset-filters": "reset_filters",
        "age-group-chart": "chart_age_group",
        "gender-chart": "chart_gender",
    }
    untracked = ids.UNTRACKED_CONTROLS
    assert untracked == {
        "logout-button": ids.FIXED_UNTRACKED["logout-button"],
        "settings-link": ids.FIXED_UNTRACKED["settings-link"],
        "feature-table-search": ids.FIXED_UNTRACKED["feature-table-search"],
        "feature-table-sort-feature": ids.FIXED_UNTRACKED["feature-table-sort-feature"],
        "feature-table-sort-clicks": ids.FIXED_UNTRACKED["feature-table-sort-clicks"],
        "daily-trend-chart": "display only: its clicks select nothing",
    }
    assert list(names.values()) == ids.FEATURE_NAMES
    for name in ids.FEATURE_NAMES:
        assert name.isidentifier() and name == name.lower()


def test_panels_sit_in_their_rows_with_their_widths():
    import dash_bootstrap_components as dbc

    layout = dashboard_layout("Ana", FILTERS)
    graphs = [c.id for c in walk(layout) if isinstance(c, dcc.Graph)]
    assert graphs == ["feature-bar-chart", "daily-trend-chart", "age-group-chart", "gender-chart"]
    widths = {}
    for col in walk(layout):
        inside = [c.id for c in walk(col) if isinstance(c, dcc.Graph)] if isinstance(col, dbc.Col) else []
        if len(inside) == 1:
            widths[inside[0]] = col.lg
    assert widths == {"feature-bar-chart": 5, "daily-trend-chart": 7, "age-group-chart": 6, "gender-chart": 6}


def test_layout_carries_the_saved_filters():
    layout = dashboard_layout("Ana", FILTERS)
    by_id = {getattr(c, "id", None): c for c in walk(layout)}
    picker = by_id["date-range"]
    assert (picker.start_date, picker.end_date) == ("2026-03-01", "2026-03-10")
    assert by_id["filter-age-group"].value == "18-40"
    assert by_id["filter-gender"].value == "Female"
    assert by_id["selected-feature"].data == "search"
    assert text_of(by_id["clear-feature-chip"].children) == "search ×"
    assert by_id["analyst-name"].children == "Ana"
    assert by_id["daily-trend-chart-title"].children == "Clicks over time: search"  # no flash of the default title
    assert by_id["age-group-chart-title"].children == "Clicks by age group"
    for stable in (
        "stat-total-clicks",
        "stat-top-feature",
        "stat-daily-average",
        "stat-features-tracked",
        "feature-bar-chart",
        "daily-trend-chart",
        "age-group-chart",
        "gender-chart",
        "refresh-button",
        "logout-button",
    ):
        assert stable in by_id


def test_chip_absent_without_selection():
    layout = dashboard_layout("Ana", default_filters(date(2026, 3, 31)))
    assert "clear-feature-chip" not in {getattr(c, "id", None) for c in walk(layout)}


def test_logout_is_a_post_form():
    layout = dashboard_layout("Ana", FILTERS)
    form = next(c for c in walk(layout) if getattr(c, "id", None) == "logout-form")
    assert (form.method, form.action) == ("POST", "/logout")
    assert form.children.type == "submit" and form.children.id == "logout-button"


# -- panels without a database: figures and the empty state -------------------------------------------------------
def test_breakdown_highlights_the_active_segment_and_keeps_the_others():
    from panels import age_group, gender
    from panels.breakdown import Segment
    from panels.panel import present

    rows = [Segment("<18", 3), Segment("18-40", 4), Segment(">40", 3), Segment("unknown", 1)]
    trace = present(age_group.PANEL, rows, Filters(date(2026, 3, 1), date(2026, 3, 5), age_group="18-40")).figure
    trace = trace["data"][0]
    assert trace["x"] == ["Under 18", "18 – 40", "Over 40", "Unknown"]
    assert trace["customdata"] == ["<18", "18-40", ">40", "unknown"]
    assert trace["y"] == [3, 4, 3, 1]
    colors = trace["marker"]["color"]
    assert colors[1] != colors[0] == colors[2] == colors[3]  # the active one stands out
    genders = [Segment("Male", 2), Segment("Female", 1), Segment("Other", 0)]
    everyone = present(gender.PANEL, genders, Filters(date(2026, 3, 1), date(2026, 3, 5))).figure
    assert len(set(everyone["data"][0]["marker"]["color"])) == 1  # gender 'all': nothing stands out
    female = present(gender.PANEL, genders, FILTERS).figure["data"][0]["marker"]["color"]  # gender 'Female'
    assert female[1] != female[0] == female[2]


def test_a_panel_without_clicks_shows_its_empty_state():
    from panels import daily_trend, feature_bar, gender
    from panels.breakdown import Segment
    from panels.panel import present

    bars = present(feature_bar.PANEL, [], FILTERS).figure
    assert bars["data"] == [] and bars["layout"]["annotations"][0]["text"] == "No clicks in this range"
    zeros = [Segment("Male", 0), Segment("Female", 0), Segment("Other", 0)]
    assert present(gender.PANEL, zeros, FILTERS).figure["data"] == []
    days = [daily_trend.DayClicks(date(2026, 3, d), 0) for d in (1, 2, 3)]
    line = present(daily_trend.PANEL, days, FILTERS).figure  # the zero line stays, with the note over it
    assert line["data"][0]["y"] == [0, 0, 0]
    assert line["layout"]["annotations"][0]["text"] == "No clicks in this range"
    assert line["layout"]["yaxis"]["range"] == [0, 1]


def test_the_settings_link_is_in_an_admins_header_only():
    def links(layout):
        return [c.href for c in walk(layout) if getattr(c, "id", None) == ids.SETTINGS_LINK]

    assert links(dashboard_layout("Ana", FILTERS)) == []
    assert links(dashboard_layout("Ada", FILTERS, is_admin=True)) == ["/settings"]


def test_the_settings_pages_names_are_valid_features_and_repeat_no_dashboard_name():
    from domain import is_feature_name

    names = list(ids.SETTINGS_ACTIONS.values())
    assert names == ["settings_create_key", "settings_revoke_key", "settings_create_invite", "settings_withdraw_invite"]
    assert not set(names) & set(ids.FEATURE_NAMES)
    for name in names:
        assert is_feature_name(name) and name.isidentifier() and name == name.lower()
    assert len(set(ids.SETTINGS_IDS)) == len(ids.SETTINGS_IDS)
    assert not (set(ids.SETTINGS_IDS) - {ids.SETTINGS_ERROR, ids.SETTINGS_NOTICE}) & set(ids.COMPONENT_IDS)
