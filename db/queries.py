"""Dashboard questions, each a pure function of a connection and a Filters value, answered from feature_daily."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Connection, desc, func, select

from db.filters import ALL, Filters
from db.schema import feature_daily as fd


@dataclass(frozen=True)
class FeatureClicks:
    feature: str
    clicks: int


@dataclass(frozen=True)
class DayClicks:
    day: date
    clicks: int


@dataclass(frozen=True)
class StatCards:
    total_clicks: int
    top_feature: FeatureClicks | None
    daily_average: float
    features_tracked: int


@dataclass(frozen=True)
class Stats:
    """Everything one dashboard view shows; the stats API returns the same value."""

    cards: StatCards
    by_feature: list[FeatureClicks]
    daily: list[DayClicks]


def _where(f: Filters, *, with_feature: bool = False) -> list:
    conditions = [fd.c.day >= f.start, fd.c.day <= f.end]
    if f.age_group != ALL:
        conditions.append(fd.c.age_group == f.age_group)
    if f.gender != ALL:
        conditions.append(fd.c.gender == f.gender)
    if with_feature and f.feature is not None:
        conditions.append(fd.c.feature == f.feature)
    return conditions


def clicks_by_feature(conn: Connection, f: Filters) -> list[FeatureClicks]:
    """Clicks per feature under the date and demographic filters, most clicked first, ties alphabetical."""
    clicks = func.sum(fd.c.clicks).label("clicks")
    query = (
        select(fd.c.feature, clicks)
        .where(*_where(f))
        .group_by(fd.c.feature)
        .having(func.sum(fd.c.clicks) > 0)
        .order_by(desc("clicks"), fd.c.feature)
    )
    return [FeatureClicks(row.feature, int(row.clicks)) for row in conn.execute(query)]


def total_clicks(conn: Connection, f: Filters) -> int:
    """All clicks under the date and demographic filters (the selected feature does not apply)."""
    query = select(func.coalesce(func.sum(fd.c.clicks), 0)).where(*_where(f))
    return int(conn.execute(query).scalar_one())


def daily_clicks(conn: Connection, f: Filters) -> list[DayClicks]:
    """One entry per day of the range, zero-filled; only the selected feature when one is set."""
    day_clicks = func.sum(fd.c.clicks).label("clicks")
    query = select(fd.c.day, day_clicks).where(*_where(f, with_feature=True)).group_by(fd.c.day)
    counted = {row.day: int(row.clicks) for row in conn.execute(query)}
    return [DayClicks(day, counted.get(day, 0)) for day in date_range(f.start, f.end)]


def stat_cards(by_feature: list[FeatureClicks], days: int) -> StatCards:
    """The four cards from the per-feature counts (already aggregated in SQL: at most one row per feature)."""
    total = sum(item.clicks for item in by_feature)
    return StatCards(
        total_clicks=total,
        top_feature=by_feature[0] if by_feature else None,
        daily_average=daily_average(total, days),
        features_tracked=len(by_feature),
    )


def daily_average(total: int, days: int) -> float:
    """Total divided by every day of the range (not just active days), rounded half-up to one decimal."""
    return float((Decimal(total) / Decimal(days)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def dashboard_stats(conn: Connection, f: Filters) -> Stats:
    """Cards, bar chart and line chart for one set of filters, in two queries."""
    by_feature = clicks_by_feature(conn, f)
    return Stats(cards=stat_cards(by_feature, f.days), by_feature=by_feature, daily=daily_clicks(conn, f))


def date_range(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def stats_json(stats: Stats) -> dict:
    """The JSON shape of GET /api/v1/stats."""
    cards = stats.cards
    return {
        "total_clicks": cards.total_clicks,
        "top_feature": (
            {"name": cards.top_feature.feature, "clicks": cards.top_feature.clicks} if cards.top_feature else None
        ),
        "daily_average": cards.daily_average,
        "features_tracked": cards.features_tracked,
        "by_feature": [{"feature": item.feature, "clicks": item.clicks} for item in stats.by_feature],
        "daily": [{"date": item.day.isoformat(), "clicks": item.clicks} for item in stats.daily],
    }
