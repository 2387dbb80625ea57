"""The production server: `gunicorn app:server` with the repository's gunicorn.conf.py, as documented."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.api.conftest import run_cli
from tests.browser.conftest import free_port
from tests.gunicorn_server import running_gunicorn

pytestmark = pytest.mark.processes  # starts servers of its own: run once in CI, not per database

PROJECT = Path(__file__).resolve().parents[2]


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "PORT")}
    env.update(extra)
    return env


def test_gunicorn_refuses_to_start_without_secret_key(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "app:server"],
        cwd=PROJECT,
        env=_env(DATA_DIR=str(tmp_path), PORT=str(free_port())),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def _request(url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_gunicorn_serves_the_api_with_the_documented_config(monkeypatch, db_url, engine, tmp_path):
    code, out, err = run_cli(monkeypatch, db_url, "create-api-key", "gunicorn-test")
    assert code == 0, err
    key = out.splitlines()[-1]
    with running_gunicorn(db_url, tmp_path) as server:
        base = server.base
        assert _request(f"{base}/healthz") == (200, {"status": "ok"})
        events = [{"event_id": str(uuid.uuid4()), "feature": "from_gunicorn"} for _ in range(20)]
        payload = json.dumps({"events": events}).encode()
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        assert _request(f"{base}/api/v1/events", payload, headers) == (202, {"accepted": 20, "duplicates": 0})
        assert _request(f"{base}/api/v1/events", payload, headers) == (202, {"accepted": 0, "duplicates": 20})
        assert _request(f"{base}/api/v1/events", payload, {"Content-Type": "application/json"})[0] == 401
    assert server.process.returncode == 0, server.log_path.read_text()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM events WHERE feature = 'from_gunicorn'")).scalar_one() == 20
    assert "gevent" in server.log_path.read_text()
