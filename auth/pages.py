"""The auth pages' blueprint, how they are rendered, and how every failure is answered on the page itself.

Each page registers a `form_page` function: the template and context that show its form again with what the visitor
typed (never a password). A form with mistakes is shown again with every bad field marked at once (`show_again`
with `fields`). Whatever goes wrong while handling that page — an unreachable database, a forged or expired
form, a body over the size limit, too many attempts — is answered by showing that form again with one message in
`auth-error` and the right status, never a bare error page. `database_unavailable` is the one builder of the
"database unavailable" answer (503 + Retry-After) for these pages and for the access gate.
"""

from __future__ import annotations

from collections.abc import Callable

import flask
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import RequestEntityTooLarge

from auth.csrf import CrossSiteRequest, CSRFError
from auth.forms import FORM_LIMIT, typed
from db.errors import RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE, bad_value_message, is_bad_value, is_unavailable
from db.throttle import Blocked

blueprint = flask.Blueprint("auth", __name__, template_folder="templates")

FormPage = Callable[[], tuple[str, dict]]
_FORM_PAGES: dict[str, FormPage] = {}
MESSAGE_PAGE = "auth/message.html"

FORGED = "This form did not come from this Clickboard page, or it has expired. Please submit it again."
TOO_LARGE = f"The form is too large (at most {FORM_LIMIT // 1024} KiB). Nothing was saved."


def form_page(endpoint: str):
    """Register the function that shows the form of `endpoint` again (template, context)."""

    def decorate(function: FormPage) -> FormPage:
        _FORM_PAGES[endpoint] = function
        return function

    return decorate


def render(template: str, status: int = 200, headers: dict | None = None, **context) -> flask.Response:
    response = flask.make_response(flask.render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def sentence(message: str) -> str:
    """ "the thing is wrong" -> "The thing is wrong." """
    message = message[:1].upper() + message[1:]
    return message if message.endswith(".") else message + "."


def database_unavailable(template: str = MESSAGE_PAGE, **context) -> flask.Response:
    """503 + Retry-After with the database-unavailable message in `auth-error` (of `template`, default a plain page)."""
    context.setdefault("heading", "Database unavailable")
    return render(
        template, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}, error=sentence(UNAVAILABLE_MESSAGE), **context
    )


def show_again(
    status: int, message: str, headers: dict | None = None, fields: dict[str, str] | None = None
) -> flask.Response:
    """The current page's form again, with `message` in auth-error and each of `fields` ({form field: message})
    marked on its field (the template links the message to the field for screen readers and focuses the first)."""
    template, context = current_form_page()
    return render(template, status, headers, error=message, field_errors=fields or {}, **context)


def fields_summary(fields: dict[str, str], labels: dict[str, str]) -> str:
    """The auth-error text for the bad `fields`: the message itself when there is one, else which fields (by their
    `labels`) need a change."""
    if len(fields) == 1:
        return next(iter(fields.values()))
    names = [labels[name] for name in fields]
    return f"{len(names)} fields need a change: {', '.join(names[:-1])} and {names[-1]}."


def current_form_page() -> tuple[str, dict]:
    page = _FORM_PAGES.get(flask.request.endpoint or "")
    if page is None:
        return MESSAGE_PAGE, {"heading": "Clickboard"}
    return page()


def retry_after_text(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{-(-seconds // 60)} minutes"


# -- failures, answered on the page ------------------------------------------------------------------------------


@blueprint.errorhandler(DBAPIError)
def _database_error(exc: DBAPIError):
    if is_unavailable(exc):
        flask.current_app.logger.warning("database unavailable on %s: %s", flask.request.path, exc.orig or exc)
        template, context = current_form_page()
        return database_unavailable(template, **context)
    if is_bad_value(exc):
        return show_again(400, sentence(bad_value_message(exc)))
    raise exc


@blueprint.errorhandler(RequestEntityTooLarge)
def _too_large(exc):
    return show_again(413, TOO_LARGE)


@blueprint.errorhandler(Blocked)
def _blocked(exc: Blocked):
    message = f"Too many attempts. Please wait {retry_after_text(exc.retry_after)} before trying again."
    return show_again(429, message, {"Retry-After": str(exc.retry_after)})


def _forged(exc):
    """403 with a link to open the form again; no form (and so no new token) on this page: a cross-site POST arrives
    without the browser's SameSite=Lax session cookie, and an answer that started a new session would replace the
    victim's cookie, logging them out."""
    request = flask.request
    flask.current_app.logger.info("refused %s %s: %s", request.method, request.path, exc.description)
    retry = request.path if request.endpoint in _FORM_PAGES and request.endpoint != "auth.logout" else "/"
    response = render(MESSAGE_PAGE, 403, heading="Request refused", error=FORGED, retry_url=retry)
    flask.session.modified = False
    return response


def register_error_handlers(server: flask.Flask) -> None:
    """App-wide: a forged form anywhere (the guard skips /api/ and Dash's endpoints) is a 403 page."""
    server.register_error_handler(CSRFError, _forged)
    server.register_error_handler(CrossSiteRequest, _forged)


def typed_values(*names: str) -> dict[str, str]:
    """What the visitor typed into these fields, to show them again (see auth.forms.typed)."""
    return {name: typed(name) for name in names}
