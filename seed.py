"""Demo data: demo users in every age group x gender cell, and click events with a realistic spread.

    uv run seed.py [--users 55] [--events 500] [--days 30] [--seed N] [--reset]

Library entry points (the app calls `seed_if_empty` on start):
    seed_demo(engine, settings, *, users=55, events=500, days=30, seed=None, reset=False, progress=False)
    seed_if_empty(engine, settings)

How it works
- Users `demo01@example.com`, `demo02@example.com`, ... share one demo password, hashed once. The first nine cover
  the nine age group x gender cells in a fixed order, the rest are drawn at random. Users are matched by email:
  a second run reuses the demo users that exist (keeping their profile, setting their password to the one printed)
  and creates only the missing ones, so demo users are never doubled.
- Events are generated with numpy in chunks of CHUNK_ROWS and streamed with one binary COPY straight into `events`
  (a producer thread builds the next chunk while PostgreSQL ingests the current one). The rollup `feature_daily` is
  counted from the same arrays and upserted once at the end, in the same transaction as the events: raw events and
  rollup never disagree, and an interrupted run writes nothing.
- Deterministic: the same --seed with the same --users/--events/--days and time zone gives the same users and the
  same events, event ids included, as long as "now" falls in the same clock hour (today's events stop at the start
  of the current hour, so nothing is in the future). `seed_demo(..., now=...)` pins the clock.
- Event ids are RFC 9562 version-8 uuids: ff, the as-of hour, bits derived from the seed and options, then a
  counter (see event_id_range). A run's ids are contiguous and increasing, and sort after the ids of earlier hours
  and after random v4 ids, so the primary-key btree only appends at its right edge (measured: twice as fast as
  inserting in the middle of a big index). Repeating the same --seed with the same options in the same hour without
  --reset would write the same ids again: that is refused with SeedConflict before anything is written (those
  events are already there). In a later hour the window has moved: it is another data set, with other ids.
"""

from __future__ import annotations

import argparse
import queue
import secrets
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import Connection, Engine, text

from db.users import hash_password, validate_user
from domain import AGE_GROUPS, GENDERS, age_group_of
from layouts.ids import FEATURE_NAMES

# Seed data uses exactly the dashboard's own meta-analytics names (layouts/ids.py), in that order.
FEATURES = list(FEATURE_NAMES)

# How often each control is used overall (clearing a chip can only follow a bar click, so it stays below it) ...
_WEIGHT = {
    "date_picker": 0.24,
    "filter_age": 0.15,
    "filter_gender": 0.12,
    "chart_bar": 0.27,
    "clear_feature_chip": 0.08,
    "refresh_button": 0.14,
}
# ... and how each age group leans (multipliers per feature): the filters visibly change the chart.
_AFFINITY = {
    "<18": {
        "date_picker": 0.7,
        "filter_age": 0.8,
        "filter_gender": 0.9,
        "chart_bar": 1.5,  # clicks bars,
        "clear_feature_chip": 1.4,
        "refresh_button": 0.8,
    },  # clears chips
    "18-40": {
        "date_picker": 1.0,
        "filter_age": 1.1,
        "filter_gender": 1.0,
        "chart_bar": 1.0,
        "clear_feature_chip": 1.0,
        "refresh_button": 0.9,
    },
    ">40": {
        "date_picker": 1.3,
        "filter_age": 1.0,
        "filter_gender": 1.1,
        "chart_bar": 0.7,  # date ranges
        "clear_feature_chip": 0.6,
        "refresh_button": 1.5,
    },  # and the refresh button
}
# a control added later gets a modest share until someone tunes it here
FEATURE_WEIGHTS = np.array([_WEIGHT.get(name, 0.08) for name in FEATURES])
AGE_GROUP_AFFINITY = np.array([[_AFFINITY[group].get(name, 1.0) for name in FEATURES] for group in AGE_GROUPS])
AGE_GROUP_SHARES = np.array([0.14, 0.56, 0.30])
GENDER_SHARES = np.array([0.49, 0.46, 0.05])
AGE_RANGES = {"<18": (13, 17), "18-40": (18, 40), ">40": (41, 78)}
# Monday .. Sunday
WEEKDAY_FACTORS = np.array([1.0, 1.06, 1.04, 0.98, 0.86, 0.42, 0.36])
# Local time-of-day activity, per hour 0..23: office hours on weekdays, a flatter late curve on weekends.
HOURLY_WEEKDAY = np.array(
    [
        0.3,
        0.2,
        0.15,
        0.1,
        0.1,
        0.2,
        0.6,
        1.6,
        3.6,
        5.6,
        6.4,
        6.0,
        4.0,
        4.8,
        6.0,
        6.2,
        5.6,
        4.2,
        2.6,
        1.8,
        1.4,
        1.1,
        0.8,
        0.5,
    ]
)
HOURLY_WEEKEND = np.array(
    [
        0.6,
        0.4,
        0.3,
        0.2,
        0.2,
        0.2,
        0.3,
        0.6,
        1.2,
        2.0,
        2.8,
        3.2,
        3.2,
        3.0,
        2.8,
        2.6,
        2.5,
        2.6,
        2.8,
        2.8,
        2.4,
        1.8,
        1.3,
        0.9,
    ]
)
TREND = (0.85, 1.15)  # activity grows gently from the first day of the window to the last

