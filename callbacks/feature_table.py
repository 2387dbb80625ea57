"""The feature table: every feature under the filters (the data callback stores them), narrowed by the search box and
sorted by a column header's button, with the selected feature marked. Searching and sorting re-render the rows only:
no query, nothing recorded."""

from __future__ import annotations

from dash import Input, Output, State, ctx, no_update

from layouts import ids
from layouts.components import feature_table_rows

SORT_KEYS = {ids.FEATURE_TABLE_SORT_FEATURE: "feature", ids.FEATURE_TABLE_SORT_CLICKS: "clicks"}
ARROWS = {True: " ↓", False: " ↑"}


def matching(rows: list[list], search: str | None) -> list[tuple[str, int]]:
    """The rows whose feature contains `search` (case-insensitive), in rank order."""
    needle = (search or "").strip().casefold()
    return [(feature, clicks) for feature, clicks in rows if needle in feature.casefold()]


def sorted_rows(rows: list[tuple[str, int]], sort: dict | None) -> list[tuple[str, int]]:
    """By clicks (rank order: ties alphabetical), or by name; `descending` turns either round."""
    sort = sort or {"by": "clicks", "descending": True}
    if sort.get("by") == "feature":
        ordered = sorted(rows, key=lambda row: (row[0].casefold(), row[0]))
        return ordered[::-1] if sort.get("descending") else ordered
    return list(rows) if sort.get("descending", True) else list(reversed(rows))


def next_sort(clicked: str, sort: dict | None) -> dict:
    """A header clicked: sort by its column (names A→Z, clicks most first), or the other way round when it already
    sorts by it."""
    by = SORT_KEYS[clicked]
    if sort and sort.get("by") == by:
        return {"by": by, "descending": not sort.get("descending")}
    return {"by": by, "descending": by == "clicks"}


def count_text(shown: int, total: int) -> str:
    if shown == total:
        return f"{total:,} feature{'s' if total != 1 else ''}"
    return f"{shown:,} of {total:,} features match"


def headers(sort: dict | None) -> list:
    """The two sortable headers' labels and aria-sort values."""
    sort = sort or {"by": "clicks", "descending": True}
    values = []
    for by, label in (("feature", "Feature"), ("clicks", "Clicks")):
        active = sort.get("by") == by
        descending = bool(sort.get("descending"))
        values.append(label + (ARROWS[descending] if active else ""))
        values.append(("descending" if descending else "ascending") if active else "none")
    return values


def register(app) -> None:
    @app.callback(
        Output(ids.FEATURE_TABLE_SORT, "data"),
        Input(ids.FEATURE_TABLE_SORT_FEATURE, "n_clicks"),
        Input(ids.FEATURE_TABLE_SORT_CLICKS, "n_clicks"),
        State(ids.FEATURE_TABLE_SORT, "data"),
        prevent_initial_call=True,
    )
    def sort_by(_by_feature, _by_clicks, sort):
        if ctx.triggered_id not in SORT_KEYS:
            return no_update
        return next_sort(ctx.triggered_id, sort)

    @app.callback(
        Output(ids.FEATURE_TABLE_BODY, "children"),
        Output(ids.FEATURE_TABLE_COUNT, "children"),
        Output(ids.FEATURE_TABLE_SORT_FEATURE, "children"),
        Output(ids.FEATURE_TABLE_HEAD_FEATURE, "aria-sort"),
        Output(ids.FEATURE_TABLE_SORT_CLICKS, "children"),
        Output(ids.FEATURE_TABLE_HEAD_CLICKS, "aria-sort"),
        Input(ids.FEATURE_TABLE_DATA, "data"),
        Input(ids.FEATURE_TABLE_SEARCH, "value"),
        Input(ids.SELECTED_FEATURE, "data"),
        Input(ids.FEATURE_TABLE_SORT, "data"),
    )
    def render(data, search, selected, sort):
        rows = (data or {}).get("rows", [])
        shown = sorted_rows(matching(rows, search), sort)
        total = (data or {}).get("total", 0)
        changes = (data or {}).get("changes")  # feature -> change text; None while compare is off
        body = feature_table_rows(shown, total, selected, changes)
        return body, count_text(len(shown), len(rows)), *headers(sort)
