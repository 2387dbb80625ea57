"""The administrators' command line, run as `uv run app.py ...` runs it: API keys with scopes (`--scope`, `--quiet`,
`list-api-keys`), roles (`promote`, `demote`), invitations. Every refusal is a non-zero exit with one `error:` line on
stderr, nothing on stdout, and no change in the database (nor in the audit log)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.api.conftest import new_event, post_events, run_cli

STATS = "/api/v1/stats?start=2026-01-01&end=2026-01-02"


def snapshot(engine) -> tuple:
    """Everything the commands could change."""
    with engine.connect() as conn:
        return (
            conn.execute(text("SELECT name, scopes, revoked_at FROM api_keys ORDER BY id")).all(),
            conn.execute(text("SELECT email, role FROM users ORDER BY id")).all(),
            conn.execute(text("SELECT count(*) FROM invites")).scalar_one(),
            conn.execute(text("SELECT action, target FROM audit_log ORDER BY id")).all(),
        )


def user(engine, email: str, role: str = "analyst") -> None:
    from db.users import create_user

    with engine.begin() as conn:
        create_user(conn, email, "a password long enough", email.split("@")[0], 30, "Other")
        conn.execute(text("UPDATE users SET role = :role WHERE email = :email"), {"role": role, "email": email})


def refused(monkeypatch, db_url, engine, *argv: str) -> tuple[int, str]:
    """Run a command that must be refused; return (exit code, stderr) after checking nothing changed."""
    before = snapshot(engine)
    code, out, err = run_cli(monkeypatch, db_url, *argv)
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert snapshot(engine) == before
    return code, err


# -- API keys ------------------------------------------------------------------------------------------------------


def test_a_new_key_is_ingestion_only_and_the_quiet_flag_prints_only_the_key(monkeypatch, db_url, engine, client):
    code, out, err = run_cli(monkeypatch, db_url, "create-api-key", "etl", "--quiet")
    assert (code, err) == (0, "")
    key = out.strip()
    assert out == key + "\n" and key.startswith("cb_") and len(key) == 46
    auth = {"Authorization": f"Bearer {key}"}
    assert post_events(client, auth, [new_event()]).status_code == 202
    assert client.get(STATS, headers=auth).status_code == 403
    with engine.connect() as conn:
        assert conn.execute(text("SELECT scopes FROM api_keys")).scalar_one() == ["ingest"]
        actor, action, target, detail = conn.execute(text("SELECT actor, action, target, detail FROM audit_log")).one()
    assert actor.startswith("command line (")
    assert (action, target, detail) == ("api_key.create", "etl", "scopes: ingest")


def test_scopes_are_repeatable_and_a_read_key_cannot_ingest(monkeypatch, db_url, engine, client):
    code, out, _ = run_cli(monkeypatch, db_url, "create-api-key", "report", "--scope", "read")
    assert code == 0
    assert out.splitlines()[0] == "Created API key 'report' with the scopes read."
    auth = {"Authorization": f"Bearer {out.splitlines()[-1]}"}
    assert post_events(client, auth, [new_event()]).status_code == 403
    assert client.get(STATS, headers=auth).status_code == 200
    code, out, _ = run_cli(monkeypatch, db_url, "create-api-key", "both", "--scope", "read", "--scope", "ingest")
    assert code == 0 and "with the scopes ingest, read." in out


def test_list_api_keys_shows_name_prefix_scopes_and_use_never_the_key(monkeypatch, db_url, engine, client):
    code, out, err = run_cli(monkeypatch, db_url, "list-api-keys")
    assert (code, out, err) == (0, "No API keys in use (create one with create-api-key NAME).\n", "")
    keys = {}
    for name, scopes in (("mobile", ()), ("warehouse", ("--scope", "read", "--scope", "ingest"))):
        keys[name] = run_cli(monkeypatch, db_url, "create-api-key", name, "--quiet", *scopes)[1].strip()
    assert post_events(client, {"Authorization": f"Bearer {keys['mobile']}"}, [new_event()]).status_code == 202
    assert run_cli(monkeypatch, db_url, "revoke-api-key", "warehouse")[0] == 0
    code, out, _ = run_cli(monkeypatch, db_url, "list-api-keys")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2
    assert lines[0].split() == ["NAME", "PREFIX", "SCOPES", "CREATED", "LAST", "USED"]
    cells = lines[1].split()
    assert cells[:3] == ["mobile", keys["mobile"][:10] + "…", "ingest"] and len(cells) == 7  # dates, times
    code, out, _ = run_cli(monkeypatch, db_url, "list-api-keys", "--all")
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == ["NAME", "mobile", "warehouse"]
    assert lines[2].split()[2:5] == ["ingest,read", lines[2].split()[3], lines[2].split()[4]]
    assert lines[2].split()[5] == "-"  # never used
    for key in keys.values():
        assert key not in out


def test_a_revoked_name_can_be_used_again(monkeypatch, db_url, engine):
    assert run_cli(monkeypatch, db_url, "create-api-key", "etl")[0] == 0
    assert run_cli(monkeypatch, db_url, "revoke-api-key", "etl")[0] == 0
    assert run_cli(monkeypatch, db_url, "create-api-key", "etl")[0] == 0
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT name, revoked_at IS NULL FROM api_keys ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [("etl", False), ("etl", True)]


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (("create-api-key", "etl", "--scope", "write"), 2, "error: unknown scope 'write'; the scopes are ingest, read"),
        (("create-api-key", "etl", "--scope", "read", "--scope", ""), 2, "error: unknown scope ''"),
        (("create-api-key", "   "), 2, "error: the key name must be 1 to 100 characters"),
        (("create-api-key", "x" * 101), 2, "error: the key name must be 1 to 100 characters"),
        (("create-api-key", "taken"), 1, "error: an API key named 'taken' already exists and is in use"),
        (("create-api-key", "taken", "--quiet"), 1, "error: an API key named 'taken' already exists and is in use"),
        (("revoke-api-key", "nobody"), 1, "error: no API key named 'nobody' is in use"),
        (("revoke-api-key", "gone"), 1, "error: no API key named 'gone' is in use"),
        (("promote", "nobody@example.com"), 1, "error: no user with the email 'nobody@example.com'"),
        (("demote", "nobody@example.com"), 1, "error: no user with the email 'nobody@example.com'"),
        (("demote", "ADA@example.com"), 1, "error: ada@example.com is the last admin; promote someone else first"),
        (("create-invite", "--days", "0"), 2, "error: --days must be between 1 and 90"),
        (("create-invite", "--days", "91"), 2, "error: --days must be between 1 and 90"),
    ],
    ids=[
        "unknown-scope",
        "empty-scope",
        "blank-name",
        "long-name",
        "name-in-use",
        "name-in-use-quiet",
        "revoke-unknown",
        "revoke-revoked",
        "promote-unknown",
        "demote-unknown",
        "demote-last-admin",
        "invite-0-days",
        "invite-91-days",
    ],
)
def test_every_refusal_is_a_nonzero_exit_and_one_line_on_stderr(monkeypatch, db_url, engine, argv, status, message):
    user(engine, "ada@example.com", "admin")
    user(engine, "ana@example.com")
    assert run_cli(monkeypatch, db_url, "create-api-key", "taken")[0] == 0
    assert run_cli(monkeypatch, db_url, "create-api-key", "gone")[0] == 0
    assert run_cli(monkeypatch, db_url, "revoke-api-key", "gone")[0] == 0
    code, err = refused(monkeypatch, db_url, engine, *argv)
    assert code == status
    assert err.startswith(message), err


def test_argparse_refusals_exit_2(capsys):
    import cli

    for argv in (["create-api-key"], ["promote"], ["demote"], ["revoke-api-key"], ["list-api-keys", "extra"]):
        with pytest.raises(SystemExit) as exc:
            cli.main(argv)
        assert exc.value.code == 2
        captured = capsys.readouterr()
        assert captured.out == "" and "error:" in captured.err


def test_an_unreachable_database_is_exit_1_and_one_line(monkeypatch, db_url, database_down):
    database_down()
    for argv in (("create-api-key", "etl"), ("list-api-keys",), ("promote", "a@example.com"), ("create-invite",)):
        code, out, err = run_cli(monkeypatch, db_url, *argv)
        assert (code, out) == (1, "")
        assert err.startswith("error: cannot reach the database; nothing was changed") and err.count("\n") == 1


# -- roles ---------------------------------------------------------------------------------------------------------


def test_promote_and_demote_change_the_role_once_and_are_audited(monkeypatch, db_url, engine):
    user(engine, "ada@example.com", "admin")
    user(engine, "ana@example.com")
    assert run_cli(monkeypatch, db_url, "promote", "Ana@Example.com") == (0, "Ana@Example.com is now an admin.\n", "")
    assert run_cli(monkeypatch, db_url, "promote", "ana@example.com")[1] == "ana@example.com is already an admin.\n"
    assert run_cli(monkeypatch, db_url, "demote", "ada@example.com")[1] == "ada@example.com is now an analyst.\n"
    assert run_cli(monkeypatch, db_url, "demote", "ada@example.com")[1] == "ada@example.com is already an analyst.\n"
    code, err = refused(monkeypatch, db_url, engine, "demote", "ana@example.com")
    assert code == 1 and "last admin" in err
    with engine.connect() as conn:
        roles = dict(conn.execute(text("SELECT email, role FROM users")).all())
        log = conn.execute(text("SELECT action, target FROM audit_log ORDER BY id")).all()
    assert roles == {"ada@example.com": "analyst", "ana@example.com": "admin"}
    assert [tuple(row) for row in log] == [("role.promote", "ana@example.com"), ("role.demote", "ada@example.com")]


def test_two_admins_demoting_each_other_at_once_leave_one_admin(engine):
    """The last-admin rule holds under concurrency: the second demotion waits for the first and is then refused."""
    import threading
    import time

    from db.roles import RoleError, demote

    user(engine, "ada@example.com", "admin")
    user(engine, "bob@example.com", "admin")
    first = engine.connect()
    first.begin()
    assert demote(first, "ada@example.com")  # holds the admin rows' locks until it commits
    outcome = []

    def second():
        try:
            with engine.begin() as conn:
                demote(conn, "bob@example.com")
            outcome.append("demoted")
        except RoleError as exc:
            outcome.append(str(exc))

    thread = threading.Thread(target=second)
    thread.start()
    deadline = time.monotonic() + 10
    with engine.connect() as watcher:  # the second demotion waits for the first transaction's locks
        while watcher.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar_one() == 0:
            assert time.monotonic() < deadline, "the second demotion never waited"
            watcher.rollback()
            time.sleep(0.01)
    first.commit()
    first.close()
    thread.join(10)
    assert outcome == ["bob@example.com is the last admin; promote someone else first"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT email FROM users WHERE role = 'admin'")).scalars().all() == ["bob@example.com"]


# -- invitations ---------------------------------------------------------------------------------------------------


def test_create_invite_prints_the_link_alone_on_its_last_line_and_is_audited(monkeypatch, db_url, engine):
    code, out, err = run_cli(monkeypatch, db_url, "create-invite", "--url", "https://cb.example/", "--days", "2")
    assert (code, err) == (0, "")
    link = out.splitlines()[-1]
    assert link.startswith("https://cb.example/register?invite=") and " " not in link
    with engine.connect() as conn:
        action, target, detail, by = conn.execute(
            text("SELECT a.action, a.target, a.detail, i.created_by FROM audit_log a, invites i")
        ).one()
    assert (action, detail) == ("invite.create", "valid 2 days") and target.startswith("invitation #")
    assert by.startswith("command line (")
