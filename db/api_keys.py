"""API keys: created and revoked from the command line, stored only as a SHA-256 hash, shown once.

A key is `cb_` + 43 URL-safe characters (256 random bits). The table keeps its hash (the lookup key, unique) and a
short prefix, so an operator can tell keys apart without the secret. Verification hashes the presented key and looks
the hash up: the comparison happens on hashes, so its timing tells nothing about the secret.

Each app verifies keys through its own `VerifiedKeys`, which remembers a successful verification for `CACHE_SECONDS`
(5 s) so that a busy client does not cost one query per request; a revocation therefore takes effect within 5 seconds
in every other process, and at once in an app that revokes through its own `VerifiedKeys.revoke`. Failed
verifications are never remembered, so a newly created key works at once.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable

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


def revoke_key(conn: Connection, name: str) -> str:
    """Revoke the key named `name`; return its hash. Raises UnknownKeyName. Revoking a revoked key is a no-op.
    The caller commits."""
    name = _check_name(name)
    row = conn.execute(
        update(api_keys)
        .where(api_keys.c.name == name)
        .values(revoked_at=func.coalesce(api_keys.c.revoked_at, func.now()))
        .returning(api_keys.c.key_hash)
    ).first()
    if row is None:
        raise UnknownKeyName(name)
    return row.key_hash


def key_is_valid(conn: Connection, key: str) -> bool:
    """True when `key` is a known, unrevoked key (always asks the database)."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return False
    found = conn.execute(
        select(api_keys.c.id).where(api_keys.c.key_hash == hash_key(key), api_keys.c.revoked_at.is_(None))
    ).first()
    return found is not None


class VerifiedKeys:
    """One app's key verification, remembering each success for `seconds` (never a failure). Thread-safe."""

    def __init__(
        self,
        engine: Callable[[], Engine],
        *,
        seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = _CACHE_MAX,
    ):
        self._engine = engine  # called when needed: the app's database starts lazily
        self.seconds = seconds
        self._clock = clock
        self._max_entries = max_entries
        self._valid_until: dict[str, float] = {}  # key hash -> clock time
        self._lock = threading.Lock()

    def verify(self, key: str) -> bool:
        """True when `key` is valid and unrevoked (or was so less than `seconds` ago).

        Raises sqlalchemy.exc.OperationalError (or another DBAPIError) when the database cannot answer.
        """
        if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
            return False
        digest = hash_key(key)
        now = self._clock()
        until = self._valid_until.get(digest)
        if until is not None and until > now:
            return True
        with self._engine().connect() as conn:
            valid = key_is_valid(conn, key)
        with self._lock:
            if not valid:
                self._valid_until.pop(digest, None)
            elif self.seconds > 0:
                if len(self._valid_until) >= self._max_entries:
                    self._valid_until.clear()
                self._valid_until[digest] = now + self.seconds
        return valid

    def revoke(self, name: str) -> None:
        """Revoke the key named `name` (UnknownKeyName if none); this app refuses it from now on."""
        with self._engine().begin() as conn:
            digest = revoke_key(conn, name)
        with self._lock:
            self._valid_until.pop(digest, None)
