"""GET /healthz: 200 when the database answers, a quick 503 when it does not (saying nothing about internals), and
back to 200 by itself when the database is back; no login needed."""

from __future__ import annotations

import pytest

from app import create_app
from appstate import state
from config import Settings
from tests.api.owned_pg import owned_postgres, start_again, stop_now


def test_healthz_ok_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def assert_unavailable(response) -> None:
    assert response.status_code == 503
    assert response.mimetype == "application/json"
    assert response.get_json() == {"status": "unavailable"}  # no error text: no socket path, host, port or user
    assert int(response.headers["Retry-After"]) >= 1


def test_healthz_503_when_the_database_is_unreachable(tmp_path):
    # nothing listens on port 1 of the loopback: the connection is refused at once
    settings = Settings(
        database_url="postgresql+psycopg://nobody:nothing@127.0.0.1:1/none", secret_key="k", data_dir=tmp_path
    )
    app = create_app(settings)
    try:
        client = app.server.test_client()
        response = client.get("/healthz")  # answers within the connect timeout: refused at once, not a hang
        assert_unavailable(response)
        # the ingestion endpoint cannot check the key either: 503, not 500 and not 401
        response = client.post(
            "/api/v1/events", json={"events": [{"feature": "x"}]}, headers={"Authorization": "Bearer cb_x" + "y" * 40}
        )
        assert response.status_code == 503
        assert "Retry-After" in response.headers
        assert "127.0.0.1" not in response.get_data(as_text=True)
    finally:
        state(app.server).close()


@pytest.mark.processes  # stops and restarts a PostgreSQL of its own
def test_healthz_recovers_by_itself_when_the_database_comes_back(tmp_path):
    """The server is this test's own (embedded, in tmp_path): crash-stopped, then started again."""
    with owned_postgres(tmp_path) as (pgdata, url):
        app = create_app(Settings(database_url=url, secret_key="k", data_dir=tmp_path))
        client = app.server.test_client()
        try:
            assert client.get("/healthz").status_code == 200
            stop_now(pgdata)
            for _ in range(2):  # the pooled connection is broken, then new ones are refused
                response = client.get("/healthz")
                assert_unavailable(response)
                assert str(pgdata) not in response.get_data(as_text=True)
            start_again(pgdata)  # returns once the server accepts connections
            response = client.get("/healthz")
            assert response.status_code == 200, response.get_data(as_text=True)
            assert response.get_json() == {"status": "ok"}
        finally:
            state(app.server).close()


def test_readyz_is_ready_on_a_database_at_the_current_revision(client):
    response = client.get("/readyz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ready"})


def test_readyz_says_migrations_pending_while_healthz_stays_alive(pg_server_url, tmp_path):
    """A database one migration behind this code: not ready (send no traffic), but alive (do not restart)."""
    from alembic.script import ScriptDirectory

    from db.engine import make_engine
    from db.migrate import alembic_config, head_revision, upgrade
    from db.scratch import create_database, drop_database

    name = f"cb_behind_{tmp_path.name[-20:]}".replace("-", "_")
    url = create_database(pg_server_url, name)
    engine = make_engine(url)
    try:
        previous = ScriptDirectory.from_config(alembic_config()).get_revision(head_revision()).down_revision
        upgrade(engine, previous)
        app = create_app(Settings(database_url=url, secret_key="k", data_dir=tmp_path))
        client = app.server.test_client()
        response = client.get("/readyz")
        assert (response.status_code, response.get_json()) == (503, {"status": "migrations pending"})
        assert int(response.headers["Retry-After"]) >= 1
        assert client.get("/healthz").status_code == 200
        upgrade(engine)
        assert client.get("/readyz").get_json() == {"status": "ready"}
        state(app.server).close()
    finally:
        engine.dispose()
        drop_database(pg_server_url, name)


def test_readyz_503_when_the_database_is_unreachable(tmp_path):
    settings = Settings(
        database_url="postgresql+psycopg://nobody:nothing@127.0.0.1:1/none", secret_key="k", data_dir=tmp_path
    )
    app = create_app(settings)
    try:
        assert_unavailable(app.server.test_client().get("/readyz"))
    finally:
        state(app.server).close()
