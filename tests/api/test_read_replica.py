"""DATABASE_READ_URL against a real streaming replica: a primary this module owns and a hot standby made from it with
`pg_basebackup -R` (devtools/replica_pair.py), started once for the module.

Which server answered is proven by pausing the standby's replay: events acknowledged by the primary are then missing
from the figures (the stats API and the dashboard's data callback) until replay resumes, while logins and ingestion,
which need the primary, keep working. The expected figures come from tests/oracle.py on the primary's raw events.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from app import create_app
from appstate import state
from config import Settings
from db.api_keys import create_key
from db.engine import make_engine
from db.users import create_user
from devtools.replica_pair import replica_pair
from tests import oracle
from tests.conftest import login, logout
from tests.dash_client import data_dep, filter_values, post_callback, text_of

pytestmark = pytest.mark.processes  # starts servers of its own: run once in CI, not per database

EMAIL, PASSWORD = "rita@example.com", "replicas replay the log"
WARN_AFTER = 2  # REPLICA_LAG_WARNING_SECONDS for these tests: a paused replay is "behind" after two seconds


def today():
    return datetime.now(UTC).date()


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    with replica_pair(tmp_path_factory.mktemp("replica")) as pair:
        yield pair


@pytest.fixture(scope="module")
def primary(pair):
    engine = make_engine(pair.primary_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def key(primary) -> str:
    """An analyst (created on the primary) and an API key that may send events and read figures."""
    with primary.begin() as conn:
        create_user(conn, EMAIL, PASSWORD, "Rita Replica", 35, "Female")
        return create_key(conn, "replica-test", ["ingest", "read"])


@pytest.fixture
def app(pair, key, tmp_path):
    settings = Settings(
        database_url=pair.primary_url,
        database_read_url=pair.standby_url,
        secret_key="test-secret-key",
        data_dir=tmp_path,
        password_hash_cost="test",
        replica_lag_warning_seconds=WARN_AFTER,
    )
    app = create_app(settings)
    yield app
    state(app.server).close()


def send(client, key: str, count: int) -> None:
    events = [{"event_id": str(uuid.uuid4()), "feature": f"replica.f{n % 3}"} for n in range(count)]
    response = client.post("/api/v1/events", json={"events": events}, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 202, response.get_data(as_text=True)
    assert response.get_json() == {"accepted": count, "duplicates": 0}


def stats(client, key: str) -> dict:
    day = str(today())
    response = client.get(f"/api/v1/stats?start={day}&end={day}", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def figures(body: dict) -> dict:
    """The stats body without its freshness keys: what the oracle computes."""
    return {k: v for k, v in body.items() if k not in ("data_as_of", "behind")}


def dashboard(client) -> dict:
    """The data callback's answer for today (the logged-in analyst's view), by component."""
    response = post_callback(
        client, data_dep(client), filter_values(start=today(), end=today()), ["refresh-button.n_clicks"]
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["response"]


def as_of(body: dict) -> datetime:
    return datetime.fromisoformat(body["data_as_of"].replace("Z", "+00:00"))


def test_figures_come_from_the_standby_and_catch_up_once_replayed(app, pair, primary, key):
    client = app.server.test_client()
    assert login(client, EMAIL, PASSWORD).status_code == 302  # sessions are written to the primary
    send(client, key, 4)
    pair.wait_replayed(primary)
    before = oracle.stats(primary, today(), today())
    body = stats(client, key)
    assert figures(body) == before and body["behind"] is False
    assert abs((as_of(body) - datetime.now(UTC)).total_seconds()) < 60  # caught up: data as of now
    shown = dashboard(client)
    assert shown["stat-total-clicks"]["children"] == f"{before['total_clicks']:,}"
    assert ", data as of " in shown["last-updated"]["children"]
    assert shown["status-banner"]["hidden"] is True

    pair.pause_replay()
    try:
        paused_at = datetime.now(UTC)
        send(client, key, 5)  # acknowledged: committed on the primary, received but not applied by the standby
        after = oracle.stats(primary, today(), today())
        assert after["total_clicks"] == before["total_clicks"] + 5
        time.sleep(WARN_AFTER + 0.3)  # the last replayed commit is now older than the warning threshold

        body = stats(client, key)
        assert figures(body) == before  # the standby answered: the five new events are not there yet
        assert body["behind"] is True and as_of(body) <= paused_at
        shown = dashboard(client)
        assert shown["stat-total-clicks"]["children"] == f"{before['total_clicks']:,}"
        assert shown["status-banner"]["hidden"] is False
        assert (shown["status-banner-outage"]["hidden"], shown["status-banner-behind"]["hidden"]) == (True, False)
        assert "The figures may be behind" in text_of(shown["status-banner-behind"]["children"])
        local = as_of(body).strftime("%H:%M:%S")  # the tests' analytics time zone is UTC
        assert shown["last-updated"]["children"].endswith(f", data as of {local}")

        other = app.server.test_client()  # a login while the figures are read on a paused standby
        assert login(other, EMAIL, PASSWORD).status_code == 302
        with primary.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM sessions")).scalar_one() >= 2
    finally:
        pair.resume_replay()

    pair.wait_replayed(primary)
    body = stats(client, key)
    assert figures(body) == after and body["behind"] is False
    shown = dashboard(client)
    assert shown["stat-total-clicks"]["children"] == f"{after['total_clicks']:,}"
    assert shown["status-banner"]["hidden"] is True


def test_the_read_pool_connects_to_the_standby(app, pair, primary, key):
    client = app.server.test_client()
    stats(client, key)  # the read pool now holds a connection to the standby
    backends = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
    assert pair.standby(backends) >= 1
    with primary.connect() as conn:  # the primary's view of the standby: one walsender, streaming
        assert conn.execute(text("SELECT state FROM pg_stat_replication")).scalar_one() == "streaming"


def test_a_standby_that_does_not_answer_sends_the_reads_to_the_primary(app, pair, primary, key):
    database = state(app.server).database
    database.replica_retry_seconds = 0.5  # the replica is tried again this soon (30 s by default)
    client = app.server.test_client()
    assert login(client, EMAIL, PASSWORD).status_code == 302
    stats(client, key)
    pair.stop_standby()
    try:
        send(client, key, 3)
        expected = oracle.stats(primary, today(), today())
        body = stats(client, key)  # the primary answers: every acknowledged event counted, nothing behind
        assert figures(body) == expected and body["behind"] is False
        shown = dashboard(client)
        assert shown["stat-total-clicks"]["children"] == f"{expected['total_clicks']:,}"
        assert "data as of" not in shown["last-updated"]["children"]  # read live on the primary
        assert shown["status-banner"]["hidden"] is True
    finally:
        pair.start_standby()

    pair.wait_replayed(primary)
    time.sleep(0.6)  # past the retry period: the next read tries the standby again
    pair.pause_replay()
    try:
        send(client, key, 2)
        assert figures(stats(client, key)) == expected  # the standby answers again (paused: without the 2)
    finally:
        pair.resume_replay()
    pair.wait_replayed(primary)
    assert figures(stats(client, key)) == oracle.stats(primary, today(), today())


def test_logout_and_key_revocation_hold_at_once_while_the_standby_lags(app, pair, primary):
    """The attack: a cookie copied before logout, and a revoked API key, used while the standby still holds the
    session and the key (replay paused). Sessions and keys are checked on the primary only, so both are refused at
    once; checked on the standby they would still work until it caught up."""
    with primary.begin() as conn:
        revoked = create_key(conn, "replica-revoked", ["read"])
    client = app.server.test_client()
    assert login(client, EMAIL, PASSWORD).status_code == 302
    thief = app.server.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    bearer = {"Authorization": f"Bearer {revoked}"}
    day = str(today())
    assert thief.get("/_dash-layout").status_code == 200
    assert client.get(f"/api/v1/stats?start={day}&end={day}", headers=bearer).status_code == 200
    pair.wait_replayed(primary)  # the standby now has the session and the key ...
    pair.pause_replay()  # ... and keeps them: it does not apply the logout and the revocation below
    try:
        assert logout(client).status_code == 302
        state(app.server).api_keys.revoke("replica-revoked")
        assert thief.get("/_dash-layout").status_code == 401
        assert thief.get("/").headers["Location"].startswith("/login")
        assert client.get(f"/api/v1/stats?start={day}&end={day}", headers=bearer).status_code == 401
        still_valid = "SELECT revoked_at IS NULL FROM api_keys WHERE name = 'replica-revoked'"
        with primary.connect() as conn:  # revoked on the primary, still valid on the paused standby
            assert conn.execute(text(still_valid)).scalar() is False
        assert pair.standby(still_valid) is True
    finally:
        pair.resume_replay()
