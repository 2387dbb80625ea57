"""Clicks by feature: horizontal bars, most clicked at the top. Clicking a bar selects that feature (the selection
callback in callbacks/selection.py), and the selected bar is highlighted. The query is the stat cards' own.

Any number of features and any name length fit: the top TOP_FEATURES features get a bar each and the rest share one
"Other (N features)" bar (not selectable; the full ranked list is in the feature table under the charts); long names
are cut with an ellipsis on the axis and shown whole in the tooltip.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.filters import Filters
from db.queries import FeatureClicks, clicks_by_feature
from layouts.theme import PLOTLY_TEMPLATE, PRIMARY, PRIMARY_LIGHT, SELECTED
from panels.figures import as_text, count_axis, shorten, tooltip_text
from panels.panel import Panel

TOP_FEATURES = 15
OTHER = ""  # the "Other" bar's customdata: not a feature name, so a click on it selects nothing


@dataclass(frozen=True)
class Bar:
    category: str  # the axis category: the feature name, or the "Other (N features)" label
    feature: str  # the feature it selects; OTHER for the "Other" bar
    clicks: int
    label: str  # the tick text (cut with an ellipsis when long), escaped for plotly
    hover: str  # the whole name, escaped for plotly, in lines that fit a tooltip


def other_label(count: int) -> str:
    return f"Other ({count:,} feature{'s' if count != 1 else ''})"


def bars(rows: list[FeatureClicks], top: int = TOP_FEATURES) -> list[Bar]:
    """The first `top` features, then one bar for the rest (when there is a rest)."""
    shown = [
        Bar(r.feature, r.feature, r.clicks, as_text(shorten(r.feature)), tooltip_text(r.feature)) for r in rows[:top]
    ]
    rest = rows[top:]
    if rest:
        label = other_label(len(rest))
        clicks = sum(row.clicks for row in rest)
        shown.append(Bar(label, OTHER, clicks, label, f"{label}: see the feature table"))
    return shown


def bar_colors(shown: list[Bar], rows: list[FeatureClicks], selected: str | None) -> list[str]:
    """All primary without a selection; else the selected bar (or "Other" when it holds the selection) stands out."""
    if selected is None:
        return [PRIMARY] * len(shown)
    in_top = any(bar.feature == selected for bar in shown)
    in_rest = not in_top and any(row.feature == selected for row in rows)
    return [
        SELECTED if (bar.feature == selected or (in_rest and bar.feature == OTHER)) else PRIMARY_LIGHT for bar in shown
    ]


def feature_bar_figure(rows: list[FeatureClicks], f: Filters) -> dict:
    """Horizontal bars in the given order (most clicked first, drawn at the top); the selected feature stands out."""
    shown = bars(rows)
    categories = [bar.category for bar in shown]
    clicks = [bar.clicks for bar in shown]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": clicks,
                "y": categories,
                "customdata": [bar.feature for bar in shown],
                "hovertext": [bar.hover for bar in shown],
                "marker": {"color": bar_colors(shown, rows, f.feature)},
                "texttemplate": "%{x:,d}",
                "textposition": "auto",
                "insidetextanchor": "end",
                "textfont": {"size": 11},
                "cliponaxis": False,
                "hovertemplate": "<b>%{hovertext}</b><br>%{x:,d} clicks<extra></extra>",
            }
        ],
        "layout": {
            "template": PLOTLY_TEMPLATE,
            # most clicked at the top: categories in the given order, drawn top-down
            "yaxis": {
                "type": "category",
                "categoryorder": "array",
                "categoryarray": categories,
                "tickmode": "array",
                "tickvals": categories,
                "ticktext": [bar.label for bar in shown],
                "autorange": "reversed",
                "ticks": "",
                "ticksuffix": "  ",
                "tickfont": {"color": "#212529", "size": 12},
            },
            "xaxis": {
                "title": {"text": "Clicks"},
                "showgrid": True,
                "gridcolor": "#e9ecef",
                **count_axis(max(clicks, default=0)),
            },
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
    height=460,
)
