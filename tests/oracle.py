"""The test oracle: every number the dashboard shows, computed in SQL straight from the raw `events` table.

Independent of db/queries.py, the feature_daily rollup and the panels: each function groups raw events by their day
in the analytics time zone and spells out the rule it checks (which filters apply, ordering, zero-filling,
rounding). The dashboard, stats API and browser tests compare with it; tests/db/test_oracle.py checks it against the
hand counts of tests/dataset.py. Every function takes the same filters; each ignores the ones its view does not
follow (the cards and the bar chart ignore the selected feature, a breakdown ignores its own dimension). Age group
and gender may be 'unknown' (events without a known person); source is 'all', 'api' or 'dashboard'.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, text

TZ = "UTC"  # the tests' analytics time zone
AGE_GROUPS = ("<18", "18-40", ">40")
GENDERS = ("Male", "Female", "Other")
NO_VALUE = "—"


def _where(age_group: str, gender: str, feature: str | None, source: str = "all") -> str:
    """Conditions on `events e` for one local day range (:start..:end) and the given filters ('all' = none)."""
    conditions = ["(e.occurred_at AT TIME ZONE :tz)::date BETWEEN :start AND :end"]
    if source != "all":
        conditions.append("e.source = :source")
    if age_group != "all":
        conditions.append("e.age_group = :age_group")
    if gender != "all":
        conditions.append("e.gender = :gender")
    if feature is not None:
        conditions.append("e.feature = :feature")
    return " AND ".join(conditions)


def _rows(engine: Engine, sql: str, **params) -> list:
    with engine.connect() as conn:
        return conn.execute(text(sql), {"tz": TZ, **params}).all()


def by_feature(
    engine: Engine,
    start: date,
    end: date,
    age_group: str = "all",
    gender: str = "all",
    feature: str | None = None,
    source: str = "all",
) -> list[tuple[str, int]]:
    """(feature, clicks) under the date and demographic filters (not the selected feature), most clicked first, ties
    in alphabetical order."""
    sql = f"""
        SELECT e.feature, count(*) AS clicks FROM events e WHERE {_where(age_group, gender, None, source)}
        GROUP BY e.feature ORDER BY clicks DESC, e.feature COLLATE "C"
    """
    params = dict(start=start, end=end, age_group=age_group, gender=gender, source=source)
    return [tuple(row) for row in _rows(engine, sql, **params)]


def cards(
    engine: Engine,
    start: date,
    end: date,
    age_group: str = "all",
    gender: str = "all",
    feature: str | None = None,
    source: str = "all",
) -> dict:
    """The four cards as the stats API sends them; the daily average rounded half away from zero in SQL."""
    features = by_feature(engine, start, end, age_group, gender, source=source)
    total = sum(clicks for _feature, clicks in features)
    sql = "SELECT round(CAST(:total AS numeric) / (CAST(:end AS date) - CAST(:start AS date) + 1), 1)"
    average = _rows(engine, sql, total=total, start=start, end=end)
    return {
        "total_clicks": total,
        "top_feature": {"name": features[0][0], "clicks": features[0][1]} if features else None,
        "daily_average": float(average[0][0]),
        "features_tracked": len(features),
    }


def card_texts(
    engine: Engine, start: date, end: date, age_group: str = "all", gender: str = "all", feature=None, source="all"
):
    """The four card texts as the page shows them (counts with thousands separators): total, top feature, daily
    average, features tracked."""
    c = cards(engine, start, end, age_group, gender, source=source)
    top = c["top_feature"]["name"] if c["top_feature"] else NO_VALUE
    return (f"{c['total_clicks']:,}", top, f"{c['daily_average']:,.1f}", f"{c['features_tracked']:,}")


def daily(
    engine: Engine,
    start: date,
    end: date,
    age_group: str = "all",
    gender: str = "all",
    feature: str | None = None,
    source: str = "all",
) -> list[tuple[date, int]]:
    """(day, clicks) for every day of the range, zeros included; only the selected feature when one is given."""
    sql = f"""
        SELECT d::date AS day, count(e.event_id) AS clicks
        FROM generate_series(CAST(:start AS date), CAST(:end AS date), interval '1 day') AS d
        LEFT JOIN events e ON (e.occurred_at AT TIME ZONE :tz)::date = d::date
             AND {_where(age_group, gender, feature, source)}
        GROUP BY 1 ORDER BY 1
    """
    params = dict(start=start, end=end, age_group=age_group, gender=gender, feature=feature, source=source)
    return [(row.day, row.clicks) for row in _rows(engine, sql, **params)]


def _breakdown(engine: Engine, column: str, known: tuple[str, ...], where: str, **params) -> list[tuple[str, int]]:
    """(segment, clicks): every known segment in the given order, zeros included, then 'unknown' when it has clicks."""
    order = ", ".join(f"('{value}', {i})" for i, value in enumerate((*known, "unknown")))
    sql = f"""
        WITH counted AS (SELECT e.{column} AS segment, count(*) AS clicks FROM events e WHERE {where} GROUP BY 1)
        SELECT s.segment, coalesce(c.clicks, 0) AS clicks
        FROM (VALUES {order}) AS s(segment, position) LEFT JOIN counted c USING (segment)
        WHERE s.segment <> 'unknown' OR coalesce(c.clicks, 0) > 0
        ORDER BY s.position
    """
    return [tuple(row) for row in _rows(engine, sql, **params)]


def by_age_group(
    engine: Engine,
    start: date,
    end: date,
    age_group: str = "all",
    gender: str = "all",
    feature: str | None = None,
    source: str = "all",
) -> list[tuple[str, int]]:
    """Clicks per age group under every filter except the age group."""
    params = dict(start=start, end=end, gender=gender, feature=feature, source=source)
    return _breakdown(engine, "age_group", AGE_GROUPS, _where("all", gender, feature, source), **params)


def by_gender(
    engine: Engine,
    start: date,
    end: date,
    age_group: str = "all",
    gender: str = "all",
    feature: str | None = None,
    source: str = "all",
) -> list[tuple[str, int]]:
    """Clicks per gender under every filter except the gender."""
    params = dict(start=start, end=end, age_group=age_group, feature=feature, source=source)
    return _breakdown(engine, "gender", GENDERS, _where(age_group, "all", feature, source), **params)


def by_weekday(
    engine: Engine,
    start: date,
    end: date,
    age_group: str = "all",
    gender: str = "all",
    feature: str | None = None,
    source: str = "all",
) -> list[tuple[str, int]]:
    """Clicks per local day of the week, Monday first, zeros included (the test-only panel's numbers)."""
    sql = f"""
        SELECT w.name, count(e.event_id) AS clicks
        FROM (VALUES (1, 'Mon'), (2, 'Tue'), (3, 'Wed'), (4, 'Thu'), (5, 'Fri'), (6, 'Sat'), (7, 'Sun')) AS w(dow, name)
        LEFT JOIN events e ON extract(isodow FROM e.occurred_at AT TIME ZONE :tz) = w.dow
             AND {_where(age_group, gender, feature, source)}
        GROUP BY w.dow, w.name ORDER BY w.dow
    """
    params = dict(start=start, end=end, age_group=age_group, gender=gender, feature=feature, source=source)
    return [tuple(row) for row in _rows(engine, sql, **params)]


def granularity_for(start: date, end: date, chosen: str = "auto") -> str:
    """The rule restated: auto is a day up to 92 days, an ISO week up to 731 days, a month beyond."""
    if chosen != "auto":
        return chosen
    days = (end - start).days + 1
    return "day" if days <= 92 else "week" if days <= 731 else "month"


def series(
    engine: Engine,
    start: date,
    end: date,
    size: str,
    today: date,
    age_group: str = "all",
    gender: str = "all",
    feature: str | None = None,
    source: str = "all",
) -> list[dict]:
    """The trend's buckets (`size`: day, week or month) with PostgreSQL's date_trunc: each bucket's first and last
    day inside the range, its clicks over the raw events (the selected feature only, when given), and complete =
    the whole period lies in the range and ended before today."""
    sql = f"""
        WITH periods AS (
            SELECT p::date AS first, (p + CAST(:step AS interval) - interval '1 day')::date AS last
            FROM generate_series(
                date_trunc(:size, CAST(:start AS timestamp)), CAST(:end AS timestamp), CAST(:step AS interval)
            ) p
        )
        SELECT greatest(p.first, CAST(:start AS date)) AS start, least(p.last, CAST(:end AS date)) AS end,
               (SELECT count(*) FROM events e WHERE {_where(age_group, gender, feature, source)}
                   AND (e.occurred_at AT TIME ZONE :tz)::date BETWEEN p.first AND p.last) AS clicks,
               p.first >= CAST(:start AS date) AND p.last <= CAST(:end AS date) AND p.last < CAST(:today AS date)
                   AS complete
        FROM periods p ORDER BY p.first
    """
    params = dict(start=start, end=end, age_group=age_group, gender=gender, feature=feature, source=source)
    rows = _rows(engine, sql, size=size, step=f"1 {size}", today=today, **params)
    return [
        {"start": r.start.isoformat(), "end": r.end.isoformat(), "clicks": r.clicks, "complete": r.complete}
        for r in rows
    ]


def percent_change(engine: Engine, current_num: int, current_den: int, previous_num: int, previous_den: int) -> str:
    """The change of current_num/current_den against previous_num/previous_den as the page writes it, rounded half
    away from zero by PostgreSQL's round(numeric): "+N%", "−N%" (U+2212), "0%", "new" (previous 0), "—" (both 0)."""
    if previous_num == 0:
        return "new" if current_num > 0 else NO_VALUE
    numerator = (current_num * previous_den - previous_num * current_den) * 100
    denominator = previous_num * current_den
    (rounded,) = _rows(engine, "SELECT round(CAST(:n AS numeric) / :d)::int", n=numerator, d=denominator)[0]
    return f"+{rounded:,}%" if rounded > 0 else f"\u2212{-rounded:,}%" if rounded < 0 else "0%"


def comparison(
    engine: Engine,
    start: date,
    end: date,
    previous_start: date,
    previous_end: date,
    age_group: str = "all",
    gender: str = "all",
    feature: str | None = None,
    source: str = "all",
) -> dict:
    """The stats API's `comparison` object: the comparison range, its cards, each card's change and each current
    feature's clicks in both ranges with its change."""
    f = dict(age_group=age_group, gender=gender, source=source)
    now, before = cards(engine, start, end, **f), cards(engine, previous_start, previous_end, **f)
    previous_clicks = dict(by_feature(engine, previous_start, previous_end, **f))
    days, previous_days = (end - start).days + 1, (previous_end - previous_start).days + 1
    top = now["top_feature"]
    difference = now["features_tracked"] - before["features_tracked"]
    changes = {
        "total_clicks": percent_change(engine, now["total_clicks"], 1, before["total_clicks"], 1),
        "top_feature": percent_change(engine, top["clicks"], 1, previous_clicks.get(top["name"], 0), 1)
        if top
        else NO_VALUE,
        "daily_average": percent_change(engine, now["total_clicks"], days, before["total_clicks"], previous_days),
        "features_tracked": f"+{difference}" if difference > 0 else f"\u2212{-difference}" if difference else "0",
    }
    return {
        "start": previous_start.isoformat(),
        "end": previous_end.isoformat(),
        **before,
        "changes": changes,
        "by_feature": [
            {
                "feature": name,
                "clicks": n,
                "previous_clicks": previous_clicks.get(name, 0),
                "change": percent_change(engine, n, 1, previous_clicks.get(name, 0), 1),
            }
            for name, n in by_feature(engine, start, end, **f)
        ],
    }


def stats(
    engine: Engine,
    start: date,
    end: date,
    age_group: str = "all",
    gender: str = "all",
    feature: str | None = None,
    source: str = "all",
    *,
    today: date | None = None,
    granularity: str = "auto",
    compare: tuple[date, date] | None = None,
) -> dict:
    """The exact body of GET /api/v1/stats for these filters (the page's four panels, the trend's buckets and the
    comparison with the range `compare`, when given), in the documented key order. `today` defaults to the current
    UTC date (the app's clock when TODAY is not pinned)."""
    f = dict(age_group=age_group, gender=gender, feature=feature, source=source)
    today = today or datetime.now(UTC).date()
    size = granularity_for(start, end, granularity)
    buckets = series(engine, start, end, size, today, **f)
    if compare is not None:
        before = series(engine, *compare, size, today, **f)
        for i, bucket in enumerate(buckets):
            aligned = before[i] if i < len(before) else None
            bucket["previous_start"] = aligned and aligned["start"]
            bucket["previous_end"] = aligned and aligned["end"]
            bucket["previous_clicks"] = aligned and aligned["clicks"]
    return {
        **cards(engine, start, end, **f),
        "by_feature": [{"feature": name, "clicks": n} for name, n in by_feature(engine, start, end, **f)],
        "daily": [{"date": day.isoformat(), "clicks": n} for day, n in daily(engine, start, end, **f)],
        "by_age_group": [{"age_group": group, "clicks": n} for group, n in by_age_group(engine, start, end, **f)],
        "by_gender": [{"gender": g, "clicks": n} for g, n in by_gender(engine, start, end, **f)],
        "granularity": size,
        "series": buckets,
        "comparison": comparison(engine, start, end, *compare, **f) if compare else None,
    }
