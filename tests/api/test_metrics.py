"""GET /metrics (api/metrics.py, metrics.py): off without METRICS_TOKEN, token-protected, and every counter moves by
exactly what the requests did. Metrics are per process, so each test compares before and after."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from tests.api.conftest import new_event, post_events
from tests.conftest import login
from tests.dash_client import data_dep, filter_values, post_callback

TOKEN = "metrics-token-0123456789"
SCRAPE = {"Authorization": f"Bearer {TOKEN}"}


def samples(client) -> dict[tuple, float]:
    """{(sample name, sorted labels): value} from one scrape."""
    response = client.get("/metrics", headers=SCRAPE)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def delta(before: dict, after: dict, name: str, **labels) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


@pytest.fixture
def metrics_app(make_app):
    return make_app(metrics_token=SecretStr(TOKEN))


def test_metrics_are_off_without_a_token(client):
    response = client.get("/metrics")
    assert response.status_code == 404
    assert "METRICS_TOKEN" in response.get_json()["error"]


@pytest.mark.parametrize("header", [None, "Bearer wrong-token-0123456789", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_metrics_need_the_token(metrics_app, header):
    headers = {"Authorization": header} if header else {}
    response = metrics_app.server.test_client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert "clickboard_" not in response.get_data(as_text=True)


def test_ingestion_counts_accepted_duplicates_rejections_and_commits(metrics_app, api_key):
    client = metrics_app.server.test_client()
    key = {"Authorization": f"Bearer {api_key}"}
    before = samples(client)
    batch = [new_event() for _ in range(12)]
    assert post_events(client, key, batch).get_json() == {"accepted": 12, "duplicates": 0}
    assert post_events(client, key, batch[:3] + [new_event()]).get_json() == {"accepted": 1, "duplicates": 3}
    assert post_events(client, key, [{"feature": "no\ncontrol characters"}]).status_code == 400
    assert post_events(client, {}, [new_event()]).status_code == 401
    assert post_events(client, key, "x" * 10).status_code == 400
    after = samples(client)
    assert delta(before, after, "clickboard_events_accepted_total") == 13
    assert delta(before, after, "clickboard_events_duplicate_total") == 3
    assert delta(before, after, "clickboard_ingestion_rejected_total", reason="invalid") == 2
    assert delta(before, after, "clickboard_ingestion_rejected_total", reason="unauthorized") == 1
    assert delta(before, after, "clickboard_writer_commit_seconds_count") == 2
    assert delta(before, after, "clickboard_writer_batch_events_sum") == 16  # 12 + 4 events in the two commits
    assert delta(before, after, "clickboard_writer_batch_events_bucket", le="10.0") == 1  # the 4-event one
    assert delta(before, after, "clickboard_writer_batch_events_bucket", le="50.0") == 2
    assert after[("clickboard_writer_queue_events", ())] == 0


def test_logins_callbacks_and_refusals_are_counted(metrics_app, analyst, database_down):
    client = metrics_app.server.test_client()
    before = samples(client)
    assert login(client, password="not the password at all").status_code == 401
    assert login(client).status_code == 302
    assert post_callback(client, data_dep(client), filter_values(), ["date-range.start_date"]).status_code == 200
    after = samples(client)
    assert delta(before, after, "clickboard_login_failures_total") == 1
    assert delta(before, after, "clickboard_dashboard_callback_seconds_count") == 1

    database_down()
    assert client.get("/healthz").status_code == 503
    assert client.get("/").status_code == 503  # the gate cannot check the session
    final = samples(client)
    assert delta(after, final, "clickboard_refusals_total", status="503") == 2


@pytest.mark.processes
def test_under_two_gunicorn_workers_every_scrape_shows_the_sum_of_both(db_url, tmp_path, api_key):
    """40 requests on 40 new connections (the kernel spreads them over both workers' sockets), 25 events each: any
    worker answering /metrics reports all 1,000, not its own share."""
    import json
    import urllib.request

    from prometheus_client.parser import text_string_to_metric_families

    from tests.gunicorn_server import running_gunicorn

    with running_gunicorn(db_url, tmp_path, WEB_CONCURRENCY="2", METRICS_TOKEN=TOKEN) as server:
        base = server.base
        for _ in range(40):
            body = json.dumps({"events": [new_event() for _ in range(25)]}).encode()
            headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
            request = urllib.request.Request(f"{base}/api/v1/events", body, headers, method="POST")
            with urllib.request.urlopen(request, timeout=30) as response:
                assert json.loads(response.read()) == {"accepted": 25, "duplicates": 0}
        totals = []
        for _ in range(10):
            request = urllib.request.Request(f"{base}/metrics", headers=SCRAPE)
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read().decode()
            found = {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}
            totals.append(found["clickboard_events_accepted_total"])
        assert totals == [1000.0] * 10
