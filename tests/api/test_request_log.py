"""LOG_FORMAT=json: one JSON line per request (the ingestion fast path included), every other record as JSON too,
no query strings (request_log.py)."""

from __future__ import annotations

import json
import logging

import pytest


@pytest.fixture
def json_app(make_app, capfd):
    """Builds an app with LOG_FORMAT=json (call it in the test itself: pytest resets the root logger's level between
    a test's phases); the process's logging is put back afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level

    def build():
        app = make_app(log_format="json")
        capfd.readouterr()
        return app

    yield build
    root.handlers[:], level = saved
    root.setLevel(level)


def lines(capfd) -> list[dict]:
    return [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.strip()]


def test_every_request_is_one_json_line_without_its_query_string(json_app, capfd, api_key):
    client = json_app().server.test_client()
    # buffered: the client reads and closes each answer, as a server does (the line is written at the close)
    client.get("/login", buffered=True)
    client.get("/register?invite=secret-one-time-token", buffered=True)
    key = {"Authorization": f"Bearer {api_key}"}
    client.post("/api/v1/events", json={"events": [{"feature": "export"}]}, headers=key, buffered=True)
    client.get("/no/such/page", environ_base={"REMOTE_ADDR": "203.0.113.9"}, buffered=True)
    got = lines(capfd)
    requests = [line for line in got if line["logger"] == "clickboard.request"]
    assert [(r["method"], r["path"], r["status"]) for r in requests] == [
        ("GET", "/login", 200),
        ("GET", "/register", 200),
        ("POST", "/api/v1/events", 202),
        ("GET", "/no/such/page", 302),  # to the login page
    ]
    assert all(r["message"] == "request" and r["level"] == "info" and r["duration_ms"] >= 0 for r in requests)
    assert requests[2]["bytes"] == len(b'{"accepted": 1, "duplicates": 0}')
    assert requests[3]["client"] == "203.0.113.9"
    assert "secret-one-time-token" not in json.dumps(requests)


def test_other_records_are_json_lines_too(json_app, capfd):
    json_app()
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("db.writer").warning("flush failed for %d events", 3, exc_info=True)
    (line,) = lines(capfd)
    assert (line["level"], line["logger"], line["message"]) == ("warning", "db.writer", "flush failed for 3 events")
    assert "ValueError: boom" in line["exception"]


def test_text_is_the_default_and_logs_no_request_lines(dash_app, capfd):
    dash_app.server.test_client().get("/login", buffered=True)
    assert "clickboard.request" not in capfd.readouterr().err
