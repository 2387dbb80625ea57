"""Engine creation: DATABASE_URL, or an embedded PostgreSQL started on first use; and DATABASE_READ_URL, an optional
streaming replica for the figures' reads (`Database.read_connect`), with the primary as its fallback.

`CONNECT_ARGS` are the options of every connection the app opens: the SQLAlchemy engine's pool and the event writer's
own psycopg connection (`libpq_url` turns the SQLAlchemy URL into the one psycopg takes).
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Connection, Engine, create_engine, make_url
from sqlalchemy.exc import SQLAlchemyError

import metrics
from config import Settings
from db.errors import is_unavailable
from db.replica import LIVE, Freshness, replica_freshness

log = logging.getLogger(__name__)
# after the replica failed to answer, reads go to the primary for this long before the replica is tried again
REPLICA_RETRY_SECONDS = 30.0

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
    """Where the data lives, for people (never the password): the embedded folder or the server's address, and the
    read replica's when there is one."""
    if settings.database_url is None:
        where = f"the embedded PostgreSQL in {settings.data_dir / 'pgdata'}"
    else:
        where = f"PostgreSQL at {_address(settings.database_url)}"
    if settings.database_read_url is not None:
        where += f" (figures read on the replica at {_address(settings.database_read_url)})"
    return where


def _address(sqlalchemy_url: str) -> str:
    url = make_url(sqlalchemy_url)
    return f"{url.host or 'the local socket'}:{url.port or 5432}/{url.database or ''}"


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
    """Resolves the database URL lazily, so importing the app never starts a server.

    `engine` is the primary: every write, login and session, API key, meta-analytics, migration and anything else.
    `read_connect()` is for the figures only (the dashboard's data, the stats API, the export): a connection to the
    read replica (DATABASE_READ_URL) when one is set and answers, else to the primary."""

    def __init__(self, settings: Settings, url: str | None = None, read_url: str | None = None):
        self.settings = settings
        self._url = url or settings.database_url
        self.read_url = read_url or settings.database_read_url
        self._engine: Engine | None = None
        self._read_engine: Engine | None = None
        self._replica_retry_at = 0.0  # time.monotonic() before which the replica is not tried (it did not answer)
        self.replica_retry_seconds = REPLICA_RETRY_SECONDS
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

    @property
    def read_engine(self) -> Engine:
        """The read replica's engine; the primary's when DATABASE_READ_URL is unset."""
        if self.read_url is None:
            return self.engine
        if self._read_engine is None:
            with self._lock:
                if self._read_engine is None:
                    self._read_engine = make_engine(self.read_url)
        return self._read_engine

    def read_connect(self) -> Connection:
        """A connection for reading figures: the replica, or the primary when there is none or when the replica did
        not answer (then the primary for REPLICA_RETRY_SECONDS, so an unreachable replica costs one connect timeout
        per period, not one per request). An unavailable primary raises as `engine.connect()` does."""
        if self.read_url is None:
            return self.engine.connect()
        if time.monotonic() >= self._replica_retry_at:
            try:
                return self.read_engine.connect()
            except SQLAlchemyError as error:
                if not is_unavailable(error):
                    raise
                self._replica_retry_at = time.monotonic() + self.replica_retry_seconds
                log.warning(
                    "the read replica does not answer; reading from the primary for %.0f s: %s",
                    self.replica_retry_seconds,
                    error.__class__.__name__,
                )
        metrics.REPLICA_FALLBACKS.inc()
        return self.engine.connect()

    def freshness(self, conn: Connection) -> Freshness:
        """How current the figures read on `conn` (from `read_connect`) are: LIVE on the primary, else the replica's
        lag, `behind` above REPLICA_LAG_WARNING_SECONDS."""
        if self._read_engine is None or conn.engine is not self._read_engine:
            return LIVE
        freshness = replica_freshness(conn, self.settings.replica_lag_warning_seconds)
        metrics.REPLICA_LAG.set(-1 if freshness.lag_seconds is None else freshness.lag_seconds)
        return freshness

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        if self._read_engine is not None:
            self._read_engine.dispose()
