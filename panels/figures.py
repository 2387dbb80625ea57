"""Figure helpers shared by panels: plain plotly dicts in the house template (no database, no Dash)."""

from __future__ import annotations

from collections.abc import Sequence

from layouts.theme import MUTED, PLOTLY_TEMPLATE, PRIMARY, PRIMARY_LIGHT, SELECTED


def empty_note(text: str) -> dict:
    """A sentence in the middle of the plot area."""
    return {
        "text": text,
        "xref": "paper",
        "yref": "paper",
        "x": 0.5,
        "y": 0.5,
        "showarrow": False,
        "font": {"size": 15, "color": MUTED},
    }


def empty_figure(text: str) -> dict:
    """An explicit empty state: no axes, just a sentence."""
    return {
        "data": [],
        "layout": {
            "template": PLOTLY_TEMPLATE,
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "annotations": [empty_note(text)],
        },
    }


def with_empty_note(figure: dict, text: str) -> dict:
    """`figure` (all zeros) with a sentence over it and a y axis from 0 to 1."""
    layout = dict(figure["layout"])
    layout["annotations"] = [*layout.get("annotations", []), empty_note(text)]
    layout["yaxis"] = {**layout.get("yaxis", {}), "range": [0, 1]}
    return {**figure, "layout": layout}


def highlight(categories: Sequence[str], active: str | None) -> list[str]:
    """One colour per category: all primary when nothing is active, else the active one stands out."""
    if active is None:
        return [PRIMARY] * len(categories)
    return [SELECTED if category == active else PRIMARY_LIGHT for category in categories]
