"""GET /settings and its forms: create, list and revoke API keys; create, list and withdraw invitations; forget a
person (a deletion request); the audit log. Admins only (the gate answers 403 to analysts before any of this runs).

A new key or invitation link is shown once, on the answer to the form that made it (never stored, never put in a
cookie). A refused form (bad name, unknown scope, a name in use, a key or invitation that is gone) is a 400 with its
message on the page, and changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import flask

from appstate import state
from auth import current_analyst, pages
from auth.forms import field, typed
from callbacks.tracking import record_interaction
from db import audit, invites, people
from db.api_keys import CACHE_SECONDS, ApiKeyError, check_name, check_scopes, create_key, list_keys
from db.invites import InviteError
from domain import DEFAULT_SCOPES, SCOPES
from layouts import ids

blueprint = flask.Blueprint("admin", __name__, url_prefix="/settings", template_folder="templates")

TEMPLATE = "admin/settings.html"
AUDIT_ROWS = 100
SCOPE_HELP = {"ingest": "send events (POST /api/v1/events)", "read": "read the numbers (GET /api/v1/stats)"}


def _actor() -> audit.Actor:
    user = current_analyst()
    return audit.Actor(user.email, user.id)


def _track(button_id: str) -> None:
    """One meta-analytics event for this form's submission (like a dashboard control's interaction, and within the
    same rate limit)."""
    appstate = state()
    record_interaction(appstate.writer, appstate.database.engine, ids.SETTINGS_ACTIONS[button_id], current_analyst().id)


def _page(status: int = 200, **context) -> flask.Response:
    with state().database.engine.connect() as conn:
        keys = list_keys(conn)
        pending = invites.pending(conn)
        log = audit.latest(conn, AUDIT_ROWS)
    context.setdefault("key_name", "")
    context.setdefault("key_scopes", DEFAULT_SCOPES)
    context.setdefault("invite_days", invites.DEFAULT_LIFETIME.days)
    context.setdefault("person_id", "")
    return pages.render(
        TEMPLATE,
        status,
        keys=keys,
        invites=pending,
        audit=log,
        scopes=SCOPES,
        scope_help=SCOPE_HELP,
        min_days=invites.MIN_DAYS,
        max_days=invites.MAX_DAYS,
        registration=state().settings.registration,
        analyst=current_analyst(),
        when=when,
        **context,
    )


def when(moment: datetime) -> str:
    """A stored time as shown on the page: UTC, to the minute."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _refused(message: str, **context) -> flask.Response:
    return _page(400, error=pages.sentence(message), **context)


@blueprint.get("")
def settings():
    return _page()


@blueprint.post("/api-keys")
def create_api_key():
    _track(ids.API_KEY_CREATE)
    name = typed("name")
    scopes = flask.request.form.getlist("scope")
    try:
        name = check_name(field("name"))
        if not scopes:
            raise ApiKeyError("choose at least one scope")
        scopes = check_scopes(scopes)
    except ApiKeyError as exc:
        return _refused(str(exc), key_name=name, key_scopes=[s for s in scopes if s in SCOPES])
    try:
        with state().database.engine.begin() as conn:
            key = create_key(conn, name, scopes, actor=_actor())
    except ApiKeyError as exc:
        return _refused(str(exc), key_name=name, key_scopes=scopes)
    notice = f"Created API key “{name}” ({', '.join(scopes)}). Copy it now: it is shown only this once."
    return _page(notice=notice, new_key=key, new_key_name=name)


@blueprint.post("/api-keys/revoke")
def revoke_api_key():
    _track(ids.API_KEY_REVOKE)
    try:
        state().api_keys.revoke(field("name"), key_id=_number("key_id"), actor=_actor())
    except ApiKeyError as exc:
        return _refused(str(exc))
    name = typed("name")
    return _page(
        notice=f"Revoked API key “{name}”: it is refused from now on (other servers: within {CACHE_SECONDS:.0f} s)."
    )


@blueprint.post("/invites")
def create_invite():
    _track(ids.INVITE_CREATE)
    try:
        days = invites.check_days(field("days"))
    except InviteError as exc:
        return _refused(str(exc), invite_days=typed("days"))
    with state().database.engine.begin() as conn:
        token = invites.create(conn, timedelta(days=days), actor=_actor())
    link = flask.url_for("auth.register", invite=token, _external=True)  # this site's scheme, host and root
    notice = (
        f"Created a one-time invitation, valid for {days} days. Send this link to one person; it is shown only once."
    )
    return _page(notice=notice, new_invite=link)


@blueprint.post("/invites/withdraw")
def withdraw_invite():
    _track(ids.INVITE_WITHDRAW)
    number = _number("invite_id")
    try:
        if number is None:
            raise InviteError("choose an invitation to withdraw")
        with state().database.engine.begin() as conn:
            invites.withdraw(conn, number, actor=_actor())
    except InviteError as exc:
        return _refused(str(exc))
    return _page(notice=f"Withdrew invitation #{number}: its link no longer works.")


@blueprint.post("/people/forget")
def forget_person():
    """Delete a person's traits and events and take them off every figure (db/people.forget), after a confirmation."""
    _track(ids.FORGET_PERSON)
    external_id = field("external_id")
    shown = typed("external_id")
    if not external_id:
        return _refused("enter the person's id, exactly as the sending app gives it")
    if field("confirm") != "yes":
        return _refused("tick the box to confirm: forgetting a person cannot be undone", person_id=shown)
    try:
        with state().database.engine.begin() as conn:
            forgotten = people.forget_or_raise(conn, external_id, state().settings.timezone, actor=_actor())
    except people.UnknownPerson:
        return _refused(f"no person has the id “{shown}”; nothing was changed", person_id=shown)
    return _page(
        notice=f"Forgot the person “{shown}”: their traits and {forgotten.events:,} events are deleted and the figures"
        " no longer count them."
    )


def _number(name: str) -> int | None:
    """Form field `name` as a positive integer (a database id), or None."""
    value = field(name).strip()
    return int(value) if value.isdigit() and len(value) <= 18 else None
