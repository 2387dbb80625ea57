"""`uv run app.py backup FILE` and `restore FILE --replace` (db/backup.py): a restored database holds exactly what
was backed up, every table, and the app runs on it; a failed restore changes nothing."""

from __future__ import annotations

from sqlalchemy import text

from db.engine import make_engine
from db.migrate import current_revision, head_revision
from db.rollup import mismatches
from db.scratch import create_database, drop_database
from tests.api.conftest import run_cli

TABLES = (
    "users",
    "events",
    "feature_daily",
    "rollup_day",
    "rollup_month",
    "api_keys",
    "sessions",
    "invites",
    "audit_log",
)


def fingerprint(engine) -> dict[str, tuple[int, str]]:
    """(rows, md5 of every row in a fixed order) for each table: equal fingerprints, equal contents."""
    found = {}
    with engine.connect() as conn:
        for table in TABLES:
            rows, digest = conn.execute(
                text(f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t")
            ).one()
            found[table] = (rows, digest)
    return found


def test_a_backup_restored_into_an_empty_database_is_the_same_database(
    monkeypatch, db_url, engine, known, api_key, pg_server_url, tmp_path
):
    file = tmp_path / "clickboard.backup"
    code, out, err = run_cli(monkeypatch, db_url, "backup", str(file))
    assert (code, err) == (0, "")
    assert f"Backed up the database to {file}" in out
    original = fingerprint(engine)
    assert original["events"][0] > 0 and original["api_keys"][0] == 1  # the known dataset and the key

    target_name = f"cb_restored_{tmp_path.name[-12:]}".replace("-", "_")
    target_url = create_database(pg_server_url, target_name)
    target = make_engine(target_url)
    try:
        code, out, err = run_cli(monkeypatch, target_url, "restore", str(file), "--replace")
        assert (code, err) == (0, ""), err
        assert fingerprint(target) == original
        assert current_revision(target) == head_revision()
        with target.connect() as conn:
            assert mismatches(conn, "UTC") == 0
    finally:
        target.dispose()
        drop_database(pg_server_url, target_name)


def test_restoring_over_newer_data_brings_back_the_backup_exactly(monkeypatch, db_url, engine, known, tmp_path):
    file = tmp_path / "before.backup"
    assert run_cli(monkeypatch, db_url, "backup", str(file))[0] == 0
    original = fingerprint(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE feature = 'export'"))
        conn.execute(text("UPDATE users SET display_name = 'changed'"))
    assert fingerprint(engine) != original
    code, _out, err = run_cli(monkeypatch, db_url, "restore", str(file), "--replace")
    assert (code, err) == (0, "")
    assert fingerprint(engine) == original


def test_a_restore_needs_replace_and_a_bad_file_changes_nothing(monkeypatch, db_url, engine, known, tmp_path):
    before = fingerprint(engine)
    code, _out, err = run_cli(monkeypatch, db_url, "restore", str(tmp_path / "missing.backup"))
    assert code == 2 and "add --replace" in err
    code, _out, err = run_cli(monkeypatch, db_url, "restore", str(tmp_path / "missing.backup"), "--replace")
    assert code == 1 and "no backup file" in err
    broken = tmp_path / "broken.backup"
    broken.write_bytes(b"PGDMP" + b"\x00" * 100)
    code, _out, err = run_cli(monkeypatch, db_url, "restore", str(broken), "--replace")
    assert code == 1 and "pg_restore failed" in err and "unchanged" in err
    assert fingerprint(engine) == before


def test_an_unreachable_database_is_one_line_and_status_1(monkeypatch, tmp_path):
    url = "postgresql+psycopg://nobody:secret-pw@127.0.0.1:1/none"
    code, out, err = run_cli(monkeypatch, url, "backup", str(tmp_path / "x.backup"))
    assert code == 1 and out == ""
    assert err.startswith("error: cannot reach the database") and err.count("\n") == 1
    assert "secret-pw" not in err
