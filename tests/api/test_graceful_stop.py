"""SIGTERM under load (gunicorn, two workers): the server stops accepting, answers what is in flight, writes its
queued events and exits; every acknowledged event is stored, and every other request got an answer or a refused
connection — none was left hanging."""

from __future__ import annotations

import http.client
import json
import signal
import threading
import time
import uuid

import pytest
from sqlalchemy import text

from tests.gunicorn_server import running_gunicorn

pytestmark = pytest.mark.processes

CLIENTS = 8
HANG = 30  # seconds without an answer that would count as hanging (a bound on waiting, not a timing assertion)


def send_batches(port: int, key: str, stop: threading.Event, outcomes: list, acknowledged: list) -> None:
    """Send 50-event batches on one keep-alive connection until told to stop or the server goes away."""
    connection = None
    while not stop.is_set():
        ids = [str(uuid.uuid4()) for _ in range(50)]
        body = json.dumps({"events": [{"event_id": i, "feature": "under_load"} for i in ids]})
        try:
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HANG)
            connection.request(
                "POST", "/api/v1/events", body, {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
            )
            response = connection.getresponse()
            response.read()
            outcomes.append(response.status)
            if response.status == 202:
                acknowledged.extend(ids)
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = None
        except TimeoutError:
            outcomes.append("hung")
            return
        except (ConnectionError, http.client.HTTPException, OSError):
            outcomes.append("refused")  # the worker closed the connection, or nothing listens any more
            if connection is not None:
                connection.close()
                connection = None
            time.sleep(0.05)
            if stop.is_set():
                return


def test_sigterm_under_load_loses_no_acknowledged_event_and_leaves_nothing_hanging(db_url, engine, tmp_path, api_key):
    outcomes: list = []
    acknowledged: list[str] = []
    stop = threading.Event()
    with running_gunicorn(db_url, tmp_path, WEB_CONCURRENCY="2") as server:
        threads = [
            threading.Thread(target=send_batches, args=(server.port, api_key, stop, outcomes, acknowledged))
            for _ in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + HANG
        while outcomes.count(202) < 100:  # under load: a hundred batches acknowledged
            time.sleep(0.05)
            assert server.process.poll() is None, server.log_path.read_text()
            assert time.monotonic() < deadline, f"no load: {outcomes[-10:]}"
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(HANG) == 0, server.log_path.read_text()
        stop.set()
        for thread in threads:
            thread.join(HANG)
            assert not thread.is_alive()
    assert "hung" not in outcomes
    assert set(outcomes) <= {202, 503, "refused"}, set(outcomes)
    with engine.connect() as conn:
        stored = set(conn.execute(text("SELECT event_id::text FROM events WHERE feature = 'under_load'")).scalars())
        clicks = conn.execute(text("SELECT sum(clicks) FROM feature_daily WHERE feature = 'under_load'")).scalar_one()
    assert set(acknowledged) <= stored  # nothing acknowledged was lost
    assert clicks == len(stored)  # and the rollup counts exactly what is stored
    assert len(acknowledged) >= 100 * 50
