"""The stat cards' questions, and the filter conditions on the base rollup table (feature_daily) for panel queries
that need every dimension of a day; the built-in panels read the rollup levels through db/levels.py instead.

Each chart's own query lives in its panel (panels/); the bar chart's is `clicks_by_feature`, which the cards use too.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Connection

from db.filters import ALL, Filters
from db.levels import clicks_grouped
from db.schema import feature_daily as fd

CARD_KEYS = ("total_clicks", "top_feature", "daily_average", "features_tracked")  # their keys in the stats API


@dataclass(frozen=True)
class FeatureClicks:
    feature: str
    clicks: int


@dataclass(frozen=True)
class StatCards:
    total_clicks: int
    top_feature: FeatureClicks | None
    daily_average: float
    features_tracked: int


def where(f: Filters, *, feature: bool = True) -> list:
    """Conditions on feature_daily for the filters: the date range (both days inclusive), age group, gender, source
    and, unless `feature` is False, the selected feature."""
    conditions = [fd.c.day >= f.start, fd.c.day <= f.end]
    if f.age_group != ALL:
        conditions.append(fd.c.age_group == f.age_group)
    if f.gender != ALL:
        conditions.append(fd.c.gender == f.gender)
    if f.source != ALL:
        conditions.append(fd.c.source == f.source)
    if feature and f.feature is not None:
        conditions.append(fd.c.feature == f.feature)
    return conditions


def clicks_by_feature(conn: Connection, f: Filters) -> list[FeatureClicks]:
    """Clicks per feature under the date and demographic filters (not the selection), most clicked first, ties
    alphabetical."""
    rows = clicks_grouped(conn, f, "feature", follow_feature=False)
    return [FeatureClicks(feature, clicks) for feature, clicks in rows]


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


def cards_json(cards: StatCards) -> dict:
    """The cards' part of GET /api/v1/stats, keys in CARD_KEYS order."""
    top = cards.top_feature
    return {
        "total_clicks": cards.total_clicks,
        "top_feature": {"name": top.feature, "clicks": top.clicks} if top else None,
        "daily_average": cards.daily_average,
        "features_tracked": cards.features_tracked,
    }
