"""GET /healthz: 200 when the database answers, a quick 503 when it does not; no login needed."""

from __future__ import annotations

import time

from app import create_app
from appstate import state
from config import Settings


def test_healthz_ok_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_503_when_the_database_is_unreachable(tmp_path):
    # nothing listens on port 1 of the loopback: the connection is refused at once
    settings = Settings(
        database_url="postgresql+psycopg://nobody:nothing@127.0.0.1:1/none", secret_key="k", data_dir=tmp_path
    )
    app = create_app(settings)
    try:
        client = app.server.test_client()
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
        assert response.status_code == 503
        assert response.mimetype == "application/json"
        assert response.get_json()["error"]
        assert int(response.headers["Retry-After"]) >= 1
        assert elapsed < 20  # bounded: connect_timeout, not a hang
        # the ingestion endpoint cannot check the key either: 503, not 500 and not 401
        response = client.post(
            "/api/v1/events", json={"events": [{"feature": "x"}]}, headers={"Authorization": "Bearer cb_x" + "y" * 40}
        )
        assert response.status_code == 503
        assert "Retry-After" in response.headers
    finally:
        state(app.server).writer.close()
        state(app.server).database.dispose()
