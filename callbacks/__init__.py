"""Dash wiring, one module per concern, each with register(app): the page function and the callbacks (never the
global dash.callback). They call plain functions and the panels; no SQL here."""

from __future__ import annotations

from callbacks import breakdown, dashboard, feature_table, page, presets, reset, selection, tracking
from layouts.ids import registry
from panels.board import Board


def register(app, board: Board) -> None:
    """Serve the page with `board`'s panels and wire every callback for it."""
    page.register(app, board)
    dashboard.register(app, board)
    selection.register(app)
    breakdown.register(app, board)
    feature_table.register(app)
    reset.register(app)
    presets.register(app)
    tracking.register(app, registry(board).tracked_controls)
