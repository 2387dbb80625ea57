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


def bearer_key_scopes() -> frozenset[str] | None:
    """The scopes of the valid, unrevoked API key the request carries, or None (no key, or not a valid one).

    Raises sqlalchemy.exc.OperationalError when the database cannot answer (the API turns that into 503).
    """
    key = bearer_key()
    if key is None:
        return None
    return state().api_keys.scopes(key)


def missing_scope_message(scope: str) -> str:
    """The 403 message for a valid key without `scope`."""
    return f"this API key may not do this: it needs the scope {scope!r} (create a key with that scope)"
