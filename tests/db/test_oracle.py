"""The raw-SQL oracle (tests/oracle.py) against the hand counts of the known dataset (tests/dataset.py)."""

from __future__ import annotations

from datetime import date

from tests import oracle
from tests.dataset import END, START


def march(day: int) -> date:
    return date(2026, 3, day)


def test_cards_and_features_match_the_hand_counts(engine, known):
    assert oracle.by_feature(engine, START, END) == [("export", 4), ("search", 4), ("share", 3)]
    assert oracle.cards(engine, START, END) == {
        "total_clicks": 11,
        "top_feature": {"name": "export", "clicks": 4},  # the tie with search goes alphabetically
        "daily_average": 2.2,
        "features_tracked": 3,
    }
    assert oracle.card_texts(engine, START, END) == ("11", "export", "2.2", "3")
    assert oracle.card_texts(engine, START, END, age_group="18-40", gender="Male") == ("0", "—", "0.0", "0")


def test_days_include_both_ends_to_the_second_and_zero_days(engine, known):
    assert oracle.daily(engine, START, END) == [
        (march(1), 6),
        (march(2), 0),
        (march(3), 2),
        (march(4), 1),
        (march(5), 2),
    ]
    assert oracle.daily(engine, date(2026, 2, 28), date(2026, 2, 28)) == [(date(2026, 2, 28), 7)]
    assert oracle.daily(engine, march(6), march(6), feature="share") == [(march(6), 5)]
    assert oracle.daily(engine, START, END, feature="export") == [
        (march(1), 3),
        (march(2), 0),
        (march(3), 0),
        (march(4), 0),
        (march(5), 1),
    ]


def test_breakdowns_ignore_their_own_dimension_and_show_unknown_only_with_clicks(engine, known):
    assert oracle.by_age_group(engine, START, END) == [("<18", 3), ("18-40", 4), (">40", 3), ("unknown", 1)]
    assert oracle.by_age_group(engine, START, END, age_group="<18") == [
        ("<18", 3),
        ("18-40", 4),
        (">40", 3),
        ("unknown", 1),
    ]
    assert oracle.by_gender(engine, START, END) == [("Male", 6), ("Female", 3), ("Other", 1), ("unknown", 1)]
    assert oracle.by_gender(engine, START, END, age_group="18-40") == [("Male", 0), ("Female", 3), ("Other", 1)]
    assert oracle.by_age_group(engine, START, END, feature="search") == [("<18", 3), ("18-40", 0), (">40", 1)]


def test_daily_average_rounds_half_up_over_every_day(engine, known):
    # 1 click (forty's export on 03-05) over 4 days = 0.25 -> 0.3; 16 clicks over 7 days = 2.29 -> 2.3
    assert oracle.cards(engine, march(2), END, gender="Other")["daily_average"] == 0.3
    assert oracle.cards(engine, START, march(7))["daily_average"] == 2.3


def test_weekdays_follow_the_local_day(engine, known):
    # 2026-03-01 is a Sunday: Sun 6, Tue 2 (03-03), Wed 1, Thu 2
    assert oracle.by_weekday(engine, START, END) == [
        ("Mon", 0),
        ("Tue", 2),
        ("Wed", 1),
        ("Thu", 2),
        ("Fri", 0),
        ("Sat", 0),
        ("Sun", 6),
    ]


def test_stats_body_has_the_documented_keys_in_order(engine, known):
    body = oracle.stats(engine, START, END, gender="Male")
    assert list(body) == [
        "total_clicks",
        "top_feature",
        "daily_average",
        "features_tracked",
        "by_feature",
        "daily",
        "by_age_group",
        "by_gender",
        "granularity",
        "series",
        "comparison",
    ]
    assert body["by_feature"] == [{"feature": "search", "clicks": 4}, {"feature": "share", "clicks": 2}]
    assert body["by_gender"][0] == {"gender": "Male", "clicks": 6}  # its own dimension ignored: all genders


def test_unknown_and_source_filters_match_the_hand_counts(engine, known):
    # unknown: only the share click by nobody (03-04)
    assert oracle.cards(engine, START, END, age_group="unknown")["total_clicks"] == 1
    assert oracle.card_texts(engine, START, END, gender="unknown") == ("1", "share", "0.2", "1")
    assert oracle.by_gender(engine, START, END, age_group="unknown") == [
        ("Male", 0),
        ("Female", 0),
        ("Other", 0),
        ("unknown", 1),
    ]
    # dashboard: search by teen 3 (03-01) and export by forty 1 (03-05); api: the other 7
    assert oracle.by_feature(engine, START, END, source="dashboard") == [("search", 3), ("export", 1)]
    assert oracle.by_feature(engine, START, END, source="api") == [("export", 3), ("share", 3), ("search", 1)]
    assert oracle.card_texts(engine, START, END, source="dashboard") == ("4", "search", "0.8", "2")
    assert oracle.by_age_group(engine, START, END, source="api") == [
        ("<18", 0),
        ("18-40", 3),
        (">40", 3),
        ("unknown", 1),
    ]
    assert oracle.daily(engine, START, END, source="dashboard") == [
        (march(1), 3),
        (march(2), 0),
        (march(3), 0),
        (march(4), 0),
        (march(5), 1),
    ]
