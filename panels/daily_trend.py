"""Clicks over time: one point per bucket of the range (day, ISO week from Monday, or month: `auto` picks by the
range's length), buckets without clicks drawn as 0; all features combined, or only the selected one (the title says
which). The daily counts come from one query and are summed into buckets in Python (periods.buckets). A bucket cut
by the range or not over yet is incomplete: its segment is dashed and its tooltip says "so far" (not over yet) or
"partial". With compare on, the comparison range's buckets are a faint line aligned by position (first bucket with
first bucket; where the comparison is shorter, its line ends), the tooltip naming both dates. Display only: clicking
a point does nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection

import periods
from db.filters import Filters
from db.levels import clicks_by_day
from layouts.theme import MUTED, PLOTLY_TEMPLATE, PRIMARY, SELECTED
from panels.figures import as_text, count_axis, shorten
from panels.panel import Panel, Timeline


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
    return f"Clicks over time: {f.feature}" if f.feature else "Clicks over time: all features"


# -- buckets (granularity) and the comparison line ------------------------------------------------------------------

PAD_DAYS = {periods.DAY: 0.5, periods.WEEK: 3.5, periods.MONTH: 15}  # room on each side of the first and last point
COMPARISON_COLOR = "rgba(108,117,125,0.55)"  # faint grey: the comparison never competes with the current line


@dataclass(frozen=True)
class Point:
    """One bucket of the current range with its clicks, and the comparison bucket at the same position (if any)."""

    bucket: periods.Bucket
    clicks: int
    previous: periods.Bucket | None = None
    previous_clicks: int | None = None


def series(rows: list[DayClicks], f: Filters, timeline: Timeline) -> tuple[str, list[Point]]:
    """The granularity used and one point per bucket, with the comparison's buckets aligned by position."""
    size = periods.effective_granularity(timeline.granularity, f.days)
    current = periods.buckets(f.start, f.end, size, timeline.today)
    totals = periods.bucket_totals([(row.day, row.clicks) for row in rows], current)
    before: list[periods.Bucket] = []
    before_totals: list[int] = []
    if timeline.comparison is not None and timeline.previous_rows is not None:
        c = timeline.comparison
        before = periods.buckets(c.start, c.end, size, timeline.today)
        before_totals = periods.bucket_totals([(row.day, row.clicks) for row in timeline.previous_rows], before)
    points = [
        Point(
            bucket,
            clicks,
            before[i] if i < len(before) else None,
            before_totals[i] if i < len(before) else None,
        )
        for i, (bucket, clicks) in enumerate(zip(current, totals))
    ]
    return size, points


def bucket_label(bucket: periods.Bucket, size: str) -> str:
    """How a bucket is named in a tooltip: "Mon Mar 09, 2026", "Mar 09 – Mar 15, 2026", "March 2026"."""
    if bucket.days == 1:
        return f"{bucket.start:%a %b %d, %Y}"
    if size == periods.MONTH and bucket.start.day == 1 and (bucket.end + timedelta(days=1)).day == 1:
        return f"{bucket.start:%B %Y}"
    return f"{bucket.start:%b %d} – {bucket.end:%b %d, %Y}"


def bucket_state(bucket: periods.Bucket, today: date) -> str:
    """ "" for a complete bucket, " so far" for one not over yet, " (partial)" for one cut by the range."""
    if bucket.complete:
        return ""
    return " so far" if bucket.end >= today else " (partial)"


def _split_dashed(y: list[int], complete: list[bool]) -> tuple[list, list]:
    """The y values of the solid and the dashed line: a segment touching an incomplete bucket is dashed."""
    n = len(y)
    dashed_segment = [not (complete[i] and complete[i + 1]) for i in range(n - 1)]
    solid_y, dashed_y = [None] * n, [None] * n
    for i, dashed in enumerate(dashed_segment):
        target = dashed_y if dashed else solid_y
        target[i], target[i + 1] = y[i], y[i + 1]
    return solid_y, dashed_y


