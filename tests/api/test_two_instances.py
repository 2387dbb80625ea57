"""Two `gunicorn app:server` instances on different ports, one database: neither holds state the other needs.

The same events retried through both are counted once; a key revoked on the command line stops working on both
within the documented bound (db/api_keys.py: CACHE_SECONDS); login failures through either count against the same
throttle; a logout through one ends the session on the other.
"""

from __future__ import annotations

import time
import uuid
from contextlib import ExitStack

import pytest
import requests
from sqlalchemy import text

from db.api_keys import CACHE_SECONDS
from devtools.forms import csrf_token
from tests.api.conftest import run_cli
from tests.conftest import ANALYST_EMAIL, ANALYST_PASSWORD
from tests.gunicorn_server import running_gunicorn

pytestmark = pytest.mark.processes

STATS = "/api/v1/stats?start=2026-03-01&end=2026-03-31"


def login(session: requests.Session, base: str, password: str) -> int:
    token = csrf_token(session.get(f"{base}/login").text)
    form = {"csrf_token": token, "email": ANALYST_EMAIL, "password": password}
    return session.post(f"{base}/login", data=form, allow_redirects=False).status_code


def test_two_instances_share_everything_through_the_database(monkeypatch, db_url, engine, tmp_path, api_key, analyst):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    with ExitStack() as stack:
        one = stack.enter_context(running_gunicorn(db_url, tmp_path / "one", WEB_CONCURRENCY="1"))
        two = stack.enter_context(running_gunicorn(db_url, tmp_path / "two", WEB_CONCURRENCY="1"))
        key = {"Authorization": f"Bearer {api_key}"}

        # the same events through both: counted once
        events = {"events": [{"event_id": str(uuid.uuid4()), "feature": "twice_sent"} for _ in range(20)]}
        assert requests.post(f"{one.base}/api/v1/events", json=events, headers=key).json() == {
            "accepted": 20,
            "duplicates": 0,
        }
        assert requests.post(f"{two.base}/api/v1/events", json=events, headers=key).json() == {
            "accepted": 0,
            "duplicates": 20,
        }
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM events WHERE feature = 'twice_sent'")).scalar_one() == 20

        # a session made on one is ended everywhere by a logout on it
        browser = requests.Session()  # cookies are per host, not per port: one browser for both
        assert login(browser, one.base, ANALYST_PASSWORD) == 302
        assert browser.get(f"{two.base}{STATS}").status_code == 200
        token = csrf_token(browser.get(f"{one.base}/login").text)
        assert browser.post(f"{one.base}/logout", data={"csrf_token": token}, allow_redirects=False).status_code == 302
        assert browser.get(f"{two.base}{STATS}").status_code == 401

        # login failures through either count against one throttle: the 5th failure of an account from one address
        # blocks it, so the 6th attempt is refused (429) whichever instance it reaches
        attacker = requests.Session()
        statuses = [login(attacker, server.base, "wrong password guess") for server in (one, two, one, two, one)]
        assert statuses == [401] * 5
        assert login(attacker, two.base, "wrong password guess") == 429
        assert login(attacker, one.base, ANALYST_PASSWORD) == 429  # blocked means blocked: the right one waits too

        # a key revoked on the command line stops working on both within the documented bound
        assert requests.post(f"{one.base}/api/v1/events", json=events, headers=key).status_code == 202
        assert requests.post(f"{two.base}/api/v1/events", json=events, headers=key).status_code == 202
        assert run_cli(monkeypatch, db_url, "revoke-api-key", "test-client")[0] == 0
        refused_by = {}
        deadline = time.monotonic() + 3 * CACHE_SECONDS  # a bound on waiting, with room for a slow machine
        while len(refused_by) < 2 and time.monotonic() < deadline:
            for server in (one, two):
                if server.port not in refused_by:
                    status = requests.post(f"{server.base}/api/v1/events", json=events, headers=key).status_code
                    if status == 401:
                        refused_by[server.port] = True
            time.sleep(0.2)
        assert set(refused_by) == {one.port, two.port}
