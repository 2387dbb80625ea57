"""Compressed answers for analysts far from the server: scripts, style sheets and JSON, never HTML pages.

flask-compress answers with zstd, brotli or gzip, whichever the browser prefers and accepts (static files, which are
streamed, with zstd or brotli). What is compressed: JavaScript and CSS (Dash's bundles, plotly, Bootstrap — over 90 %
of a first visit's bytes) and JSON (Dash's layout and callback answers, the stats API). What is not: HTML pages,
because they carry the CSRF token next to text a visitor typed, the setting that the BREACH attack needs to read a
secret out of compressed sizes; they are a few KiB anyway. The ingestion fast path is not behind Flask and sends
small answers uncompressed.
"""

from __future__ import annotations

import flask
from flask_compress import Compress

MIMETYPES = ["application/javascript", "text/javascript", "text/css", "application/json"]


def register(server: flask.Flask) -> None:
    server.config.update(COMPRESS_MIMETYPES=MIMETYPES, COMPRESS_MIN_SIZE=1024)
    Compress(server)
