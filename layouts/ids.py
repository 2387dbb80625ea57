"""The one registry: every component id of the dashboard and the meta-analytics name of every control.

Fixed parts of the page (header, filter bar, cards) have their ids here as constants. A panel declares its chart's
id and meta-analytics name in its own file (panels/<name>.py), so that a new chart is one file; the panels placed on
the page (layouts/placement.py) are merged into the registry below, which therefore still lists every id and every
name: COMPONENT_IDS, TRACKED_CONTROLS, UNTRACKED_CONTROLS, FEATURE_NAMES. `registry(board)` builds the same for any
board and refuses a repeated id or name; the unit tests walk the page's layout and check it against this module.

Ids are part of the contract with tests and the data team: change them only together with the README.
"""

from __future__ import annotations

from dataclasses import dataclass

from dash import ALL

from domain import SCOPES
from layouts.placement import BOARD
from panels import age_group, daily_trend, feature_bar, gender
from panels.board import Board

# -- page ------------------------------------------------------------------------------------------------------
PAGE = "page"
HEADER = "header"
ANALYST_NAME = "analyst-name"
LOGOUT_FORM = "logout-form"
LOGOUT_BUTTON = "logout-button"
SETTINGS_LINK = "settings-link"  # in the header for admins only: the settings page

# -- filter bar ------------------------------------------------------------------------------------------------
DATE_PRESET = "date-preset"  # today, yesterday, last_7_days, …, custom (periods.PRESETS); default last_30_days
DATE_RANGE = "date-range"
COMPARE_MODE = "compare-mode"  # off, previous_period, year_over_year
GRANULARITY = "granularity"  # auto, day, week, month: the trend chart's buckets
DATE_RANGE_MESSAGE = "date-range-message"
FILTER_AGE_GROUP = "filter-age-group"
FILTER_GENDER = "filter-gender"
FILTER_SOURCE = "filter-source"  # all, api (events sent by other apps), dashboard (the dashboard's own use)
REFRESH_BUTTON = "refresh-button"
CHIP_CONTAINER = "feature-chip-container"
CLEAR_FEATURE_CHIP = "clear-feature-chip"  # present in the DOM only while a feature is selected

# -- stat cards ------------------------------------------------------------------------------------------------
STAT_TOTAL_CLICKS = "stat-total-clicks"
STAT_TOP_FEATURE = "stat-top-feature"
STAT_TOP_FEATURE_CLICKS = "stat-top-feature-clicks"
STAT_DAILY_AVERAGE = "stat-daily-average"
STAT_FEATURES_TRACKED = "stat-features-tracked"
# each card's change against the comparison range: "+12%", "−3%" (U+2212), "0%", "new", "—"; "+2" for features
# tracked; empty while compare is off
STAT_TOTAL_CLICKS_CHANGE = "stat-total-clicks-change"
STAT_TOP_FEATURE_CHANGE = "stat-top-feature-change"
STAT_DAILY_AVERAGE_CHANGE = "stat-daily-average-change"
STAT_FEATURES_TRACKED_CHANGE = "stat-features-tracked-change"
STAT_COMPARISON_RANGE = "stat-comparison-range"  # under the cards: which dates they are compared with

# -- status -----------------------------------------------------------------------------------------------------
STATUS_BANNER = "status-banner"  # shown while the figures are stale: the database does not answer
STATUS_BANNER_TIME = "status-banner-time"  # in the banner: when the figures were last updated
LAST_UPDATED = "last-updated"  # under the filters: when the figures were last updated
EMPTY_STATE = "empty-state"  # shown when the range has no click: the active filters and a reset button
EMPTY_STATE_FILTERS = "empty-state-filters"
RESET_FILTERS = "reset-filters"

