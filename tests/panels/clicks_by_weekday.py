"""Clicks by weekday: on which days of the week the product is used, under every filter of the page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, extract, func, select

from db.filters import Filters
from db.queries import where
from db.schema import feature_daily
from layouts.theme import PLOTLY_TEMPLATE
from panels.panel import Panel

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class WeekdayClicks:
    weekday: str
    clicks: int


def clicks_by_weekday(conn: Connection, f: Filters) -> list[WeekdayClicks]:
    """Clicks per day of the week, Monday first, zeros included (from the daily rollup, never the raw events)."""
    isodow = extract("isodow", feature_daily.c.day)
    query = select(isodow, func.sum(feature_daily.c.clicks)).where(*where(f)).group_by(isodow)
    counted = {int(day): int(clicks) for day, clicks in conn.execute(query)}
    return [WeekdayClicks(name, counted.get(number, 0)) for number, name in enumerate(WEEKDAYS, start=1)]


def weekday_figure(rows: list[WeekdayClicks], f: Filters) -> dict:
    """One bar per weekday."""
    return {
        "data": [{"type": "bar", "x": [row.weekday for row in rows], "y": [row.clicks for row in rows]}],
        "layout": {"template": PLOTLY_TEMPLATE, "yaxis": {"title": {"text": "Clicks"}}},
    }


PANEL = Panel(
    id="weekday-chart",
    title="Clicks by weekday",
    query=clicks_by_weekday,
    figure=weekday_figure,
    stats_key="by_weekday",
    tracked_as="chart_weekday",
)
