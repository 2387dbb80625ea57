"""The feature table: every feature under the filters (the data callback stores them), narrowed by the search box,
with the selected feature marked. Searching re-renders the rows only: no query, nothing recorded."""

from __future__ import annotations

from dash import Input, Output

from layouts import ids
from layouts.components import feature_table_rows


def matching(rows: list[list], search: str | None) -> list[tuple[str, int]]:
    """The rows whose feature contains `search` (case-insensitive), in rank order."""
    needle = (search or "").strip().casefold()
    return [(feature, clicks) for feature, clicks in rows if needle in feature.casefold()]


def count_text(shown: int, total: int) -> str:
    if shown == total:
        return f"{total:,} feature{'s' if total != 1 else ''}, most clicked first"
    return f"{shown:,} of {total:,} features match, most clicked first"


def register(app) -> None:
    @app.callback(
        Output(ids.FEATURE_TABLE_BODY, "children"),
        Output(ids.FEATURE_TABLE_COUNT, "children"),
        Input(ids.FEATURE_TABLE_DATA, "data"),
        Input(ids.FEATURE_TABLE_SEARCH, "value"),
        Input(ids.SELECTED_FEATURE, "data"),
    )
    def render(data, search, selected):
        rows = (data or {}).get("rows", [])
        shown = matching(rows, search)
        return feature_table_rows(shown, (data or {}).get("total", 0), selected), count_text(len(shown), len(rows))
