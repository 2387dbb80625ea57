"""API keys: created and revoked from the command line, stored only as a SHA-256 hash, shown once.

A key is `cb_` + 43 URL-safe characters (256 random bits). The table keeps its hash (the lookup key, unique) and a
short prefix, so an operator can tell keys apart without the secret. Verification hashes the presented key and looks
the hash up: the comparison happens on hashes, so its timing tells nothing about the secret.

Successful verifications are cached in-process for `CACHE_SECONDS` (5 s) so that a busy client does not cost one query
per request; a revocation therefore takes effect within 5 seconds in every process (immediately in the one that
revoked). Failed verifications are never cached, so a newly created key works at once.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from db.schema import api_keys

KEY_PREFIX = "cb_"
CACHE_SECONDS = 5.0
_CACHE_MAX = 10_000
MAX_NAME_LENGTH = 100


class ApiKeyError(ValueError):
    """A key could not be created or revoked; the message says why."""


class DuplicateKeyName(ApiKeyError):
    def __init__(self, name: str):
        super().__init__(f"an API key named {name!r} already exists; choose another name or revoke that one")


class UnknownKeyName(ApiKeyError):
    def __init__(self, name: str):
        super().__init__(f"no API key named {name!r}")


@dataclass(frozen=True)
class ApiKeyInfo:
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise ApiKeyError(f"the key name must be 1 to {MAX_NAME_LENGTH} characters")
    return name


def create_key(conn: Connection, name: str) -> str:
    """Create a key named `name` (unique) and return it; only its hash is stored. The caller commits."""
    name = _check_name(name)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    try:
        with conn.begin_nested():
            conn.execute(insert(api_keys).values(name=name, key_hash=hash_key(key), prefix=key[:10]))
    except IntegrityError as exc:
        if "name" in str(exc.orig):
            raise DuplicateKeyName(name) from None
        raise
    return key


def revoke_key(conn: Connection, name: str) -> None:
    """Revoke the key named `name`. Raises UnknownKeyName. Revoking a revoked key is a no-op. The caller commits."""
    name = _check_name(name)
    row = conn.execute(
        update(api_keys)
        .where(api_keys.c.name == name)
        .values(revoked_at=func.coalesce(api_keys.c.revoked_at, func.now()))
        .returning(api_keys.c.key_hash)
    ).first()
    if row is None:
        raise UnknownKeyName(name)
    _forget(row.key_hash)


def list_keys(conn: Connection) -> list[ApiKeyInfo]:
    rows = conn.execute(select(api_keys).order_by(api_keys.c.name))
    return [ApiKeyInfo(r.name, r.prefix, r.created_at, r.revoked_at) for r in rows]


def key_is_valid(conn: Connection, key: str) -> bool:
    """True when `key` is a known, unrevoked key (always asks the database)."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return False
    found = conn.execute(
        select(api_keys.c.id).where(api_keys.c.key_hash == hash_key(key), api_keys.c.revoked_at.is_(None))
    ).first()
    return found is not None


# -- in-process cache of successful verifications ------------------------------------------------------------
_cache: dict[tuple[str, str], float] = {}  # (database url, key hash) -> valid until (monotonic)
_cache_lock = threading.Lock()


def verify_key(engine: Engine, key: str, *, cache_seconds: float = CACHE_SECONDS) -> bool:
    """True when `key` is valid; a positive answer is remembered for `cache_seconds`.

    Raises sqlalchemy.exc.OperationalError (or another DBAPIError) when the database cannot answer.
    """
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return False
    digest = hash_key(key)
    slot = (_engine_name(engine), digest)
    now = time.monotonic()
    until = _cache.get(slot)
    if until is not None and until > now:
        return True
    with engine.connect() as conn:
        valid = key_is_valid(conn, key)
    if valid and cache_seconds > 0:
        with _cache_lock:
            if len(_cache) >= _CACHE_MAX:
                _cache.clear()
            _cache[slot] = now + cache_seconds
    elif not valid:
        _cache.pop(slot, None)
    return valid


_engine_names: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def _engine_name(engine: Engine) -> str:
    """The engine's URL as text (computed once per engine: rendering it costs more than the rest of a check)."""
    name = _engine_names.get(engine)
    if name is None:
        name = _engine_names[engine] = engine.url.render_as_string(hide_password=True)
    return name


def _forget(key_hash: str) -> None:
    with _cache_lock:
        for slot in [s for s in _cache if s[1] == key_hash]:
            _cache.pop(slot, None)
