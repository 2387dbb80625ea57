"""Security headers on every response, the ingestion fast path included (headers.py).

Was: no Content-Security-Policy, no frame-ancestors/X-Frame-Options (another site framed the logged-in dashboard),
no nosniff, no Referrer-Policy, no HSTS behind HTTPS, no Cache-Control on authenticated pages and Dash's answers.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
from bs4 import BeautifulSoup

from tests.conftest import login
from tests.dash_client import data_dep, filter_values, post_callback

COMMON = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def assert_protected(response, *, cacheable: bool = False) -> None:
    for name, value in COMMON.items():
        assert response.headers.get(name) == value, (name, response.headers)
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy.get("script-src", [])
    assert "'unsafe-eval'" not in policy.get("script-src", [])
    if cacheable:
        assert response.headers.get("Cache-Control") != "no-store"
    else:
        assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP


def assert_api_protected(response) -> None:
    """An API answer: the headers, and a browser sent there saves the JSON rather than render it."""
    assert_protected(response)
    assert response.headers["Content-Disposition"] == 'attachment; filename="api.json"'


@pytest.mark.parametrize("path", ["/login", "/register", "/healthz", "/no/such/page"])
def test_public_answers_carry_the_headers(client, path):
    assert_protected(client.get(path))


def test_the_stats_api_carries_the_headers_logged_out_and_in(client, analyst):
    assert_api_protected(client.get("/api/v1/stats"))
    login(client)
    assert_api_protected(client.get("/api/v1/stats", query_string={"start": "2026-03-01", "end": "2026-03-31"}))


def test_every_logged_in_answer_carries_the_headers_and_is_never_cached(logged_in_client):
    for path in ["/", "/_dash-layout", "/_dash-dependencies", "/account/password"]:
        response = logged_in_client.get(path)
        assert response.status_code == 200, path
        assert_protected(response)
    callback = post_callback(logged_in_client, data_dep(logged_in_client), filter_values(), ["date-range.start_date"])
    assert callback.status_code == 200
    assert_protected(callback)


def test_static_files_carry_the_headers_and_may_be_cached(client):
    assert_protected(client.get("/assets/dashboard.css"), cacheable=True)


def assert_ingestion_protected(response) -> None:
    """The fast path's four: a JSON answer to a POST that needs no login (headers.py says why not the page ones)."""
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy == {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Content-Disposition"] == 'attachment; filename="api.json"'
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP


@pytest.mark.parametrize(
    ("method", "body", "status"),
    [("POST", {"events": [{"feature": "export_csv"}]}, 202), ("POST", {"events": "nope"}, 400), ("GET", None, 405)],
)
def test_the_ingestion_fast_path_carries_the_headers(client, api_key, method, body, status):
    response = client.open("/api/v1/events", method=method, json=body, headers={"Authorization": f"Bearer {api_key}"})
    assert response.status_code == status
    assert_ingestion_protected(response)


def test_unauthenticated_ingestion_and_unknown_api_paths_carry_the_headers(client):
    assert_ingestion_protected(client.post("/api/v1/events", json={"events": []}))
    assert_api_protected(client.get("/api/v1/nothing-here"))


def test_over_https_every_answer_asks_for_https_only(logged_in_client, api_key):
    https = {"base_url": "https://localhost"}
    for response in (
        logged_in_client.get("/login", **https),
        logged_in_client.get("/assets/dashboard.css", **https),
        logged_in_client.post(
            "/api/v1/events",
            json={"events": [{"feature": "x"}]},
            headers={"Authorization": f"Bearer {api_key}"},
            **https,
        ),
    ):
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_the_dashboard_pages_inline_scripts_are_exactly_the_hashed_ones(logged_in_client):
    """Every inline script the page runs is allowed by its hash, and nothing else inline is."""
    response = logged_in_client.get("/")
    allowed = set(directives(response.headers["Content-Security-Policy"])["script-src"]) - {"'self'"}
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    inline = [
        script.string or ""
        for script in soup.find_all("script")
        if not script.get("src") and script.get("type") not in ("application/json",)
    ]
    assert inline, "Dash's page starts its renderer with an inline script"
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in inline}
    assert hashes == allowed
    for page in ("/login", "/register", "/account/password"):
        html = BeautifulSoup(logged_in_client.get(page).get_data(as_text=True), "html.parser")
        assert [s for s in html.find_all("script") if not s.get("src")] == [], f"{page} has an inline script"
