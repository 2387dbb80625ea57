"""The demo login (demo01, the one `uv run app.py` prints) is an admin, so the settings page can be tried at once;
every other demo user is an analyst. The promotion is audited once, under "demo data"."""

from __future__ import annotations

from sqlalchemy import text

from demo.seeding import seed_demo


def roles(engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT role, array_agg(email ORDER BY id) FROM users GROUP BY role")).all()
    return dict(rows)


def audit(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT actor, action, target FROM audit_log ORDER BY id"))]


def test_the_printed_demo_login_is_the_only_admin_and_it_is_audited_once(engine, settings):
    report = seed_demo(engine, settings, users=9, events=10, seed=5)
    assert report.demo_email == "demo01@example.com"
    found = roles(engine)
    assert found["admin"] == ["demo01@example.com"]
    assert found["analyst"] == [f"demo{i:02d}@example.com" for i in range(2, 10)]
    assert audit(engine) == [("demo data", "role.promote", "demo01@example.com")]
    seed_demo(engine, settings, users=9, events=10, seed=6)  # reused users: already an admin, nothing new audited
    assert audit(engine) == [("demo data", "role.promote", "demo01@example.com")]
    seed_demo(engine, settings, users=9, events=10, seed=7, reset=True)  # new users: demo01 is made admin again
    assert roles(engine)["admin"] == ["demo01@example.com"]
    assert len(audit(engine)) == 2
