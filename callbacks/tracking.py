"""Meta-analytics: the dashboard records its own use, with one mechanism for every control.

For each tracked control of the page (layouts/ids.py's registry: the fixed controls and every panel with a
`tracked_as` name) one output-less callback listens to the control's interaction props with
prevent_initial_call=True, so it fires only when the user changes them: not on page load, not when saved filters are
restored (they are part of the served layout), not when a control (the chip, the feature table's rows) is inserted by
a callback. The reset button and a click on a breakdown chart's segment set filter controls themselves and mark that
(ids.RESET_PENDING): those controls' recorders record nothing while the mark is set, so a reset is one
`reset_filters` event and a segment click one `chart_age_group` / `chart_gender` event. A preset choice sets the
picker's dates and a date edit turns the preset custom, each keeping the values it set in an echo store (ids.ECHOED):
the other control's recorder skips that one change. Apart from
those marked changes no callback outputs to a tracked prop, so its own updates are never counted. Each firing is one
event (source "dashboard", the control's name, the logged-in user) written through the event writer, unless the
analyst is over the rate limit for that control (db/tracking_allowance.py: 10 per 10 seconds), which bounds what a
burst of forged or scripted callbacks can store.
"""

from __future__ import annotations

import logging

from dash import Input, Output, State, ctx, no_update
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from appstate import state
from callbacks.session import current_user_id
from db import tracking_allowance
from db.writer import Event, EventWriter, WriterError, WriteResult
from layouts import ids

log = logging.getLogger(__name__)
SOURCE = "dashboard"
SUBMIT_TIMEOUT_SECONDS = 3.0


def record_interaction(writer: EventWriter, engine: Engine, name: str, user_id: int | None) -> WriteResult | None:
    """Write one event for one interaction, within the rate limit; a failure is logged and never breaks the
    dashboard. None when nothing was written."""
    try:
        if user_id is not None and not tracking_allowance.take(engine, user_id, name):
            log.info("meta-analytics event %s of user %s not recorded: over the rate limit", name, user_id)
            return None
        return writer.submit([Event(feature=name, source=SOURCE, user_id=user_id)], timeout=SUBMIT_TIMEOUT_SECONDS)
    except (WriterError, SQLAlchemyError) as exc:
        log.warning("meta-analytics event %s was not recorded: %s", name, exc)
        return None


def _register_control(app, component_id: str, name: str, props: tuple[str, ...]) -> None:
    if component_id in ids.PATTERN_CONTROLS:
        _register_pattern_control(app, ids.PATTERN_CONTROLS[component_id], name, props)
        return
    if component_id in ids.ECHOED:
        _register_echoed_control(app, component_id, ids.ECHOED[component_id], name, props)
        return
    if component_id in ids.SET_BY_RESET:
        _register_resettable_control(app, component_id, name, props)
        return

    @app.callback(*[Input(component_id, prop) for prop in props], prevent_initial_call=True)
    def track(*_values):
        _record(name)


def _register_resettable_control(app, component_id: str, name: str, props: tuple[str, ...]) -> None:
    """A control the reset button also sets: its changes while a reset is pending are the reset's, not the user's."""

    @app.callback(
        *[Input(component_id, prop) for prop in props], State(ids.RESET_PENDING, "data"), prevent_initial_call=True
    )
    def track(*values):
        if not values[-1]:
            _record(name)


def _register_echoed_control(app, component_id: str, echo_id: str, name: str, props: tuple[str, ...]) -> None:
    """A control another callback also sets, keeping the values it set (a list, one per prop) in the store `echo_id`:
    that one change is skipped (and the echo cleared), like any change while the RESET_PENDING mark is set."""

    @app.callback(
        Output(echo_id, "data", allow_duplicate=True),
        *[Input(component_id, prop) for prop in props],
        State(ids.RESET_PENDING, "data"),
        State(echo_id, "data"),
        prevent_initial_call=True,
    )
    def track(*values):
        *changed, pending, echo = values
        if echo is not None and list(echo) == list(changed):
            return None  # the other callback's change, not the user's
        if not pending:
            _record(name)
        return no_update


def _register_pattern_control(app, pattern: dict, name: str, props: tuple[str, ...]) -> None:
    """A control made of many components (one per row): a click on any of them is one interaction. Rows rendered
    again (their n_clicks back to 0) are not."""

    @app.callback(*[Input(pattern, prop) for prop in props], prevent_initial_call=True)
    def track(*_values):
        if ctx.triggered and ctx.triggered[0]["value"]:
            _record(name)


def _record(name: str) -> None:
    appstate = state()
    record_interaction(appstate.writer, appstate.database.engine, name, current_user_id())


def register(app, tracked_controls: dict[str, tuple[str, tuple[str, ...]]]) -> None:
    """One recorder per control: `tracked_controls` maps a component id to (meta-analytics name, props)."""
    for component_id, (name, props) in tracked_controls.items():
        _register_control(app, component_id, name, props)
