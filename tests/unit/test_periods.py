"""Presets, comparison ranges, buckets and change texts, with every expected value written out by hand."""

from datetime import date as d

import pytest

import periods as p
from periods import Bucket

TODAY = d(2026, 3, 15)  # a Sunday


def test_presets_in_order_with_labels():
    assert p.PRESET_VALUES == (
        "today",
        "yesterday",
        "last_7_days",
        "last_28_days",
        "last_30_days",
        "last_90_days",
        "month_to_date",
        "last_month",
        "year_to_date",
        "last_12_months",
        "custom",
    )
    assert p.PRESET_LABELS["last_30_days"] == "Last 30 days"
    assert p.DEFAULT_PRESET == "last_30_days"


@pytest.mark.parametrize(
    ("preset", "today", "expected"),
    [
        ("today", TODAY, (d(2026, 3, 15), d(2026, 3, 15))),
        ("yesterday", TODAY, (d(2026, 3, 14), d(2026, 3, 14))),
        ("yesterday", d(2026, 1, 1), (d(2025, 12, 31), d(2025, 12, 31))),
        ("last_7_days", TODAY, (d(2026, 3, 9), d(2026, 3, 15))),
        ("last_28_days", TODAY, (d(2026, 2, 16), d(2026, 3, 15))),
        ("last_30_days", TODAY, (d(2026, 2, 14), d(2026, 3, 15))),
        ("last_90_days", TODAY, (d(2025, 12, 16), d(2026, 3, 15))),
        ("last_7_days", d(2026, 1, 1), (d(2025, 12, 26), d(2026, 1, 1))),
        ("month_to_date", TODAY, (d(2026, 3, 1), d(2026, 3, 15))),
        ("month_to_date", d(2026, 3, 1), (d(2026, 3, 1), d(2026, 3, 1))),
        ("last_month", TODAY, (d(2026, 2, 1), d(2026, 2, 28))),
        ("last_month", d(2024, 3, 31), (d(2024, 2, 1), d(2024, 2, 29))),
        ("last_month", d(2026, 1, 1), (d(2025, 12, 1), d(2025, 12, 31))),
        ("year_to_date", TODAY, (d(2026, 1, 1), d(2026, 3, 15))),
        ("year_to_date", d(2026, 1, 1), (d(2026, 1, 1), d(2026, 1, 1))),
        ("last_12_months", TODAY, (d(2025, 3, 16), d(2026, 3, 15))),
        ("last_12_months", d(2024, 2, 29), (d(2023, 3, 1), d(2024, 2, 29))),
        ("last_12_months", d(2025, 2, 28), (d(2024, 2, 29), d(2025, 2, 28))),
    ],
)
def test_preset_range(preset, today, expected):
    assert p.preset_range(preset, today) == expected


def test_custom_and_unknown_presets_have_no_dates():
    for preset in ("custom", "last_31_days"):
        with pytest.raises(ValueError):
            p.preset_range(preset, TODAY)


