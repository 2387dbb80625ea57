"""Date presets, comparison ranges, granularity and change texts: pure calendar arithmetic, no database, no Dash.

Every range includes both ends and is in the analytics time zone; "today" is passed in by the caller (see
`clock.py`), so these functions never read the clock themselves.

- Presets: `today`, `yesterday`, `last_N_days` = exactly N days ending today, `month_to_date` = the 1st → today,
  `last_month` = the whole previous calendar month, `year_to_date` = 1 January → today, `last_12_months` = the day
  after the same date last year → today, `custom` = the dates chosen.
- Compare `previous_period`: rolling presets and `custom` → the window of equal length ending the day before the start;
  `today` → yesterday; `yesterday` → the day before; `month_to_date` on day d → days 1..d of the previous month
  (clamped to its length); `last_month` → the month before it; `year_to_date` → 1 January..the same date a year
  earlier. Compare `year_over_year`: the same dates one year earlier (29 February → 28 February).
- Granularity `auto`: day up to 92 days, ISO week (Monday) up to 731 days, month beyond.
- Change texts: `+N%`, `−N%` (U+2212), `0%`, `new` (previous 0, current > 0), `—` (U+2014, both 0); counts of
  features as an absolute difference `+2`, `−1`, `0`.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

TODAY, YESTERDAY = "today", "yesterday"
LAST_7_DAYS, LAST_28_DAYS, LAST_30_DAYS, LAST_90_DAYS = "last_7_days", "last_28_days", "last_30_days", "last_90_days"
MONTH_TO_DATE, LAST_MONTH = "month_to_date", "last_month"
YEAR_TO_DATE, LAST_12_MONTHS = "year_to_date", "last_12_months"
CUSTOM = "custom"

# in the order the preset select lists them
PRESETS: tuple[tuple[str, str], ...] = (
    (TODAY, "Today"),
    (YESTERDAY, "Yesterday"),
    (LAST_7_DAYS, "Last 7 days"),
    (LAST_28_DAYS, "Last 28 days"),
    (LAST_30_DAYS, "Last 30 days"),
    (LAST_90_DAYS, "Last 90 days"),
    (MONTH_TO_DATE, "Month to date"),
    (LAST_MONTH, "Last month"),
    (YEAR_TO_DATE, "Year to date"),
    (LAST_12_MONTHS, "Last 12 months"),
    (CUSTOM, "Custom"),
)
PRESET_VALUES: tuple[str, ...] = tuple(value for value, _ in PRESETS)
PRESET_LABELS: dict[str, str] = dict(PRESETS)
DEFAULT_PRESET = LAST_30_DAYS
_ROLLING_DAYS = {LAST_7_DAYS: 7, LAST_28_DAYS: 28, LAST_30_DAYS: 30, LAST_90_DAYS: 90}

OFF, PREVIOUS_PERIOD, YEAR_OVER_YEAR = "off", "previous_period", "year_over_year"
COMPARE_MODES: tuple[tuple[str, str], ...] = (
    (OFF, "Off"),
    (PREVIOUS_PERIOD, "Previous period"),
    (YEAR_OVER_YEAR, "Year over year"),
)
COMPARE_VALUES: tuple[str, ...] = tuple(value for value, _ in COMPARE_MODES)
DEFAULT_COMPARE = OFF

AUTO, DAY, WEEK, MONTH = "auto", "day", "week", "month"
GRANULARITIES: tuple[tuple[str, str], ...] = ((AUTO, "Auto"), (DAY, "Day"), (WEEK, "Week"), (MONTH, "Month"))
GRANULARITY_VALUES: tuple[str, ...] = tuple(value for value, _ in GRANULARITIES)
DEFAULT_GRANULARITY = AUTO
AUTO_DAY_MAX_DAYS = 92  # auto: daily points up to this many days
AUTO_WEEK_MAX_DAYS = 731  # auto: ISO weeks up to this many days, months beyond

MINUS = "\u2212"  # the minus sign of negative changes
DASH = "\u2014"  # the change of two zeros
NEW = "new"


# -- calendar helpers ---------------------------------------------------------------------------------------------


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _add_months(day: date, months: int) -> date:
    """The same day of the month `months` later (earlier when negative), clamped to the month's length."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def one_year_earlier(day: date) -> date:
    """The same date one year earlier; 29 February becomes 28 February."""
    return _add_months(day, -12)


# -- presets and comparison ---------------------------------------------------------------------------------------


def preset_range(preset: str, today: date) -> tuple[date, date]:
    """The (start, end) of a preset as of `today`; ValueError for `custom` (it has no dates of its own) or an unknown
    preset."""
    if preset in _ROLLING_DAYS:
        return today - timedelta(days=_ROLLING_DAYS[preset] - 1), today
    if preset == TODAY:
        return today, today
    if preset == YESTERDAY:
        day = today - timedelta(days=1)
        return day, day
    if preset == MONTH_TO_DATE:
        return _month_start(today), today
    if preset == LAST_MONTH:
        end = _month_start(today) - timedelta(days=1)
        return _month_start(end), end
    if preset == YEAR_TO_DATE:
        return date(today.year, 1, 1), today
    if preset == LAST_12_MONTHS:
        return one_year_earlier(today) + timedelta(days=1), today
    raise ValueError(f"{preset!r} is not a preset with its own dates")


