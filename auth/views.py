"""GET/POST /login, GET/POST /register and POST /logout: plain Flask pages rendered from auth/templates."""

from __future__ import annotations

from urllib.parse import urlsplit

import flask
import flask_login
from sqlalchemy.exc import DBAPIError

from api.errors import RETRY_AFTER_SECONDS
from appstate import state
from auth import SessionUser
from db.users import MIN_PASSWORD_LENGTH, UserError, authenticate, create_user
from domain import GENDERS

blueprint = flask.Blueprint("auth", __name__, template_folder="templates")

DEFAULT_NEXT = "/"
MAX_NEXT_LENGTH = 2000
LOGIN_FAILED = "Incorrect email or password."
DATABASE_DOWN = "Clickboard cannot reach its database right now. Please try again in a few seconds."


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


def _render(template: str, status: int = 200, **context):
    response = flask.make_response(flask.render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _start_session(user) -> None:
    """Log `user` in on a fresh session (nothing of a previous visitor's session survives)."""
    flask.session.clear()
    flask_login.login_user(SessionUser(user))
    flask.session.permanent = True


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = flask.request.form if flask.request.method == "POST" else flask.request.args
    next_path = safe_next(form.get("next"))
    if flask.request.method == "GET":
        return _render("auth/login.html", email="", next=next_path, error=None)
    email = (form.get("email") or "").strip()
    password = form.get("password") or ""
    with state().database.engine.connect() as conn:
        user = authenticate(conn, email, password)
    if user is None:
        return _render("auth/login.html", 401, email=email, next=next_path, error=LOGIN_FAILED)
    _start_session(user)
    return flask.redirect(next_path or DEFAULT_NEXT, code=302)


@blueprint.route("/register", methods=["GET", "POST"])
def register():
    if flask.request.method == "GET":
        return _render("auth/register.html", values={}, error=None, **_register_context())
    form = flask.request.form
    values = _register_values()
    try:
        with state().database.engine.begin() as conn:
            user = create_user(
                conn, values["email"], form.get("password") or "", values["name"], values["age"], values["gender"]
            )
    except UserError as exc:
        return _render("auth/register.html", 400, values=values, error=_sentence(str(exc)), **_register_context())
    _start_session(user)
    return flask.redirect(DEFAULT_NEXT, code=302)


@blueprint.route("/logout", methods=["GET", "POST"])
def logout():
    if flask.request.method != "POST":
        # Registered for GET only to answer 405: otherwise Dash's catch-all page route would serve GET /logout.
        flask.abort(405, valid_methods=["POST"])
    flask_login.logout_user()
    flask.session.clear()
    return flask.redirect(flask.url_for("auth.login"), code=302)


@blueprint.errorhandler(DBAPIError)
def _database_unavailable(exc: DBAPIError):
    """Login and registration cannot work without the database: say so on the page, with 503 + Retry-After."""
    if flask.request.endpoint == "auth.register":
        response = _render(
            "auth/register.html", 503, values=_register_values(), error=DATABASE_DOWN, **_register_context()
        )
    else:
        email = (flask.request.form.get("email") or "").strip()
        next_path = safe_next(flask.request.values.get("next"))
        response = _render("auth/login.html", 503, email=email, next=next_path, error=DATABASE_DOWN)
    response.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def _register_values() -> dict[str, str]:
    """What the visitor typed into the registration form (never the password), to show it again."""
    return {name: (flask.request.form.get(name) or "").strip() for name in ("name", "email", "age", "gender")}


def _register_context() -> dict:
    return {"genders": GENDERS, "min_password_length": MIN_PASSWORD_LENGTH}


def _sentence(message: str) -> str:
    message = message[:1].upper() + message[1:]
    return message if message.endswith(".") else message + "."
