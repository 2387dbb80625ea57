"""Forgetting a person (a deletion request), from the command line and from the settings page: their traits and
events go, every rollup row that counted them is adjusted in the same transaction, the audit log says so without
their id, and a refusal changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from bs4 import BeautifulSoup
from sqlalchemy import text

from db import people
from db.rollup import mismatches
from db.writer import Event
from tests.api.conftest import run_cli
from tests.api.test_settings_page import settings_events, settings_post
from tests.conftest import ADMIN_EMAIL, form_token

DAY = datetime(2026, 11, 20, 12, tzinfo=UTC)


def write_two_people(engine, writer) -> None:
    """lea (3 events, 2 features) and max (2 events); one anonymous event."""
    with engine.begin() as conn:
        people.identify(conn, "lea@example.com", age=22, gender="Female")
        people.identify(conn, "max", age=58, gender="Male")
    events = [
        Event(f, "api", occurred_at=DAY, person="lea@example.com")
        for f in ("Order Completed", "Order Completed", "Search")
    ]
    events += [Event("Order Completed", "api", occurred_at=DAY, person="max") for _ in range(2)]
    events.append(Event("Search", "api", occurred_at=DAY))
    assert writer.submit(events).accepted == 6


def state(engine) -> tuple:
    with engine.connect() as conn:
        return (
            sorted(
                tuple(r) for r in conn.execute(text("SELECT feature, age_group, gender, clicks FROM feature_daily"))
            ),
            conn.execute(text("SELECT count(*) FROM events")).scalar_one(),
            sorted(r[0] for r in conn.execute(text("SELECT external_id FROM people"))),
            conn.execute(
                text("SELECT actor, action, target, detail FROM audit_log WHERE action = 'person.forget'")
            ).all(),
            mismatches(conn, "UTC"),
        )


AFTER_LEA = [
    ("Order Completed", ">40", "Male", 2),
    ("Search", "unknown", "unknown", 1),
]


def test_forget_person_on_the_command_line(monkeypatch, db_url, engine, writer):
    write_two_people(engine, writer)
    code, out, err = run_cli(monkeypatch, db_url, "forget-person", "lea@example.com")
    assert (code, err) == (0, "")
    assert out == (
        "Forgot the person 'lea@example.com': their traits and 3 events are deleted and the figures no longer count"
        " them.\n"
    )
    rollup, events, persons, audited, off = state(engine)
    assert rollup == sorted(AFTER_LEA) and events == 3 and persons == ["max"] and off == 0
    assert len(audited) == 1 and audited[0][0].startswith("command line (")
    assert audited[0][1:] == ("person.forget", "a person", "3 events deleted")
    assert "lea" not in str(audited)


def test_an_unknown_id_is_exit_1_and_changes_nothing(monkeypatch, db_url, engine, writer):
    write_two_people(engine, writer)
    before = state(engine)
    for wrong in ("LEA@example.com", "lea@example.com "):  # ids are exact: case and spaces count
        code, out, err = run_cli(monkeypatch, db_url, "forget-person", wrong)
        assert (code, out) == (1, "")
        assert err == f"error: no person has the id {wrong!r}; nothing was changed\n"
    assert state(engine) == before


def test_forget_a_person_on_the_settings_page(admin_client, admin, engine, writer):
    write_two_people(engine, writer)
    page = BeautifulSoup(admin_client.get("/settings").get_data(as_text=True), "html.parser")
    assert page.find(id="forget-person-id") and page.find(id="forget-person-confirm") and page.find(id="forget-person")
    unconfirmed = settings_post(admin_client, "/settings/people/forget", {"external_id": "lea@example.com"})
    assert unconfirmed.status_code == 400 and "Tick the box to confirm" in unconfirmed.get_data(as_text=True)
    unknown = settings_post(admin_client, "/settings/people/forget", {"external_id": "<b>nobody</b>", "confirm": "yes"})
    assert unknown.status_code == 400
    assert "&lt;b&gt;nobody&lt;/b&gt;" in unknown.get_data(as_text=True)  # shown as text, never markup
    assert state(engine)[1:3] == (6 + 2, ["lea@example.com", "max"])  # + the two refused tries' own events
    done = settings_post(admin_client, "/settings/people/forget", {"external_id": "lea@example.com", "confirm": "yes"})
    assert done.status_code == 200
    assert "3 events are deleted" in done.get_data(as_text=True)
    rollup, events, persons, audited, off = state(engine)
    # the admin's own three tries are meta-analytics events (source dashboard), counted in the rollup too
    assert [row for row in rollup if row[0] != "settings_forget_person"] == sorted(AFTER_LEA)
    assert events == 3 + 3 and persons == ["max"] and off == 0
    assert audited == [(ADMIN_EMAIL, "person.forget", "a person", "3 events deleted")]
    assert settings_events(engine) == {"settings_forget_person": (3, {admin.id})}


def test_an_analyst_cannot_forget_anyone(logged_in_client, engine, writer):
    write_two_people(engine, writer)
    before = state(engine)
    token = form_token(logged_in_client, "/account/password")  # a valid token of the analyst's own session
    response = logged_in_client.post(
        "/settings/people/forget",
        data={"csrf_token": token, "external_id": "max", "confirm": "yes"},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 403
    assert state(engine) == before