# -- feature table ---------------------------------------------------------------------------------------------
FEATURE_TABLE = "feature-table"  # the table; each row's button has the id {"type": FEATURE_TABLE, "feature": name}
FEATURE_TABLE_TITLE = "feature-table-title"
FEATURE_TABLE_SEARCH = "feature-table-search"
FEATURE_TABLE_COUNT = "feature-table-count"
FEATURE_TABLE_BODY = "feature-table-body"
FEATURE_TABLE_SORT = "feature-table-sort"  # dcc.Store: {"by": "clicks" | "feature", "descending": bool}
FEATURE_TABLE_SORT_FEATURE = "feature-table-sort-feature"  # the "Feature" column header's sort button
FEATURE_TABLE_SORT_CLICKS = "feature-table-sort-clicks"  # the "Clicks" column header's sort button
FEATURE_TABLE_HEAD_FEATURE = "feature-table-head-feature"  # the column headers (their aria-sort)
FEATURE_TABLE_HEAD_CLICKS = "feature-table-head-clicks"
FEATURE_TABLE_HEAD_CHANGE = "feature-table-head-change"  # the change column (hidden while compare is off)
FEATURE_TABLE_DATA = "feature-table-data"  # dcc.Store: every feature's clicks under the filters, most clicked first


def feature_table_choice(feature: str) -> dict:
    """The id of the feature table's button that selects `feature` (a pattern-matching id of type FEATURE_TABLE)."""
    return {"type": FEATURE_TABLE, "feature": feature}


# -- state -----------------------------------------------------------------------------------------------------
SELECTED_FEATURE = "selected-feature"  # dcc.Store: the feature picked in the bar chart, or None
RESET_PENDING = "reset-pending"  # dcc.Store: True while filter changes made by a reset or a breakdown click apply

FIXED_IDS: tuple[str, ...] = (
    PAGE,
    HEADER,
    ANALYST_NAME,
    LOGOUT_FORM,
    LOGOUT_BUTTON,
    SETTINGS_LINK,
    DATE_PRESET,
    DATE_RANGE,
    DATE_RANGE_MESSAGE,
    COMPARE_MODE,
    GRANULARITY,
    FILTER_AGE_GROUP,
    FILTER_GENDER,
    FILTER_SOURCE,
    REFRESH_BUTTON,
    CHIP_CONTAINER,
    CLEAR_FEATURE_CHIP,
    STAT_TOTAL_CLICKS,
    STAT_TOP_FEATURE,
    STAT_TOP_FEATURE_CLICKS,
    STAT_DAILY_AVERAGE,
    STAT_FEATURES_TRACKED,
    STAT_TOTAL_CLICKS_CHANGE,
    STAT_TOP_FEATURE_CHANGE,
    STAT_DAILY_AVERAGE_CHANGE,
    STAT_FEATURES_TRACKED_CHANGE,
    STAT_COMPARISON_RANGE,
    SELECTED_FEATURE,
    RESET_PENDING,
    STATUS_BANNER,
    STATUS_BANNER_TIME,
    LAST_UPDATED,
    EMPTY_STATE,
    EMPTY_STATE_FILTERS,
    RESET_FILTERS,
    FEATURE_TABLE,
    FEATURE_TABLE_TITLE,
    FEATURE_TABLE_SEARCH,
    FEATURE_TABLE_COUNT,
    FEATURE_TABLE_BODY,
    FEATURE_TABLE_DATA,
    FEATURE_TABLE_SORT,
    FEATURE_TABLE_SORT_FEATURE,
    FEATURE_TABLE_SORT_CLICKS,
    FEATURE_TABLE_HEAD_FEATURE,
    FEATURE_TABLE_HEAD_CLICKS,
    FEATURE_TABLE_HEAD_CHANGE,
)

