"""The demo events' ids: RFC 9562 version-8 uuids that count up within a run and sort after earlier hours.

Layout (compared bytewise by PostgreSQL):
    ff | as-of hour (32 bits) | 8 random bits | version 8 | 12 random bits
    variant 10 | 30 random bits | counter (32 bits)
All ids of a run share the high 64 bits; the low 64 bits count up from the run's first id. The random bits come from
the seed and the options, so a rerun with the same seed and options in the same hour writes the same ids (and is
refused), while the leading ff and the hour make every run sort after earlier hours and after random (v4) ids: COPY
appends at the right edge of the primary key's btree, about twice as fast as inserting in the middle of it.
"""

from __future__ import annotations

import uuid

from demo.plan import IDS_STREAM, rng_for

_UUID_VARIANT = 0x8000_0000_0000_0000  # RFC 9562 variant bits (10) in the low 64 bits


def event_id_range(seed: int, users: int, events: int, days: int, as_of_hour: int) -> tuple[int, int]:
    """(high 64 bits of every event id of this run, low 64 bits of its first event id)."""
    r = int(rng_for([seed, users, events, days], IDS_STREAM).integers(0, 2**50, dtype="int64"))
    hi = 0xFF << 56 | (as_of_hour & 0xFFFF_FFFF) << 24 | (r & 0xFF) << 16 | 0x8 << 12 | (r >> 8) & 0xFFF
    lo = _UUID_VARIANT | ((r >> 20) & 0x3FFF_FFFF) << 32
    return hi, lo


def event_id(hi: int, lo: int) -> uuid.UUID:
    """The uuid with these high and low 64 bits."""
    return uuid.UUID(int=hi << 64 | lo)
