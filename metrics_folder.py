"""The folder where several gunicorn workers keep their metrics (metrics.py), set up by the master.

Kept apart from metrics.py on purpose: prometheus_client reads PROMETHEUS_MULTIPROC_DIR once, when it is first
imported, so the master must set the variable before anything imports it; the workers it forks then inherit both.
"""

from __future__ import annotations

import os
import shutil
import tempfile

ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare() -> str:
    """A new empty folder for this server's workers, named in the environment they inherit."""
    folder = tempfile.mkdtemp(prefix="clickboard-metrics-")
    os.environ[ENV] = folder
    return folder


def worker_exited(pid: int) -> None:
    """A worker has exited: its live gauges stop counting (its counters keep counting)."""
    if os.environ.get(ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def remove() -> None:
    """The server stops: its folder goes."""
    folder = os.environ.pop(ENV, None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
