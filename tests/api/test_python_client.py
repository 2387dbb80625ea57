"""The Python client of the README (clients/python/clickboard_client.py) against the real app on a live server:
exact counts from flush(), progress reports, a refusal raised at once, and giving up within its bound when the
server is down or the database cannot commit (events kept for the next flush)."""

from __future__ import annotations

import importlib.util
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from tests.api.conftest import counts
from tests.browser.conftest import free_port

CLIENT_FILE = Path(__file__).resolve().parents[2] / "clients" / "python" / "clickboard_client.py"


def load_client_module():
    spec = importlib.util.spec_from_file_location("clickboard_client", CLIENT_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cb = load_client_module()


class LiveServer:
    """The app under test on a real socket, in a thread (started and stopped by the test)."""

    def __init__(self, app, port: int):
        self.server = make_server("127.0.0.1", port, app.server, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(10)
        self.server.server_close()


class FakeTime:
    """A clock that moves only when the client sleeps: the retry schedule, checked without waiting for it."""

    def __init__(self):
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def port() -> int:
    return free_port()


def test_flush_returns_exact_counts_of_every_batch_sent_since_the_last_flush(dash_app, engine, api_key, port):
    messages: list[str] = []
    client = cb.Clickboard(f"http://127.0.0.1:{port}", api_key, batch_size=500, progress=messages.append)
    with LiveServer(dash_app, port):
        ids = [str(uuid.uuid4()) for _ in range(1234)]
        at = datetime.now(UTC) - timedelta(minutes=5)
        for event_id in ids:
            client.track("client_feature", occurred_at=at, event_id=event_id)
        assert len(client.pending) == 234  # two full batches went already
        assert client.flush() == {"accepted": 1234, "duplicates": 0}
        assert client.pending == []
        assert messages == [
            "sent 500 events: 500 accepted, 0 duplicates (0 still queued)",
            "sent 500 events: 500 accepted, 0 duplicates (0 still queued)",
            "sent 234 events: 234 accepted, 0 duplicates (0 still queued)",
        ]
        assert client.flush() == {"accepted": 0, "duplicates": 0}  # nothing sent since

        # the same events again (id and time), and 6 new ones: the server counts each event once
        for event_id in ids[:10]:
            client.track("client_feature", occurred_at=at, event_id=event_id)
        for _ in range(6):
            client.track("client_feature", user_id=None)
        assert client.flush() == {"accepted": 6, "duplicates": 10}
    assert counts(engine) == (1240, 1240)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(DISTINCT event_id) FROM events")).scalar_one() == 1240


def test_a_refusal_is_raised_at_once_with_the_servers_reason(dash_app, engine, api_key, port):
    time = FakeTime()
    with LiveServer(dash_app, port):
        client = cb.Clickboard(f"http://127.0.0.1:{port}", api_key, progress=None, clock=time.clock, sleep=time.sleep)
        client.track("not\ta feature")
        with pytest.raises(cb.Refused, match=r"^400: .*feature"):
            client.flush()
        wrong = cb.Clickboard(f"http://127.0.0.1:{port}", "cb_wrong", progress=None, sleep=time.sleep)
        wrong.track("client_feature")
        with pytest.raises(cb.Refused, match="^401: "):
            wrong.flush()
    assert time.slept == []  # no retry
    assert counts(engine) == (0, 0)


def test_with_the_server_down_it_gives_up_within_its_bound_and_keeps_the_events(dash_app, engine, api_key, port):
    time = FakeTime()
    messages: list[str] = []
    client = cb.Clickboard(
        f"http://127.0.0.1:{port}", api_key, give_up_after=10, progress=messages.append, clock=time.clock,
        sleep=time.sleep,
    )  # fmt: skip
    for _ in range(3):
        client.track("client_feature")
    with pytest.raises(cb.GaveUp, match=r"^3 events not acknowledged within 10 s \(server unreachable"):
        client.flush()  # nothing listens on the port: connection refused
    assert time.slept == [0.5, 1.0, 2.0, 4.0]  # the next wait (8 s) would pass the bound: it gives up instead
    assert sum(time.slept) <= 10
    assert len(messages) == 4 and all(m.startswith("server unreachable (") for m in messages)
    assert "retrying 3 events in 0.5 s (giving up in 10 s)" in messages[0]
    assert len(client.pending) == 3  # nothing lost

    with LiveServer(dash_app, port):  # the server is back: the kept events go with the next flush
        assert client.flush() == {"accepted": 3, "duplicates": 0}
    assert counts(engine) == (3, 3)


def test_a_database_outage_ends_in_giving_up_not_in_retrying_forever(dash_app, engine, api_key, port, database_down):
    """With the real clock: the server answers, its database refuses every connection (503 + Retry-After)."""
    messages: list[str] = []
    client = cb.Clickboard(f"http://127.0.0.1:{port}", api_key, give_up_after=3, progress=messages.append)
    with LiveServer(dash_app, port):
        client.track("client_feature")
        assert client.flush() == {"accepted": 1, "duplicates": 0}  # the key is verified (and cached) while up
        database_down()
        client.track("client_feature")
        with pytest.raises(cb.GaveUp, match=r"^1 events not acknowledged within 3 s \("):
            client.flush()
    assert messages[0] == "sent 1 events: 1 accepted, 0 duplicates (0 still queued)"
    assert all(" retrying 1 events in " in message for message in messages[1:])
    assert len(client.pending) == 1  # kept for the next flush
