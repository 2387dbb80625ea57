"""Dash wiring, one module per concern, each with register(app): the page function and the callbacks (never the
global dash.callback). They call plain functions and the panels; no SQL here."""

from __future__ import annotations

from callbacks import (
    breakdown,
    dashboard,
    download,
    feature_table,
    live,
    page,
    presets,
    reset,
    selection,
    theme,
    tracking,
    url,
)
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
    theme.register(app)
    live.register(app)
    download.register(app)
    url.register(app)
    tracking.register(app, registry(board).tracked_controls)
