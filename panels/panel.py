"""What a panel declares, and how the framework renders it.

A panel module (panels/<name>.py) defines `PANEL = Panel(...)` with
- `query(conn, filters)`: a pure function of a SQLAlchemy Connection and the validated Filters that reads the
  feature_daily rollup (never the raw events, so it stays fast at any volume) and returns rows, each with a `clicks`
  count (db.queries.where(filters) gives the shared filter conditions);
- `figure(rows, filters)`: a plain plotly dict built from those rows, in the house template (layouts/theme.py);
- `id`: the dcc.Graph's component id; `title`: the card's title (text, or a function of the filters);
- `stats_key`: its key in GET /api/v1/stats (the rows as JSON: `stats_json`, field by field unless given);
- `tracked_as`: the meta-analytics name recorded once per click on the chart, or None for a display-only chart;
- optionally `timeline_figure(rows, filters, timeline)` and `timeline_json(rows, filters, timeline)`: a chart over
  time (the trend) drawn in buckets of the chosen granularity with the comparison range's rows (its query run again
  for the comparison filters) as `timeline.previous_rows`; the JSON's keys join the stats API's body.

The framework gives every panel the filters, a titled card with a loading indicator and an empty state (when the
rows count no click), one meta-analytics event per click, its key in the stats API, and `run_panel` for tests.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine

from db.filters import Filters
from domain import is_feature_name
from panels.figures import empty_figure, with_empty_note

Rows = TypeVar("Rows", bound=Sequence)

NO_CLICKS = "No clicks in this range"
DISPLAY_ONLY = "display only: its clicks select nothing"


def no_clicks(rows: Sequence) -> bool:
    """True when the rows count no click at all."""
    return not any(row.clicks for row in rows)


def rows_json(rows: Sequence) -> list[dict]:
    """Rows (dataclasses) as JSON objects, field by field; dates as YYYY-MM-DD."""
    return [{name: _json_value(value) for name, value in dataclasses.asdict(row).items()} for row in rows]


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _is_snake_case(name: str) -> bool:
    return name.isidentifier() and name == name.lower()


@dataclass(frozen=True)
class Timeline:
    """How a chart over time is drawn: as of `today`, in buckets of `granularity` (auto, day, week, month), against
    the comparison range's filters and rows (None when compare is off)."""

    today: date
    granularity: str = "auto"
    comparison: Filters | None = None
    previous_rows: Any = None


@dataclass(frozen=True, kw_only=True)
class Panel(Generic[Rows]):
    """One chart of the dashboard. See the module docstring; only the first six fields are required."""

    id: str
    title: str | Callable[[Filters], str]
    query: Callable[[Connection, Filters], Rows]
    figure: Callable[[Rows, Filters], dict]
    stats_key: str
    tracked_as: str | None
    hint: str | None = None  # small text next to the title, e.g. what a click does
    stats_json: Callable[[Rows], Any] = rows_json
    is_empty: Callable[[Rows], bool] = no_clicks
    empty_text: str = NO_CLICKS
    axes_when_empty: bool = False  # True: draw the (all-zero) figure under the empty note; False: the note alone
    height: int = 380  # pixels
    timeline_figure: Callable[[Rows, Filters, Timeline], dict] | None = None
    timeline_json: Callable[[Rows, Filters, Timeline], dict] | None = None

    def __post_init__(self) -> None:
        if not self.id or self.id != self.id.strip() or " " in self.id:
            raise ValueError(f"panel id {self.id!r}: a non-empty component id without spaces")
        if not _is_snake_case(self.stats_key):
            raise ValueError(f"panel {self.id}: stats_key {self.stats_key!r} must be snake_case")
        if self.tracked_as is not None and not (_is_snake_case(self.tracked_as) and is_feature_name(self.tracked_as)):
            raise ValueError(f"panel {self.id}: tracked_as {self.tracked_as!r} must be a snake_case feature name")

    @property
    def title_id(self) -> str:
        """The component id of the card's title."""
        return f"{self.id}-title"

    @property
    def title_follows_filters(self) -> bool:
        return callable(self.title)

    def title_for(self, filters: Filters) -> str:
        return self.title(filters) if callable(self.title) else self.title

    @property
    def untracked_because(self) -> str | None:
        """Why clicks on this chart record nothing (None when they are tracked)."""
        return None if self.tracked_as else DISPLAY_ONLY


@dataclass(frozen=True)
class Rendered:
    """What a panel shows for one set of filters."""

    rows: Any
    figure: dict
    title: str
    timeline: Timeline | None = None  # a timeline panel's buckets and comparison rows, when drawn with them


def present(panel: Panel, rows: Any, filters: Filters, timeline: Timeline | None = None) -> Rendered:
    """The panel's figure and title for rows its query returned (the empty state when they count no click); a
    timeline panel given a `timeline` is drawn in its buckets, with its comparison."""

    def draw() -> dict:
        if timeline is not None and panel.timeline_figure is not None:
            return panel.timeline_figure(rows, filters, timeline)
        return panel.figure(rows, filters)

    if not panel.is_empty(rows):
        figure = draw()
    elif panel.axes_when_empty:
        figure = with_empty_note(draw(), panel.empty_text)
    else:
        figure = empty_figure(panel.empty_text)
    return Rendered(rows=rows, figure=figure, title=panel.title_for(filters))


def render(panel: Panel, conn: Connection, filters: Filters) -> Rendered:
    """Run the panel's query on `conn` and present the result."""
    return present(panel, panel.query(conn, filters), filters)


def run_panel(panel: Panel, engine: Engine, filters: Filters) -> Rendered:
    """For tests: the panel's rows, figure and title for `filters`, exactly as the dashboard shows them."""
    with engine.connect() as conn:
        return render(panel, conn, filters)