# -- meta-analytics --------------------------------------------------------------------------------------------
# id -> (meta-analytics name, props whose change by the user is one interaction). One callback per entry records
# one event per interaction (callbacks/tracking.py); programmatic writes to these props would be counted, so no
# callback ever outputs to them. A panel's entry is (its tracked_as, PANEL_CLICK_PROPS).
FIXED_TRACKED: dict[str, tuple[str, tuple[str, ...]]] = {
    DATE_PRESET: ("date_preset", ("value",)),  # the picker's dates follow it without a date_picker event
    DATE_RANGE: ("date_picker", ("start_date", "end_date")),  # a date edited: also sets the preset to custom, silently
    COMPARE_MODE: ("compare_mode", ("value",)),
    GRANULARITY: ("granularity", ("value",)),
    FILTER_AGE_GROUP: ("filter_age", ("value",)),
    FILTER_GENDER: ("filter_gender", ("value",)),
    FILTER_SOURCE: ("filter_source", ("value",)),
    CLEAR_FEATURE_CHIP: ("clear_feature_chip", ("n_clicks",)),
    REFRESH_BUTTON: ("refresh_button", ("n_clicks",)),
    FEATURE_TABLE: ("feature_table", ("n_clicks",)),  # a click on any row's button
    RESET_FILTERS: ("reset_filters", ("n_clicks",)),
}
# Tracked controls made of many components (one per row), each with the pattern-matching id {"type": <id>, ...}: the
# recorder listens to all of them (dash.ALL) and records a click on any one.
# Controls the reset button, the breakdown charts, a preset choice (the picker's dates) and a date edit (the preset
# becomes custom) set: their recorders record nothing while the mark RESET_PENDING is set (a reset is one
# interaction, recorded as reset_filters; a click on a breakdown segment is one, recorded as the chart's name; a
# preset choice is one date_preset; a date edit one date_picker).
SET_BY_RESET = (DATE_PRESET, DATE_RANGE, FILTER_AGE_GROUP, FILTER_GENDER, FILTER_SOURCE)
PATTERN_CONTROLS: dict[str, dict] = {FEATURE_TABLE: {"type": FEATURE_TABLE, "feature": ALL}}
PANEL_CLICK_PROPS = ("clickData",)  # clickData carries a timestamp (Dash >= 4.2): each click is a change

# Interactive components that are deliberately not dashboard controls, with the reason. Anything interactive in the
# layout must be in TRACKED_CONTROLS or here (a display-only panel comes with its reason).
FIXED_UNTRACKED: dict[str, str] = {
    LOGOUT_BUTTON: "a plain form POST to /logout that leaves the dashboard (session end, not a dashboard interaction)",
    SETTINGS_LINK: "a plain link to the settings page (admins only), which records its own actions (below)",
    FEATURE_TABLE_SEARCH: "narrows the feature table's rows as you type; changes no figure (searching records nothing)",
    FEATURE_TABLE_SORT_FEATURE: "sorts the feature table by name; changes no figure (sorting records nothing)",
    FEATURE_TABLE_SORT_CLICKS: "sorts the feature table by clicks; changes no figure (sorting records nothing)",
}


# -- the settings page (/settings, admins only: a plain Flask page, admin/) ----------------------------------------
DASHBOARD_LINK = "dashboard-link"  # the brand in its header (which also has analyst-name and the logout form)
API_KEY_NAME = "api-key-name"
API_KEY_SCOPE = "api-key-scope-"  # + the scope: one checkbox per scope (api-key-scope-ingest, api-key-scope-read)
API_KEY_CREATE = "api-key-create"
NEW_API_KEY = "new-api-key"  # the key just created (shown once)
COPY_API_KEY = "copy-api-key"
API_KEYS_TABLE = "api-keys"  # one row per key in use, data-name = the key's name
API_KEY_REVOKE = "api-key-revoke"  # each row's revoke button is "api-key-revoke-<key number>"
INVITE_DAYS = "invite-days"
INVITE_CREATE = "invite-create"
NEW_INVITE_LINK = "new-invite-link"  # the link just created (shown once)
COPY_INVITE_LINK = "copy-invite-link"
INVITES_TABLE = "pending-invites"  # one row per pending invitation, data-number = its number
INVITE_WITHDRAW = "invite-withdraw"  # each row's withdraw button is "invite-withdraw-<invitation number>"
AUDIT_LOG = "audit-log"  # one row per administrator action, newest first
SETTINGS_ERROR, SETTINGS_NOTICE = "auth-error", "auth-notice"  # as on the auth pages

