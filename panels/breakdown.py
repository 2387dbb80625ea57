"""What the breakdown panels (clicks by age group, by gender) share: the query and the figure of one demographic.

A breakdown follows every filter except its own dimension, so all its segments stay visible and the active one is
highlighted; it follows the selected feature. Known segments are always shown (zero included) in their usual order;
`unknown` (clicks without a known person) is added when it has clicks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import Connection

from db.filters import Filters
from db.levels import clicks_grouped
from domain import ALL, UNKNOWN
from layouts.theme import PLOTLY_TEMPLATE
from panels.figures import count_axis, highlight


@dataclass(frozen=True)
class Segment:
    value: str  # as stored, filtered on and sent by the API: '<18', 'Female', 'unknown'
    clicks: int


def clicks_by_segment(conn: Connection, f: Filters, dimension: str, segments: tuple[str, ...]) -> list[Segment]:
    """Clicks per value of `dimension` ('age_group' or 'gender') under every filter but that dimension's own."""
    counted = dict(clicks_grouped(conn, replace(f, **{dimension: ALL}), dimension))
    rows = [Segment(value, counted.get(value, 0)) for value in segments]
    if counted.get(UNKNOWN, 0) > 0:
        rows.append(Segment(UNKNOWN, counted[UNKNOWN]))
    return rows


def segment_figure(rows: list[Segment], labels: dict[str, str], active: str) -> dict:
    """Vertical bars, one per segment, labelled for people; the active filter's segment stands out."""
    values = [row.value for row in rows]
    clicks = [row.clicks for row in rows]
    names = [labels.get(value, value) for value in values]
    return {
        "data": [
            {
                "type": "bar",
                "x": names,
                "y": clicks,
                "customdata": values,
                "marker": {"color": highlight(values, None if active == ALL else active)},
                "texttemplate": "%{y:,d}",
                "textposition": "auto",
                "cliponaxis": False,
                "hovertemplate": "<b>%{x}</b><br>%{y:,d} clicks<extra></extra>",
            }
        ],
        "layout": {
            "template": PLOTLY_TEMPLATE,
            "xaxis": {"type": "category", "categoryorder": "array", "categoryarray": names},
            "yaxis": {"title": {"text": "Clicks"}, **count_axis(max(clicks, default=0))},
            "uniformtext": {"minsize": 10, "mode": "hide"},
            "clickmode": "event",
            "hovermode": "closest",
        },
    }


def segments_json(dimension: str) -> Callable[[list[Segment]], list[dict]]:
    """The rows as the stats API sends them: [{"<dimension>": value, "clicks": n}, ...]."""

    def to_json(rows: list[Segment]) -> list[dict]:
        return [{dimension: row.value, "clicks": row.clicks} for row in rows]

    return to_json
