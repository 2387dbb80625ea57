"""GET/POST /account/password: change the password (logged-in analysts only: the gate sends others to /login).

Every mistake of the form is shown at once on its field before anything is checked against the account. Asks for
the current password (checked under the same throttling as a login, so a stolen session cannot be used to
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
MISSING_CURRENT = "Enter your current password."
FIELDS = {
    "current_password": "Current password",
    "new_password": "New password",
    "new_password_again": "New password again",
}
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
    problems = {}
    if not current:
        problems["current_password"] = MISSING_CURRENT
    elif len(current) > passwords.MAX_LENGTH:
        problems["current_password"] = WRONG_CURRENT
    if problem := passwords.problem(new, email=user.email, name=user.display_name):
        problems["new_password"] = pages.sentence(problem)
    elif new != again:
        problems["new_password_again"] = MISMATCH
    if problems:  # all at once, before the current password is checked (that counts as a login attempt)
        return pages.show_again(400, pages.fields_summary(problems, FIELDS), fields=problems)
    engine = state().database.engine
    counters = throttle.login_counters(user.email)
    with engine.begin() as conn:
        throttle.reserve(conn, counters)  # raises Blocked: 429 on the page
        found = find_by_email(conn, user.email)
    old_hash = found[1] if found else None
    if not passwords.verify(old_hash, current).ok:
        return pages.show_again(400, WRONG_CURRENT, fields={"current_password": WRONG_CURRENT})
    new_hash = passwords.hash_password(new)
    with engine.begin() as conn:
        throttle.succeeded(conn, counters)
        if not set_password_hash_if_unchanged(conn, user.id, old_hash, new_hash):
            return pages.show_again(409, CHANGED_ELSEWHERE)
        sessions.end_all(conn, user.id)
        token = sessions.start(conn, user.id)
    session.log_in(user, token)
    return pages.render(template, notice=CHANGED, done=True, **context)