SETTINGS_IDS: tuple[str, ...] = (
    DASHBOARD_LINK,
    API_KEY_NAME,
    *(API_KEY_SCOPE + scope for scope in SCOPES),
    API_KEY_CREATE,
    NEW_API_KEY,
    COPY_API_KEY,
    API_KEYS_TABLE,
    API_KEY_REVOKE,
    INVITE_DAYS,
    INVITE_CREATE,
    NEW_INVITE_LINK,
    COPY_INVITE_LINK,
    INVITES_TABLE,
    INVITE_WITHDRAW,
    AUDIT_LOG,
    SETTINGS_ERROR,
    SETTINGS_NOTICE,
)
# The settings page's actions: each submitted form records one meta-analytics event (source "dashboard", the admin
# as its user) named here, whether or not the action succeeds, like a dashboard control. Not in FEATURE_NAMES: the
# demo data does not invent administrators' actions.
SETTINGS_ACTIONS: dict[str, str] = {
    API_KEY_CREATE: "settings_create_key",
    API_KEY_REVOKE: "settings_revoke_key",
    INVITE_CREATE: "settings_create_invite",
    INVITE_WITHDRAW: "settings_withdraw_invite",
}
SETTINGS_UNTRACKED: dict[str, str] = {
    COPY_API_KEY: "copies the new key to the clipboard in the browser (assets/settings.js); sends nothing",
    COPY_INVITE_LINK: "copies the new link to the clipboard in the browser (assets/settings.js); sends nothing",
}


@dataclass(frozen=True)
class Registry:
    """Every component id and meta-analytics name of one page (the fixed parts plus its board's panels)."""

    component_ids: tuple[str, ...]
    tracked_controls: dict[str, tuple[str, tuple[str, ...]]]
    untracked_controls: dict[str, str]

    @property
    def feature_names(self) -> list[str]:
        """Every feature name the dashboard itself records, in registry order."""
        return [name for name, _props in self.tracked_controls.values()]


def registry(board: Board) -> Registry:
    """The registry of a page showing `board`. Raises ValueError when an id or a meta-analytics name repeats."""
    component_ids = (*FIXED_IDS, *(name for panel in board.panels for name in (panel.id, panel.title_id)))
    tracked = dict(FIXED_TRACKED)
    untracked = dict(FIXED_UNTRACKED)
    for panel in board.panels:
        if panel.tracked_as:
            tracked[panel.id] = (panel.tracked_as, PANEL_CLICK_PROPS)
        else:
            untracked[panel.id] = panel.untracked_because
    names = [name for name, _props in tracked.values()]
    for what, values in (("component id", list(component_ids)), ("meta-analytics name", names)):
        repeated = sorted({value for value in values if values.count(value) > 1})
        if repeated:
            raise ValueError(f"{what} used more than once: {', '.join(repeated)}")
    return Registry(component_ids, tracked, untracked)


REGISTRY = registry(BOARD)
COMPONENT_IDS = REGISTRY.component_ids
TRACKED_CONTROLS = REGISTRY.tracked_controls
UNTRACKED_CONTROLS = REGISTRY.untracked_controls
FEATURE_NAMES: list[str] = REGISTRY.feature_names  # the seed data uses exactly these

# -- the page's panels (ids declared in their files) that other modules refer to ------------------------------------
FEATURE_BAR_CHART = feature_bar.PANEL.id  # "feature-bar-chart": a click selects a feature (callbacks/selection.py)
DAILY_TREND_CHART = daily_trend.PANEL.id  # "daily-trend-chart"
AGE_GROUP_CHART = age_group.PANEL.id  # "age-group-chart"
GENDER_CHART = gender.PANEL.id  # "gender-chart"
