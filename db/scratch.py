"""Throw-away databases for benchmarks and scripts: a fresh database on a server, or an embedded PostgreSQL."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import make_url, text

from config import normalize_database_url
from db.engine import make_engine


class ScratchDatabase(NamedTuple):
    url: str  # SQLAlchemy URL (psycopg 3)
    description: str  # one line saying where it is, for the caller's output


def database_url(server_url: str, name: str) -> str:
    """The SQLAlchemy URL of database `name` on the server of `server_url`."""
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def create_database(server_url: str, name: str, *, template: str | None = None) -> str:
    """Drop `name` on the server of `server_url` if it exists, create it (empty, or a copy of `template`), and
    return its SQLAlchemy URL."""
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            copy = f' TEMPLATE "{template}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    finally:
        admin.dispose()
    return database_url(server_url, name)


def database_exists(server_url: str, name: str) -> bool:
    """True when the server of `server_url` has a database `name`."""
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first()
    finally:
        admin.dispose()
    return found is not None


def drop_database(server_url: str, name: str) -> None:
    """Drop `name` on the server of `server_url` (connections to it are closed)."""
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def scratch_database(name: str, *, keep: bool = False, reuse: bool = False) -> Iterator[ScratchDatabase]:
    """A fresh, empty database for the duration of the block.

    With DATABASE_URL set: database `name` on that server, dropped and re-created, and dropped again when the block
    ends (unless `keep`); with `reuse`, a database `name` left by an earlier `keep` is used as it is. Without it:
    an embedded PostgreSQL in a temporary folder, deleted when the process exits.
    """
    server_url = normalize_database_url(os.environ.get("DATABASE_URL") or None)
    if not server_url:
        from db.embedded import start_embedded

        folder = Path(tempfile.mkdtemp(prefix=f"{name}-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)  # runs after the server's own cleanup (LIFO)
        yield ScratchDatabase(start_embedded(folder / "pgdata", cleanup="delete"), f"embedded PostgreSQL in {folder}")
        return
    url = database_url(server_url, name) if reuse and database_exists(server_url, name) else None
    url = url or create_database(server_url, name)
    try:
        yield ScratchDatabase(url, f"database {name} on DATABASE_URL")
    finally:
        if not keep:
            drop_database(server_url, name)
