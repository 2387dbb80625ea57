"""Passwords: the rules a chosen password must follow, and hashing that never blocks the server's event loop.

Rules (checked where a person chooses a password: registration and the change-password page)
- At least MIN_LENGTH (12) characters, runs of spaces counting as one; at most MAX_LENGTH (1,024) characters, and a
  longer password is refused before any hashing. Any printable character is allowed (spaces, accents, emoji); control
  characters (NUL, tab, newline ...) are not. No composition rules.
- Not guessable: refused when zxcvbn estimates fewer than 10^8 guesses (score < 3). zxcvbn ships maintained lists of
  the 30,000 most common passwords, common English words, names and surnames, and recognises keyboard walks,
  repeats, sequences, dates and l33t spellings of them; the account's own email and name count as known words too.

Hashing
- argon2id with OWASP's recommended parameters (Password Storage Cheat Sheet: m=19 MiB, t=2, p=1; about 50 ms).
  `verify` reports when a stored hash was made with other parameters, or is one of the scrypt hashes of earlier
  versions (werkzeug's `scrypt:` format, still accepted), so the caller can store a fresh hash after a good login.
- The cost is a setting (`PASSWORD_HASH_COST`): `standard` (the default, and the only one for real use) or `test`
  (m=1 MiB, t=1: about 1 ms, so the test suite stays fast). `configure()` picks it; the app does so from its settings.
- Every hash computation runs through `_kdf`: under gevent (gunicorn's default worker here) it runs on a gevent
  native threadpool of HASH_THREADS threads, so a stream of logins cannot stall the other requests of the worker:
  the event loop keeps serving while a hash is computed, and waiting hashes queue as cheap greenlets instead of
  taking the CPU from everything else. Otherwise it is a plain call.
- `verify(None, ...)` checks against a dummy hash made with the current parameters: an unknown email costs the same
  work as a wrong password.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Literal, TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from werkzeug.security import check_password_hash

MIN_LENGTH = 12
MAX_LENGTH = 1024
MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable", at least 10^8 guesses
ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses longer input; the first 72 characters decide
COST = Literal["standard", "test"]

_HASHERS: dict[str, PasswordHasher] = {
    "standard": PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1, type=Type.ID),
    "test": PasswordHasher(time_cost=1, memory_cost=1_024, parallelism=1, type=Type.ID),
}
_current: PasswordHasher = _HASHERS["standard"]
_RUNS_OF_SPACES = re.compile(" {2,}")
# Hashes computed at once per process. More would not finish sooner (the work is CPU-bound), but a flood of logins
# would then crowd every other request of the worker, and PostgreSQL, off the CPU: hashes wait their turn instead.
HASH_THREADS = 1
_pool = None
_pool_pid: int | None = None
T = TypeVar("T")


def configure(cost: COST) -> None:
    """Hash new passwords at `cost` from now on ("standard", or "test" for the test suite only)."""
    global _current
    _current = _HASHERS[cost]
    _dummy_hash(_current)  # computed now, not inside the first request that needs it


# -- rules --------------------------------------------------------------------------------------------------------


def length_problem(password: str) -> str | None:
    """What is wrong with the length or characters of `password`, or None. Cheap: use it before anything else."""
    if len(password) > MAX_LENGTH:
        return f"password must be at most {MAX_LENGTH:,} characters"
    if any(_is_control(ch) for ch in password):
        return "password must not contain control characters (such as tab or newline)"
    if len(_RUNS_OF_SPACES.sub(" ", password)) < MIN_LENGTH:
        return f"password must be at least {MIN_LENGTH} characters"
    return None


def problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why `password` may not be chosen (too short, too long, control characters, too easy to guess), or None."""
    found = length_problem(password)
    if found:
        return found
    from zxcvbn import zxcvbn

    known_words = [word for word in (email, email.split("@")[0], name, *name.split()) if word]
    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=known_words[:20])
    if result["score"] >= MIN_SCORE:
        return None
    warning = (result.get("feedback") or {}).get("warning") or ""
    reason = f" ({warning.rstrip('.').lower()})" if warning else ""
    return (
        f"password is too easy to guess{reason}: it is a common password or made of common words, names or "
        "patterns; a few unrelated words make a strong one"
    )


def _is_control(ch: str) -> bool:
    code = ord(ch)
    return code < 0x20 or 0x7F <= code < 0xA0


# -- hashing ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    ok: bool
    needs_rehash: bool = False


def hash_password(password: str) -> str:
    """An argon2id hash of `password` at the configured cost (runs off the event loop)."""
    hasher = _current
    return _kdf(hasher.hash, password)


def verify(stored_hash: str | None, password: str) -> Verdict:
    """Check `password` against `stored_hash`; with None (no such account) do the same work against DUMMY.

    Exactly one hash computation either way. `needs_rehash` is True after a good password whose hash used other
    parameters (or the old scrypt format).
    """
    hasher = _current
    if stored_hash is None:
        _kdf(_verify_argon2, hasher, _dummy_hash(hasher), password)
        return Verdict(False)
    if stored_hash.startswith("$argon2"):
        ok = _kdf(_verify_argon2, hasher, stored_hash, password)
        return Verdict(ok, ok and hasher.check_needs_rehash(stored_hash))
    ok = _kdf(check_password_hash, stored_hash, password)  # werkzeug scrypt/pbkdf2 hashes of earlier versions
    return Verdict(ok, ok)


def _verify_argon2(hasher: PasswordHasher, stored_hash: str, password: str) -> bool:
    try:
        return hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash at `hasher`'s parameters of a password nobody has (computed once per cost)."""
    return hasher.hash("no account has this password: it only makes the work equal")


def _kdf(function: Callable[..., T], *args) -> T:
    """Run one hash computation: on gevent's threadpool when the process runs under gevent, else directly."""
    pool = _gevent_threadpool()
    if pool is None:
        return function(*args)
    return pool.spawn(function, *args).get()


def _gevent_threadpool():
    """This process's hashing threadpool when gevent has patched it (gunicorn's gevent worker), else None."""
    global _pool, _pool_pid
    if "gevent" not in sys.modules:
        return None
    from gevent import monkey

    if not monkey.is_module_patched("socket"):
        return None
    if _pool is None or _pool_pid != os.getpid():  # one per worker process, made after the fork
        from gevent.threadpool import ThreadPool

        _pool, _pool_pid = ThreadPool(HASH_THREADS), os.getpid()
    return _pool
