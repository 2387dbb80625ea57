"""API-key authentication for the JSON API: `Authorization: Bearer <key>`."""

from __future__ import annotations

import flask

from appstate import state


def bearer_key() -> str | None:
    """The key presented in `Authorization: Bearer <key>`, or None."""
    return key_from_header(flask.request.headers.get("Authorization"))


def key_from_header(header: str | None) -> str | None:
    """The key in an Authorization header value `Bearer <key>` (scheme in any case), or None."""
    if not header:
        return None
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    key = key.strip()
    return key or None


def bearer_key_valid() -> bool:
    """True when the request carries a valid, unrevoked API key.

    Raises sqlalchemy.exc.OperationalError when the database cannot answer (the API turns that into 503).
    """
    key = bearer_key()
    if key is None:
        return False
    return state().api_keys.verify(key)
