"""Figures as plain plotly dicts, built from query results (pure functions, no database)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from db.queries import DayClicks, FeatureClicks
from layouts.theme import MUTED, PLOTLY_TEMPLATE, PRIMARY, PRIMARY_LIGHT, SELECTED


def _empty_annotation(text: str) -> dict:
    return {
        "text": text,
        "xref": "paper",
        "yref": "paper",
        "x": 0.5,
        "y": 0.5,
        "showarrow": False,
        "font": {"size": 15, "color": MUTED},
    }


def empty_figure(message: str) -> dict:
    """An explicit empty state: no axes, just a sentence."""
    return {
        "data": [],
        "layout": {
            "template": PLOTLY_TEMPLATE,
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "annotations": [_empty_annotation(message)],
        },
    }


def bar_figure(by_feature: Sequence[FeatureClicks], selected: str | None = None) -> dict:
    """Horizontal bars, most clicked at the top (the given order); the selected feature's bar is highlighted."""
    if not by_feature:
        return empty_figure("No clicks in this range")
    features = [item.feature for item in by_feature]
    clicks = [item.clicks for item in by_feature]
    if selected is None:
        colors = [PRIMARY] * len(features)
    else:
        colors = [SELECTED if feature == selected else PRIMARY_LIGHT for feature in features]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": clicks,
                "y": features,
                "customdata": features,
                "marker": {"color": colors},
                "text": clicks,
                "textposition": "auto",
                "insidetextanchor": "end",
                "cliponaxis": False,
                "hovertemplate": "<b>%{y}</b><br>%{x} clicks<br><i>click to select</i><extra></extra>",
            }
        ],
        "layout": {
            "template": PLOTLY_TEMPLATE,
            # most clicked at the top: categories in the given order, drawn top-down
            "yaxis": {
                "type": "category",
                "categoryorder": "array",
                "categoryarray": features,
                "autorange": "reversed",
                "ticks": "",
                "ticksuffix": "  ",
                "tickfont": {"color": "#212529"},
            },
            "xaxis": {"title": {"text": "Clicks"}, "showgrid": True, "gridcolor": "#e9ecef", "rangemode": "tozero"},
            "uniformtext": {"minsize": 10, "mode": "hide"},
            "clickmode": "event",
            "hovermode": "closest",
            "bargap": 0.3,
        },
    }


def line_figure(daily: Sequence[DayClicks], feature: str | None = None, *, empty: bool = False) -> dict:
    """One point per day of the range (already zero-filled by the query)."""
    days = [item.day.isoformat() for item in daily]
    clicks = [item.clicks for item in daily]
    name = feature or "All features"
    color = SELECTED if feature else PRIMARY
    figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers" if len(days) <= 62 else "lines",
                "x": days,
                "y": clicks,
                "name": name,
                "line": {"color": color, "width": 2.5, "shape": "linear"},
                "marker": {"size": 6, "color": color},
                "fill": "tozeroy",
                "fillcolor": "rgba(13,110,253,0.08)" if not feature else "rgba(253,126,20,0.10)",
                "hovertemplate": "%{x|%a %b %d, %Y}<br><b>%{y}</b> clicks<extra>" + name + "</extra>",
            }
        ],
        "layout": {
            "template": PLOTLY_TEMPLATE,
            "xaxis": {"type": "date", "tickformat": "%b %d", "range": _padded_range(daily)},
            "yaxis": {"title": {"text": "Clicks"}, "rangemode": "tozero"},
            "hovermode": "x",
        },
    }
    if empty:
        figure["layout"]["annotations"] = [_empty_annotation("No clicks in this range")]
        figure["layout"]["yaxis"]["range"] = [0, 1]
    return figure


def _padded_range(daily: Sequence[DayClicks]) -> list[str] | None:
    """Half a day of room on each side, so the first and last points are not cut by the plot edge."""
    if not daily:
        return None
    return [f"{daily[0].day - timedelta(days=1)}T12:00:00", f"{daily[-1].day}T12:00:00"]


def trend_title(feature: str | None) -> str:
    return f"Daily clicks: {feature}" if feature else "Daily clicks: all features"


def range_label(start: date, end: date) -> str:
    return f"{start:%b %d, %Y} – {end:%b %d, %Y}"
