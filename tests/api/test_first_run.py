"""`uv run app.py` as a new user runs it: the real command in a subprocess, its output read line by line.

A clean first run serves with gunicorn (no development-server warning), prints only its own lines and one access line
per page or API call (none per asset), stops the embedded PostgreSQL on Ctrl+C and SIGTERM; a bad or taken port is
one line on stderr and exit status 2 before anything claims to be running.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from tests.browser.conftest import free_port

pytestmark = pytest.mark.processes  # starts servers of its own: run once in CI, not per database

PROJECT = Path(__file__).resolve().parents[2]
ACCESS_LINE = re.compile(r"^\[[^\]]+\] (GET|POST) (\S+) (\d{3}) \d+ms$")


def clean_env(**extra: str) -> dict[str, str]:
    drop = ("DATABASE_URL", "SECRET_KEY", "PORT", "LOG_LEVEL", "DATA_DIR", "REGISTRATION")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return env | extra


def app_py(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "app.py", *args], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=timeout
    )


class Running:
    """`python app.py ARGS` in its own process group (as a terminal runs it), its stdout read line by line."""

    def __init__(self, *args: str, env: dict[str, str]):
        self.process = subprocess.Popen(
            [sys.executable, "app.py", *args],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self.errors: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.lines), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, self.errors), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream, into: list[str]) -> None:
        for line in stream:
            into.append(line.rstrip("\n"))

    def wait_for_line(self, prefix: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while True:
            found = [line for line in self.lines if line.startswith(prefix)]
            if found:
                return found[0]
            assert self.process.poll() is None, f"exited {self.process.returncode}: {self.lines} {self.errors}"
            assert time.monotonic() < deadline, f"no line {prefix!r}: {self.lines} {self.errors}"
            time.sleep(0.1)

    def wait_for_lines(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.lines) < count:
            assert time.monotonic() < deadline, f"expected {count} lines: {self.lines}"
            time.sleep(0.05)

    def stop(self, sig: int, timeout: float = 60) -> int:
        """Send `sig` to the whole process group (Ctrl+C in a terminal reaches every process of it)."""
        os.killpg(self.process.pid, sig)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise
        for reader in self._readers:
            reader.join(5)
        return code


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def postmaster_running(pgdata: Path) -> bool:
    from db.embedded import embedded_running

    return embedded_running(pgdata)


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--port", "99999"], {}, "app.py: error: argument --port: must be between 1 and 65535, not 99999"),
        (["--port", "abc"], {}, "app.py: error: argument --port: must be a whole number between 1 and 65535, not"),
        ([], {"PORT": "0"}, "error: PORT='0': Input should be greater than or equal to 1"),
        (["--host", "no-such-host.invalid"], {}, "error: cannot listen on no-such-host.invalid:"),
    ],
    ids=["port-too-big", "port-not-a-number", "port-env-zero", "unknown-host"],
)  # fmt: skip
def test_a_bad_port_or_host_is_one_line_on_stderr_and_status_2(tmp_path, args, env, message):
    result = app_py(*args, env=clean_env(DATA_DIR=str(tmp_path), **env), timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(message), result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing started, nothing written


def test_a_taken_port_is_one_line_and_status_2_before_the_database_is_touched(db_url, engine, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = app_py("--port", str(port), env=clean_env(DATABASE_URL=db_url, DATA_DIR=str(tmp_path)))
    assert result.returncode == 2
    assert result.stdout == ""  # nothing claimed to be running
    assert result.stderr == (
        f"error: cannot listen on 127.0.0.1:{port}: the port is already in use (another Clickboard?); choose another"
        " with --port or PORT\n"
    )
    with engine.connect() as conn:  # not seeded: it stopped before the database
        assert conn.execute(text("SELECT count(*) FROM users")).scalar_one() == 0


def test_first_start_prints_only_its_own_lines_serves_with_gunicorn_and_stops_the_embedded_database(tmp_path):
    port = free_port()
    data = tmp_path / "data"
    pgdata = data / "pgdata"
    env = clean_env(DATA_DIR=str(data))
    server = Running("--port", str(port), env=env)
    running = server.wait_for_line("Clickboard is running on")
    base = f"http://127.0.0.1:{port}"
    assert get(f"{base}/login") == 200
    assert get(f"{base}/assets/vendor/bootstrap.min.css") == 200
    assert get(f"{base}/_favicon.ico") == 200
    assert get(f"{base}/_dash-layout") == 401
    assert get(f"{base}/api/v1/stats?start=2026-01-01&end=2026-01-01") == 401
    with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
        assert response.headers["Server"] == "gunicorn"  # the production server, and no version in the header
    assert get(f"{base}/register?invite=not-in-the-log-0123456789abcdef") == 200
    server.wait_for_lines(9)
    assert postmaster_running(pgdata)
    code = server.stop(signal.SIGINT)  # Ctrl+C

    login = (data / "demo_login.txt").read_text().strip()
    assert re.fullmatch(r"demo01@example\.com / demo-[a-z2-9]{4}-[a-z2-9]{4}", login)
    assert server.lines[:5] == [
        f"Starting the embedded database in {pgdata} ...",
        "Seeded demo data: 55 users, 500 clicks",
        f"Demo login: {login}",
        f"Data: the embedded PostgreSQL in {pgdata}",
        f"Clickboard is running on http://127.0.0.1:{port}/  (Ctrl+C to stop)",
    ]
    assert running == server.lines[4]
    # one line per page or API call; none for the stylesheet, the icon or Dash's own request
    accessed = [ACCESS_LINE.match(line).groups() for line in server.lines[5:]]
    assert sorted(accessed, key=lambda line: line[1]) == [
        ("GET", "/api/v1/stats", "401"),
        ("GET", "/healthz", "200"),
        ("GET", "/login", "200"),
        ("GET", "/register", "200"),
    ]  # (each written once its answer is sent: sorted, not in arrival order)
    assert not any("not-in-the-log" in line for line in server.lines)  # no query string: no invitation token
    assert server.errors == []  # no development-server warning, no traceback, nothing from gunicorn
    assert code == 0
    assert not postmaster_running(pgdata)  # Ctrl+C stopped the embedded PostgreSQL

    # the next start reuses the data and shows the same login; SIGTERM stops it as cleanly
    again = Running("--port", str(port), "--quiet", env=env)
    again.wait_for_line("Clickboard is running on")
    assert get(f"{base}/login") == 200
    code = again.stop(signal.SIGTERM)
    assert again.lines == [
        f"Starting the embedded database in {pgdata} ...",
        f"Demo login: {login}",
        f"Data: the embedded PostgreSQL in {pgdata}",
        f"Clickboard is running on http://127.0.0.1:{port}/  (Ctrl+C to stop)",
    ]  # --quiet: no access line
    assert again.errors == []
    assert code == 0
    assert not postmaster_running(pgdata)


@pytest.mark.parametrize("level", ["warning", "error"])
def test_log_level_above_info_prints_no_access_lines(db_url, tmp_path, level):
    port = free_port()
    server = Running("--port", str(port), env=clean_env(DATABASE_URL=db_url, DATA_DIR=str(tmp_path), LOG_LEVEL=level))
    server.wait_for_line("Clickboard is running on")
    assert get(f"http://127.0.0.1:{port}/login") == 200
    assert get(f"http://127.0.0.1:{port}/healthz") == 200
    assert server.stop(signal.SIGTERM) == 0
    assert len(server.lines) == 4, server.lines
    assert server.lines[0] == "Seeded demo data: 55 users, 500 clicks"
    assert re.fullmatch(r"Demo login: demo01@example\.com / demo-[a-z2-9]{4}-[a-z2-9]{4}", server.lines[1])
    assert server.lines[2].startswith("Data: PostgreSQL at ")
    assert server.lines[2].endswith(f"/{make_url(db_url).database}")
    assert server.lines[3] == f"Clickboard is running on http://127.0.0.1:{port}/  (Ctrl+C to stop)"
    assert server.errors == []


def test_an_unreachable_database_is_one_line_and_status_1(tmp_path):
    url = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
    result = app_py("--port", str(free_port()), env=clean_env(DATABASE_URL=url, DATA_DIR=str(tmp_path)), timeout=60)
    assert result.returncode == 1
    assert result.stdout == ""  # nothing claimed to be running
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("error: cannot use PostgreSQL at 127.0.0.1:1/nowhere: ")