FIRST_NAMES = {
    "Male": ["Liam", "Noah", "Mateo", "Ethan", "Lucas", "Omar", "Kenji", "Ivan", "Ravi", "Tom", "Hugo", "Felix"],
    "Female": ["Emma", "Olivia", "Mia", "Sofia", "Amara", "Yuki", "Lena", "Priya", "Chloe", "Nora", "Ines", "Zoe"],
    "Other": ["Alex", "Sam", "Robin", "Jordan", "Kai", "River", "Quinn", "Sasha", "Noor", "Eden", "Remy", "Ari"],
}
LAST_INITIALS = "ABCDEFGHIJKLMNOPRSTVWZ"

DEMO_EMAIL = "demo{:02d}@example.com"
DEFAULT_USERS, DEFAULT_EVENTS, DEFAULT_DAYS = 55, 500, 30
MAX_USERS, MAX_EVENTS, MAX_DAYS = 100_000, 2_000_000_000, 3650
CHUNK_ROWS = 250_000  # part of the determinism contract: the random draws are made chunk by chunk
PROGRESS_THRESHOLD = 100_000  # the command line shows a progress bar from this many events on
SEED_LOCK = 727275  # advisory lock: one seed at a time per database (migrations use 727274)
LOCK_WAIT_SECONDS = 30

_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_HOUR_US = 3_600_000_000
_CELLS = len(AGE_GROUPS) * len(GENDERS)
_COMBOS = len(FEATURES) * _CELLS
_UUID_VARIANT = 0x8000_0000_0000_0000  # RFC 9562 variant bits (10) in the low 64 bits
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
_COPY_TRAILER = b"\xff\xff"
_COPY_COLUMNS = "event_id, feature, user_id, occurred_at, age_group, gender, source"
_SOURCE = "dashboard"


class SeedError(ValueError):
    """Invalid seed options, or a seed that cannot be applied; the message says what to do."""


class SeedConflict(SeedError):
    """The events this seed would write are already stored (same --seed and options, no --reset)."""


@dataclass(frozen=True)
class SeedReport:
    users_created: int
    users_reused: int
    events_written: int
    demo_password: str
    demo_email: str
    seconds: float
    seed: int = 0
    first_day: date | None = None
    last_day: date | None = None
    timezone: str = "UTC"

    @property
    def users(self) -> int:
        return self.users_created + self.users_reused


# -- options ---------------------------------------------------------------------------------------------------


