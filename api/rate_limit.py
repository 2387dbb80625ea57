"""The per-API-key rate limit on ingestion endpoints: 429 with `Retry-After` when a key has sent more than its share
(db/key_allowance.py keeps the buckets, shared by every worker and instance).

Two checks per request: `refuse_if_empty` right after the key is known (a key still inside the Retry-After it was
given is refused before its body is decoded, so hammering costs next to nothing), and `spend` once the events
are counted. Every ingestion endpoint calls both.
"""

from __future__ import annotations

from api.errors import ApiError
from appstate import AppState
from db.api_keys import VerifiedKey


def _too_many(seconds: float) -> ApiError:
    wait = f"{seconds:.0f}"
    return ApiError(
        429,
        f"this API key is over its rate limit; retry in {wait} s with the same event ids",
        headers={"Retry-After": wait},
    )


def refuse_if_empty(appstate: AppState, key: VerifiedKey) -> None:
    """Raise ApiError 429 while the key is inside the Retry-After this process last gave it."""
    wait = appstate.key_allowance.refused_for(key.id)
    if wait is not None:
        raise _too_many(wait)


def spend(appstate: AppState, key: VerifiedKey, events: int) -> None:
    """Take `events` from the key's allowance, or raise ApiError 429 (nothing is spent then)."""
    wait = appstate.key_allowance.take(key.id, events)
    if wait is not None:
        raise _too_many(wait)
