"""Throttling of logins, password checks and registrations: which counters an attempt counts against.

Counters live in PostgreSQL (db/throttle.py), shared by every worker and every server. Numbers (per rule: free
failures, then a block that doubles with each further failure up to a cap; a counter is forgotten after a quiet
period):

| counter | blocks from | first block | cap | forgotten after |
|---|---|---|---|---|
| login, one account from one address | 5th failure | 15 s | 15 min | 15 min quiet |
| login, one account from a known device | 5th failure | 15 s | 15 min | 15 min quiet |
| login, one account from any address (no known device) | 10th failure | 1 min | 15 min | 15 min quiet |
| login, one address, any account (no known device) | 20th failure | 15 s | 15 min | 15 min quiet |
| registration, one address | 5th attempt | 1 min | 1 h | 1 h quiet |
| registration, one email | 3rd attempt | 1 min | 1 h | 1 h quiet |

So an account takes at most 10 wrong passwords within 15 minutes, whatever addresses they come from, then one per
block (1, 2, 4, 8, 15, 15 ... minutes): at most 17 an hour. A blocked attempt is refused (429) before any password
check and is not counted.

The owner and an attack from elsewhere: a browser where this account logged in successfully before carries a signed
*device cookie* (90 days). Its attempts count only against the (account, device) counter, so someone else's failures
from other addresses never block the owner there. Without that cookie (a new browser), the owner shares the account
counter with the attacker: blocked at most for the current block (never longer than 15 minutes after the attacker's
last failure; while an attack goes on, new browsers can only log in between blocks). A success takes its own attempt
back from the shared counters and clears the (account, address or device) counter.

Changing a password checks the current one under the same login counters. Registration counts every well-formed
attempt (an account created, or an email already taken: the page answers both alike).

Subjects are HMAC-SHA256(SECRET_KEY, ...) of the lower-cased email and/or the client address (IPv6 addresses by
their /64 network, which one client usually holds whole): what people typed is never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from datetime import timedelta

import flask
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Connection

from auth import cookies
from db.throttle import Blocked, Counter, Rule, clear, reserve, undo

__all__ = ["Blocked", "login_counters", "registration_counters", "reserve", "succeeded", "remember_device"]

QUARTER_HOUR = timedelta(minutes=15)
HOUR = timedelta(hours=1)
LOGIN_PAIR = Rule("login:account+address", 5, timedelta(seconds=15), QUARTER_HOUR, QUARTER_HOUR)
LOGIN_DEVICE = Rule("login:account+device", 5, timedelta(seconds=15), QUARTER_HOUR, QUARTER_HOUR)
LOGIN_ACCOUNT = Rule("login:account", 10, timedelta(minutes=1), QUARTER_HOUR, QUARTER_HOUR)
LOGIN_ADDRESS = Rule("login:address", 20, timedelta(seconds=15), QUARTER_HOUR, QUARTER_HOUR)
REGISTER_ADDRESS = Rule("register:address", 5, timedelta(minutes=1), HOUR, HOUR)
REGISTER_EMAIL = Rule("register:email", 3, timedelta(minutes=1), HOUR, HOUR)

DEVICE_COOKIE = "device"
DEVICE_LIFETIME = timedelta(days=90)
_DEVICE_SALT = "clickboard-known-device"


def client_address() -> str:
    """The client's address (from the trusted proxy's X-Forwarded-For when TRUSTED_PROXIES is set); IPv6 as /64."""
    raw = flask.request.remote_addr or "unknown"
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def subject(*parts: str) -> bytes:
    """The stored, keyed hash of what a counter counts."""
    key = flask.current_app.secret_key.encode()
    return hmac.new(key, "\x1f".join(parts).encode("utf-8", "surrogatepass"), hashlib.sha256).digest()


def login_counters(email: str) -> list[Counter]:
    """The counters a login attempt (or a current-password check) for `email` counts against."""
    account = email.strip().lower()
    device = known_device(account)
    if device is not None:
        return [Counter(LOGIN_DEVICE, subject(account, device))]
    address = client_address()
    return [
        Counter(LOGIN_PAIR, subject(account, address)),
        Counter(LOGIN_ACCOUNT, subject(account)),
        Counter(LOGIN_ADDRESS, subject(address)),
    ]


def registration_counters(email: str) -> list[Counter]:
    return [
        Counter(REGISTER_ADDRESS, subject(client_address())),
        Counter(REGISTER_EMAIL, subject(email.strip().lower())),
    ]


def succeeded(conn: Connection, counters: list[Counter]) -> None:
    """The password was right: clear the counter of this account here, take the attempt back from the shared ones."""
    own = {LOGIN_PAIR.scope, LOGIN_DEVICE.scope}
    clear(conn, [c for c in counters if c.rule.scope in own])
    undo(conn, [c for c in counters if c.rule.scope not in own])


# -- the device cookie --------------------------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(flask.current_app.secret_key, salt=_DEVICE_SALT)


def known_device(account: str) -> str | None:
    """The device id from a valid device cookie of this account (lower-cased email), else None."""
    value = flask.request.cookies.get(cookies.cookie_name(DEVICE_COOKIE))
    if not value or len(value) > 500:
        return None
    try:
        email, device = _serializer().loads(value, max_age=int(DEVICE_LIFETIME.total_seconds()))
    except (BadSignature, ValueError, TypeError):
        return None
    return device if email == account and isinstance(device, str) else None


def remember_device(response: flask.Response, email: str) -> None:
    """After a successful login: mark this browser as a known device of the account (a signed cookie)."""
    account = email.strip().lower()
    device = known_device(account) or secrets.token_urlsafe(16)
    value = _serializer().dumps([account, device])
    cookies.set_cookie(response, DEVICE_COOKIE, value, max_age=int(DEVICE_LIFETIME.total_seconds()), samesite="Strict")