def check_options(users: int, events: int, days: int, seed: int | None) -> None:
    """Raise SeedError naming the first bad option."""
    for name, value, low, high in (
        ("users", users, len(AGE_GROUPS) * len(GENDERS), MAX_USERS),
        ("events", events, 0, MAX_EVENTS),
        ("days", days, 1, MAX_DAYS),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise SeedError(f"--{name} must be a whole number, not {value!r}")
        if not low <= value <= high:
            why = " (one demo user per age group x gender combination at least)" if name == "users" else ""
            raise SeedError(f"--{name} must be between {low:,} and {high:,}{why}; got {value:,}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise SeedError(f"--seed must be a whole number >= 0, not {seed!r}")


# -- users -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _UserPlan:
    emails: list[str]
    names: list[str]
    ages: list[int]
    genders: list[str]


def plan_users(n: int, seed: int) -> _UserPlan:
    """The demo users for `seed`: the first nine cover the nine cells in a fixed order, the rest are drawn."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(1,))))
    cells = len(AGE_GROUPS) * len(GENDERS)
    age_group = np.empty(n, dtype=np.int64)
    gender = np.empty(n, dtype=np.int64)
    first = min(n, cells)
    age_group[:first] = np.arange(first) // len(GENDERS)
    gender[:first] = np.arange(first) % len(GENDERS)
    age_group[first:] = rng.choice(len(AGE_GROUPS), size=n - first, p=AGE_GROUP_SHARES)
    gender[first:] = rng.choice(len(GENDERS), size=n - first, p=GENDER_SHARES)
    low = np.array([AGE_RANGES[g][0] for g in AGE_GROUPS])[age_group]
    high = np.array([AGE_RANGES[g][1] for g in AGE_GROUPS])[age_group]
    ages = rng.integers(low, high + 1)
    first_pick = rng.integers(0, 12, size=n)
    initial = rng.integers(0, len(LAST_INITIALS), size=n)
    genders = [GENDERS[g] for g in gender]
    names = [f"{FIRST_NAMES[g][f]} {LAST_INITIALS[i]}." for g, f, i in zip(genders, first_pick, initial)]
    emails = [DEMO_EMAIL.format(i + 1) for i in range(n)]
    return _UserPlan(emails, names, [int(a) for a in ages], genders)


def demo_password_for(seed: int) -> str:
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(2,))))
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    chars = "".join(alphabet[i] for i in rng.integers(0, len(alphabet), size=8))
    return f"demo-{chars[:4]}-{chars[4:]}"


def _upsert_users(conn: Connection, plan: _UserPlan, password_hash: str) -> tuple[int, int, list]:
    """Create the missing demo users, reset the password of existing ones; return (created, reused, rows)."""
    for email, name, age, gender in zip(plan.emails, plan.names, plan.ages, plan.genders):
        validate_user(email, None, name, age, gender)
    lowered = [e.lower() for e in plan.emails]
    existing = set(
        conn.execute(
            text("SELECT lower(email) FROM users WHERE lower(email) = ANY(:emails)"), {"emails": lowered}
        ).scalars()
    )
    missing = [i for i, e in enumerate(lowered) if e not in existing]
    if missing:
        conn.execute(
            text("""
                INSERT INTO users (email, password_hash, display_name, age, gender)
                SELECT u.email, :hash, u.name, u.age, u.gender
                FROM unnest(CAST(:emails AS text[]), CAST(:names AS text[]), CAST(:ages AS smallint[]),
                            CAST(:genders AS text[])) WITH ORDINALITY AS u(email, name, age, gender, ord)
                ORDER BY u.ord
            """),
            {
                "hash": password_hash,
                "emails": [plan.emails[i] for i in missing],
                "names": [plan.names[i] for i in missing],
                "ages": [plan.ages[i] for i in missing],
                "genders": [plan.genders[i] for i in missing],
            },
        )
    if existing:
        conn.execute(
            text("UPDATE users SET password_hash = :hash WHERE lower(email) = ANY(:emails)"),
            {"hash": password_hash, "emails": sorted(existing)},
        )
    rows = {
        r.key: r
        for r in conn.execute(
            text("SELECT id, lower(email) AS key, age, gender FROM users WHERE lower(email) = ANY(:emails)"),
            {"emails": lowered},
        )
    }
    ordered = [rows[e] for e in lowered]
    return len(missing), len(existing), ordered


# -- the time window -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Window:
    days: list[date]
    start_us: np.ndarray  # local midnight of each day, microseconds since 2000-01-01 UTC
    limit_us: np.ndarray  # exclusive end of each day's events (the next midnight; the cap for today)
    length_us: np.ndarray  # length of each local day (23, 24 or 25 hours)
    exact_days: bool  # every [start, next midnight) maps to its own local date in PostgreSQL
    as_of_hour: int  # the clock hour the data set is generated for (hours since 2000-01-01 UTC)


def _to_us(moment: datetime) -> int:
    return (moment - _PG_EPOCH) // _US


def _window(conn: Connection, tz: str, days: int, now: datetime | None) -> _Window:
    """The last `days` local days ending today, with boundaries computed by PostgreSQL's own time-zone rules."""
    if now is None:
        now = conn.execute(text("SELECT now()")).scalar_one()
    elif now.tzinfo is None:
        raise SeedError("now must be timezone-aware")
    today = conn.execute(
        text("SELECT (CAST(:now AS timestamptz) AT TIME ZONE :tz)::date"), {"now": now, "tz": tz}
    ).scalar_one()
    rows = conn.execute(
        text("""
            SELECT d::date AS day, s AS start, e AS stop,
                   (s AT TIME ZONE :tz)::date = d::date
                   AND ((e - interval '1 microsecond') AT TIME ZONE :tz)::date = d::date AS exact
            FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') AS g(d),
                 LATERAL (SELECT (d::date::timestamp AT TIME ZONE :tz) AS s,
                                 ((d::date + 1)::timestamp AT TIME ZONE :tz) AS e) AS b
            ORDER BY d
        """),
        {"tz": tz, "first": today - timedelta(days=days - 1), "last": today},
    ).all()
    start = np.array([_to_us(r.start) for r in rows], dtype=np.int64)
    stop = np.array([_to_us(r.stop) for r in rows], dtype=np.int64)
    # today's events end at the start of the current hour: reproducible within the hour, never in the future.
    # In the first hour of the day today gets no events, unless the window is today alone: then they end at now.
    now_us = _to_us(now.astimezone(UTC))
    hour = now_us // _HOUR_US
    cap = hour * _HOUR_US
    if cap <= start[-1] and days == 1:
        cap = now_us
    limit = stop.copy()
    limit[-1] = min(stop[-1], max(cap, start[-1]))
    return _Window([r.day for r in rows], start, limit, stop - start, all(r.exact for r in rows), hour)


# -- events ----------------------------------------------------------------------------------------------------


def _combo_dtypes() -> list[np.dtype]:
    """One packed big-endian record layout per (feature, age group, gender): a binary COPY row of fixed size."""
    layouts = []
    for feature in FEATURES:
        for age_group in AGE_GROUPS:
            for gender in GENDERS:
                layouts.append(
                    np.dtype(
                        [
                            ("nfields", ">i2"),
                            ("id_len", ">i4"),
                            ("id_hi", ">u8"),
                            ("id_lo", ">u8"),
                            ("f_len", ">i4"),
                            ("f", f"S{len(feature)}"),
                            ("u_len", ">i4"),
                            ("user_id", ">i8"),
                            ("t_len", ">i4"),
                            ("ts", ">i8"),
                            ("a_len", ">i4"),
                            ("a", f"S{len(age_group)}"),
                            ("g_len", ">i4"),
                            ("g", f"S{len(gender)}"),
                            ("s_len", ">i4"),
                            ("s", f"S{len(_SOURCE)}"),
                        ]
                    )
                )
    return layouts


def _combo_templates(id_hi: int) -> list[np.ndarray]:
    templates = []
    combo = 0
    for feature in FEATURES:
        for age_group in AGE_GROUPS:
            for gender in GENDERS:
                row = np.zeros(1, dtype=_DTYPES[combo])
                row["nfields"] = 7
                row["id_len"], row["id_hi"] = 16, id_hi
                row["f_len"], row["f"] = len(feature), feature.encode()
                row["u_len"], row["t_len"] = 8, 8
                row["a_len"], row["a"] = len(age_group), age_group.encode()
                row["g_len"], row["g"] = len(gender), gender.encode()
                row["s_len"], row["s"] = len(_SOURCE), _SOURCE.encode()
                templates.append(row)
                combo += 1
    return templates


_DTYPES = _combo_dtypes()


def event_id_range(seed: int, users: int, events: int, days: int, as_of_hour: int) -> tuple[int, int]:
    """(high 64 bits of every event id of this run, low 64 bits of the first). Ids are hi:lo, lo counting up.

    Layout (an RFC 9562 version-8 uuid, compared bytewise by PostgreSQL):
        ff | as-of hour (32 bits) | 8 random bits | version 8 | 12 random bits
        variant 10 | 30 random bits | counter (32 bits)
    The random bits come from the seed and the options. Leading ff and the hour make every run's ids sort after
    those of earlier hours and after random (v4) ids, so COPY appends at the right edge of the primary key.
    """
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, users, events, days], spawn_key=(3,))))
    r = int(rng.integers(0, 2**50, dtype=np.int64))
    hi = 0xFF << 56 | (as_of_hour & 0xFFFF_FFFF) << 24 | (r & 0xFF) << 16 | 0x8 << 12 | (r >> 8) & 0xFFF
    lo = _UUID_VARIANT | ((r >> 20) & 0x3FFF_FFFF) << 32
    return hi, lo


