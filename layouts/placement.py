"""Where each panel sits on the dashboard: rows from top to bottom, each panel with its width out of 12 columns on a
large screen (phones stack them). Adding a panel to the page is one line here."""

from __future__ import annotations

from panels import age_group, daily_trend, feature_bar, gender
from panels.board import Board, Place

BOARD = Board(
    (Place(feature_bar.PANEL, 5), Place(daily_trend.PANEL, 7)),
    (Place(age_group.PANEL, 6), Place(gender.PANEL, 6)),
)
