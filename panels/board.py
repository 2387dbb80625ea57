"""The panels of a page, row by row, and everything one set of filters shows: the stat cards and every panel,
computed together on one connection (the dashboard's data callback and GET /api/v1/stats both use `compute`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection

from comparison import Previous, card_changes, feature_changes
from db.filters import Filters
from db.queries import CARD_KEYS, FeatureClicks, StatCards, cards_json, clicks_by_feature, stat_cards
from panels.panel import Panel, Rendered, Timeline, present

GRID_COLUMNS = 12


@dataclass(frozen=True)
class Place:
    """A panel on the page: its width in grid columns (out of 12) on a large screen; phones show it full width."""

    panel: Panel
    width: int = GRID_COLUMNS


class Board:
    """Rows of placed panels. Panel ids, stats keys and meta-analytics names are unique (checked here)."""

    def __init__(self, *rows: tuple[Place, ...]):
        self.rows: tuple[tuple[Place, ...], ...] = tuple(tuple(row) for row in rows)
        for row in self.rows:
            if not row or sum(place.width for place in row) > GRID_COLUMNS:
                raise ValueError(f"a row holds 1 to {GRID_COLUMNS} columns of panels: {row}")
        self.panels: tuple[Panel, ...] = tuple(place.panel for row in self.rows for place in row)
        _require_unique("panel id", [name for p in self.panels for name in (p.id, p.title_id)])
        _require_unique("stats key", [*CARD_KEYS, *(p.stats_key for p in self.panels)])
        _require_unique("meta-analytics name", [p.tracked_as for p in self.panels if p.tracked_as])

    def with_row(self, *places: Place) -> Board:
        """This board with one more row at the bottom."""
        return Board(*self.rows, places)


def _require_unique(what: str, names: list[str]) -> None:
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"{what} used more than once: {', '.join(repeated)}")


@dataclass(frozen=True)
class View:
    """Everything the dashboard shows for one set of filters."""

    filters: Filters
    cards: StatCards
    panels: dict[str, Rendered]  # by panel id, in board order
    by_feature: list[FeatureClicks]  # every feature's clicks, most clicked first (the cards' own query)
    timeline: Timeline | None = None  # today, granularity and the comparison's filters (None: days, no comparison)
    previous: Previous | None = None  # the comparison range's cards and per-feature clicks (None: compare off)

    @property
    def card_changes(self) -> dict[str, str] | None:
        """Each card's change text against the comparison range (None: compare off)."""
        return card_changes(self.cards, self.filters.days, self.previous) if self.previous else None

    @property
    def feature_changes(self) -> dict[str, str] | None:
        """Each feature's change text (None: compare off)."""
        return feature_changes(self.by_feature, self.previous) if self.previous else None


def compute(board: Board, conn: Connection, filters: Filters, timeline: Timeline | None = None) -> View:
    """The cards and every panel for `filters` on one connection. A query function shared by several parts (the
    cards and the bar chart both use clicks_by_feature) runs once. With a `timeline` whose comparison is set, the
    cards' query and each timeline panel's query run for the comparison range too."""
    results: dict[tuple[Callable, Filters], Any] = {}

    def run(query: Callable[[Connection, Filters], Any], on: Filters = filters) -> Any:
        if (query, on) not in results:
            results[(query, on)] = query(conn, on)
        return results[(query, on)]

    by_feature = run(clicks_by_feature)
    cards = stat_cards(by_feature, filters.days)
    previous = None
    if timeline is not None and timeline.comparison is not None:
        before = run(clicks_by_feature, timeline.comparison)
        previous = Previous(timeline.comparison, stat_cards(before, timeline.comparison.days), before)
    rendered = {}
    for panel in board.panels:
        panel_timeline = None
        if timeline is not None and panel.timeline_figure is not None:
            previous_rows = run(panel.query, timeline.comparison) if timeline.comparison is not None else None
            panel_timeline = replace(timeline, previous_rows=previous_rows)
        rendered[panel.id] = present(panel, run(panel.query), filters, panel_timeline)
        if panel_timeline is not None:
            rendered[panel.id] = replace(rendered[panel.id], timeline=panel_timeline)
    return View(
        filters=filters, cards=cards, panels=rendered, by_feature=by_feature, timeline=timeline, previous=previous
    )


def view_json(board: Board, view: View) -> dict:
    """The body of GET /api/v1/stats: the cards, then one key per panel in board order, then what a timeline panel
    adds (the trend's buckets) and the comparison (null when compare is off)."""
    body = cards_json(view.cards)
    for panel in board.panels:
        body[panel.stats_key] = panel.stats_json(view.panels[panel.id].rows)
    for panel in board.panels:
        rendered = view.panels[panel.id]
        if panel.timeline_json is not None and rendered.timeline is not None:
            body.update(panel.timeline_json(rendered.rows, view.filters, rendered.timeline))
    if view.timeline is not None:
        body["comparison"] = comparison_json(view)
    return body


def comparison_json(view: View) -> dict | None:
    """The comparison range, its cards, each card's change and each current feature's clicks in it."""
    previous = view.previous
    if previous is None:
        return None
    changes = view.feature_changes
    return {
        "start": previous.filters.start.isoformat(),
        "end": previous.filters.end.isoformat(),
        **cards_json(previous.cards),
        "changes": view.card_changes,
        "by_feature": [
            {
                "feature": row.feature,
                "clicks": row.clicks,
                "previous_clicks": previous.clicks_of(row.feature),
                "change": changes[row.feature],
            }
            for row in view.by_feature
        ],
    }
