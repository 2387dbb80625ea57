"""The demo data's entry points: `seed_demo` (the command line, benchmarks, screenshots) and `seed_if_empty` (the
app on start).

One run is one transaction: the demo users, the events and their rollup are written together or not at all.
Deterministic: the same seed with the same users/events/days and time zone gives the same users and the same events,
event ids included, as long as "now" falls in the same clock hour (today's events stop at the start of the current
hour); `now=` pins the clock. Repeating a seed with the same options in the same hour without `reset` would write
the same ids again: that is refused with SeedConflict before anything is written.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from sqlalchemy import Engine

from config import Settings
from db.audit import Actor
from db.roles import promote
from db.users import hash_password
from demo import store
from demo.encoder import Encoder
from demo.ids import event_id, event_id_range
from demo.options import DEFAULT_DAYS, DEFAULT_EVENTS, DEFAULT_USERS, SeedConflict, check_options
from demo.plan import EventSampler, cell_of, demo_password_for, plan_users
from demo.window import load_window
from domain import DASHBOARD, age_group_of

DEMO_ACTOR = Actor("demo data")  # who made the demo login an admin, in the audit log
CHUNK_ROWS = 250_000  # part of the determinism contract: the random draws are made chunk by chunk


@dataclass(frozen=True)
class SeedReport:
    users_created: int
    users_reused: int
    other_demo_users: int  # demo users of earlier runs with more users: they got the same password
    events_written: int
    demo_password: str
    demo_email: str
    seconds: float
    seed: int
    first_day: date
    last_day: date
    timezone: str

    @property
    def users(self) -> int:
        return self.users_created + self.users_reused


def seed_demo(
    engine: Engine,
    settings: Settings,
    *,
    users: int = DEFAULT_USERS,
    events: int = DEFAULT_EVENTS,
    days: int = DEFAULT_DAYS,
    seed: int | None = None,
    reset: bool = False,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
    password: str | None = None,
) -> SeedReport:
    """Create (or reuse) the demo users and write `events` demo clicks over the last `days` days, in one transaction.

    Every demo user in the database (those of this run and any left by an earlier run with more users) gets
    `password`, by default the seed's own (demo.plan.demo_password_for). `progress` is called with the number of
    events of each chunk sent. Raises SeedError on bad options and SeedConflict when this seed's events are already
    stored.
    """
    report = _seed(engine, settings, users, events, days, seed, reset, progress, now, password, only_if_empty=False)
    assert report is not None
    return report


def seed_if_empty(engine: Engine, settings: Settings, password: str | None = None) -> SeedReport | None:
    """Run the default seed (with `password`, default the seed's own) when the database has no users and no
    events; otherwise do nothing and return None."""
    with engine.connect() as conn:
        if not store.is_empty(conn):
            return None
    return _seed(
        engine,
        settings,
        DEFAULT_USERS,
        DEFAULT_EVENTS,
        DEFAULT_DAYS,
        None,
        False,
        None,
        None,
        password,
        only_if_empty=True,
    )


def _seed(
    engine, settings, users, events, days, seed, reset, progress, now, password, *, only_if_empty
) -> SeedReport | None:
    check_options(users, events, days, seed)
    started = time.perf_counter()
    users, events, days = int(users), int(events), int(days)
    seed = secrets.randbits(63) if seed is None else int(seed)
    planned = plan_users(users, seed)
    password = password or demo_password_for(seed)
    password_hash = hash_password(password)  # once, outside the transaction: scrypt costs ~80 ms
    with engine.connect() as conn, conn.begin():
        store.start(conn)
        if only_if_empty and not store.is_empty(conn):
            return None
        window = load_window(conn, settings.timezone, days, now)
        id_hi, id_lo = event_id_range(seed, users, events, days, window.as_of_hour)
        first, last = event_id(id_hi, id_lo), event_id(id_hi, id_lo + events - 1)  # when events > 0
        if reset:
            store.wipe(conn)
        elif events and store.any_event_between(conn, first, last):
            raise SeedConflict(
                f"the events of --seed {seed} with these options are already in the database (from an earlier"
                " run in this hour); nothing was written. Use --reset to start over, or another --seed (or none)"
                " to add more"
            )
        written = store.write_users(conn, planned, password_hash)
        accounts, created = written.accounts, written.created
        promote(conn, accounts[0].email, actor=DEMO_ACTOR)  # the printed demo login can open the settings page
        if events:
            sampler = EventSampler(
                [seed, users, events, days],
                window,
                np.array([cell_of(age_group_of(u.age), u.gender) for u in accounts]),
            )
            user_ids = np.array([u.id for u in accounts], dtype=np.int64)
            chunks = _chunks(sampler, Encoder(id_hi, DASHBOARD), user_ids, events, id_lo)
            store.make_partitions(conn, window)
            store.copy_events(conn, chunks, progress=progress)
            store.add_to_rollup(conn, settings.timezone, first, last)
    return SeedReport(
        users_created=created,
        users_reused=users - created,
        other_demo_users=written.others,
        events_written=events,
        demo_password=password,
        demo_email=planned[0].email,
        seconds=time.perf_counter() - started,
        seed=seed,
        first_day=window.days[0],
        last_day=window.days[-1],
        timezone=settings.timezone,
    )


def _chunks(
    sampler: EventSampler, encoder: Encoder, user_ids: np.ndarray, total: int, first_lo: int
) -> Iterator[tuple[bytes, int]]:
    """The binary COPY rows of `total` events, CHUNK_ROWS at a time: (rows, how many)."""
    written = 0
    while written < total:
        m = min(CHUNK_ROWS, total - written)
        sample = sampler.sample(m)
        yield encoder.rows(sample.combo, user_ids[sample.user], sample.occurred_us, first_lo + written), m
        written += m
