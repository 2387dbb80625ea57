"""The figures of the comparison range next to the current ones: the cards' change texts and each feature's change.

Pure: it takes what the queries returned for both ranges (db.queries.StatCards and FeatureClicks) and applies the
rules of periods.py: totals and averages as a percent (`+12%`, `−3%`, `0%`, `new`, `—`), the daily average over each
range's own days, unrounded; the top feature as the current top feature's clicks against the same feature's clicks
in the comparison range (no current top: `—`); features tracked as an absolute difference (`+2`, `−1`, `0`).
"""

from __future__ import annotations

from dataclasses import dataclass

from db.filters import Filters
from db.queries import CARD_KEYS, FeatureClicks, StatCards
from periods import DASH, absolute_change, average_change, change_text


@dataclass(frozen=True)
class Previous:
    """The comparison range's filters, cards and per-feature clicks."""

    filters: Filters
    cards: StatCards
    by_feature: list[FeatureClicks]

    def clicks_of(self, feature: str) -> int:
        """The clicks of `feature` in the comparison range (0 when it had none)."""
        return self.clicks_by_name.get(feature, 0)

    @property
    def clicks_by_name(self) -> dict[str, int]:
        return {row.feature: row.clicks for row in self.by_feature}


def card_changes(cards: StatCards, days: int, previous: Previous) -> dict[str, str]:
    """The change text of each card, keyed like the stats API's cards (CARD_KEYS)."""
    top = cards.top_feature
    texts = {
        "total_clicks": change_text(cards.total_clicks, previous.cards.total_clicks),
        "top_feature": change_text(top.clicks, previous.clicks_of(top.feature)) if top else DASH,
        "daily_average": average_change(cards.total_clicks, days, previous.cards.total_clicks, previous.filters.days),
        "features_tracked": absolute_change(cards.features_tracked, previous.cards.features_tracked),
    }
    return {key: texts[key] for key in CARD_KEYS}


def feature_changes(by_feature: list[FeatureClicks], previous: Previous) -> dict[str, str]:
    """Each current feature's change text against its clicks in the comparison range."""
    before = previous.clicks_by_name
    return {row.feature: change_text(row.clicks, before.get(row.feature, 0)) for row in by_feature}
