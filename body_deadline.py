"""A deadline for reading a request body: a client that sends its body slowly, or never, gets 408 and is cut off.

Without it, a client that announces a body and then trickles it (or sends nothing) holds a worker's greenlet or
thread for as long as it likes: a few hundred such connections make the app unreachable. `BodyDeadline` wraps the
whole WSGI app (the ingestion fast path included) and gives every request BODY_TIMEOUT_SECONDS to deliver its body,
measured from when the app first asks for it.

The connection's socket, which the server puts in the WSGI environ (gunicorn under gevent or threads, and
werkzeug's development server do), gets the time left as its timeout before each read. Nothing is paid unless a
read has to wait (a gevent socket arms a timer only then), and a body that arrived with the headers, as most do, is
not read from the socket at all. A server that does not say which socket it uses gets no deadline.

A read that runs out of time raises werkzeug's `RequestTimeout`, which Flask and the ingestion app answer as 408,
and the response closes the connection (a half-read body cannot be resumed). Slow *headers* never reach the app:
put a reverse proxy in front for those (README, production deployment).
"""

from __future__ import annotations

import time

from werkzeug.exceptions import RequestTimeout

SOCKET_KEYS = ("gunicorn.socket", "werkzeug.socket")
MESSAGE = "The request body was not received in time; nothing was done."


class BodyDeadline:
    """WSGI middleware: every request's body must arrive within `seconds`."""

    def __init__(self, app, seconds: float):
        self.app = app
        self.seconds = seconds

    def __call__(self, environ: dict, start_response):
        if environ.get("CONTENT_LENGTH", "0") not in ("", "0") or "chunked" in environ.get(
            "HTTP_TRANSFER_ENCODING", ""
        ):
            sock = next((environ[key] for key in SOCKET_KEYS if key in environ), None)
            if sock is not None:
                environ["wsgi.input"] = DeadlineInput(environ["wsgi.input"], self.seconds, sock)

        def start(status: str, headers: list, exc_info=None):
            if status.startswith("408"):
                headers = [(k, v) for k, v in headers if k.lower() != "connection"] + [("Connection", "close")]
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


class DeadlineInput:
    """A `wsgi.input` whose reads fail with RequestTimeout once the deadline has passed."""

    def __init__(self, stream, seconds: float, sock):
        self._stream = stream
        self._seconds = seconds
        self._deadline: float | None = None  # starts at the first read
        self._sock = sock

    def read(self, *args):
        return self._call(self._stream.read, *args)

    def readline(self, *args):
        return self._call(self._stream.readline, *args)

    def readlines(self, *args):
        return self._call(self._stream.readlines, *args)

    def __iter__(self):
        while line := self.readline():
            yield line

    def _call(self, read, *args):
        if self._deadline is None:
            self._deadline = time.monotonic() + self._seconds
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise RequestTimeout(MESSAGE)
        previous = self._sock.gettimeout()
        self._sock.settimeout(left)
        try:
            return read(*args)
        except TimeoutError:
            raise RequestTimeout(MESSAGE) from None
        finally:
            try:
                self._sock.settimeout(previous)
            except OSError:
                pass
