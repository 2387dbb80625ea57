"""Each analyst's last filters, in a signed cookie set by the server.

Cookie `cb_filters_<user id>` (one per analyst, so two analysts sharing a browser keep separate filters) holds an
itsdangerous token signed with the app's SECRET_KEY (salted, timestamped):
    {"u": user id, "p": preset, "s": "YYYY-MM-DD", "e": "YYYY-MM-DD", "a": age group, "g": gender,
     "f": feature or null, "o": source, "c": compare mode, "r": granularity}
"p" is the preset's name, so a saved preset rolls forward (last 7 days are the last 7 days on the day the cookie is
read); only "custom" keeps dates ("s", "e"). Older cookies still load: one without "p" is a custom range of its dates,
one without "o" means all sources, without "c"/"r" compare off and auto granularity.
HttpOnly, SameSite=Lax, Secure when the request came over HTTPS, max_age 30 days. Reading checks the signature, the
age (at most 30 days), the user id and every value; anything wrong means "no saved filters", never an error.
"""

from __future__ import annotations

from datetime import date

from itsdangerous import BadData, URLSafeTimedSerializer

import periods
from db.filters import ALL, InvalidFilter
from view import View

COOKIE_PREFIX = "cb_filters_"
SALT = "clickboard.saved-filters.v1"
MAX_AGE_SECONDS = 30 * 24 * 3600


def cookie_name(user_id: int) -> str:
    return f"{COOKIE_PREFIX}{int(user_id)}"


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def dump_view(secret_key: str, user_id: int, view: View) -> str:
    payload = {"u": int(user_id), "p": view.preset}
    if view.preset == periods.CUSTOM:
        payload |= {"s": view.start.isoformat(), "e": view.end.isoformat()}
    payload |= {
        "a": view.age_group,
        "g": view.gender,
        "f": view.feature,
        "o": view.source,
        "c": view.compare,
        "r": view.granularity,
    }
    return _serializer(secret_key).dumps(payload)


def load_view(secret_key: str, user_id: int, token: str | None, *, max_age: int = MAX_AGE_SECONDS) -> View | None:
    """The view in `token` if it is genuine, recent, this analyst's and valid; otherwise None."""
    if not token:
        return None
    try:
        payload = _serializer(secret_key).loads(token, max_age=max_age)
        if not isinstance(payload, dict) or payload.get("u") != int(user_id):
            return None
        preset = payload.get("p", periods.CUSTOM)
        dates = {}
        if preset == periods.CUSTOM:
            dates = {"start": date.fromisoformat(payload["s"]), "end": date.fromisoformat(payload["e"])}
        return View(
            preset=preset,
            **dates,
            age_group=payload["a"],
            gender=payload["g"],
            feature=payload["f"],
            source=payload.get("o", ALL),
            compare=payload.get("c", periods.DEFAULT_COMPARE),
            granularity=payload.get("r", periods.DEFAULT_GRANULARITY),
        )
    except (BadData, InvalidFilter, KeyError, TypeError, ValueError):
        return None


def saved_view_from_cookies(secret_key: str, user_id: int | None, cookies) -> View | None:
    if user_id is None:
        return None
    return load_view(secret_key, user_id, cookies.get(cookie_name(user_id)))


def set_view_cookie(response, secret_key: str, user_id: int, view: View, *, secure: bool) -> None:
    """Attach the cookie to a Flask/Werkzeug response (in a callback: dash.ctx.response)."""
    response.set_cookie(
        cookie_name(user_id),
        dump_view(secret_key, user_id, view),
        max_age=MAX_AGE_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=secure,
        path="/",
    )
