"""The server behind `uv run app.py`: gunicorn with one gevent worker, the production server, not Flask's.

`listen` binds the address first, before anything else starts, so a bad or taken port is one clear line (ServeError)
and nothing claims to be running. `run` hands that socket to gunicorn (`fd://`), which forks one worker that builds
the app on the database the command line prepared, prints "Clickboard is running on ..." once it is ready, writes
its queued events when it stops (Ctrl+C, SIGTERM), and logs one line per page, form or API call, none for assets
and Dash's own requests.

Log levels (`LOG_LEVEL`, `--quiet` = warning): `info` those access lines, warnings and errors; `warning` no access
lines; `error` errors only; `debug` gunicorn's own messages and every request, assets included.
"""

from __future__ import annotations

import errno
import logging
import socket
import sys

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from config import Settings

QUIET_PREFIXES = ("/assets/", "/_dash-", "/_favicon.ico", "/_reload-hash")  # no access line for these
ACCESS_FORMAT = "%(t)s %(m)s %(U)s %(s)s %(M)sms"  # the path without its query: no invitation token in the log
GRACEFUL_SECONDS = 20
BACKLOG = 2048


class ServeError(Exception):
    """The address cannot be served; the message is one line saying why."""


def url_of(host: str, port: int) -> str:
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (inheritable by the worker), or ServeError saying why not."""
    where = f"{host}:{port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError):
        raise ServeError(f"cannot listen on {where}: unknown host {host!r} (use e.g. --host 127.0.0.1)") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart reuses a port in TIME_WAIT at once
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        reasons = {
            errno.EADDRINUSE: "the port is already in use (another Clickboard?); choose another with --port or PORT",
            errno.EACCES: "permission denied (ports below 1024 need privileges); choose another with --port",
            errno.EADDRNOTAVAIL: "this machine has no such address; use e.g. --host 127.0.0.1",
        }
        raise ServeError(f"cannot listen on {where}: {reasons.get(exc.errno, exc.strerror or str(exc))}") from None
    sock.set_inheritable(True)
    return sock


class AccessLogger(Logger):
    """gunicorn's logger, with one access line per page or API call: none for static assets and Dash's own
    requests (layout, dependencies, callbacks), except at debug level."""

    def access(self, resp, req, environ, request_time):
        path = environ.get("PATH_INFO") or ""
        if self.cfg.loglevel.lower() != "debug" and path.startswith(QUIET_PREFIXES):
            return
        super().access(resp, req, environ, request_time)


class DevServer(BaseApplication):
    """gunicorn, configured here (no gunicorn.conf.py, no command line of its own), serving the app built from
    `settings` on the socket `listener`."""

    def __init__(self, listener: socket.socket, settings: Settings, url: str):
        self.fd = listener.detach()  # gunicorn owns the socket from here on
        self.settings = settings
        self.url = url
        super().__init__(prog="app.py")

    def load_config(self) -> None:
        level = self.settings.log_level
        options = {
            "bind": [f"fd://{self.fd}"],
            "workers": 1,
            "worker_class": "gevent",
            "worker_connections": 1000,
            "keepalive": 15,
            "timeout": 30,
            "graceful_timeout": GRACEFUL_SECONDS,
            "loglevel": level if level in ("debug", "error") else "warning",
            "errorlog": "-",
            "accesslog": "-" if level in ("debug", "info") else None,
            "access_log_format": ACCESS_FORMAT,
            "logger_class": AccessLogger,
            "proc_name": "clickboard",
            "control_socket_disable": True,
            "post_fork": self.post_fork,
            "post_worker_init": self.post_worker_init,
            "worker_exit": self.worker_exit,
        }
        for name, value in options.items():
            self.cfg.set(name, value)

    def load(self):
        from app import create_app

        return create_app(self.settings).server

    # -- hooks (in the worker) ---------------------------------------------------------------------------------

    def post_fork(self, server, worker) -> None:
        logging.getLogger().setLevel(self.settings.log_level.upper())  # the app's own loggers follow LOG_LEVEL

    def post_worker_init(self, worker) -> None:
        import gc
        import signal

        # Ctrl+C reaches every process of the terminal's group: the worker leaves it to the master, which stops it
        # gracefully (SIGTERM: requests in flight finish, queued events are written)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        gc.freeze()  # as gunicorn.conf.py: the app's objects leave the collector's generations
        if worker.age == 1:  # the first worker; a replacement after a crash says nothing
            print(f"Clickboard is running on {self.url}  (Ctrl+C to stop)", flush=True)

    def worker_exit(self, server, worker) -> None:
        """Write the queued events before the worker goes (Ctrl+C, SIGTERM)."""
        if self.callable is None:
            return
        from appstate import state

        appstate = state(self.callable)
        appstate.writer.close(timeout=GRACEFUL_SECONDS - 2)
        appstate.database.dispose()

    def run(self) -> None:
        from gunicorn.arbiter import Arbiter

        arbiter = Arbiter(self)
        arbiter.handle_int = arbiter.handle_term  # Ctrl+C stops as gracefully as SIGTERM (gunicorn: at once)
        arbiter.run()  # exits the process when it stops


def run(listener: socket.socket, settings: Settings, url: str) -> int:
    """Serve until Ctrl+C or SIGTERM; gunicorn exits the process itself (status 0 after a clean stop)."""
    DevServer(listener, settings, url).run()
    return 0


def exit_quietly_on_sigterm(*_) -> None:
    """Until gunicorn takes over the signals: SIGTERM exits like Ctrl+C (atexit stops the embedded PostgreSQL)."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not interrupt the cleanup
    sys.exit(0)
