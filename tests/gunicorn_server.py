"""`gunicorn app:server` with the repository's gunicorn.conf.py, as a test's own process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.browser.conftest import free_port

PROJECT = Path(__file__).resolve().parents[1]
START_AT_MOST = 60  # seconds to wait for /healthz: a bound on waiting, not a timing assertion


@dataclass
class Gunicorn:
    port: int
    log_path: Path
    process: subprocess.Popen

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def running_gunicorn(db_url: str, folder: Path, **env: str) -> Iterator[Gunicorn]:
    """Start gunicorn on a free port with DATABASE_URL, a SECRET_KEY and `env`; yield it once /healthz answers;
    SIGTERM it afterwards unless the test already stopped it (the log may then be read)."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "PORT")}
    environ |= {"DATABASE_URL": db_url, "SECRET_KEY": "s3cret", "PORT": str(port), "DATA_DIR": str(folder), **env}
    log_path = folder / "gunicorn.log"
    with open(log_path, "w+") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "app:server"], cwd=PROJECT, env=environ, stdout=log, stderr=log
        )
        try:
            deadline = time.monotonic() + START_AT_MOST
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                        break
                except OSError:
                    assert server.poll() is None, log_path.read_text()
                    assert time.monotonic() < deadline, "gunicorn did not start"
                    time.sleep(0.2)
            yield Gunicorn(port, log_path, server)
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
            server.wait(30)
