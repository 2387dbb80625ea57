"""gunicorn settings for `gunicorn app:server` (gunicorn reads this file from the working directory).

Sized for a 2-core machine that also runs PostgreSQL: two gevent workers (one per core). A request spends most of its
time waiting for the group-commit writer, so concurrency comes from greenlets (up to 1000 connections per worker),
not processes; more processes than cores only adds contention with PostgreSQL. psycopg 3 cooperates with gevent by
itself. Measured with bench/load.py: gevent costs ~35% less CPU per request than gthread (no thread hand-offs under
the GIL). GUNICORN_WORKER_CLASS=gthread (with GUNICORN_THREADS threads per worker) remains available.

Environment:
  SECRET_KEY     required (the master refuses to start without it)
  DATABASE_URL   postgresql+psycopg://...; when unset, the master starts the embedded PostgreSQL in DATA_DIR and
                 hands its URL to every worker
  PORT           port to listen on (default 8050); HOST address (default 127.0.0.1); or GUNICORN_BIND=host:port
  WEB_CONCURRENCY number of worker processes (default 2); GUNICORN_WORKER_CLASS (default gevent)

Migrations run once, in the master, before any worker starts. On shutdown each worker flushes its event writer.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from config import ConfigError, Settings  # noqa: E402  (the project folder must be on the path first)

try:
    settings = Settings.load().require_secret()
except ConfigError as exc:
    print(f"error: {exc}", file=sys.stderr, flush=True)
    sys.exit(2)  # before binding or forking

# before anything imports prometheus_client: the workers keep their metrics in this folder, /metrics sums them
import metrics_folder  # noqa: E402

metrics_folder.prepare()

bind = [settings.bind]
worker_class = settings.gunicorn_worker_class
workers = settings.web_concurrency
threads = settings.gunicorn_threads  # gthread only
worker_connections = 1000  # concurrent connections per worker
# Each worker listens on its own SO_REUSEPORT socket, so the kernel spreads new connections over the workers.
# With one shared socket, whichever worker wakes first accepts a burst of connections and, since API clients keep
# them alive, may serve all the load alone while the other idles (measured: one worker at 100 %, one at 0 %).
reuse_port = True
backlog = 2048
keepalive = 15  # API clients keep connections open between batches
timeout = 30  # a worker silent for this long is restarted (requests answer within ~5 s: submit timeout)
graceful_timeout = 20  # on stop, time for in-flight requests and the writer's final flush
accesslog = settings.gunicorn_access_log  # off by default: it costs ~10% at high request rates
errorlog = "-"
loglevel = settings.gunicorn_log_level
proc_name = "clickboard"
control_socket_disable = True  # several servers on one machine would fight over the one default socket path


def on_starting(server):
    """In the master, once: provide a database and migrate it. Any problem stops the start."""
    from db.engine import Database
    from db.migrate import current_revision, upgrade

    database = Database(settings)
    if settings.database_url is None:
        url = database.url  # starts the embedded PostgreSQL, owned by this master process
        os.environ["DATABASE_URL"] = url  # the workers inherit it
        server.log.info("No DATABASE_URL: started the embedded PostgreSQL in %s", settings.data_dir / "pgdata")
    try:
        upgrade(database.engine)
        server.log.info("Database schema at migration %s", current_revision(database.engine))
    except Exception as exc:
        print(f"error: cannot migrate the database: {exc}", file=sys.stderr, flush=True)
        sys.exit(3)
    finally:
        database.dispose()  # no connection may cross the fork


def post_worker_init(worker):
    """The app is loaded: move its objects (~100k: Dash, plotly, Flask) out of the garbage collector's generations.

    Ingestion allocates many short-lived objects (typed events); each full collection would otherwise walk the
    whole app's heap again. Measured on a 500-event batch: decoding 4.1 instead of 5.6 us/event.
    """
    import gc

    gc.freeze()


def worker_exit(server, worker):
    """Flush the worker's queued events before it goes (graceful stop, max-requests restart)."""
    module = sys.modules.get("app")
    if module is None or not hasattr(module, "server"):
        return
    from appstate import state

    appstate = state(module.server)
    appstate.writer.close(timeout=graceful_timeout - 2)
    appstate.database.dispose()


def child_exit(server, worker):
    metrics_folder.worker_exited(worker.pid)


def on_exit(server):
    metrics_folder.remove()


def when_ready(server):
    # with reuse_port each worker opens its own socket, so gunicorn's own "Listening at" line shows no address
    server.log.info("Clickboard listening on %s (%d %s workers)", ", ".join(bind), workers, worker_class)
