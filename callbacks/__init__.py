"""Callbacks, one module per concern; register(app) wires them all to one Dash app (never global dash.callback)."""

from __future__ import annotations

from callbacks import dashboard, selection, tracking


def register(app) -> None:
    dashboard.register(app)
    selection.register(app)
    tracking.register(app)
