"""Every component id of the dashboard, and the meta-analytics name of every control a user can touch.

Ids are part of the contract with tests and the data team (DESIGN.md, "Stable component ids"): change them only
together with DESIGN.md. A new interactive control gets an id here AND an entry in TRACKED_CONTROLS (its
snake_case meta-analytics name and the props whose change is a user interaction); a test walks the layout and fails
for any interactive component that is missing.
"""

from __future__ import annotations

# -- page ------------------------------------------------------------------------------------------------------
PAGE = "page"
HEADER = "header"
ANALYST_NAME = "analyst-name"
LOGOUT_FORM = "logout-form"
LOGOUT_BUTTON = "logout-button"

# -- filter bar ------------------------------------------------------------------------------------------------
DATE_RANGE = "date-range"
DATE_RANGE_MESSAGE = "date-range-message"
FILTER_AGE_GROUP = "filter-age-group"
FILTER_GENDER = "filter-gender"
REFRESH_BUTTON = "refresh-button"

# -- stat cards ------------------------------------------------------------------------------------------------
STAT_TOTAL_CLICKS = "stat-total-clicks"
STAT_TOP_FEATURE = "stat-top-feature"
STAT_TOP_FEATURE_CLICKS = "stat-top-feature-clicks"
STAT_DAILY_AVERAGE = "stat-daily-average"
STAT_FEATURES_TRACKED = "stat-features-tracked"

# -- charts ----------------------------------------------------------------------------------------------------
FEATURE_BAR_CHART = "feature-bar-chart"
DAILY_TREND_CHART = "daily-trend-chart"
DAILY_TREND_TITLE = "daily-trend-title"
CHIP_CONTAINER = "feature-chip-container"
CLEAR_FEATURE_CHIP = "clear-feature-chip"  # present in the DOM only while a feature is selected

# -- state -----------------------------------------------------------------------------------------------------
SELECTED_FEATURE = "selected-feature"  # dcc.Store: the feature picked in the bar chart, or None

# -- meta-analytics --------------------------------------------------------------------------------------------
# id -> (meta-analytics name, props whose change by the user is one interaction). One callback per entry records
# one event per interaction (callbacks/tracking.py); programmatic writes to these props would be counted, so no
# callback ever outputs to them.
TRACKED_CONTROLS: dict[str, tuple[str, tuple[str, ...]]] = {
    DATE_RANGE: ("date_picker", ("start_date", "end_date")),
    FILTER_AGE_GROUP: ("filter_age", ("value",)),
    FILTER_GENDER: ("filter_gender", ("value",)),
    FEATURE_BAR_CHART: ("chart_bar", ("clickData",)),
    CLEAR_FEATURE_CHIP: ("clear_feature_chip", ("n_clicks",)),
    REFRESH_BUTTON: ("refresh_button", ("n_clicks",)),
}

# Interactive components that are deliberately not dashboard controls, with the reason. Anything interactive in the
# layout must be in TRACKED_CONTROLS or here.
UNTRACKED_CONTROLS: dict[str, str] = {
    LOGOUT_BUTTON: "a plain form POST to /logout that leaves the dashboard (session end, not a dashboard interaction)",
    DAILY_TREND_CHART: "display only: its clicks select nothing",
}

# Every feature name the dashboard itself emits (the seed data uses exactly these).
FEATURE_NAMES: list[str] = [name for name, _props in TRACKED_CONTROLS.values()]
