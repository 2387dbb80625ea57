"""The binary COPY encoder, checked by decoding its bytes with struct according to PostgreSQL's documented format
(a 16-bit field count per row, then each field as a 32-bit length and its bytes, all big-endian)."""

from __future__ import annotations

import struct
import uuid
from collections import Counter

import numpy as np

from demo.encoder import COLUMNS, SIGNATURE, TRAILER, Encoder
from demo.plan import COMBOS


def decode(data: bytes) -> list[list[bytes]]:
    rows, pos = [], 0
    while pos < len(data):
        (count,) = struct.unpack_from(">h", data, pos)
        pos += 2
        fields = []
        for _ in range(count):
            (length,) = struct.unpack_from(">i", data, pos)
            pos += 4
            fields.append(data[pos : pos + length])
            pos += length
        rows.append(fields)
    return rows


def test_header_and_trailer_are_postgresqls_binary_copy_framing():
    assert b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0) == SIGNATURE
    assert struct.pack(">h", -1) == TRAILER
    assert COLUMNS == ("event_id", "feature", "user_id", "occurred_at", "age_group", "gender", "source")


def test_rows_decode_to_the_events_given_with_ids_counting_up_in_row_order():
    rng = np.random.default_rng(1)
    n = 2_000
    combo = rng.integers(0, len(COMBOS), size=n)
    user_id = rng.integers(1, 10**12, size=n)
    occurred = rng.integers(0, 10**15, size=n)
    hi, first_lo = 0xFF00_0123_4567_89AB, 0x8000_0000_0000_0000 | 12_345
    rows = decode(Encoder(hi, "dashboard").rows(combo, user_id, occurred, first_lo))

    assert len(rows) == n and {len(r) for r in rows} == {7}
    ids = [uuid.UUID(bytes=r[0]) for r in rows]
    assert [i.int for i in ids] == [(hi << 64) | (first_lo + k) for k in range(n)]
    decoded = Counter(
        (r[1].decode(), struct.unpack(">q", r[2])[0], struct.unpack(">q", r[3])[0], r[4].decode(), r[5].decode())
        for r in rows
    )
    given = Counter((*COMBOS[c][:1], int(u), int(t), *COMBOS[c][1:]) for c, u, t in zip(combo, user_id, occurred))
    assert decoded == given
    assert {r[6] for r in rows} == {b"dashboard"}