def timeline_figure(rows: list[DayClicks], f: Filters, timeline: Timeline) -> dict:
    """Clicks per bucket: a filled area carrying the tooltips, the line solid between complete buckets and dashed
    where a bucket is incomplete, and the comparison as a faint line."""
    size, points = series(rows, f, timeline)
    x = [point.bucket.start.isoformat() for point in points]
    y = [point.clicks for point in points]
    complete = [point.bucket.complete for point in points]
    name = f.feature or "All features"
    label = as_text(shorten(name, 40))
    color = SELECTED if f.feature else PRIMARY
    unit = {periods.DAY: "Day", periods.WEEK: "Week", periods.MONTH: "Month"}[size]
    texts = [
        f"{bucket_label(p.bucket, size)}<br><b>{p.clicks:,}</b> clicks{bucket_state(p.bucket, timeline.today)}"
        for p in points
    ]
    solid_y, dashed_y = _split_dashed(y, complete)
    line = {"color": color, "width": 2.5, "shape": "linear"}
    data = [
        {
            "type": "scatter",
            "mode": "markers" if len(points) <= 62 else "none",
            "x": x,
            "y": y,
            "name": name,
            "marker": {"size": 6, "color": color},
            "fill": "tozeroy",
            "fillcolor": "rgba(253,126,20,0.10)" if f.feature else "rgba(13,110,253,0.08)",
            "line": {"width": 0},
            "customdata": texts,
            "hovertemplate": "%{customdata}<extra>" + label + "</extra>",
        },
        {"type": "scatter", "mode": "lines", "x": x, "y": solid_y, "line": line, "hoverinfo": "skip"},
        {
            "type": "scatter",
            "mode": "lines",
            "x": x,
            "y": dashed_y,
            "line": {**line, "dash": "dash"},
            "hoverinfo": "skip",
            "name": "incomplete",
        },
    ]
    compared = [p for p in points if p.previous is not None]
    if timeline.comparison is not None:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": x[: len(compared)],
                "y": [p.previous_clicks for p in compared],
                "name": "Comparison",
                "line": {"color": COMPARISON_COLOR, "width": 1.5, "dash": "dot"},
                "customdata": [
                    f"{bucket_label(p.previous, size)}<br><b>{p.previous_clicks:,}</b> clicks" for p in compared
                ],
                "hovertemplate": "%{customdata}<extra>compared</extra>",
            }
        )
    largest = max([*y, *(p.previous_clicks for p in compared)], default=0)
    pad = timedelta(days=PAD_DAYS[size])
    first, last = points[0].bucket.start, points[-1].bucket.start
    span = [
        (datetime.combine(first, datetime.min.time()) - pad).isoformat(),
        (datetime.combine(last, datetime.min.time()) + pad).isoformat(),
    ]
    return {
        "data": data,
        "layout": {
            "template": PLOTLY_TEMPLATE,
            "xaxis": {"type": "date", "tickformat": date_ticks(f), "range": span},
            "yaxis": {"title": {"text": f"Clicks per {unit.lower()}"}, **count_axis(largest)},
            "hovermode": "x",
            "hoverlabel": {"namelength": -1},
            "legend": {"font": {"color": MUTED}},
        },
    }


def timeline_json(rows: list[DayClicks], f: Filters, timeline: Timeline) -> dict:
    """The stats API's `granularity` and `series`: each bucket's start, end, clicks and completeness, and with compare
    on the comparison bucket at the same position (null where the comparison is shorter)."""
    size, points = series(rows, f, timeline)
    items = []
    for p in points:
        item = {
            "start": p.bucket.start.isoformat(),
            "end": p.bucket.end.isoformat(),
            "clicks": p.clicks,
            "complete": p.bucket.complete,
        }
        if timeline.comparison is not None:
            item["previous_start"] = p.previous.start.isoformat() if p.previous else None
            item["previous_end"] = p.previous.end.isoformat() if p.previous else None
            item["previous_clicks"] = p.previous_clicks
        items.append(item)
    return {"granularity": size, "series": items}


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
    timeline_figure=timeline_figure,
    timeline_json=timeline_json,
)