@pytest.mark.parametrize(
    ("preset", "start", "end", "expected"),
    [
        # rolling presets and custom: equal length ending the day before the start
        ("last_7_days", d(2025, 11, 19), d(2025, 11, 25), (d(2025, 11, 12), d(2025, 11, 18))),
        ("last_30_days", d(2026, 2, 14), d(2026, 3, 15), (d(2026, 1, 15), d(2026, 2, 13))),
        ("custom", d(2026, 3, 1), d(2026, 3, 1), (d(2026, 2, 28), d(2026, 2, 28))),
        ("custom", d(2026, 1, 1), d(2026, 1, 3), (d(2025, 12, 29), d(2025, 12, 31))),
        ("last_12_months", d(2025, 3, 16), d(2026, 3, 15), (d(2024, 3, 16), d(2025, 3, 15))),
        ("today", d(2026, 3, 15), d(2026, 3, 15), (d(2026, 3, 14), d(2026, 3, 14))),
        ("today", d(2026, 1, 1), d(2026, 1, 1), (d(2025, 12, 31), d(2025, 12, 31))),
        ("yesterday", d(2026, 3, 14), d(2026, 3, 14), (d(2026, 3, 13), d(2026, 3, 13))),
        # month to date on day d: days 1..d of the previous month, clamped to its length
        ("month_to_date", d(2026, 3, 1), d(2026, 3, 15), (d(2026, 2, 1), d(2026, 2, 15))),
        ("month_to_date", d(2026, 3, 1), d(2026, 3, 31), (d(2026, 2, 1), d(2026, 2, 28))),
        ("month_to_date", d(2024, 3, 1), d(2024, 3, 30), (d(2024, 2, 1), d(2024, 2, 29))),
        ("month_to_date", d(2026, 1, 1), d(2026, 1, 1), (d(2025, 12, 1), d(2025, 12, 1))),
        ("month_to_date", d(2026, 5, 1), d(2026, 5, 31), (d(2026, 4, 1), d(2026, 4, 30))),
        # last month: the month before it
        ("last_month", d(2026, 2, 1), d(2026, 2, 28), (d(2026, 1, 1), d(2026, 1, 31))),
        ("last_month", d(2026, 3, 1), d(2026, 3, 31), (d(2026, 2, 1), d(2026, 2, 28))),
        ("last_month", d(2026, 1, 1), d(2026, 1, 31), (d(2025, 12, 1), d(2025, 12, 31))),
        # year to date: 1 January..the same date of the previous year
        ("year_to_date", d(2026, 1, 1), d(2026, 3, 15), (d(2025, 1, 1), d(2025, 3, 15))),
        ("year_to_date", d(2024, 1, 1), d(2024, 2, 29), (d(2023, 1, 1), d(2023, 2, 28))),
        ("year_to_date", d(2026, 1, 1), d(2026, 1, 1), (d(2025, 1, 1), d(2025, 1, 1))),
    ],
)
def test_previous_period(preset, start, end, expected):
    assert p.comparison_range(preset, start, end, "previous_period") == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (d(2026, 3, 9), d(2026, 3, 15), (d(2025, 3, 9), d(2025, 3, 15))),
        (d(2024, 2, 29), d(2024, 2, 29), (d(2023, 2, 28), d(2023, 2, 28))),
        (d(2024, 2, 1), d(2024, 2, 29), (d(2023, 2, 1), d(2023, 2, 28))),
        (d(2026, 1, 1), d(2026, 1, 1), (d(2025, 1, 1), d(2025, 1, 1))),
    ],
)
def test_year_over_year(start, end, expected):
    for preset in ("custom", "last_7_days", "month_to_date"):
        assert p.comparison_range(preset, start, end, "year_over_year") == expected


def test_compare_off_is_none():
    assert p.comparison_range("last_7_days", d(2026, 3, 9), d(2026, 3, 15), "off") is None


@pytest.mark.parametrize(
    ("days", "expected"), [(1, "day"), (92, "day"), (93, "week"), (731, "week"), (732, "month"), (3661, "month")]
)
def test_auto_granularity(days, expected):
    assert p.auto_granularity(days) == expected


def test_daily_buckets_today_incomplete():
    assert p.buckets(d(2026, 3, 13), d(2026, 3, 15), "day", TODAY) == [
        Bucket(d(2026, 3, 13), d(2026, 3, 13), True),
        Bucket(d(2026, 3, 14), d(2026, 3, 14), True),
        Bucket(d(2026, 3, 15), d(2026, 3, 15), False),
    ]


def test_one_day_range():
    assert p.buckets(d(2026, 3, 10), d(2026, 3, 10), "auto", TODAY) == [Bucket(d(2026, 3, 10), d(2026, 3, 10), True)]
    assert p.buckets(d(2026, 3, 10), d(2026, 3, 10), "week", TODAY) == [Bucket(d(2026, 3, 10), d(2026, 3, 10), False)]


