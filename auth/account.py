"""GET/POST /account/password: change the password (logged-in analysts only: the gate sends others to /login).

Asks for the current password (checked under the same throttling as a login, so a stolen session cannot be used to
guess it), the new one twice (it must follow the rules in passwords.py). On success every session of the account
ends — other browsers, and any copy of this browser's cookie — and this browser continues on a new session.
"""

from __future__ import annotations

import flask

import passwords
from appstate import state
from auth import current_analyst, pages, session, throttle
from auth.forms import field
from db import sessions
from db.users import find_by_email, set_password_hash_if_unchanged

blueprint = pages.blueprint

WRONG_CURRENT = "Your current password is not correct."
MISMATCH = "The two new passwords are not the same."
CHANGED_ELSEWHERE = "Your password was changed meanwhile (in another browser?). Nothing was changed here."
CHANGED = "Your password has been changed. Every other session of your account has been logged out."


@pages.form_page("auth.change_password")
def password_page() -> tuple[str, dict]:
    return "auth/password.html", {"min_password_length": passwords.MIN_LENGTH}


@blueprint.route("/account/password", methods=["GET", "POST"])
def change_password():
    template, context = password_page()
    if flask.request.method == "GET":
        return pages.render(template, **context)
    user = current_analyst()
    current, new, again = field("current_password"), field("new_password"), field("new_password_again")
    problem = passwords.problem(new, email=user.email, name=user.display_name)
    if problem:
        return pages.show_again(400, pages.sentence(problem))
    if new != again:
        return pages.show_again(400, MISMATCH)
    if len(current) > passwords.MAX_LENGTH or not current:
        return pages.show_again(400, WRONG_CURRENT)
    engine = state().database.engine
    counters = throttle.login_counters(user.email)
    with engine.begin() as conn:
        throttle.reserve(conn, counters)  # raises Blocked: 429 on the page
        found = find_by_email(conn, user.email)
    old_hash = found[1] if found else None
    if not passwords.verify(old_hash, current).ok:
        return pages.show_again(400, WRONG_CURRENT)
    new_hash = passwords.hash_password(new)
    with engine.begin() as conn:
        throttle.succeeded(conn, counters)
        if not set_password_hash_if_unchanged(conn, user.id, old_hash, new_hash):
            return pages.show_again(409, CHANGED_ELSEWHERE)
        sessions.end_all(conn, user.id)
        token = sessions.start(conn, user.id)
    session.log_in(user, token)
    return pages.render(template, notice=CHANGED, done=True, **context)
