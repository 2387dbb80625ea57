"""Clicks by feature: horizontal bars, most clicked at the top. Clicking a bar selects that feature (the selection
callback in callbacks/selection.py), and the selected bar is highlighted. The query is the stat cards' own."""

from __future__ import annotations

from db.filters import Filters
from db.queries import FeatureClicks, clicks_by_feature
from layouts.theme import PLOTLY_TEMPLATE
from panels.figures import highlight
from panels.panel import Panel


def feature_bar_figure(rows: list[FeatureClicks], f: Filters) -> dict:
    """Horizontal bars in the given order (most clicked first, drawn at the top); the selected feature stands out."""
    features = [row.feature for row in rows]
    clicks = [row.clicks for row in rows]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": clicks,
                "y": features,
                "customdata": features,
                "marker": {"color": highlight(features, f.feature)},
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


PANEL = Panel(
    id="feature-bar-chart",
    title="Clicks by feature",
    query=clicks_by_feature,
    figure=feature_bar_figure,
    stats_key="by_feature",
    tracked_as="chart_bar",
    hint="click a bar to focus",
)
