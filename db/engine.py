"""Engine creation: DATABASE_URL, or an embedded PostgreSQL started on first use.

`CONNECT_ARGS` are the options of every connection the app opens: the SQLAlchemy engine's pool and the event writer's
own psycopg connection (`libpq_url` turns the SQLAlchemy URL into the one psycopg takes).
"""

from __future__ import annotations

import threading

from sqlalchemy import Engine, create_engine, make_url

from config import Settings

CONNECT_ARGS = {
    "connect_timeout": 3,
    # bounded waits: a statement or a lock never hangs a request (or the writer) forever
    "options": "-c statement_timeout=15000 -c lock_timeout=5000",
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 2,
}


def libpq_url(sqlalchemy_url: str) -> str:
    """postgresql+psycopg://... -> postgresql://... for a plain psycopg connection."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


def make_engine(url: str, **kwargs) -> Engine:
    """A SQLAlchemy engine on psycopg 3 with short connect and statement timeouts."""
    options = dict(pool_pre_ping=True, pool_size=10, max_overflow=20, pool_timeout=5, connect_args=CONNECT_ARGS)
    options.update(kwargs)
    return create_engine(url, **options)


def database_location(settings: Settings) -> str:
    """Where the data lives, for people (never the password): the embedded folder or the server's address."""
    if settings.database_url is None:
        return f"the embedded PostgreSQL in {settings.data_dir / 'pgdata'}"
    url = make_url(settings.database_url)
    return f"PostgreSQL at {url.host or 'the local socket'}:{url.port or 5432}/{url.database or ''}"


def embedded_status(settings: Settings) -> str | None:
    """What opening the database is about to do, when it is the embedded one: "Starting ..." or "Using ... already
    running" (another process, such as the running app, started it); None with DATABASE_URL."""
    if settings.database_url is not None:
        return None
    from db.embedded import embedded_running

    pgdata = settings.data_dir / "pgdata"
    if embedded_running(pgdata):
        return f"Using the embedded database already running in {pgdata}"
    return f"Starting the embedded database in {pgdata} ..."


class Database:
    """Resolves the database URL lazily, so importing the app never starts a server."""

    def __init__(self, settings: Settings, url: str | None = None):
        self.settings = settings
        self._url = url or settings.database_url
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        with self._lock:
            if self._url is None:
                from db.embedded import start_embedded

                self._url = start_embedded(self.settings.data_dir / "pgdata")
            return self._url

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            url = self.url
            with self._lock:
                if self._engine is None:
                    self._engine = make_engine(url)
        return self._engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
