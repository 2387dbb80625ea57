"""Daily clicks: one point per day of the range, days without clicks drawn as 0; all features combined, or only the
selected one (the title says which). Display only: clicking a point does nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection

from db.filters import Filters
from db.levels import clicks_by_day
from layouts.theme import PLOTLY_TEMPLATE, PRIMARY, SELECTED
from panels.figures import as_text, count_axis, shorten
from panels.panel import Panel


@dataclass(frozen=True)
class DayClicks:
    day: date
    clicks: int


def daily_clicks(conn: Connection, f: Filters) -> list[DayClicks]:
    """One entry per day of the range, zero-filled; only the selected feature when one is set."""
    counted = clicks_by_day(conn, f)
    return [DayClicks(day, counted.get(day, 0)) for day in date_range(f.start, f.end)]


def date_range(start: date, end: date) -> list[date]:
    """Every day from start to end, both included."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def daily_figure(rows: list[DayClicks], f: Filters) -> dict:
    """A filled line, one point per day (markers up to two months)."""
    days = [row.day.isoformat() for row in rows]
    clicks = [row.clicks for row in rows]
    name = f.feature or "All features"
    label = as_text(shorten(name, 40))
    color = SELECTED if f.feature else PRIMARY
    return {
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
                "fillcolor": "rgba(253,126,20,0.10)" if f.feature else "rgba(13,110,253,0.08)",
                "hovertemplate": "%{x|%a %b %d, %Y}<br><b>%{y:,d}</b> clicks<extra>" + label + "</extra>",
            }
        ],
        "layout": {
            "template": PLOTLY_TEMPLATE,
            "xaxis": {"type": "date", "tickformat": date_ticks(f), "range": padded_range(rows)},
            "yaxis": {"title": {"text": "Clicks"}, **count_axis(max(clicks, default=0))},
            "hovermode": "x",
        },
    }


def date_ticks(f: Filters) -> str:
    """Tick labels that say the year whenever it is not obvious: day and month within one year up to three months,
    with the year when the range crosses a new year, month and year for longer ranges."""
    if f.days > 92:
        return "%b %Y"
    if f.start.year != f.end.year:
        return "%b %d, %Y"
    return "%b %d"


def padded_range(rows: list[DayClicks]) -> list[str] | None:
    """Half a day of room on each side, so the first and last points are not cut by the plot edge."""
    if not rows:
        return None
    return [f"{rows[0].day - timedelta(days=1)}T12:00:00", f"{rows[-1].day}T12:00:00"]


def trend_title(f: Filters) -> str:
    return f"Daily clicks: {f.feature}" if f.feature else "Daily clicks: all features"


def daily_json(rows: list[DayClicks]) -> list[dict]:
    return [{"date": row.day.isoformat(), "clicks": row.clicks} for row in rows]


PANEL = Panel(
    id="daily-trend-chart",
    title=trend_title,
    query=daily_clicks,
    figure=daily_figure,
    stats_key="daily",
    tracked_as=None,
    stats_json=daily_json,
    axes_when_empty=True,  # the zero line is the answer: every day of the range, none with a click
)
