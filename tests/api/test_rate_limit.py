"""The per-API-key rate limit, replaying the abuse: one key hammering gets 429 with Retry-After while another key is
still accepted, across two app instances sharing the database, and a refused request writes nothing.

The rate is 1 event per second with a burst of 1000 (the smallest allowed): a test takes a few seconds, so the refill
during it is a few events, far from the 500 a batch needs, and every count below is exact.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from config import ConfigError, Settings
from db.key_allowance import KeyAllowance
from tests.api.conftest import new_event, post_events, run_cli

LIMITED = {"api_key_events_per_second": 1.0, "api_key_burst_events": 1000}


def make_key(monkeypatch, db_url: str, name: str) -> dict:
    code, out, err = run_cli(monkeypatch, db_url, "create-api-key", name, "--quiet")
    assert code == 0, err
    return {"Authorization": f"Bearer {out.strip()}"}


def batch(feature: str, size: int = 500) -> list[dict]:
    return [new_event(feature) for _ in range(size)]


def stored(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT feature, count(*) FROM events GROUP BY 1")).all())


def test_a_hammering_key_gets_429_and_another_key_is_still_accepted(monkeypatch, db_url, engine, make_app):
    client = make_app(**LIMITED).server.test_client()
    key_a, key_b = make_key(monkeypatch, db_url, "noisy"), make_key(monkeypatch, db_url, "quiet")
    assert [post_events(client, key_a, batch("a")).status_code for _ in range(2)] == [202, 202]  # the burst
    for _ in range(5):
        refused = post_events(client, key_a, batch("a"))
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 500  # the seconds until 500 events are allowed again
        assert "rate limit" in refused.get_json()["error"]
    assert post_events(client, key_b, batch("b")).status_code == 202
    assert post_events(client, key_b, batch("b")).status_code == 202
    assert stored(engine) == {"a": 1000, "b": 1000}


def test_the_limit_holds_across_instances_sharing_the_database(monkeypatch, db_url, engine, make_app):
    first, second = make_app(**LIMITED).server.test_client(), make_app(**LIMITED).server.test_client()
    key = make_key(monkeypatch, db_url, "spread")
    assert post_events(first, key, batch("x", 600)).status_code == 202
    assert post_events(second, key, batch("x", 400)).status_code == 202
    assert post_events(first, key, batch("x", 100)).status_code == 429
    assert post_events(second, key, batch("x", 100)).status_code == 429
    assert stored(engine) == {"x": 1000}


def test_a_refused_key_is_refused_before_its_body_is_looked_at(monkeypatch, db_url, engine, make_app):
    client = make_app(**LIMITED).server.test_client()
    key = make_key(monkeypatch, db_url, "noisy")
    assert post_events(client, key, batch("a", 1000)).status_code == 202
    assert post_events(client, key, batch("a", 500)).status_code == 429  # Retry-After: about 500 s
    assert post_events(client, key, batch("a", 1)).status_code == 429  # inside it, even one event is refused
    garbage = client.post("/api/v1/events", data=b"not json at all", headers={**key, "Content-Type": "text/plain"})
    assert garbage.status_code == 429  # not 415: the body was never looked at
    assert stored(engine) == {"a": 1000}


def test_the_buckets_count_exactly(engine):
    allowance = KeyAllowance(lambda: engine, rate=1.0, burst=1000)
    assert allowance.take(1, 600) is None
    assert allowance.take(1, 400) is None
    assert allowance.take(1, 300) >= 1  # refused, with the seconds to wait
    assert allowance.take(2, 1000) is None  # another key's own bucket
    other_process = KeyAllowance(lambda: engine, rate=1.0, burst=1000)
    assert other_process.take(1, 300) >= 1 and other_process.take(2, 300) >= 1
    with engine.connect() as conn:
        tokens = dict(conn.execute(text("SELECT key_id, tokens FROM api_key_allowance")).all())
    assert set(tokens) == {1, 2} and all(0 <= left < 10 for left in tokens.values())  # a few seconds of refill


def test_no_limit_when_the_rate_is_0(engine):
    allowance = KeyAllowance(lambda: engine, rate=0, burst=1000)
    assert all(allowance.take(1, 1000) is None for _ in range(5))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM api_key_allowance")).scalar_one() == 0


@pytest.mark.parametrize("env", [{"API_KEY_BURST_EVENTS": "999"}, {"API_KEY_EVENTS_PER_SECOND": "-1"}])
def test_a_burst_below_one_batch_or_a_negative_rate_is_refused(monkeypatch, env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError):
        Settings.load()
