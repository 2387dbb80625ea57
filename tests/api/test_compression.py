"""Compressed scripts, styles and JSON; never compressed HTML (BREACH); a year of caching for versioned static files;
the plotly.js basic bundle in assets/ instead of Dash's full one (compression.py, headers.py)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import brotli
from bs4 import BeautifulSoup

from layouts.ids import LAST_UPDATED, STATUS_BANNER_TIME
from tests.dash_client import data_dep, filter_values, post_callback

PROJECT = Path(__file__).resolve().parents[2]
BASIC_BUNDLE = PROJECT / "assets" / "vendor" / "plotly-basic.min.js"


def script_urls(client) -> list[str]:
    return [
        s["src"]
        for s in BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser").find_all("script", src=True)
    ]


def test_the_page_loads_the_basic_plotly_bundle_and_not_the_full_one(logged_in_client):
    urls = script_urls(logged_in_client)
    assert any(url.startswith("/assets/vendor/plotly-basic.min.js?m=") for url in urls)
    assert not any("package_data/plotly.min.js" in url for url in urls)
    assert BASIC_BUNDLE.read_text(errors="replace").startswith("/**\n* plotly.js (basic - minified)")


def test_a_versioned_script_is_compressed_and_cached_for_a_year(logged_in_client):
    url = next(url for url in script_urls(logged_in_client) if "plotly-basic" in url)
    response = logged_in_client.get(url, headers={"Accept-Encoding": "br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    assert brotli.decompress(response.get_data()) == BASIC_BUNDLE.read_bytes()
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_an_unversioned_static_file_is_revalidated(client):
    response = client.get("/assets/vendor/bootstrap.min.css", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "max-age=31536000" not in response.headers.get("Cache-Control", "")


def test_callback_answers_are_compressed(logged_in_client):
    plain = post_callback(logged_in_client, data_dep(logged_in_client), filter_values(), ["date-range.start_date"])
    packed = post_callback(
        logged_in_client,
        data_dep(logged_in_client),
        filter_values(),
        ["date-range.start_date"],
        headers={"Accept-Encoding": "gzip"},
    )
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    unpacked = json.loads(gzip.decompress(packed.get_data()))
    expected = plain.get_json()
    for answer in (unpacked, expected):  # the time of the update may differ by a second between the two requests
        for shown_time in (LAST_UPDATED, STATUS_BANNER_TIME):
            answer["response"].pop(shown_time)
    assert unpacked == expected


def test_html_pages_are_never_compressed(logged_in_client):
    """They carry the CSRF token next to typed text: compressed, their sizes could leak it (BREACH)."""
    for path in ("/", "/login", "/account/password"):
        response = logged_in_client.get(path, headers={"Accept-Encoding": "gzip, br, zstd"})
        assert response.mimetype == "text/html"
        assert "Content-Encoding" not in response.headers, path