def comparison_range(preset: str, start: date, end: date, mode: str) -> tuple[date, date] | None:
    """The range `start`..`end` (chosen as `preset`) is compared with, or None when `mode` is off."""
    if mode == OFF:
        return None
    if mode == YEAR_OVER_YEAR:
        return one_year_earlier(start), one_year_earlier(end)
    if mode != PREVIOUS_PERIOD:
        raise ValueError(f"{mode!r} is not a comparison mode")
    if preset == MONTH_TO_DATE:
        first = _add_months(_month_start(start), -1)
        return first, first.replace(day=min(end.day, _month_end(first).day))
    if preset == LAST_MONTH:
        first = _add_months(_month_start(start), -1)
        return first, _month_end(first)
    if preset == YEAR_TO_DATE:
        return date(start.year - 1, 1, 1), one_year_earlier(end)
    # today, yesterday, the rolling presets, last 12 months and custom: equal length, ending the day before
    days = (end - start).days + 1
    previous_end = start - timedelta(days=1)
    return previous_end - timedelta(days=days - 1), previous_end


# -- granularity and buckets --------------------------------------------------------------------------------------


def auto_granularity(days: int) -> str:
    """`day` up to 92 days, `week` up to 731 days, `month` beyond."""
    if days <= AUTO_DAY_MAX_DAYS:
        return DAY
    if days <= AUTO_WEEK_MAX_DAYS:
        return WEEK
    return MONTH


def effective_granularity(granularity: str, days: int) -> str:
    """The bucket size actually used: `auto` resolved by the range's length, otherwise the choice itself."""
    return auto_granularity(days) if granularity == AUTO else granularity


@dataclass(frozen=True)
class Bucket:
    """One point of the trend chart: the days `start`..`end` (inclusive) of the range that fall in one day, ISO week
    or month. Incomplete when the range cuts the period or the period is not over yet as of today."""

    start: date
    end: date
    complete: bool

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _period(day: date, granularity: str) -> tuple[date, date]:
    if granularity == DAY:
        return day, day
    if granularity == WEEK:
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    if granularity == MONTH:
        return _month_start(day), _month_end(day)
    raise ValueError(f"{granularity!r} is not a granularity")


def buckets(start: date, end: date, granularity: str, today: date) -> list[Bucket]:
    """The buckets covering `start`..`end` at `granularity` (`auto` resolved by the range's length)."""
    size = effective_granularity(granularity, (end - start).days + 1)
    result: list[Bucket] = []
    day = start
    while day <= end:
        period_start, period_end = _period(day, size)
        bucket_end = min(period_end, end)
        complete = period_start >= start and period_end <= end and period_end < today
        result.append(Bucket(day, bucket_end, complete))
        day = bucket_end + timedelta(days=1)
    return result


def bucket_totals(daily: list[tuple[date, int]], bucketing: list[Bucket]) -> list[int]:
    """Sum daily counts (days outside every bucket ignored) into one total per bucket, in order."""
    totals = [0] * len(bucketing)
    position = {
        bucket.start + timedelta(days=offset): i for i, bucket in enumerate(bucketing) for offset in range(bucket.days)
    }
    for day, clicks in daily:
        i = position.get(day)
        if i is not None:
            totals[i] += clicks
    return totals


# -- change texts -------------------------------------------------------------------------------------------------


def percent_change(current: float | int | Fraction | Decimal, previous: float | int | Fraction | Decimal) -> str:
    """`+N%`, `−N%`, `0%` (the exact change rounded half away from zero), `new` or `—`."""
    current, previous = Fraction(current), Fraction(previous)
    if previous == 0:
        return NEW if current > 0 else DASH
    exact = (current - previous) / previous * 100
    rounded = math.floor(abs(exact) + Fraction(1, 2))  # half away from zero
    return _signed(rounded if exact > 0 else -rounded, "%")


def absolute_change(current: int, previous: int) -> str:
    """`+N`, `−N` or `0`: the difference of two counts."""
    return _signed(current - previous, "")


def _signed(value: int, unit: str) -> str:
    if value > 0:
        return f"+{value:,}{unit}"
    if value < 0:
        return f"{MINUS}{-value:,}{unit}"
    return f"0{unit}"


def average_change(current_total: int, current_days: int, previous_total: int, previous_days: int) -> str:
    """The change of two daily averages, each over its own range's days, compared unrounded."""
    return percent_change(Fraction(current_total, current_days), Fraction(previous_total, previous_days))


def change_text(current: int, previous: int) -> str:
    """The percent change of a count (total clicks, a feature's clicks)."""
    return percent_change(current, previous)
