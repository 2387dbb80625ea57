"""Security headers: every response carries them, the ingestion fast path included.

- `Content-Security-Policy`: scripts only from this site, plus Dash's own inline scripts by their hashes
  (`Dash.csp_hashes()`: the line that starts the renderer); our own JavaScript lives in `assets/*.js`, never inline.
  Styles may be inline (plotly and Dash set style attributes and inject `<style>` elements); images and fonts may be
  `data:` URIs (Bootstrap's form controls draw their arrows with them). `frame-ancestors 'none'` (and the older
  `X-Frame-Options: DENY`): no other site may frame the dashboard (clickjacking). Forms post only to this site.
- `X-Content-Type-Options: nosniff`; `Referrer-Policy: same-origin` (a dashboard URL holds the analyst's filters and
  never leaves for another site); `Cross-Origin-Opener-Policy: same-origin`.
- `Strict-Transport-Security` when the request came over HTTPS (directly, via the trusted proxy, or
  SECURE_COOKIES=true): browsers then never use plain HTTP for this site again.
- `Cache-Control: no-store` on everything but the static files (`/assets/`, Dash's component suites, the favicon),
  which carry no data: no page, no callback answer, no API answer stays in a browser's or a proxy's cache. Static
  files under a versioned URL (Dash links our assets as `/assets/...?m=<modification time>` and fingerprints its own
  bundles) are cached for a year: a returning analyst downloads none of them again until they change.
- `Content-Disposition: attachment` on the API's answers (`/api/...`): a browser sent there saves the JSON instead of
  rendering it (ASVS 14.4.2).

The ingestion fast path (`ingestion_headers`) sends the four that matter for a JSON answer to a POST that needs no
login: the CSP (`default-src 'none'; frame-ancestors 'none'`), nosniff, the Referrer-Policy and the attachment
disposition (plus HSTS over HTTPS). Each header costs gunicorn ~3 µs to check and write, and a one-event request
is ~300 µs of app CPU in all: the page-only ones (X-Frame-Options, COOP, no-store) would cost ~3 % of its
throughput for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico")
HSTS = ("Strict-Transport-Security", "max-age=31536000")
NO_STORE = ("Cache-Control", "no-store")
CACHE_FOR_A_YEAR = ("Cache-Control", "public, max-age=31536000, immutable")
API_ATTACHMENT = ("Content-Disposition", 'attachment; filename="api.json"')
NOSNIFF = ("X-Content-Type-Options", "nosniff")
REFERRER = ("Referrer-Policy", "same-origin")

# what a JSON answer needs: it runs nothing, loads nothing and may be framed by nobody
API_POLICY = "default-src 'none'; frame-ancestors 'none'"


def content_security_policy(script_hashes: Iterable[str] = ()) -> str:
    """The policy of the app's pages: this site's scripts and Dash's inline ones (`'sha256-…'` sources)."""
    scripts = " ".join(["'self'", *script_hashes])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(policy: str, *, https: bool, static: bool = False, api: bool = False) -> list[tuple[str, str]]:
    """The headers for one response (`static`: a file under STATIC_PREFIXES, which may be cached; `api`: an answer
    of the API)."""
    headers = [
        ("Content-Security-Policy", policy),
        ("X-Frame-Options", "DENY"),
        NOSNIFF,
        REFERRER,
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if not static:
        headers.append(NO_STORE)
    if https:
        headers.append(HSTS)
    if api:
        headers.append(API_ATTACHMENT)
    return headers


def ingestion_headers(*, https: bool) -> list[tuple[str, str]]:
    """The headers of every answer of the ingestion fast path."""
    headers = [("Content-Security-Policy", API_POLICY), NOSNIFF, REFERRER, API_ATTACHMENT]
    return [*headers, HSTS] if https else headers


def is_static(path: str) -> bool:
    return path.startswith(STATIC_PREFIXES)


def register(server, policy: str) -> None:
    """Add the headers to every response of the Flask server (pages, Dash's endpoints, the API, errors)."""
    import flask

    from auth.cookies import request_is_https

    def add_security_headers(response: flask.Response) -> flask.Response:
        path = flask.request.path
        https = request_is_https()
        for name, value in security_headers(policy, https=https, static=is_static(path), api=path.startswith("/api/")):
            if name not in response.headers or name != "Content-Disposition":  # an export names its own file
                response.headers[name] = value
        if path.startswith("/assets/") and "m" in flask.request.args and response.status_code == 200:
            response.headers[CACHE_FOR_A_YEAR[0]] = CACHE_FOR_A_YEAR[1]
        return response

    server.after_request(add_security_headers)
