"""GET/POST /login and POST /logout.

A form with a field left empty (or an email or password no account can have) is answered at once, before any
lookup: "Enter your email." / "Enter your password." on the field, 400. Only a complete form is checked: login does
the same work and gives the same answer for an unknown email and a wrong password: one throttle reservation, one
lookup, one password hash (against a dummy hash when there is no such account), then 401 with
"Incorrect email or password." A good login starts a new server-side session (auth/session.py), marks the browser
as a known device of the account (auth/throttle.py), upgrades a hash made with older parameters, and redirects to
`next` (local paths only) or the dashboard.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import flask

import metrics
import passwords
from appstate import state
from auth import pages, session, throttle
from auth.forms import field, typed
from db import sessions
from db.throttle import forget_old
from db.users import MAX_EMAIL_LENGTH, find_by_email, set_password_hash_if_unchanged

blueprint = pages.blueprint

DEFAULT_NEXT = "/"
MAX_NEXT_LENGTH = 2000
LOGIN_FAILED = "Incorrect email or password."
MISSING_EMAIL = "Enter your email."
MISSING_PASSWORD = "Enter your password."


def safe_next(value: str | None) -> str | None:
    """`value` if it is a local absolute path on this site (e.g. "/?x=1"), else None.

    Refused: anything not starting with exactly one "/" (//evil.com, /\\evil.com), any backslash, any control or
    whitespace character (browsers drop tabs and newlines, turning "/\\t/evil" into "//evil"), any scheme or host.
    """
    if not value or not isinstance(value, str) or len(value) > MAX_NEXT_LENGTH:
        return None
    if not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


@pages.form_page("auth.login")
def login_page() -> tuple[str, dict]:
    next_path = safe_next(flask.request.values.get("next") if flask.request.method == "GET" else typed("next"))
    return "auth/login.html", {
        "email": typed("email") if flask.request.method == "POST" else "",
        "next": next_path,
        "registration_open": state().settings.registration == "open",
    }


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    if flask.request.method == "GET":
        template, context = login_page()
        return pages.render(template, **context)
    email, password = field("email").strip(), field("password")
    problems = login_input_problems(email, password)
    if problems:
        return pages.show_again(400, _summary(problems), fields=problems)
    engine = state().database.engine
    counters = throttle.login_counters(email)
    with engine.begin() as conn:
        try:
            throttle.reserve(conn, counters)  # raises Blocked: 429 on the page
        except throttle.Blocked:
            metrics.LOGIN_THROTTLED.inc()
            raise
        found = find_by_email(conn, email)
    verdict = passwords.verify(found[1] if found else None, password)  # always exactly one hash
    if found is None or not verdict.ok:
        metrics.LOGIN_FAILURES.inc()
        return pages.show_again(401, LOGIN_FAILED)
    user, old_hash = found
    new_hash = passwords.hash_password(password) if verdict.needs_rehash else None
    with engine.begin() as conn:
        throttle.succeeded(conn, counters)
        forget_old(conn)
        if new_hash:
            set_password_hash_if_unchanged(conn, user.id, old_hash, new_hash)
        token = sessions.start(conn, user.id)
    session.log_in(user, token)
    response = flask.redirect(safe_next(typed("next")) or DEFAULT_NEXT, code=302)
    throttle.remember_device(response, email)
    return response


def login_input_problems(email: str, password: str) -> dict[str, str]:
    """{field: message} for what is missing, and for input no account can have; refused with 400 before any lookup
    or hashing, so it tells nothing about accounts. {} when the form is complete."""
    problems = {}
    if not email:
        problems["email"] = MISSING_EMAIL
    elif any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in email) or len(email) > MAX_EMAIL_LENGTH:
        problems["email"] = "Enter a valid email address."
    if not password:
        problems["password"] = MISSING_PASSWORD
    elif len(password) > passwords.MAX_LENGTH:
        problems["password"] = f"Passwords are at most {passwords.MAX_LENGTH:,} characters."
    return problems


def _summary(problems: dict[str, str]) -> str:
    if problems == {"email": MISSING_EMAIL, "password": MISSING_PASSWORD}:
        return "Enter your email and your password."
    return pages.fields_summary(problems, {"email": "Email", "password": "Password"})


@pages.form_page("auth.logout")
def logout_page() -> tuple[str, dict]:
    return pages.MESSAGE_PAGE, {"heading": "Log out", "retry_logout": True}


@blueprint.route("/logout", methods=["GET", "POST"])
def logout():
    if flask.request.method != "POST":
        # Registered for GET only to answer 405: otherwise Dash's catch-all page route would serve GET /logout.
        flask.abort(405, valid_methods=["POST"])
    session.log_out()
    return flask.redirect(flask.url_for("auth.login"), code=302)
