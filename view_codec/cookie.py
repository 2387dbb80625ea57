"""Each analyst's last filters, in a signed cookie set by the server.

Cookie `cb_filters_<user id>` (one per analyst, so two analysts sharing a browser keep separate filters) holds an
itsdangerous token signed with the app's SECRET_KEY (salted, timestamped):
    {"u": user id, "s": "YYYY-MM-DD", "e": "YYYY-MM-DD", "a": age group, "g": gender, "f": feature or null,
     "o": source}  (a cookie written before sources existed has no "o": all sources)
HttpOnly, SameSite=Lax, Secure when the request came over HTTPS, max_age 30 days. Reading checks the signature, the
age (at most 30 days), the user id and every value; anything wrong means "no saved filters", never an error.
"""

from __future__ import annotations

from datetime import date

from itsdangerous import BadData, URLSafeTimedSerializer

from db.filters import ALL, Filters, InvalidFilter

COOKIE_PREFIX = "cb_filters_"
SALT = "clickboard.saved-filters.v1"
MAX_AGE_SECONDS = 30 * 24 * 3600


def cookie_name(user_id: int) -> str:
    return f"{COOKIE_PREFIX}{int(user_id)}"


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def dump_filters(secret_key: str, user_id: int, filters: Filters) -> str:
    payload = {
        "u": int(user_id),
        "s": filters.start.isoformat(),
        "e": filters.end.isoformat(),
        "a": filters.age_group,
        "g": filters.gender,
        "f": filters.feature,
        "o": filters.source,
    }
    return _serializer(secret_key).dumps(payload)


def load_filters(secret_key: str, user_id: int, token: str | None, *, max_age: int = MAX_AGE_SECONDS) -> Filters | None:
    """The filters in `token` if it is genuine, recent, this analyst's and valid; otherwise None."""
    if not token:
        return None
    try:
        payload = _serializer(secret_key).loads(token, max_age=max_age)
        if not isinstance(payload, dict) or payload.get("u") != int(user_id):
            return None
        return Filters(
            start=date.fromisoformat(payload["s"]),
            end=date.fromisoformat(payload["e"]),
            age_group=payload["a"],
            gender=payload["g"],
            feature=payload["f"],
            source=payload.get("o", ALL),
        )
    except (BadData, InvalidFilter, KeyError, TypeError, ValueError):
        return None


def saved_filters_from_cookies(secret_key: str, user_id: int | None, cookies) -> Filters | None:
    if user_id is None:
        return None
    return load_filters(secret_key, user_id, cookies.get(cookie_name(user_id)))


def set_filters_cookie(response, secret_key: str, user_id: int, filters: Filters, *, secure: bool) -> None:
    """Attach the cookie to a Flask/Werkzeug response (in a callback: dash.ctx.response)."""
    response.set_cookie(
        cookie_name(user_id),
        dump_filters(secret_key, user_id, filters),
        max_age=MAX_AGE_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=secure,
        path="/",
    )
