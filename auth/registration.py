"""GET/POST /register: who may create an account (REGISTRATION=open|invite|closed), and without telling an anonymous
visitor which emails already have one.

- open (the demo default): anyone who can reach the page.
- invite: only with a one-time link `/register?invite=<token>` made by `uv run app.py create-invite`; the invitation
  is used up by the account it creates (an email already taken leaves it unused).
- closed: nobody; the page says so (403).

A well-formed registration always gets the same answer, whether the email was new (the account is created) or taken
(nothing changes): the login page with "If <email> had no account yet, it has one now: log in below." Both paths
hash the password once and try the insert, so they also take the same time. Visitors log in after registering. The
remaining way to learn that an email is taken — registering it, then failing to log in with the new password — costs
one registration and one login attempt per email, and both are throttled per address and per email (auth/throttle.py:
from the 5th registration an hour per address, delays from 1 minute doubling up to an hour).
"""

from __future__ import annotations

import flask

import passwords
from appstate import state
from auth import pages, throttle
from auth.forms import field, typed
from db import invites
from db.users import DuplicateEmail, create_user, user_problems
from domain import GENDERS

blueprint = pages.blueprint

CLOSED = "Registration is closed on this Clickboard. Ask an administrator for an account."
NEEDS_INVITE = "Registration needs an invitation link. Ask an administrator for one."
BAD_INVITE = "This invitation link cannot be used: it was used already, has expired, or is mistyped."
REGISTERED = "If {email} had no account yet, it has one now: log in below."
FIELDS = {"name": "Name", "email": "Email", "password": "Password", "age": "Age", "gender": "Gender"}  # form order


class InviteUnusable(Exception):
    pass


def _invite() -> str | None:
    """The invitation token of this request (the link's ?invite= on GET, the form's hidden field on POST)."""
    value = flask.request.args.get("invite") if flask.request.method == "GET" else typed("invite")
    return value if invites.well_formed(value) else None


@pages.form_page("auth.register")
def register_page() -> tuple[str, dict]:
    values = pages.typed_values("name", "email", "age", "gender") if flask.request.method == "POST" else {}
    return "auth/register.html", {
        "values": values,
        "invite": _invite(),
        "genders": GENDERS,
        "min_password_length": passwords.MIN_LENGTH,
    }


def _refused(message: str) -> flask.Response:
    return pages.render(pages.MESSAGE_PAGE, 403, heading="Create an account", error=message, login_link=True)


@blueprint.route("/register", methods=["GET", "POST"])
def register():
    mode = state().settings.registration
    if mode == "closed":
        return _refused(CLOSED)
    invite = _invite()
    if mode == "invite":
        if invite is None:
            return _refused(NEEDS_INVITE if not (flask.request.values.get("invite")) else BAD_INVITE)
        if flask.request.method == "GET":
            with state().database.engine.connect() as conn:
                if not invites.is_usable(conn, invite):
                    return _refused(BAD_INVITE)
    if flask.request.method == "GET":
        template, context = register_page()
        return pages.render(template, **context)
    return _create_account(invite if mode == "invite" else None)


def form_problems(name: str, email: str, password: str, age: str, gender: str) -> dict[str, str]:
    """Every mistake in the registration form at once, {field: sentence}, in the form's order; {} when none."""
    found = user_problems(email, None, name, age, gender)
    if problem := passwords.problem(password, email=email, name=name):
        found["password"] = problem
    return {key: pages.sentence(found[key]) for key in FIELDS if key in found}


def _create_account(invite: str | None) -> flask.Response:
    name, email, gender = field("name").strip(), field("email").strip(), field("gender")
    password = field("password")
    problems = form_problems(name, email, password, field("age"), gender)
    if problems:
        return pages.show_again(400, pages.fields_summary(problems, FIELDS), fields=problems)
    age = int(field("age").strip())
    engine = state().database.engine
    with engine.begin() as conn:
        throttle.reserve(conn, throttle.registration_counters(email))  # raises Blocked: 429 on the page
    password_hash = passwords.hash_password(password)  # no connection held while hashing
    try:
        with engine.begin() as conn:
            if invite is not None and not invites.claim(conn, invite):
                raise InviteUnusable
            user = create_user(conn, email, password, name, age, gender, password_hash=password_hash)
            if invite is not None:
                invites.record_user(conn, invite, user.id)
    except InviteUnusable:
        return _refused(BAD_INVITE)
    except DuplicateEmail:
        pass  # answered exactly like a new account (see the module docstring)
    return pages.render(
        "auth/login.html",
        email=email,
        next=None,
        notice=REGISTERED.format(email=email),
        registration_open=state().settings.registration == "open",
    )
