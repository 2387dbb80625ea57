"""What an analyst is looking at, as one value: a preset (or custom dates), the filters, compare and granularity.

A `View` keeps the preset's *name*, not its dates, so a saved or shared view rolls forward: `resolve(today)` turns it
into the `Filters` the queries take, and `comparison(today)` into the comparison range's `Filters` (same age group,
gender, source and feature) or None when compare is off.

URL / query-string names (the stats API and the dashboard's address bar use the same):
`preset`, `start`, `end` (YYYY-MM-DD, a custom range; when both kinds are given `start`/`end` win), `age_group`,
`gender`, `source`, `feature`, `compare`, `granularity`. No range given → `last_30_days`. `to_params()` leaves every
default out, so the bare default view is the empty query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

import periods
from db.filters import (
    Filters,
    InvalidFilter,
    check_choice,
    check_segment,
    parse_date,
)
from domain import ALL, clean_feature

PARAMS: tuple[str, ...] = (
    "preset",
    "start",
    "end",
    "age_group",
    "gender",
    "source",
    "feature",
    "compare",
    "granularity",
)


@dataclass(frozen=True)
class View:
    """A preset or a custom range (`preset == "custom"` with both dates), filters, compare mode and granularity."""

    preset: str = periods.DEFAULT_PRESET
    start: date | None = None
    end: date | None = None
    age_group: str = ALL
    gender: str = ALL
    source: str = ALL
    feature: str | None = None
    compare: str = periods.DEFAULT_COMPARE
    granularity: str = periods.DEFAULT_GRANULARITY

    def __post_init__(self) -> None:
        check_choice("preset", self.preset, periods.PRESET_VALUES)
        if self.preset == periods.CUSTOM:
            for name in ("start", "end"):
                if not isinstance(getattr(self, name), date):
                    raise InvalidFilter(name, "a date is required (YYYY-MM-DD)")
            Filters(self.start, self.end)  # the range's own rules (order, bounds, length)
        elif self.start is not None or self.end is not None:
            raise InvalidFilter("preset", "a preset has no dates of its own; use preset=custom with start and end")
        check_segment(self.age_group, self.gender, self.source, self.feature)
        check_choice("compare", self.compare, periods.COMPARE_VALUES)
        check_choice("granularity", self.granularity, periods.GRANULARITY_VALUES)

    # -- dates ----------------------------------------------------------------------------------------------------

    def dates(self, today: date) -> tuple[date, date]:
        """The (start, end) of the range as of `today`."""
        if self.preset == periods.CUSTOM:
            return self.start, self.end
        return periods.preset_range(self.preset, today)

    def resolve(self, today: date) -> Filters:
        """The filters of this view as of `today`; InvalidFilter('end') when a custom range ends after today."""
        start, end = self.dates(today)
        if end > today:
            raise InvalidFilter("end", f"the end date {end} is after today ({today})")
        return Filters(start, end, self.age_group, self.gender, self.feature, self.source)

    def comparison(self, today: date) -> Filters | None:
        """The comparison range's filters (same age group, gender, source and feature), or None when compare is
        off."""
        current = self.resolve(today)
        span = periods.comparison_range(self.preset, current.start, current.end, self.compare)
        if span is None:
            return None
        return replace(current, start=span[0], end=span[1])

    def granularity_for(self, today: date) -> str:
        """The bucket size the trend chart uses: `auto` resolved by the range's length."""
        start, end = self.dates(today)
        return periods.effective_granularity(self.granularity, (end - start).days + 1)

    # -- text form ------------------------------------------------------------------------------------------------

    @classmethod
    def from_filters(cls, filters: Filters, *, compare: str = periods.OFF, granularity: str = periods.AUTO) -> View:
        """A custom view with the dates and filters of `filters`."""
        return cls(
            periods.CUSTOM,
            filters.start,
            filters.end,
            filters.age_group,
            filters.gender,
            filters.source,
            filters.feature,
            compare,
            granularity,
        )

    @classmethod
    def parse(cls, params: Mapping[str, str | None]) -> View:
        """From query-string-like text (missing or empty = default); InvalidFilter names the offending parameter.
        Both `start` and `end` given → a custom range, whatever `preset` says; no range → `last_30_days`."""

        def get(name: str) -> str | None:
            value = params.get(name)
            return value if value not in (None, "") else None

        start, end, preset = get("start"), get("end"), get("preset")
        if start is not None or end is not None:
            dates = {"start": parse_date("start", start), "end": parse_date("end", end)}
            range_fields = {"preset": periods.CUSTOM, **dates}
        elif preset == periods.CUSTOM:
            raise InvalidFilter("start", "a custom range needs start and end (YYYY-MM-DD)")
        else:
            range_fields = {"preset": preset or periods.DEFAULT_PRESET}
        return cls(
            **range_fields,
            age_group=get("age_group") or ALL,
            gender=get("gender") or ALL,
            source=get("source") or ALL,
            feature=_stripped(get("feature")),
            compare=get("compare") or periods.DEFAULT_COMPARE,
            granularity=get("granularity") or periods.DEFAULT_GRANULARITY,
        )

    def to_params(self) -> dict[str, str]:
        """The query-string parameters of this view in URL order, defaults left out."""
        params: dict[str, str] = {}
        if self.preset == periods.CUSTOM:
            params["start"], params["end"] = self.start.isoformat(), self.end.isoformat()
        elif self.preset != periods.DEFAULT_PRESET:
            params["preset"] = self.preset
        for name, default in (("age_group", ALL), ("gender", ALL), ("source", ALL), ("feature", None)):
            value = getattr(self, name)
            if value != default:
                params[name] = value
        if self.compare != periods.DEFAULT_COMPARE:
            params["compare"] = self.compare
        if self.granularity != periods.DEFAULT_GRANULARITY:
            params["granularity"] = self.granularity
        return params


def _stripped(feature: str | None) -> str | None:
    """A feature name read like the API reads it: stripped as stored (a bad one is kept, to be refused by name)."""
    return (clean_feature(feature) or feature) if feature else None
