"""What a database error means for the caller, decided in one place.

- `is_unavailable`: the database cannot answer right now (down, unreachable, restarting, too slow, pool exhausted).
  Retrying later helps: the web layers answer 503 with Retry-After.
- `is_bad_value`: the database refused a value the client sent (a DataError: NUL byte in text, a date out of range,
  a number too large). Retrying does not help: the web layers answer 400, never "unavailable".
Anything else is a bug of ours and surfaces as a logged 500.
"""

from __future__ import annotations

import psycopg
from sqlalchemy import exc as sa

UNAVAILABLE_MESSAGE = "the database is unavailable; retry shortly"
RETRY_AFTER_SECONDS = 2  # what every 503 for an unavailable database tells clients


def is_unavailable(error: BaseException) -> bool:
    """True for errors that mean "the database cannot answer now"."""
    if isinstance(error, sa.TimeoutError | sa.DisconnectionError):  # pool exhausted; connection lost
        return True
    if isinstance(error, sa.DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig if error.orig is not None else error
    if isinstance(error, sa.OperationalError | sa.InterfaceError):
        return True
    if isinstance(error, psycopg.errors.QueryCanceled | psycopg.errors.LockNotAvailable):
        return True  # statement or lock timeout: overloaded, not wrong
    return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)


def is_bad_value(error: BaseException) -> bool:
    """True for a value the database refused (the client's mistake, not an outage)."""
    if isinstance(error, sa.DBAPIError) and error.orig is not None:
        error = error.orig
    return isinstance(error, psycopg.DataError | sa.DataError)


def bad_value_message(error: BaseException) -> str:
    """The database's one-line reason for refusing a value, safe to show (no query text, no parameters)."""
    original = error.orig if isinstance(error, sa.DBAPIError) and error.orig is not None else error
    first_line = str(original).strip().splitlines()[0] if str(original).strip() else "invalid value"
    return first_line[:200]
