"""API keys through the real command line: created once and shown once, stored hashed, revocable."""

from __future__ import annotations

import hashlib

from sqlalchemy import text

from db import api_keys
from tests.api.conftest import counts, new_event, post_events, run_cli


def test_create_prints_the_key_alone_on_its_last_line_and_stores_only_its_hash(monkeypatch, db_url, engine):
    code, out, err = run_cli(monkeypatch, db_url, "create-api-key", "mobile-app")
    assert code == 0, err
    key = out.rstrip("\n").splitlines()[-1]
    assert key.startswith("cb_") and len(key) >= 40 and " " not in key
    with engine.connect() as conn:
        row = conn.execute(text("SELECT name, key_hash, prefix, revoked_at FROM api_keys")).one()
        everything = " ".join(str(v) for v in conn.execute(text("SELECT * FROM api_keys")).one())
    assert row.name == "mobile-app"
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith(row.prefix) and len(row.prefix) < 15
    assert row.revoked_at is None
    assert key not in everything


def test_two_keys_differ_and_both_work(monkeypatch, db_url, client, engine):
    keys = [run_cli(monkeypatch, db_url, "create-api-key", name)[1].splitlines()[-1] for name in ("one", "two")]
    assert keys[0] != keys[1]
    for key in keys:
        assert post_events(client, {"Authorization": f"Bearer {key}"}, [new_event()]).status_code == 202
    assert counts(engine) == (2, 2)


def test_duplicate_name_is_a_clear_error(monkeypatch, db_url, engine):
    assert run_cli(monkeypatch, db_url, "create-api-key", "etl")[0] == 0
    code, out, err = run_cli(monkeypatch, db_url, "create-api-key", "etl")
    assert code != 0
    assert "already exists" in err and "etl" in err
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM api_keys")).scalar_one() == 1


def test_missing_or_blank_name_is_an_error(monkeypatch, db_url, capsys):
    import pytest

    with pytest.raises(SystemExit) as exc:
        run_cli(monkeypatch, db_url, "create-api-key")
    assert exc.value.code != 0
    code, _, err = run_cli(monkeypatch, db_url, "create-api-key", "   ")
    assert code != 0 and "name" in err


def test_revoked_key_is_refused_at_once_in_this_process(monkeypatch, db_url, client, engine, api_key, auth):
    assert post_events(client, auth, [new_event()]).status_code == 202  # verified, and now cached
    code, out, err = run_cli(monkeypatch, db_url, "revoke-api-key", "test-client")
    assert code == 0, err
    assert "Revoked" in out
    response = post_events(client, auth, [new_event()])
    assert response.status_code == 401
    assert counts(engine) == (1, 1)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT revoked_at IS NOT NULL FROM api_keys")).scalar_one()


def test_revoked_elsewhere_is_refused_once_the_cache_expires(db_url, engine, api_key):
    """Another process revoked the key: this one keeps accepting it for at most CACHE_SECONDS (here 0)."""
    assert api_keys.verify_key(engine, api_key)
    with engine.begin() as conn:  # what another process's revoke does to the table (no local cache eviction)
        conn.execute(text("UPDATE api_keys SET revoked_at = now()"))
    assert api_keys.verify_key(engine, api_key)  # still cached here: the documented window
    for slot in list(api_keys._cache):  # let the window pass
        api_keys._cache[slot] = 0.0
    assert not api_keys.verify_key(engine, api_key)
    assert not api_keys.verify_key(engine, api_key)  # refusals are not cached as successes


def test_revoking_an_unknown_name_is_an_error(monkeypatch, db_url):
    code, out, err = run_cli(monkeypatch, db_url, "revoke-api-key", "nobody")
    assert code != 0
    assert "no API key named 'nobody'" in err


def test_tampered_key_is_refused_and_the_scheme_is_case_insensitive(monkeypatch, db_url, client, api_key):
    forged = api_key[:-4] + ("AAAA" if not api_key.endswith("AAAA") else "BBBB")
    assert post_events(client, {"Authorization": f"Bearer {forged}"}, [new_event()]).status_code == 401
    assert post_events(client, {"Authorization": f"bearer {api_key}"}, [new_event()]).status_code == 202
