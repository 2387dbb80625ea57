"""Helpers for the attack replays: requests from chosen client addresses, counting password hashes, reading the
throttle's counters and sessions straight from the database."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import text

import passwords
from tests.api.conftest import api_key, database_down  # noqa: F401 (fixtures: a key made by the CLI; a real outage)
from tests.browser.conftest import board, live_app, start  # noqa: F401 (fixtures: the dashboard in Chromium)
from tests.conftest import login, post_form

ATTACKER = "203.0.113.66"  # documentation addresses (RFC 5737): only ever strings in a test request
OWNER = "198.51.100.7"
STATS_PROBE = "/api/v1/stats?start=2026-01-01&end=2026-01-01"  # 200 only for a logged-in session


def address(ip: str) -> dict:
    """Request kwargs that make the request come from `ip` (what the server sees as the peer address)."""
    return {"environ_base": {"REMOTE_ADDR": ip}}


def login_from(client, ip: str, email: str, password: str, **kwargs):
    return login(client, email, password, environ_base={"REMOTE_ADDR": ip}, **kwargs)


def register_from(client, ip: str, form: dict):
    return post_form(client, "/register", form, **address(ip))


def auth_error(response) -> str:
    element = BeautifulSoup(response.get_data(as_text=True), "html.parser").find(id="auth-error")
    assert element is not None, f"no auth-error in a {response.status_code} answer"
    return element.get_text(" ", strip=True)


def is_logged_in(client, **kwargs) -> bool:
    status = client.get(STATS_PROBE, **kwargs).status_code
    assert status in (200, 401), status
    return status == 200


def counters(engine) -> dict[str, list[int]]:
    """Failures per throttle scope (one entry per counter row, sorted)."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT scope, failures FROM auth_throttle ORDER BY scope, failures")).all()
    found: dict[str, list[int]] = {}
    for scope, failures in rows:
        found.setdefault(scope, []).append(failures)
    return found


def blocks(engine, scope: str) -> list[float]:
    """Length in seconds of each current block of `scope` (blocked_until - the failure that set it)."""
    with engine.connect() as conn:
        return [
            float(seconds)
            for seconds in conn.execute(
                text(
                    "SELECT extract(epoch FROM blocked_until - last_failure_at) FROM auth_throttle"
                    " WHERE scope = :scope AND blocked_until IS NOT NULL ORDER BY 1"
                ),
                {"scope": scope},
            ).scalars()
        ]


def end_blocks(engine) -> None:
    """Let every current block run out (as if its time had passed); counts stay."""
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE auth_throttle SET blocked_until = now() - interval '1 second' WHERE blocked_until > now()")
        )


def user_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM users")).scalar_one()


def session_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM sessions")).scalar_one()


@pytest.fixture
def hashes(monkeypatch) -> list[str]:
    """Every password hash computation of the test (the real one runs; this only counts it)."""
    calls: list[str] = []
    real = passwords._kdf

    def counting(function, *args):
        calls.append(getattr(function, "__name__", type(function).__name__))
        return real(function, *args)

    monkeypatch.setattr(passwords, "_kdf", counting)
    return calls


def pytest_configure(config):
    # the Chromium tests here run headless too (as tests/browser/conftest.py sets for its own)
    if hasattr(config.option, "headless"):
        config.option.headless = True


@pytest.fixture
def attacker_site(tmp_path):
    """Serve pages written into a folder on another site than the app's; returns page(name, html, app_base) -> URL."""
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def page(name: str, html: str, app_base: str) -> str:
        (tmp_path / name).write_text(html)
        host = "127.0.0.1" if "//localhost:" in app_base else "localhost"
        assert host not in app_base
        return f"http://{host}:{server.server_address[1]}/{name}"

    yield page
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
