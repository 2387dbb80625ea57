"""Database errors on API routes, mapped by kind: a refused value is a 400 with the database's reason, a database
that cannot answer is a 503 with Retry-After, and anything else is a logged JSON 500. Real errors from real SQL, on
routes this test adds under /api/ (the app's own routes validate their input before it reaches the database; a
database that is down altogether is covered by the stats and ingestion tests)."""

from __future__ import annotations

import logging

import flask
import pytest

from appstate import state
from tests.conftest import login


@pytest.fixture
def probe_client(dash_app, analyst):
    bp = flask.Blueprint("probe", __name__)

    @bp.get("/api/v1/probe/<kind>")
    def probe(kind: str):
        statements = {
            "bad-value": "SELECT CAST('not a number' AS integer)",  # 22P02: a data exception
            "nul-byte": "SELECT CAST(:v AS text)",
            "bug": "SELECT * FROM no_such_table",  # 42P01: our mistake
            "slow": "SELECT pg_sleep(2)",
        }
        with state().database.engine.connect() as conn:
            if kind == "slow":
                conn.exec_driver_sql("SET LOCAL statement_timeout = '50ms'")  # 57014: cancelled, overloaded
            conn.exec_driver_sql(statements[kind].replace(":v", "%(v)s"), {"v": "a\x00b"} if kind == "nul-byte" else {})
        return {"ok": True}

    dash_app.server.register_blueprint(bp)
    client = dash_app.server.test_client()
    assert login(client).status_code == 302
    return client


@pytest.mark.parametrize("kind", ["bad-value", "nul-byte"])
def test_a_value_the_database_refuses_is_400_with_its_reason(probe_client, kind):
    response = probe_client.get(f"/api/v1/probe/{kind}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"].startswith("the database refused a value")
    assert body["details"] and body["details"][0]["message"]
    assert "Retry-After" not in response.headers
    assert "SELECT" not in response.get_data(as_text=True)  # the reason, not the query


def test_a_bug_is_a_logged_json_500(probe_client, caplog):
    with caplog.at_level(logging.ERROR):
        response = probe_client.get("/api/v1/probe/bug")
    assert response.status_code == 500
    assert response.mimetype == "application/json"
    assert set(response.get_json()) == {"error", "details"}
    assert "no_such_table" not in response.get_data(as_text=True)
    assert any(record.exc_info and "no_such_table" in str(record.exc_info[1]) for record in caplog.records)


def test_a_database_too_slow_to_answer_is_503_with_retry_after(probe_client):
    response = probe_client.get("/api/v1/probe/slow")
    assert response.status_code == 503, response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) >= 1
    assert set(response.get_json()) == {"error", "details"}
