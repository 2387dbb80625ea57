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


TICK_CHARS = 28  # a category label longer than this is cut, with an ellipsis (the tooltip shows it whole)
SMALL_COUNT_AXIS = 10  # up to this many clicks, a count axis ticks every whole number


def as_text(value: str) -> str:
    """`value` for a plotly label or tooltip: plotly reads a few HTML tags and entities in text (<b>, <br>, &amp;),
    so escape them; a feature name is always shown as the characters it is made of, never as markup."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(value: str, limit: int = TICK_CHARS) -> str:
    """`value` cut to `limit` characters with an ellipsis when longer (for axis ticks and titles)."""
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "\u2026"


def count_axis(largest: int) -> dict:
    """An axis of click counts: whole numbers only (never 0.5), thousands separators (12,345)."""
    axis: dict = {"tickformat": ",d", "rangemode": "tozero"}
    if largest <= SMALL_COUNT_AXIS:  # plotly would pick halves (0.5, 1.5) for small counts
        axis.update({"tickmode": "linear", "tick0": 0, "dtick": 1})
    return axis


TOOLTIP_LINE = 40  # characters per line of a name in a tooltip (a 100-character name takes three lines)


def tooltip_text(value: str, width: int = TOOLTIP_LINE) -> str:
    """`value` whole, for a tooltip: escaped (as_text) and broken into lines of at most `width` characters, so a long
    name stays inside the chart. Every character is kept, in order."""
    lines = [value[i : i + width] for i in range(0, len(value), width)] or [""]
    return "<br>".join(as_text(line) for line in lines)
