"""The View value: parsing from URL-like parameters, resolving presets against a pinned today, and back to text."""

from datetime import date as d

import pytest

from db.filters import Filters, InvalidFilter
from view import View

TODAY = d(2026, 3, 15)


def test_empty_params_are_the_default_view():
    view = View.parse({})
    assert view == View()
    assert view.resolve(TODAY) == Filters(d(2026, 2, 14), TODAY)
    assert view.comparison(TODAY) is None
    assert view.to_params() == {}


def test_full_view_round_trips():
    params = {
        "preset": "last_7_days",
        "age_group": "18-40",
        "gender": "Female",
        "source": "api",
        "feature": "checkout.pay",
        "compare": "previous_period",
        "granularity": "day",
    }
    view = View.parse(params)
    assert view.to_params() == params
    assert list(view.to_params()) == list(params)  # URL order
    assert view.resolve(TODAY) == Filters(d(2026, 3, 9), TODAY, "18-40", "Female", "checkout.pay", "api")
    assert view.comparison(TODAY) == Filters(d(2026, 3, 2), d(2026, 3, 8), "18-40", "Female", "checkout.pay", "api")


def test_start_and_end_win_over_preset():
    view = View.parse({"preset": "today", "start": "2026-01-01", "end": "2026-01-31", "compare": "year_over_year"})
    assert view.preset == "custom"
    assert view.to_params() == {"start": "2026-01-01", "end": "2026-01-31", "compare": "year_over_year"}
    assert view.resolve(TODAY) == Filters(d(2026, 1, 1), d(2026, 1, 31))
    assert view.comparison(TODAY) == Filters(d(2025, 1, 1), d(2025, 1, 31))


def test_preset_rolls_forward():
    view = View.parse({"preset": "month_to_date", "compare": "previous_period"})
    assert view.resolve(d(2026, 3, 31)) == Filters(d(2026, 3, 1), d(2026, 3, 31))
    assert view.resolve(d(2026, 4, 1)) == Filters(d(2026, 4, 1), d(2026, 4, 1))
    assert view.comparison(d(2026, 3, 31)) == Filters(d(2026, 2, 1), d(2026, 2, 28))


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"preset": "last_31_days"}, "preset"),
        ({"start": "2026-01-01"}, "end"),
        ({"end": "2026-01-01"}, "start"),
        ({"preset": "custom"}, "start"),
        ({"start": "2026-01-32", "end": "2026-02-01"}, "start"),
        ({"start": "2026-02-02", "end": "2026-02-01"}, "end"),
        ({"age_group": "teen"}, "age_group"),
        ({"gender": "x"}, "gender"),
        ({"source": "web"}, "source"),
        ({"feature": "a\tb"}, "feature"),
        ({"compare": "yes"}, "compare"),
        ({"granularity": "hour"}, "granularity"),
    ],
)
def test_bad_params_name_themselves(params, param):
    with pytest.raises(InvalidFilter) as caught:
        View.parse(params)
    assert caught.value.param == param


def test_custom_range_after_today_is_refused():
    view = View.parse({"start": "2026-03-10", "end": "2026-03-16"})
    with pytest.raises(InvalidFilter) as caught:
        view.resolve(TODAY)
    assert caught.value.param == "end"


def test_granularity_auto_follows_the_range():
    assert View().granularity_for(TODAY) == "day"
    assert View(preset="last_12_months").granularity_for(TODAY) == "week"
    assert View(preset="last_12_months", granularity="month").granularity_for(TODAY) == "month"


def test_from_filters():
    filters = Filters(d(2026, 1, 1), d(2026, 1, 2), "<18", "Male", None, "dashboard")
    view = View.from_filters(filters, compare="previous_period")
    assert view.resolve(TODAY) == filters
    assert view.to_params() == {
        "start": "2026-01-01",
        "end": "2026-01-02",
        "age_group": "<18",
        "gender": "Male",
        "source": "dashboard",
        "compare": "previous_period",
    }
