"""A shared link's query string read the forgiving way (view_codec/url.py): bad parameters are dropped and listed,
the rest apply; no view parameter means no view in the URL."""

from __future__ import annotations

from datetime import date

from view import View
from view_codec.url import query_string, view_from_pairs, view_from_url

TODAY = date(2026, 11, 30)


def test_a_full_link_round_trips():
    link = "http://host/?preset=last_7_days&age_group=18-40&gender=Female&source=api&feature=checkout.pay"
    link += "&compare=previous_period&granularity=day"
    parsed = view_from_url(link, TODAY)
    assert parsed.dropped == ()
    assert parsed.view == View(
        "last_7_days", None, None, "18-40", "Female", "api", "checkout.pay", "previous_period", "day"
    )
    assert "http://host/" + query_string(parsed.view) == link


def test_custom_dates_win_over_a_preset_and_defaults_are_left_out():
    parsed = view_from_url("http://host/?preset=last_7_days&start=2026-03-01&end=2026-03-05", TODAY)
    assert (parsed.view.preset, parsed.view.start, parsed.view.end) == ("custom", date(2026, 3, 1), date(2026, 3, 5))
    assert query_string(parsed.view) == "?start=2026-03-01&end=2026-03-05"
    assert query_string(View()) == ""


def test_bad_parameters_are_dropped_and_listed_the_rest_applies():
    parsed = view_from_pairs(
        [
            ("gender", "Robot"),
            ("utm_source", "mail"),
            ("age_group", "<18"),
            ("compare", "sometimes"),
            ("source", "api"),
        ],
        TODAY,
    )
    assert parsed.view == View(age_group="<18", source="api")
    assert parsed.dropped == (
        "utm_source (unknown parameter)",
        "gender=Robot ('Robot' is not one of all, Male, Female, Other, unknown)",
        "compare=sometimes ('sometimes' is not one of off, previous_period, year_over_year)",
    )


def test_a_range_after_today_or_reversed_drops_both_dates():
    later = view_from_pairs([("start", "2026-11-01"), ("end", "2026-12-31"), ("gender", "Male")], TODAY)
    assert later.view == View(gender="Male")
    assert [d.split("=")[0] for d in later.dropped] == ["start", "end"]
    reversed_ = view_from_pairs([("start", "2026-03-05"), ("end", "2026-03-01")], TODAY)
    assert reversed_.view == View() and len(reversed_.dropped) == 2
    half = view_from_pairs([("preset", "custom"), ("gender", "Other")], TODAY)
    assert half.view == View(gender="Other") and half.dropped[0].startswith("preset=custom")


def test_repeated_parameters_and_other_paths():
    assert view_from_pairs([("gender", "Male"), ("gender", "Female")], TODAY).dropped == (
        "gender (given more than once)",
    )
    assert view_from_url("http://host/", TODAY).view is None  # bare: the saved view applies
    assert view_from_url("http://host/?utm=1", TODAY).view is None  # nothing about the view
    assert view_from_url("http://host/settings?gender=Male", TODAY).view is None  # not the dashboard
    assert view_from_url(None, TODAY).view is None
