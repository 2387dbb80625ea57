"""What an operator watches: Prometheus metrics, correct under several gunicorn workers.

Every worker counts in its own process; /metrics (api/metrics.py) adds them up. Under `gunicorn app:server`,
gunicorn.conf.py points PROMETHEUS_MULTIPROC_DIR at an empty folder of its own before any worker starts (and before
anything imports prometheus_client, which reads the variable once: metrics_folder.py), so every worker keeps its
values in small memory-mapped files there and /metrics sums them; a worker that exits is marked dead (its counters
still count, its gauges stop). Without that variable (`uv run app.py`'s single worker, tests) the values live in
the process.

The names, all prefixed `clickboard_`:
- `events_accepted_total`, `events_duplicate_total`: events committed by the event writer, and those skipped as
  already stored (a retry);
- `ingestion_rejected_total{reason}`: ingestion requests refused (invalid, unauthorized, forbidden, too_large,
  not_json, timeout, overloaded, unavailable, not_found, method, error);
- `refusals_total{status}`: every 429 and 503 answer of the app, on any path;
- `writer_queue_events`: events waiting for the writer (summed over workers);
- `writer_commit_seconds`, `writer_batch_events`: how long a group commit takes and how many events it holds;
- `dashboard_callback_seconds`: server time of a dashboard callback (`POST /_dash-update-component`);
- `login_failures_total`, `login_throttled_total`: wrong email/password answers and throttled login attempts;
- with a read replica (DATABASE_READ_URL): `replica_lag_seconds`, its lag as last measured before a read of figures
  (the largest over workers; -1 when it cannot tell), and `replica_fallbacks_total`, reads of figures sent to the
  primary because the replica did not answer.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess

from metrics_folder import ENV as MULTIPROCESS_ENV

EVENTS_ACCEPTED = Counter("clickboard_events_accepted_total", "Events committed by the event writer")
EVENTS_DUPLICATE = Counter("clickboard_events_duplicate_total", "Events skipped as already stored (a retry)")
INGESTION_REJECTED = Counter("clickboard_ingestion_rejected_total", "Ingestion requests refused", ["reason"])
REFUSALS = Counter("clickboard_refusals_total", "429 and 503 answers", ["status"])
WRITER_QUEUE = Gauge(
    "clickboard_writer_queue_events", "Events waiting for the event writer", multiprocess_mode="livesum"
)
WRITER_COMMIT = Histogram(
    "clickboard_writer_commit_seconds",
    "Time of one group commit of the event writer",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
WRITER_BATCH = Histogram(
    "clickboard_writer_batch_events",
    "Events in one group commit",
    buckets=(1, 10, 50, 100, 500, 1000, 2500, 5000, 10000, 25000),
)
DASHBOARD_CALLBACK = Histogram(
    "clickboard_dashboard_callback_seconds",
    "Server time of a dashboard callback",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
LOGIN_FAILURES = Counter("clickboard_login_failures_total", "Logins refused for a wrong email or password")
LOGIN_THROTTLED = Counter("clickboard_login_throttled_total", "Login attempts refused by the throttle")
REPLICA_LAG = Gauge(
    "clickboard_replica_lag_seconds",
    "The read replica's lag as last measured before a read of figures (-1: unknown)",
    multiprocess_mode="livemax",
)
REPLICA_FALLBACKS = Counter(
    "clickboard_replica_fallbacks_total", "Reads of figures sent to the primary because the read replica did not answer"
)

REJECTION_REASONS = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method",
    408: "timeout",
    413: "too_large",
    415: "not_json",
    429: "overloaded",
    503: "unavailable",
}


def observe_commit(seconds: float, rows: int, accepted: int, duplicates: int) -> None:
    """One group commit of the event writer."""
    WRITER_COMMIT.observe(seconds)
    WRITER_BATCH.observe(rows)
    EVENTS_ACCEPTED.inc(accepted)
    EVENTS_DUPLICATE.inc(duplicates)


def count_refusal(status: int) -> None:
    """Count a 429 or 503 answer (any other status is ignored)."""
    if status in (429, 503):
        REFUSALS.labels(str(status)).inc()


def count_ingestion_rejection(status: int) -> None:
    INGESTION_REJECTED.labels(REJECTION_REASONS.get(status, "error")).inc()
    count_refusal(status)


def exposition() -> bytes:
    """Every metric in Prometheus' text format, summed over the workers when there are several."""
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest()
