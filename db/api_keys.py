"""API keys: created, listed and revoked on the settings page or the command line, stored only as a SHA-256 hash,
shown once.

A key is `cb_` + 43 URL-safe characters (256 random bits). The table keeps its hash (the lookup key, unique) and a
short prefix, so an operator can tell keys apart without the secret. Verification hashes the presented key and looks
the hash up: the comparison happens on hashes, so its timing tells nothing about the secret.

Scopes say what a key may do (domain.SCOPES): `ingest` sends events (POST /api/v1/events), `read` reads numbers
(GET /api/v1/stats). A new key is ingestion-only unless given more; keys made before scopes existed have both.
Names are unique among the keys in use: a revoked key's name can be given to a new key.

Each app verifies keys through its own `VerifiedKeys`, which remembers a successful verification (and the key's
scopes) for `CACHE_SECONDS` (5 s) so that a busy client does not cost one query per request; a revocation therefore
takes effect within 5 seconds in every other process, and at once in an app that revokes through its own
`VerifiedKeys.revoke`. Failed verifications are never remembered, so a newly created key works at once. A
verification that asks the database also records the key's last use, so "last used" is exact to within 5 seconds.

Every creation and revocation writes its audit-log entry (db/audit.py) in the same transaction.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from db import audit
from db.schema import api_keys
from domain import DEFAULT_SCOPES, SCOPES

KEY_PREFIX = "cb_"
CACHE_SECONDS = 5.0
_CACHE_MAX = 10_000
MAX_NAME_LENGTH = 100


class ApiKeyError(ValueError):
    """A key could not be created or revoked; the message says why."""


class DuplicateKeyName(ApiKeyError):
    def __init__(self, name: str):
        super().__init__(
            f"an API key named {name!r} already exists and is in use; choose another name or revoke it first"
        )


class UnknownKeyName(ApiKeyError):
    def __init__(self, name: str):
        super().__init__(f"no API key named {name!r} is in use")


@dataclass(frozen=True)
class KeyInfo:
    """What may be shown of a key: never the key itself."""

    id: int
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def check_name(name: str) -> str:
    """The name stripped; ApiKeyError when empty, too long or holding control characters."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise ApiKeyError(f"the key name must be 1 to {MAX_NAME_LENGTH} characters")
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in name):
        raise ApiKeyError("the key name must not contain control characters")
    return name


def check_scopes(scopes: Iterable[str] | None) -> tuple[str, ...]:
    """The scopes in domain order, without repeats; DEFAULT_SCOPES when none are given. ApiKeyError for an unknown
    one."""
    given = [scope.strip() for scope in (scopes or ())]
    unknown = [scope for scope in given if scope not in SCOPES]
    if unknown:
        raise ApiKeyError(f"unknown scope {unknown[0][:40]!r}; the scopes are {', '.join(SCOPES)}")
    return tuple(scope for scope in SCOPES if scope in given) or DEFAULT_SCOPES


def create_key(
    conn: Connection, name: str, scopes: Iterable[str] | None = None, *, actor: audit.Actor | None = None
) -> str:
    """Create a key named `name` (unique among the keys in use) with `scopes` (default: ingestion only) and return
    it; only its hash is stored. The caller commits."""
    name = check_name(name)
    scopes = check_scopes(scopes)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    try:
        with conn.begin_nested():
            conn.execute(
                insert(api_keys).values(name=name, key_hash=hash_key(key), prefix=key[:10], scopes=list(scopes))
            )
    except IntegrityError as exc:
        if "api_keys_active_name_key" in str(exc.orig):
            raise DuplicateKeyName(name) from None
        raise
    audit.record(conn, actor or audit.command_line(), "api_key.create", name, f"scopes: {', '.join(scopes)}")
    return key


