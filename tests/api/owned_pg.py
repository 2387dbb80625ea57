"""A PostgreSQL server that a test owns (embedded, in its tmp_path), so the test may stop and restart it.

Never used on the shared server: stopping that one would break every other test and session.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from db.embedded import restart_embedded, start_embedded, stop_embedded
from db.engine import make_engine
from db.migrate import upgrade


@contextlib.contextmanager
def owned_postgres(folder: Path) -> Iterator[tuple[Path, str]]:
    """Start a migrated server in `folder`; yield (pgdata, SQLAlchemy URL); stop it and delete its files after."""
    pgdata = Path(folder) / "owned-pg"
    url = start_embedded(pgdata, cleanup="delete")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield pgdata, url
    finally:
        from db.embedded import _server

        try:
            stop_embedded(pgdata, "fast")
        except Exception:  # already stopped
            pass
        try:
            _server(pgdata).cleanup()
        except Exception:
            pass


def stop_now(pgdata: Path) -> None:
    """Crash-stop: immediate mode, no checkpoint; what a power cut or an OOM kill does to the server."""
    stop_embedded(pgdata, "immediate")


def start_again(pgdata: Path) -> None:
    restart_embedded(pgdata)
