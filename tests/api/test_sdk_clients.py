"""The real SDKs from PyPI, unmodified, pointed at the app on a live server (only the host and the key changed, as
their READMEs say): segment-analytics-python and posthog. Identify with traits, track, flush; then the events, the
people and their demographics are checked against SQL. A server that loses its first answer (503 after commit) makes
each SDK send the batch again, and the events are counted once."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import text

from tests.api.conftest import counts
from tests.api.test_python_client import LiveServer
from tests.browser.conftest import free_port


def stored(engine) -> list[tuple]:
    """(feature, person's external id, age group, gender) of every event, sorted."""
    with engine.connect() as conn:
        return sorted(
            conn.execute(
                text(
                    "SELECT e.feature, p.external_id, e.age_group, e.gender FROM events e"
                    " LEFT JOIN people p ON p.id = e.user_id"
                )
            ).all()
        )


def people(engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT external_id, age, birth_date, gender FROM people")).all()
    return {row[0]: tuple(row[1:]) for row in rows}


class LoseFirstAnswer:
    """WSGI middleware: the first POST to `path` reaches the app (its events are committed) and its answer is
    replaced by 503 with Retry-After, as when a proxy or the network loses the answer; later requests pass."""

    def __init__(self, app, path: str):
        self.app, self.path = app, path
        self.lost = 0
        self.seen: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        with self._lock:
            self.seen.append(path)
            lose = path == self.path and self.lost == 0 and environ["REQUEST_METHOD"] == "POST"
            if lose:
                self.lost += 1
        if not lose:
            return self.app(environ, start_response)
        answer = []
        body = b"".join(self.app(environ, lambda status, headers, exc_info=None: answer.append(status)))
        assert answer[0].startswith("200"), body
        start_response("503 Service Unavailable", [("Content-Type", "application/json"), ("Retry-After", "1")])
        return [json.dumps({"error": "lost", "details": []}).encode()]


@pytest.fixture
def live(dash_app):
    """Start the app on a free port, optionally behind a middleware: live(wrap=None) -> base URL."""
    servers = []

    def start(wrap=None):
        port = free_port()
        app = dash_app.server if wrap is None else wrap(dash_app.server)
        server = LiveServer(type("App", (), {"server": app})(), port)
        servers.append(server.__enter__())
        return f"http://127.0.0.1:{port}"

    yield start
    for server in servers:
        server.__exit__(None, None, None)


# -- Segment -------------------------------------------------------------------------------------------------------


def segment_client(key: str, host: str, errors: list, **options):
    from segment.analytics import Client

    return Client(write_key=key, host=host, on_error=lambda e, batch: errors.append(e), upload_interval=0.1, **options)


def test_segment_sdk_identify_track_page_screen(live, api_key, engine):
    errors: list = []
    analytics = segment_client(api_key, live(), errors)
    analytics.identify("user-1", {"age": 34, "gender": "female", "email": "a@example.com"})
    analytics.identify("user-2", {"birthday": "2012-05-01", "gender": "M"})
    analytics.track("user-1", "Order Completed", {"revenue": 12})
    analytics.track("user-2", "Order Completed")
    analytics.page("user-1", name="Pricing")
    analytics.screen(anonymous_id="anon-7", name="Cart")
    analytics.track("user-1", "Button Clicked")
    analytics.shutdown()
    assert errors == []
    assert stored(engine) == [
        ("Button Clicked", "user-1", "18-40", "Female"),
        ("Cart", "anon-7", "unknown", "unknown"),
        ("Order Completed", "user-1", "18-40", "Female"),
        ("Order Completed", "user-2", "<18", "Male"),
        ("Pricing", "user-1", "18-40", "Female"),
    ]
    from datetime import date

    assert people(engine) == {
        "user-1": (34, None, "Female"),
        "user-2": (None, date(2012, 5, 1), "Male"),
        "anon-7": (None, None, None),
    }
    assert counts(engine) == (5, 5)


def test_segment_sdk_gzip_and_sync_mode(live, api_key, engine):
    errors: list = []
    analytics = segment_client(api_key, live(), errors, gzip=True, sync_mode=True)
    analytics.identify("user-3", {"age": 70, "gender": "Other"})
    analytics.track("user-3", "Exported")
    assert errors == []
    assert stored(engine) == [("Exported", "user-3", ">40", "Other")]


def test_segment_sdk_retries_a_lost_answer_and_the_events_count_once(live, api_key, engine):
    errors: list = []
    lose = []
    base = live(lambda app: lose.append(LoseFirstAnswer(app, "/v1/batch")) or lose[0])
    analytics = segment_client(api_key, base, errors)
    analytics.identify("user-1", {"age": 20, "gender": "male"})
    for _ in range(5):
        analytics.track("user-1", "Retried")
    analytics.shutdown()
    assert errors == []
    assert lose[0].lost == 1 and lose[0].seen.count("/v1/batch") >= 2  # the SDK sent the batch again
    assert stored(engine) == [("Retried", "user-1", "18-40", "Male")] * 5
    assert counts(engine) == (5, 5)


def test_segment_sdk_with_a_read_only_key_gets_403_and_writes_nothing(live, monkeypatch, db_url, engine):
    from tests.api.conftest import run_cli

    code, out, _ = run_cli(monkeypatch, db_url, "create-api-key", "reader", "--scope", "read")
    assert code == 0
    errors: list = []
    analytics = segment_client(out.strip().splitlines()[-1], live(), errors)
    analytics.track("user-1", "Refused")
    analytics.shutdown()
    assert [getattr(e, "status", None) for e in errors] == [403]
    assert counts(engine) == (0, 0)


# -- PostHog -------------------------------------------------------------------------------------------------------


def posthog_client(key: str, host: str, errors: list, **options):
    from posthog import Posthog

    return Posthog(key, host=host, on_error=lambda e, batch: errors.append(e), flush_interval=0.1, **options)


def test_posthog_sdk_set_capture_and_identify_event(live, api_key, engine):
    errors: list = []
    posthog = posthog_client(api_key, live(), errors)
    posthog.set(distinct_id="ph-1", properties={"age": 45, "gender": "male"})
    posthog.capture("Button Clicked", distinct_id="ph-1", properties={"plan": "pro"})
    posthog.capture("Order Completed", distinct_id="ph-2", properties={"$set": {"age": 17, "gender": "F"}})
    posthog.capture("$pageview", distinct_id="ph-2", properties={"$current_url": "https://example.com"})
    posthog.capture("$identify", distinct_id="ph-3", properties={"$set": {"age": 30}})
    posthog.capture("Exported", distinct_id="ph-3")
    posthog.flush()
    posthog.shutdown()
    assert errors == []
    assert stored(engine) == [
        ("$pageview", "ph-2", "<18", "Female"),
        ("Button Clicked", "ph-1", ">40", "Male"),
        ("Exported", "ph-3", "18-40", "unknown"),
        ("Order Completed", "ph-2", "<18", "Female"),
    ]
    assert people(engine) == {"ph-1": (45, None, "Male"), "ph-2": (17, None, "Female"), "ph-3": (30, None, None)}


def test_posthog_sdk_gzip_and_sync_mode(live, api_key, engine):
    errors: list = []
    posthog = posthog_client(api_key, live(), errors, gzip=True, sync_mode=True)
    posthog.set(distinct_id="ph-9", properties={"age": 99, "gender": "other"})
    posthog.capture("Zipped", distinct_id="ph-9")
    posthog.shutdown()
    assert errors == []
    assert stored(engine) == [("Zipped", "ph-9", ">40", "Other")]


def test_posthog_sdk_retries_a_lost_answer_and_the_events_count_once(live, api_key, engine):
    errors: list = []
    lose = []
    base = live(lambda app: lose.append(LoseFirstAnswer(app, "/batch/")) or lose[0])
    posthog = posthog_client(api_key, base, errors)
    posthog.set(distinct_id="ph-1", properties={"age": 25, "gender": "female"})
    for _ in range(5):
        posthog.capture("Retried", distinct_id="ph-1")
    posthog.flush()
    posthog.shutdown()
    assert errors == []
    assert lose[0].lost == 1 and lose[0].seen.count("/batch/") >= 2
    assert stored(engine) == [("Retried", "ph-1", "18-40", "Female")] * 5
    assert counts(engine) == (5, 5)
