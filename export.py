"""The current view as CSV files: the feature table (`features`) and the time series (`series`).

One function (`export_csv`) makes the bytes for both the dashboard's `export-csv` buttons and `GET /api/v1/export`,
so the two downloads are the same bytes; the numbers come from the same functions as the page and the stats API
(panels.board.compute for the per-feature clicks, the trend panel's query and timeline_json for the series), minus
drawing the charts.

Format: UTF-8 without a byte-order mark, CRLF line ends, a header row, fields quoted only when they must be (a comma,
a quote, a line end). Counts are plain integers (no thousands separators), `share` is the feature's clicks divided by
the total with 4 decimals (0.2727), `complete` is true or false.
- features: `feature,clicks,share`, most clicked first (ties alphabetical); with compare on also
  `previous_clicks,change` (the change text the table shows: `+12%`, `−3%`, `0%`, `new`).
- series: `start,end,clicks,complete`, one row per bucket of the trend chart; with compare on also
  `previous_start,previous_end,previous_clicks` (empty where the comparison range is shorter).

CSV injection (OWASP): a spreadsheet reads a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return as a
formula, so such a text cell (a feature name sent by another app, a positive change such as `+12%`) gets a leading
`'`; every other cell is written as it is.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Connection

from db.filters import Filters
from panels.board import Board, View, compute
from panels.panel import Panel, Timeline
from periods import OFF
from view import View as Choice

TABLES = ("features", "series")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHARE_PLACES = Decimal("0.0001")
MEDIA_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class CsvFile:
    filename: str
    content: bytes


def neutralise(cell: str) -> str:
    """A text cell as a spreadsheet may open it safely: a leading `'` when it would be read as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def share(clicks: int, total: int) -> str:
    """`clicks` ÷ `total` to 4 decimals, rounded half up ("0.2727"); "0.0000" without clicks."""
    if total == 0:
        return "0.0000"
    return str((Decimal(clicks) / Decimal(total)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP))


def filename(table: str, filters: Filters) -> str:
    return f"clickboard-{table}-{filters.start.isoformat()}_{filters.end.isoformat()}.csv"


def timeline_panel(board: Board) -> Panel:
    """The board's chart over time (the panel that adds `series` to the stats API)."""
    for panel in board.panels:
        if panel.timeline_json is not None:
            return panel
    raise ValueError("this board has no chart over time")


def features_view(conn: Connection, choice: Choice, today: date) -> View:
    """The cards' per-feature clicks for `choice` as of `today`, and the comparison range's (panels.board.compute
    without panels: no chart is drawn). Raises InvalidFilter for a custom range that ends after today."""
    filters = choice.resolve(today)
    timeline = Timeline(today=today, granularity=choice.granularity, comparison=choice.comparison(today))
    return compute(Board(), conn, filters, timeline)


def series_json(board: Board, conn: Connection, choice: Choice, today: date) -> tuple[Filters, dict]:
    """The stats API's `series` for `choice` as of `today`: the chart's own query and timeline_json, as
    panels.board.compute and view_json run them, without drawing the figure."""
    filters = choice.resolve(today)
    comparison = choice.comparison(today)
    panel = timeline_panel(board)
    previous_rows = panel.query(conn, comparison) if comparison is not None else None
    timeline = Timeline(today, choice.granularity, comparison, previous_rows)
    return filters, panel.timeline_json(panel.query(conn, filters), filters, timeline)


def feature_rows(view: View) -> list[list[str]]:
    header = ["feature", "clicks", "share"]
    changes = view.feature_changes
    if view.previous is not None:
        header += ["previous_clicks", "change"]
    rows = [header]
    total = view.cards.total_clicks
    for row in view.by_feature:
        cells = [neutralise(row.feature), str(row.clicks), share(row.clicks, total)]
        if view.previous is not None:
            # the table's text, without the screen's thousands separators
            cells += [str(view.previous.clicks_of(row.feature)), neutralise(changes[row.feature].replace(",", ""))]
        rows.append(cells)
    return rows


def series_rows(body: dict, compare: bool) -> list[list[str]]:
    header = ["start", "end", "clicks", "complete"]
    if compare:
        header += ["previous_start", "previous_end", "previous_clicks"]
    rows = [header]
    for item in body["series"]:
        cells = [item["start"], item["end"], str(item["clicks"]), "true" if item["complete"] else "false"]
        if compare:
            previous = (item.get("previous_start"), item.get("previous_end"), item.get("previous_clicks"))
            cells += ["" if value is None else str(value) for value in previous]
        rows.append(cells)
    return rows


def encode(rows: list[list[str]]) -> bytes:
    """CSV text (CRLF, minimal quoting) as UTF-8 without a byte-order mark."""
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def export_csv(board: Board, conn: Connection, choice: Choice, today: date, table: str) -> CsvFile:
    """The `table` (features or series) of `choice` as of `today` as a CSV file. ValueError for another table;
    InvalidFilter for a custom range that ends after today."""
    if table == "features":
        view = features_view(conn, choice, today)
        return CsvFile(filename(table, view.filters), encode(feature_rows(view)))
    if table == "series":
        filters, body = series_json(board, conn, choice, today)
        return CsvFile(filename(table, filters), encode(series_rows(body, choice.compare != OFF)))
    raise ValueError(f"table must be one of {', '.join(TABLES)}")
