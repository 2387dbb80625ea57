"""Slow request bodies are cut off (body_deadline.py): 408 and a closed connection, nothing done.

Was: a client that announced a body on /login and then sent nothing held its connection (and a greenlet or thread)
for as long as it liked. Replayed against the production server (gunicorn, both worker classes) and against the
threaded werkzeug server (what `app.run` and the benchmarks use).
"""

from __future__ import annotations

import socket
import threading
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from tests.browser.conftest import free_port
from tests.gunicorn_server import running_gunicorn

PROJECT = Path(__file__).resolve().parents[2]
WAIT_AT_MOST = 60  # a bound on how long the test waits for an answer, not a timing assertion


def slow_request(port: int, path: str, content_type: str, key: str) -> tuple[bytes, bytes]:
    """Announce a 1,000-byte body, send 10 bytes, then nothing: (the answer's head, all that came before the server
    closed the connection). A server that kept the connection open would fail this by the socket's timeout."""
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT_AT_MOST) as sock:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {content_type}\r\n"
            f"Authorization: Bearer {key}\r\nContent-Length: 1000\r\n\r\n"
        )
        sock.sendall(head.encode() + b"email=ana@")
        received = b""
        while chunk := sock.recv(65536):  # until the server closes the connection
            received += chunk
    answer, _, _rest = received.partition(b"\r\n\r\n")
    return answer, received


def assert_cut_off(port: int, key: str) -> None:
    """The login form (Flask) and the ingestion API (the fast path, with a valid key) both read a body."""
    for path, content_type in [("/login", "application/x-www-form-urlencoded"), ("/api/v1/events", "application/json")]:
        head, whole = slow_request(port, path, content_type, key)
        status_line = head.split(b"\r\n")[0]
        assert status_line.split()[1] == b"408", (path, whole[:500])
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=WAIT_AT_MOST) as response:
        assert response.status == 200  # the server itself is fine


def user_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM users")).scalar_one()


def test_the_development_server_cuts_off_slow_bodies(make_app, engine, api_key):
    app = make_app(body_timeout_seconds=1)
    port = free_port()
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert_cut_off(port, api_key)
    finally:
        server.shutdown()
    assert user_count(engine) == 0


@pytest.mark.processes
@pytest.mark.parametrize("worker_class", ["gevent", "gthread"])
def test_gunicorn_cuts_off_slow_bodies(db_url, engine, tmp_path, api_key, worker_class):
    settings = {"BODY_TIMEOUT_SECONDS": "1", "WEB_CONCURRENCY": "1", "GUNICORN_WORKER_CLASS": worker_class}
    with running_gunicorn(db_url, tmp_path, **settings) as server:
        assert_cut_off(server.port, api_key)
    assert "Traceback" not in server.log_path.read_text()
    assert user_count(engine) == 0
