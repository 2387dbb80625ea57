"""Sampled demo events as PostgreSQL binary COPY rows for `events` (COPY ... FROM STDIN (FORMAT BINARY)).

A row's size depends only on its (feature, age group, gender) combination, so each combination is one packed
big-endian numpy record type: a chunk is encoded by grouping its events by combination and filling one record array
per group, with no per-row Python. Ids count up in the order the rows are written (see demo.ids).
"""

from __future__ import annotations

import numpy as np

from demo.plan import COMBOS

COLUMNS = ("event_id", "feature", "user_id", "occurred_at", "age_group", "gender", "source")
SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"  # header, no flags, no extension
TRAILER = b"\xff\xff"


def _record_type(feature: str, age_group: str, gender: str, source: str) -> np.dtype:
    """One binary COPY row: field count, then each field as (byte length, value)."""
    return np.dtype(
        [
            ("nfields", ">i2"),
            ("id_len", ">i4"),
            ("id_hi", ">u8"),
            ("id_lo", ">u8"),
            ("f_len", ">i4"),
            ("f", f"S{len(feature.encode())}"),
            ("u_len", ">i4"),
            ("user_id", ">i8"),
            ("t_len", ">i4"),
            ("ts", ">i8"),  # timestamptz: microseconds since 2000-01-01 UTC
            ("a_len", ">i4"),
            ("a", f"S{len(age_group.encode())}"),
            ("g_len", ">i4"),
            ("g", f"S{len(gender.encode())}"),
            ("s_len", ">i4"),
            ("s", f"S{len(source.encode())}"),
        ]
    )


def _template(feature: str, age_group: str, gender: str, source: str, id_hi: int) -> np.ndarray:
    row = np.zeros(1, dtype=_record_type(feature, age_group, gender, source))
    row["nfields"] = len(COLUMNS)
    row["id_len"], row["id_hi"] = 16, id_hi
    row["f_len"], row["f"] = len(feature.encode()), feature.encode()
    row["u_len"], row["t_len"] = 8, 8
    row["a_len"], row["a"] = len(age_group.encode()), age_group.encode()
    row["g_len"], row["g"] = len(gender.encode()), gender.encode()
    row["s_len"], row["s"] = len(source.encode()), source.encode()
    return row


class Encoder:
    """Binary COPY rows for events whose ids all share the high 64 bits `id_hi`."""

    def __init__(self, id_hi: int, source: str):
        self.templates = [_template(f, a, g, source, id_hi) for f, a, g in COMBOS]

    def rows(self, combo: np.ndarray, user_id: np.ndarray, occurred_us: np.ndarray, first_lo: int) -> bytes:
        """The rows of these events (index into COMBOS, user id, occurred_at in microseconds since 2000-01-01 UTC),
        grouped by combination; the k-th row written gets the id low bits first_lo + k."""
        order = np.argsort(combo, kind="stable")
        counts = np.bincount(combo, minlength=len(COMBOS))
        ids = np.arange(first_lo, first_lo + len(combo), dtype=np.uint64)
        parts = []
        pos = 0
        for c in np.flatnonzero(counts):
            k = int(counts[c])
            chosen = order[pos : pos + k]
            rec = np.repeat(self.templates[c], k)
            rec["id_lo"] = ids[pos : pos + k]
            rec["user_id"] = user_id[chosen]
            rec["ts"] = occurred_us[chosen]
            parts.append(rec.tobytes())
            pos += k
        return b"".join(parts)