def revoke_key(conn: Connection, name: str, *, key_id: int | None = None, actor: audit.Actor | None = None) -> str:
    """Revoke the key in use named `name` (and numbered `key_id`, when given: the settings page's row, so that a key
    made meanwhile under the same name is not the one revoked); return its hash. Raises UnknownKeyName when no key in
    use matches. The caller commits."""
    name = check_name(name)
    chosen = [api_keys.c.name == name, api_keys.c.revoked_at.is_(None)]
    if key_id is not None:
        chosen.append(api_keys.c.id == key_id)
    row = conn.execute(
        update(api_keys).where(*chosen).values(revoked_at=func.now()).returning(api_keys.c.key_hash, api_keys.c.prefix)
    ).first()
    if row is None:
        raise UnknownKeyName(name)
    audit.record(conn, actor or audit.command_line(), "api_key.revoke", name, f"prefix {row.prefix}")
    return row.key_hash


def list_keys(conn: Connection, *, revoked: bool = False) -> list[KeyInfo]:
    """The keys in use (and the revoked ones too with `revoked=True`), oldest first."""
    query = select(
        api_keys.c.id,
        api_keys.c.name,
        api_keys.c.prefix,
        api_keys.c.scopes,
        api_keys.c.created_at,
        api_keys.c.last_used_at,
        api_keys.c.revoked_at,
    ).order_by(api_keys.c.created_at, api_keys.c.id)
    if not revoked:
        query = query.where(api_keys.c.revoked_at.is_(None))
    return [KeyInfo(r.id, r.name, r.prefix, tuple(r.scopes), *r[4:]) for r in conn.execute(query)]


@dataclass(frozen=True)
class VerifiedKey:
    id: int  # the key's number (its rate limit's bucket, db/key_allowance.py)
    scopes: frozenset[str]


def verified_key(conn: Connection, key: str) -> VerifiedKey | None:
    """The number and scopes of `key` when it is known and in use (and record its use now), else None. Always asks
    the database; the caller commits."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    found = conn.execute(
        update(api_keys)
        .where(api_keys.c.key_hash == hash_key(key), api_keys.c.revoked_at.is_(None))
        .values(last_used_at=func.now())
        .returning(api_keys.c.id, api_keys.c.scopes)
    ).first()
    return VerifiedKey(found.id, frozenset(found.scopes)) if found else None


def key_scopes(conn: Connection, key: str) -> frozenset[str] | None:
    """The scopes of `key` when it is known and in use (and record its use now), else None (see verified_key)."""
    found = verified_key(conn, key)
    return None if found is None else found.scopes


def key_is_valid(conn: Connection, key: str) -> bool:
    """True when `key` is a known key in use (always asks the database)."""
    return key_scopes(conn, key) is not None


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
        self._valid_until: dict[str, tuple[float, VerifiedKey]] = {}  # key hash -> (clock time, the key)
        self._lock = threading.Lock()

    def scopes(self, key: str) -> frozenset[str] | None:
        """The scopes of `key` when it is valid and in use (or was so less than `seconds` ago), else None.

        Raises sqlalchemy.exc.OperationalError (or another DBAPIError) when the database cannot answer.
        """
        found = self.lookup(key)
        return None if found is None else found.scopes

    def lookup(self, key: str) -> VerifiedKey | None:
        """The key's number and scopes when it is valid and in use (or was so less than `seconds` ago), else None
        (a database error propagates, as for `scopes`)."""
        if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
            return None
        digest = hash_key(key)
        now = self._clock()
        remembered = self._valid_until.get(digest)
        if remembered is not None and remembered[0] > now:
            return remembered[1]
        with self._engine().begin() as conn:
            found = verified_key(conn, key)
        with self._lock:
            if found is None:
                self._valid_until.pop(digest, None)
            elif self.seconds > 0:
                if len(self._valid_until) >= self._max_entries:
                    self._valid_until.clear()
                self._valid_until[digest] = (now + self.seconds, found)
        return found

    def verify(self, key: str) -> bool:
        """True when `key` is valid and in use, whatever its scopes (see `scopes`)."""
        return self.scopes(key) is not None

    def revoke(self, name: str, *, key_id: int | None = None, actor: audit.Actor | None = None) -> None:
        """Revoke the key in use named `name` (see revoke_key; UnknownKeyName if none); this app refuses it from now
        on."""
        with self._engine().begin() as conn:
            digest = revoke_key(conn, name, key_id=key_id, actor=actor)
        with self._lock:
            self._valid_until.pop(digest, None)
