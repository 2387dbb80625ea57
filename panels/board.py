"""The panels of a page, row by row, and everything one set of filters shows: the stat cards and every panel,
computed together on one connection (the dashboard's data callback and GET /api/v1/stats both use `compute`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from db.filters import Filters
from db.queries import CARD_KEYS, FeatureClicks, StatCards, cards_json, clicks_by_feature, stat_cards
from panels.panel import Panel, Rendered, present

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


def compute(board: Board, conn: Connection, filters: Filters) -> View:
    """The cards and every panel for `filters` on one connection. A query function shared by several parts (the
    cards and the bar chart both use clicks_by_feature) runs once."""
    results: dict[Callable, Any] = {}

    def run(query: Callable[[Connection, Filters], Any]) -> Any:
        if query not in results:
            results[query] = query(conn, filters)
        return results[query]

    by_feature = run(clicks_by_feature)
    cards = stat_cards(by_feature, filters.days)
    rendered = {panel.id: present(panel, run(panel.query), filters) for panel in board.panels}
    return View(filters=filters, cards=cards, panels=rendered, by_feature=by_feature)


def view_json(board: Board, view: View) -> dict:
    """The body of GET /api/v1/stats: the cards, then one key per panel in board order."""
    body = cards_json(view.cards)
    for panel in board.panels:
        body[panel.stats_key] = panel.stats_json(view.panels[panel.id].rows)
    return body
