"""LOG_FORMAT=json: every log record as one JSON line on stderr, and one line for every request.

For log collectors (Loki, CloudWatch, Elasticsearch ...): no parsing rules needed. A request line is
`{"time", "level", "logger": "clickboard.request", "message": "request", "method", "path", "status",
"duration_ms", "bytes", "client"}`; any other record (a warning from the writer, say) is
`{"time", "level", "logger", "message"}` plus `"exception"` when it carries one. The path is logged without its
query string: an invitation link carries its one-time token there. With the default LOG_FORMAT=text nothing here is
installed (gunicorn's own access log remains available with GUNICORN_ACCESS_LOG=-).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime

from werkzeug.wsgi import ClosingIterator

REQUEST_LOGGER = "clickboard.request"


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line |= getattr(record, "fields", {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_json_logging(level: int = logging.INFO) -> None:
    """Send every record of the process as JSON lines to stderr (replacing the root logger's handlers)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("gunicorn.error", "gunicorn.access", "werkzeug"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the dev server's own access lines: ours replace them


class RequestLog:
    """WSGI middleware: one `clickboard.request` record per request, when its answer has been sent."""

    def __init__(self, app):
        self.app = app
        self.log = logging.getLogger(REQUEST_LOGGER)

    def __call__(self, environ: dict, start_response):
        started = time.perf_counter()
        seen: dict = {"status": 0, "bytes": 0}

        def start(status: str, headers: list, exc_info=None):
            seen["status"] = int(status.split(" ", 1)[0])
            length = next((v for k, v in headers if k.lower() == "content-length"), None)
            seen["bytes"] = int(length) if length and length.isdigit() else None
            return start_response(status, headers, exc_info)

        def done() -> None:
            fields = {
                "method": environ.get("REQUEST_METHOD"),
                "path": environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
                "status": seen["status"],
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "bytes": seen["bytes"],
                "client": environ.get("REMOTE_ADDR"),
            }
            self.log.info("request", extra={"fields": fields})

        return ClosingIterator(self.app(environ, start), [done])