def test_iso_weeks_from_monday_cut_by_range_and_today():
    # 2026-03-01 is a Sunday; 2026-03-15 (today) a Sunday: the week 9–15 March is not over yet
    assert p.buckets(d(2026, 3, 1), d(2026, 3, 15), "week", TODAY) == [
        Bucket(d(2026, 3, 1), d(2026, 3, 1), False),
        Bucket(d(2026, 3, 2), d(2026, 3, 8), True),
        Bucket(d(2026, 3, 9), d(2026, 3, 15), False),
    ]
    assert p.buckets(d(2026, 3, 2), d(2026, 3, 15), "week", d(2026, 3, 16)) == [
        Bucket(d(2026, 3, 2), d(2026, 3, 8), True),
        Bucket(d(2026, 3, 9), d(2026, 3, 15), True),
    ]


def test_iso_week_across_new_year():
    assert p.buckets(d(2025, 12, 29), d(2026, 1, 4), "week", TODAY) == [Bucket(d(2025, 12, 29), d(2026, 1, 4), True)]


def test_month_buckets_with_leap_february():
    assert p.buckets(d(2024, 1, 15), d(2024, 3, 31), "month", TODAY) == [
        Bucket(d(2024, 1, 15), d(2024, 1, 31), False),
        Bucket(d(2024, 2, 1), d(2024, 2, 29), True),
        Bucket(d(2024, 3, 1), d(2024, 3, 31), True),
    ]
    assert p.buckets(d(2026, 2, 1), d(2026, 3, 15), "month", TODAY) == [
        Bucket(d(2026, 2, 1), d(2026, 2, 28), True),
        Bucket(d(2026, 3, 1), d(2026, 3, 15), False),
    ]


def test_auto_buckets_by_length():
    assert len(p.buckets(d(2025, 12, 16), TODAY, "auto", TODAY)) == 90
    weekly = p.buckets(d(2025, 3, 16), TODAY, "auto", TODAY)  # 365 days: 2025-03-16 is a Sunday
    assert weekly[0] == Bucket(d(2025, 3, 16), d(2025, 3, 16), False)
    assert weekly[1] == Bucket(d(2025, 3, 17), d(2025, 3, 23), True)
    assert weekly[-1] == Bucket(d(2026, 3, 9), d(2026, 3, 15), False)
    assert len(weekly) == 1 + 52  # the lone Sunday, then 52 whole weeks
    monthly = p.buckets(d(2024, 1, 1), d(2026, 3, 15), "auto", TODAY)
    assert len(monthly) == 27 and monthly[-1] == Bucket(d(2026, 3, 1), d(2026, 3, 15), False)


def test_bucket_totals():
    bucketing = p.buckets(d(2026, 3, 1), d(2026, 3, 15), "week", TODAY)
    daily = [(d(2026, 3, 1), 5), (d(2026, 3, 2), 1), (d(2026, 3, 8), 2), (d(2026, 3, 15), 7), (d(2026, 3, 16), 100)]
    assert p.bucket_totals(daily, bucketing) == [5, 3, 7]


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (110, 100, "+10%"),
        (90, 100, "\u221210%"),
        (100, 100, "0%"),
        (1001, 1000, "0%"),  # +0.1 % rounds to 0
        (999, 1000, "0%"),
        (201, 200, "+1%"),  # +0.5 % rounds half away from zero
        (199, 200, "\u22121%"),  # −0.5 % too
        (5, 0, "new"),
        (0, 0, "\u2014"),
        (0, 7, "\u2212100%"),
        (3, 1, "+200%"),
        (1, 3, "\u221267%"),
        (20001, 1, "+2,000,000%"),
    ],
)
def test_change_text(current, previous, expected):
    assert p.change_text(current, previous) == expected


def test_average_change_uses_unrounded_averages_over_own_days():
    # 31 clicks over 31 days (1.0) against 28 clicks over 28 days (1.0): equal, although the totals differ
    assert p.average_change(31, 31, 28, 28) == "0%"
    # 10/3 = 3.333… against 3/1 = 3: +11.1 % → +11 %
    assert p.average_change(10, 3, 3, 1) == "+11%"
    assert p.average_change(0, 7, 0, 7) == "\u2014"
    assert p.average_change(1, 7, 0, 7) == "new"


def test_absolute_change():
    assert p.absolute_change(7, 5) == "+2"
    assert p.absolute_change(4, 5) == "\u22121"
    assert p.absolute_change(5, 5) == "0"
