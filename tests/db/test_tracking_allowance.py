"""The meta-analytics rate limit (db/tracking_allowance.py): LIMIT per analyst and control in any WINDOW, shared by
every connection."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from db.tracking_allowance import LIMIT, WINDOW, take


def test_the_limit_counts_per_analyst_and_per_control(engine):
    assert [take(engine, 1, "refresh_button") for _ in range(LIMIT + 3)] == [True] * LIMIT + [False] * 3
    assert take(engine, 1, "filter_gender") is True  # another control
    assert take(engine, 2, "refresh_button") is True  # another analyst


def test_interactions_older_than_the_window_free_their_place(engine):
    assert all(take(engine, 7, "date_picker") for _ in range(LIMIT))
    assert take(engine, 7, "date_picker") is False
    with engine.begin() as conn:  # the first four recorded ones are now older than the window
        conn.execute(
            text(
                "UPDATE tracking_allowance SET recent = ARRAY(SELECT CASE WHEN n <= 4 THEN t - :w ELSE t END "
                "FROM unnest(recent) WITH ORDINALITY AS u (t, n) ORDER BY n) WHERE user_id = 7"
            ),
            {"w": WINDOW},
        )
    assert [take(engine, 7, "date_picker") for _ in range(6)] == [True] * 4 + [False] * 2
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT cardinality(recent) FROM tracking_allowance WHERE user_id = 7")).scalar_one()
    assert kept == LIMIT  # the old ones were dropped, refused ones never kept


def test_a_parallel_burst_gets_exactly_the_limit(engine):
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: take(engine, 3, "refresh_button"), range(40)))
    assert results.count(True) == LIMIT
