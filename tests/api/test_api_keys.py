"""API keys through the real command line: created once and shown once, stored hashed, revocable."""

from __future__ import annotations

import hashlib

from sqlalchemy import text

from app import create_app
from appstate import state
from db.api_keys import CACHE_SECONDS, VerifiedKeys
from tests.api.conftest import counts, new_event, post_events, run_cli


class Clock:
    """A clock the test moves by hand (the cache window passes without waiting)."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


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


def test_a_key_revoked_by_the_app_is_refused_at_once_by_it(client, dash_app, engine, auth):
    assert post_events(client, auth, [new_event()]).status_code == 202  # verified, and now remembered
    state(dash_app.server).api_keys.revoke("test-client")
    assert post_events(client, auth, [new_event()]).status_code == 401
    assert counts(engine) == (1, 1)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT revoked_at IS NOT NULL FROM api_keys")).scalar_one()


def test_a_key_revoked_elsewhere_is_refused_once_the_window_passes(monkeypatch, db_url, engine, api_key):
    """The command line (another process) revoked the key: an app keeps accepting it for at most CACHE_SECONDS."""
    clock = Clock()
    keys = VerifiedKeys(lambda: engine, clock=clock)
    assert keys.verify(api_key)
    code, out, err = run_cli(monkeypatch, db_url, "revoke-api-key", "test-client")
    assert code == 0, err
    assert "Revoked" in out
    clock.now += CACHE_SECONDS - 0.1
    assert keys.verify(api_key)  # still remembered: the documented window
    clock.now += 0.2
    assert not keys.verify(api_key)
    assert not keys.verify(api_key)  # refusals are not remembered as successes


def test_a_new_key_works_at_once_after_a_refusal(monkeypatch, db_url, engine):
    keys = VerifiedKeys(lambda: engine, clock=Clock())
    assert not keys.verify("cb_" + "x" * 43)
    code, out, _ = run_cli(monkeypatch, db_url, "create-api-key", "fresh")
    key = out.splitlines()[-1]
    assert keys.verify(key)


def test_two_apps_keep_separate_key_caches(settings, engine, api_key, auth):
    """Each app remembers its own verifications: revoking through one app does not reach into another's memory,
    which (like another process) sees the revocation when its own window has passed."""
    first, second = create_app(settings), create_app(settings)
    clock = Clock()
    state(second.server).api_keys = VerifiedKeys(lambda: engine, clock=clock)
    try:
        for app in (first, second):
            assert post_events(app.server.test_client(), auth, [new_event()]).status_code == 202
        state(first.server).api_keys.revoke("test-client")
        assert post_events(first.server.test_client(), auth, [new_event()]).status_code == 401
        assert post_events(second.server.test_client(), auth, [new_event()]).status_code == 202  # its own memory
        clock.now += CACHE_SECONDS
        assert post_events(second.server.test_client(), auth, [new_event()]).status_code == 401
        assert counts(engine) == (3, 3)
    finally:
        for app in (first, second):
            state(app.server).close()


def test_revoking_an_unknown_name_is_an_error(monkeypatch, db_url):
    code, out, err = run_cli(monkeypatch, db_url, "revoke-api-key", "nobody")
    assert code != 0
    assert "no API key named 'nobody'" in err


def test_tampered_key_is_refused_and_the_scheme_is_case_insensitive(monkeypatch, db_url, client, api_key):
    forged = api_key[:-4] + ("AAAA" if not api_key.endswith("AAAA") else "BBBB")
    assert post_events(client, {"Authorization": f"Bearer {forged}"}, [new_event()]).status_code == 401
    assert post_events(client, {"Authorization": f"bearer {api_key}"}, [new_event()]).status_code == 202
