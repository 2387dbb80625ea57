"""Per-API-key rate limit: a token bucket per key whose state lives in PostgreSQL, so it holds across gunicorn's
workers and across instances.

Each key may send `rate` events per second on average, and up to `burst` events at once after a quiet spell. The
bucket (`api_key_allowance`: tokens, when last updated) refills at `rate` up to `burst`. So that a request does not
cost a database round trip, each process *leases* tokens: when its local lease for the key cannot pay for a request,
it takes `max(needed, rate × LEASE_SECONDS)` tokens from the bucket in one short transaction (the row locked, so two
workers never take the same tokens) and spends them locally. A lease left unspent expires after LEASE_SECONDS and is
lost, never given back. Hence the guarantee, whatever the number of workers and instances: over any span of T
seconds one key gets at most `burst + rate × T` events accepted; the processes only ever spend tokens the bucket gave.

A refused request learns when to retry: the seconds until the bucket holds what it needs (`Retry-After`, at least 1).
Until that time has passed, the process refuses the key's requests at once (`refused_for`), without decoding them.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, text

LEASE_SECONDS = 0.1  # how much of the rate one process takes at a time, and how long it may keep it

_TAKE_SQL = text(
    """
SELECT least(:burst, tokens + :rate * greatest(0, extract(epoch FROM now() - updated_at))) AS available
FROM api_key_allowance WHERE key_id = :key_id FOR UPDATE
"""
)
_NEW_SQL = text(
    "INSERT INTO api_key_allowance (key_id, tokens, updated_at) VALUES (:key_id, :burst, now())"
    " ON CONFLICT (key_id) DO NOTHING"
)
_SPEND_SQL = text("UPDATE api_key_allowance SET tokens = :left, updated_at = now() WHERE key_id = :key_id")


@dataclass
class _Lease:
    tokens: float
    until: float  # monotonic clock
    refused_until: float = 0.0  # after a refusal: the end of the Retry-After it gave (monotonic clock)


class KeyAllowance:
    """One process's side of the per-key buckets. Thread-safe (and gevent-safe: the lock is monkey-patched)."""

    def __init__(
        self,
        engine: Callable[[], Engine],
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._engine = engine  # called when needed: the app's database starts lazily
        self.rate = float(rate)
        self.burst = int(burst)
        self._clock = clock
        self._leases: dict[int, _Lease] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def refused_for(self, key_id: int) -> float | None:
        """Seconds left of the Retry-After this process last gave the key, else None: until then every request of the
        key is refused before its body is even decoded (a client that ignores Retry-After costs next to nothing)."""
        lease = self._leases.get(key_id)
        if lease is None:
            return None
        left = lease.refused_until - self._clock()
        return max(1.0, math.ceil(left)) if left > 0 else None

    def take(self, key_id: int, events: int) -> float | None:
        """Spend `events` tokens of the key: None when allowed, else the seconds to wait before retrying.

        A database error propagates (the caller answers 503): nothing was spent then.
        """
        if not self.enabled:
            return None
        events = max(int(events), 1)
        now = self._clock()
        with self._lock:
            lease = self._leases.get(key_id)
            if lease is not None and lease.until > now and lease.tokens >= events:
                lease.tokens -= events
                return None
        want = max(events, min(self.burst, self.rate * LEASE_SECONDS))
        granted, available = self._take_from_bucket(key_id, events, want)
        now = self._clock()
        if granted == 0:
            wait = max(1.0, math.ceil((events - available) / self.rate))
            with self._lock:
                self._leases[key_id] = _Lease(0.0, now, now + wait)
            return wait
        with self._lock:  # a fresh lease replaces the old one (whose rest expires unspent)
            self._leases[key_id] = _Lease(granted - events, now + LEASE_SECONDS)
        return None

    def _take_from_bucket(self, key_id: int, needed: int, want: float) -> tuple[float, float]:
        """(tokens granted: `want` or as many as there are, at least `needed`, else 0; tokens there were)."""
        params = {"key_id": key_id, "rate": self.rate, "burst": self.burst}
        with self._engine().begin() as conn:
            available = conn.execute(_TAKE_SQL, params).scalar()
            if available is None:  # the key's first request anywhere
                conn.execute(_NEW_SQL, params)
                available = conn.execute(_TAKE_SQL, params).scalar_one()
            available = float(available)
            granted = min(available, want) if available >= needed else 0.0
            conn.execute(_SPEND_SQL, {"key_id": key_id, "left": available - granted})
        return granted, available