def _uuid_bytes(hi: int, lo: int) -> bytes:
    return hi.to_bytes(8, "big") + lo.to_bytes(8, "big")


class _EventPlan:
    """Vectorized sampling of events: which day, which user, which control, what time of day."""

    def __init__(self, seed: int, users: int, events: int, days: int, window: _Window, user_rows: list):
        self.rng = np.random.Generator(
            np.random.PCG64(np.random.SeedSequence([seed, users, events, days], spawn_key=(4,)))
        )
        self.window = window
        self.user_ids = np.array([r.id for r in user_rows], dtype=np.int64)
        self.user_cell = np.array(
            [AGE_GROUPS.index(age_group_of(r.age)) * len(GENDERS) + GENDERS.index(r.gender) for r in user_rows],
            dtype=np.int64,
        )
        # a few power users, a long tail of occasional ones
        activity = self.rng.lognormal(0.0, 1.0, size=len(user_rows))
        self.user_cdf = _cdf(activity)
        per_group = FEATURE_WEIGHTS * AGE_GROUP_AFFINITY
        self.feature_cdf = [_cdf(w) for w in per_group]
        grid = np.linspace(0.0, 1.0, 25)
        self.grid = grid
        self.curve_cdf = [np.concatenate([[0.0], np.cumsum(h) / h.sum()]) for h in (HOURLY_WEEKDAY, HOURLY_WEEKEND)]
        weekend = np.array([d.weekday() >= 5 for d in window.days])
        self.weekend = weekend
        # the share of each day's curve before its limit (1 except for today)
        frac = (window.limit_us - window.start_us) / window.length_us
        mass = np.where(weekend, np.interp(frac, grid, self.curve_cdf[1]), np.interp(frac, grid, self.curve_cdf[0]))
        self.mass = mass
        n = len(window.days)
        trend = np.linspace(TREND[0], TREND[1], n) if n > 1 else np.array([TREND[1]])
        weekday = WEEKDAY_FACTORS[[d.weekday() for d in window.days]]
        noise = self.rng.lognormal(0.0, 0.08, size=n)
        weight = weekday * trend * noise * mass
        if events and weight.sum() <= 0:
            raise SeedError("the time window is empty (it is exactly midnight); try again in a second")
        self.day_cdf = _cdf(weight) if weight.sum() > 0 else None

    def sample(self, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """m events: (day index, user index, combo index, occurred_at in PG microseconds)."""
        rng, w = self.rng, self.window
        day = _pick(self.day_cdf, rng.random(m))
        user = _pick(self.user_cdf, rng.random(m))
        cell = self.user_cell[user]
        group = cell // len(GENDERS)
        r = rng.random(m)
        feature = np.empty(m, dtype=np.int64)
        for g in range(len(AGE_GROUPS)):
            mask = group == g
            feature[mask] = _pick(self.feature_cdf[g], r[mask])
        v = rng.random(m) * self.mass[day]
        frac = np.where(
            self.weekend[day], np.interp(v, self.curve_cdf[1], self.grid), np.interp(v, self.curve_cdf[0], self.grid)
        )
        offset = (frac * w.length_us[day]).astype(np.int64)
        limit = w.limit_us[day] - w.start_us[day] - 1
        np.minimum(offset, limit, out=offset)
        np.maximum(offset, 0, out=offset)
        occurred = w.start_us[day] + offset
        return day, user, feature * _CELLS + cell, occurred


def _cdf(weights: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(weights, dtype=np.float64)
    cdf /= cdf[-1]
    cdf[-1] = 1.0
    return cdf


def _pick(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)


def _build_chunk(plan: _EventPlan, templates: list[np.ndarray], m: int, first_lo: int) -> tuple[bytes, np.ndarray]:
    """Binary COPY rows for m events, grouped by combo (each group one fixed-size record array); ids count up
    from first_lo in row order. Returns (bytes, per (day, combo) counts)."""
    day, user, combo, occurred = plan.sample(m)
    order = np.argsort(combo, kind="stable")
    counts = np.bincount(combo, minlength=_COMBOS)
    ids = np.arange(first_lo, first_lo + m, dtype=np.uint64)
    parts = []
    pos = 0
    for c in np.flatnonzero(counts):
        k = int(counts[c])
        sel = order[pos : pos + k]
        rec = np.repeat(templates[c], k)
        rec["id_lo"] = ids[pos : pos + k]
        rec["user_id"] = plan.user_ids[user[sel]]
        rec["ts"] = occurred[sel]
        parts.append(rec.tobytes())
        pos += k
    rollup = np.bincount(day * _COMBOS + combo, minlength=len(plan.window.days) * _COMBOS)
    return b"".join(parts), rollup


_DONE = object()


def _produce(plan, templates, total, first_lo, out: queue.Queue, stop: threading.Event) -> None:
    """Build chunks ahead of the COPY (numpy releases the GIL while PostgreSQL ingests the previous chunk)."""

    def put(item) -> None:
        while not stop.is_set():  # the consumer sets `stop` when it gives up; never block it forever
            try:
                out.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    try:
        written = 0
        while written < total and not stop.is_set():
            m = min(CHUNK_ROWS, total - written)
            put((*_build_chunk(plan, templates, m, first_lo + written), m))
            written += m
        put(_DONE)
    except BaseException as exc:  # handed to the consumer, which re-raises it
        put(exc)


def _write_events(
    conn: Connection, plan: _EventPlan, id_hi: int, id_lo: int, total: int, *, freeze: bool, progress: bool
) -> np.ndarray:
    """COPY `total` events into `events`; return the per (day, combo) counts of what was written."""
    from tqdm import tqdm

    templates = _combo_templates(id_hi)
    rollup = np.zeros(len(plan.window.days) * _COMBOS, dtype=np.int64)
    chunks: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()
    producer = threading.Thread(
        target=_produce, args=(plan, templates, total, id_lo, chunks, stop), name="seed-producer", daemon=True
    )
    raw = conn.connection.driver_connection
    options = ", FREEZE" if freeze else ""
    bar = tqdm(total=total, unit=" events", unit_scale=True, disable=not progress, desc="events", smoothing=0.1)
    producer.start()
    try:
        with (
            raw.cursor() as cur,
            cur.copy(f"COPY events ({_COPY_COLUMNS}) FROM STDIN (FORMAT BINARY{options})") as copy,
        ):
            copy.write(_COPY_SIGNATURE)
            while True:
                item = chunks.get()
                if item is _DONE:
                    break
                if isinstance(item, BaseException):
                    raise item
                data, counts, m = item
                copy.write(memoryview(data))
                rollup += counts
                bar.update(m)
            copy.write(_COPY_TRAILER)
    finally:
        stop.set()
        producer.join()
        bar.close()
    return rollup


def _write_rollup(conn: Connection, rollup: np.ndarray, window: _Window) -> int:
    """Add the per (day, feature, age group, gender) counts to feature_daily (in key order, like the writer)."""
    keys = np.flatnonzero(rollup)
    day, combo = keys // _COMBOS, keys % _COMBOS
    feature, cell = combo // _CELLS, combo % _CELLS
    conn.execute(
        text("""
            INSERT INTO feature_daily AS fd (day, feature, age_group, gender, clicks)
            SELECT * FROM unnest(CAST(:day AS date[]), CAST(:feature AS text[]), CAST(:age_group AS text[]),
                                 CAST(:gender AS text[]), CAST(:clicks AS bigint[]))
            ORDER BY 1, 2, 3, 4
            ON CONFLICT (day, feature, age_group, gender) DO UPDATE SET clicks = fd.clicks + EXCLUDED.clicks
        """),
        {
            "day": [window.days[d] for d in day],
            "feature": [FEATURES[f] for f in feature],
            "age_group": [AGE_GROUPS[c // len(GENDERS)] for c in cell],
            "gender": [GENDERS[c % len(GENDERS)] for c in cell],
            "clicks": [int(x) for x in rollup[keys]],
        },
    )
    return len(keys)


def _rollup_in_sql(conn: Connection, tz: str, lo: bytes, hi: bytes) -> None:
    """Fallback for time zones whose midnight does not exist on some day: count the inserted range in SQL."""
    conn.execute(
        text("""
            INSERT INTO feature_daily AS fd (day, feature, age_group, gender, clicks)
            SELECT (occurred_at AT TIME ZONE :tz)::date, feature, age_group, gender, count(*)
            FROM events WHERE event_id BETWEEN CAST(:lo AS uuid) AND CAST(:hi AS uuid)
            GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
            ON CONFLICT (day, feature, age_group, gender) DO UPDATE SET clicks = fd.clicks + EXCLUDED.clicks
        """),
        {"tz": tz, "lo": _uuid_text(lo), "hi": _uuid_text(hi)},
    )


def _uuid_text(b: bytes) -> str:
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# -- entry points ----------------------------------------------------------------------------------------------


def seed_demo(
    engine: Engine,
    settings,
    *,
    users: int = DEFAULT_USERS,
    events: int = DEFAULT_EVENTS,
    days: int = DEFAULT_DAYS,
    seed: int | None = None,
    reset: bool = False,
    progress: bool = False,
    now: datetime | None = None,
) -> SeedReport:
    """Create (or reuse) the demo users and write `events` demo clicks over the last `days` days, all in one
    transaction. Raises SeedError on bad options and SeedConflict when this seed's events are already stored."""
    report = _seed(
        engine,
        settings,
        users=users,
        events=events,
        days=days,
        seed=seed,
        reset=reset,
        progress=progress,
        now=now,
        only_if_empty=False,
    )
    assert report is not None
    return report


def seed_if_empty(engine: Engine, settings) -> SeedReport | None:
    """Run the default seed when the database has no users and no events; otherwise do nothing and return None."""
    with engine.connect() as conn:
        if not _is_empty(conn):
            return None
    return _seed(
        engine,
        settings,
        users=DEFAULT_USERS,
        events=DEFAULT_EVENTS,
        days=DEFAULT_DAYS,
        seed=None,
        reset=False,
        progress=False,
        now=None,
        only_if_empty=True,
    )


def _is_empty(conn: Connection) -> bool:
    return conn.execute(
        text("SELECT NOT EXISTS (SELECT 1 FROM users) AND NOT EXISTS (SELECT 1 FROM events)")
    ).scalar_one()


def _seed(engine, settings, *, users, events, days, seed, reset, progress, now, only_if_empty) -> SeedReport | None:
    check_options(users, events, days, seed)
    started = time.perf_counter()
    seed = secrets.randbits(63) if seed is None else int(seed)
    users, events, days = int(users), int(events), int(days)
    tz = settings.timezone
    plan = plan_users(users, seed)
    password = demo_password_for(seed)
    password_hash = hash_password(password)  # once: scrypt costs ~80 ms
    with engine.connect() as conn, conn.begin():
        # bulk runs take longer than the engine's statement timeout; wait a while for a concurrent seed
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT_SECONDS}s'"))
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEED_LOCK})
        if only_if_empty and not _is_empty(conn):
            return None
        window = _window(conn, tz, days, now)
        id_hi, id_lo = event_id_range(seed, users, events, days, window.as_of_hour)
        if reset:
            conn.execute(text("TRUNCATE users, events, feature_daily RESTART IDENTITY"))
        elif (
            events
            and conn.execute(
                text(
                    "SELECT EXISTS (SELECT 1 FROM events"
                    " WHERE event_id BETWEEN CAST(:lo AS uuid) AND CAST(:hi AS uuid))"
                ),
                {"lo": _uuid_text(_uuid_bytes(id_hi, id_lo)), "hi": _uuid_text(_uuid_bytes(id_hi, id_lo + events - 1))},
            ).scalar_one()
        ):
            raise SeedConflict(
                f"the events of --seed {seed} with these options are already in the database (from an earlier"
                " run in this hour); nothing was written. Use --reset to start over, or another --seed (or none)"
                " to add more"
            )
        created, reused, user_rows = _upsert_users(conn, plan, password_hash)
        if events:
            event_plan = _EventPlan(seed, users, events, days, window, user_rows)
            rollup = _write_events(conn, event_plan, id_hi, id_lo, events, freeze=reset, progress=progress)
            if window.exact_days:
                _write_rollup(conn, rollup, window)
            else:
                _rollup_in_sql(conn, tz, _uuid_bytes(id_hi, id_lo), _uuid_bytes(id_hi, id_lo + events - 1))
    return SeedReport(
        users_created=created,
        users_reused=reused,
        events_written=events,
        demo_password=password,
        demo_email=plan.emails[0],
        seconds=time.perf_counter() - started,
        seed=seed,
        first_day=window.days[0],
        last_day=window.days[-1],
        timezone=tz,
    )


# -- command line ----------------------------------------------------------------------------------------------


def _count(name: str, low: int, high: int):
    def parse(value: str) -> int:
        try:
            number = int(value.replace("_", "").replace(",", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, not {value!r}") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"must be between {low:,} and {high:,}, not {number:,}")
        return number

    parse.__name__ = name
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="seed.py",
        description="Fill the database with demo users and demo click events (a realistic spread over the last days).",
    )
    parser.add_argument(
        "--users",
        type=_count("users", _CELLS, MAX_USERS),
        default=DEFAULT_USERS,
        help=f"demo users demo01@example.com ... (at least {_CELLS}: one per age group x gender; "
        f"default {DEFAULT_USERS})",
    )
    parser.add_argument(
        "--events",
        type=_count("events", 0, MAX_EVENTS),
        default=DEFAULT_EVENTS,
        help=f"click events to write (default {DEFAULT_EVENTS}; a progress bar from {PROGRESS_THRESHOLD:,} on)",
    )
    parser.add_argument(
        "--days",
        type=_count("days", 1, MAX_DAYS),
        default=DEFAULT_DAYS,
        help=f"spread the events over the last DAYS days, ending today (default {DEFAULT_DAYS})",
    )
    parser.add_argument(
        "--seed",
        type=_count("seed", 0, 2**63 - 1),
        default=None,
        help="random seed: the same seed and options give the same users and events (default: a fresh one, printed)",
    )
    parser.add_argument(
        "--reset", action="store_true", help="wipe users, events and the daily rollup first (API keys are kept)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from config import ConfigError, Settings
    from db.engine import Database
    from db.migrate import upgrade

    try:
        settings = Settings.load()
    except ConfigError as exc:
        print(f"seed.py: error: {exc}", file=sys.stderr)
        return 2
    database = Database(settings)
    try:
        if settings.database_url is None:
            print(f"Starting the embedded database in {settings.data_dir / 'pgdata'} ...", file=sys.stderr, flush=True)
        engine = database.engine
        upgrade(engine)
        report = seed_demo(
            engine,
            settings,
            users=args.users,
            events=args.events,
            days=args.days,
            seed=args.seed,
            reset=args.reset,
            progress=args.events >= PROGRESS_THRESHOLD,
        )
    except SeedError as exc:
        print(f"seed.py: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # database unreachable, lock timeout, ...: one clear line, not a traceback
        from sqlalchemy.exc import DBAPIError

        if not isinstance(exc, DBAPIError):
            raise
        import psycopg

        if isinstance(exc.orig, psycopg.errors.LockNotAvailable):
            print(
                f"seed.py: error: another seed.py, or the running app, held the tables for over {LOCK_WAIT_SECONDS}"
                " s; nothing was written. Try again (stop the app first for --reset)",
                file=sys.stderr,
            )
        else:
            print(f"seed.py: error: the database refused the seed: {str(exc.orig or exc).strip()}", file=sys.stderr)
        return 1
    finally:
        database.dispose()
    remember_demo_login(settings, report)
    print(_summary(report, args.reset))
    return 0


def demo_login_file(settings) -> Path:
    """Where the embedded database's demo login is kept, so that `uv run app.py` can show it on every start."""
    return settings.data_dir / "demo_login.txt"


def remember_demo_login(settings, report: SeedReport) -> None:
    """Keep the demo login next to the embedded database (never for a server given by DATABASE_URL)."""
    if settings.database_url is None:
        path = demo_login_file(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{report.demo_email} / {report.demo_password}\n")


def _summary(report: SeedReport, reset: bool) -> str:
    rate = report.events_written / report.seconds if report.seconds > 0 else 0.0
    lines = []
    if reset:
        lines.append("Wiped users, events and feature_daily first (--reset).")
    lines.append(
        f"Wrote {report.events_written:,} click events over {report.first_day} .. {report.last_day} "
        f"({report.timezone}) in {report.seconds:.1f} s ({rate:,.0f} events/s), seed {report.seed}."
    )
    if report.users_reused:
        lines.append(
            f"Demo users: {report.users} ({report.users_created} created, {report.users_reused} already existed and "
            "were reused, not doubled; their password is now the one below)."
        )
    else:
        lines.append(f"Demo users: {report.users} created.")
    last = DEMO_EMAIL.format(report.users)
    lines.append(f"Demo login: {report.demo_email} (... {last})  password: {report.demo_password}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
