"""Test harness: one PostgreSQL for the session (embedded, or TEST_DATABASE_URL), one fresh database per test.

Each test database is a copy of a migrated template, so tests are isolated and start from the real schema.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

# Password hashing at the documented test-only cost (passwords.py), here and in every server the tests start.
os.environ["PASSWORD_HASH_COST"] = "test"

import passwords  # noqa: E402
from config import Settings  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.scratch import create_database, drop_database  # noqa: E402
from devtools.forms import csrf_token  # noqa: E402

passwords.configure("test")
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server_url(tmp_path_factory) -> str:
    """SQLAlchemy URL of the server's maintenance database."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        from config import normalize_database_url

        return normalize_database_url(url)
    from db.embedded import start_embedded

    url = start_embedded(tmp_path_factory.mktemp("pg") / "data", cleanup="delete")
    without_fsync(url)
    return url


def without_fsync(url: str) -> None:
    """Turn fsync off on the session's own embedded server, which is deleted at the end: it makes every commit and
    every per-test CREATE/DROP DATABASE cheaper and changes nothing a test can see. Commits still wait for their WAL
    write (synchronous_commit stays on), so a test that kills PostgreSQL still finds every acknowledged event after
    the restart; only an operating-system crash could lose them."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ALTER SYSTEM SET fsync = off"))
        conn.execute(text("SELECT pg_reload_conf()"))
    engine.dispose()


@pytest.fixture(scope="session")
def template_db(pg_server_url) -> str:
    """Name of a migrated database that every test database is copied from."""
    name = f"cb_tpl_{os.getpid()}"
    engine = make_engine(create_database(pg_server_url, name))
    upgrade(engine)
    engine.dispose()
    yield name
    drop_database(pg_server_url, name)


@pytest.fixture
def db_url(pg_server_url, template_db) -> str:
    """URL of a fresh, migrated, empty database for this test alone."""
    name = f"cb_t_{os.getpid()}_{next(_counter)}"
    yield create_database(pg_server_url, name, template=template_db)
    drop_database(pg_server_url, name)


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(db_url, tmp_path) -> Settings:
    return Settings(
        database_url=db_url,
        secret_key="test-secret-key",
        timezone="UTC",
        data_dir=Path(tmp_path),
        password_hash_cost="test",
    )


@pytest.fixture
def writer(db_url):
    from db.writer import EventWriter

    writer = EventWriter(db_url, "UTC")
    yield writer
    writer.close()


@pytest.fixture
def known(engine, writer) -> dict[str, int]:
    """The one known dataset (tests/dataset.py), written through the real event writer; the people's user ids."""
    from tests.dataset import write_dataset

    return write_dataset(engine, writer)


# -- the web app ---------------------------------------------------------------------------------------------

ANALYST_EMAIL = "ana@example.com"
ANALYST_PASSWORD = "correct horse battery"


@pytest.fixture
def dash_app(settings):
    """A fresh app on this test's database (its writer is closed afterwards)."""
    from app import create_app
    from appstate import state

    app = create_app(settings)
    yield app
    appstate = state(app.server)
    appstate.writer.close()
    appstate.database.dispose()


@pytest.fixture
def make_app(settings):
    """Build apps on this test's database with some settings changed (`make_app(trusted_proxies=1)`); all closed
    afterwards."""
    from app import create_app
    from appstate import state

    apps = []

    def make(**overrides):
        app = create_app(settings.model_copy(update=overrides))
        apps.append(app)
        return app

    yield make
    for app in apps:
        state(app.server).close()


@pytest.fixture
def client(dash_app):
    return dash_app.server.test_client()


@pytest.fixture
def analyst(engine):
    """A registered user (age 30, Female) whose password is ANALYST_PASSWORD."""
    from db.users import create_user

    with engine.begin() as conn:
        return create_user(conn, ANALYST_EMAIL, ANALYST_PASSWORD, "Ana Analyst", 30, "Female")


def form_token(client, path: str = "/login", **kwargs) -> str:
    """The CSRF token of the form on `path` (the client keeps the session cookie it belongs to)."""
    return csrf_token(client.get(path, **kwargs).get_data(as_text=True))


def post_form(client, path: str, data: dict, token_from: str | None = None, **kwargs):
    """POST a form like a browser does: with the CSRF token of the page it is on (`token_from`, default `path`),
    both requests with the same `base_url`/`headers`/`environ_base` when given."""
    same = {name: kwargs[name] for name in ("base_url", "headers", "environ_base") if name in kwargs}
    token = form_token(client, token_from or path, **same)
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


def login(client, email: str = ANALYST_EMAIL, password: str = ANALYST_PASSWORD, next: str | None = None, **kwargs):
    """Log in through the real form (GET /login for its CSRF token, then POST email, password and `next`);
    `kwargs` (base_url, headers, environ_base) go to both requests."""
    form = {"email": email, "password": password} | ({"next": next} if next is not None else {})
    return post_form(client, "/login", form, **kwargs)


def logout(client):
    """POST /logout with a CSRF token, as the dashboard's Log out button does."""
    return post_form(client, "/logout", {}, token_from="/login")


ADMIN_EMAIL = "ada@example.com"
ADMIN_PASSWORD = "admin of the keys and links"


@pytest.fixture
def admin(engine):
    """A registered user made an admin (the audit log names the command line), password ADMIN_PASSWORD."""
    from db.roles import promote
    from db.users import create_user

    with engine.begin() as conn:
        user = create_user(conn, ADMIN_EMAIL, ADMIN_PASSWORD, "Ada Admin", 41, "Female")
        promote(conn, ADMIN_EMAIL)
    return user


@pytest.fixture
def admin_client(dash_app, admin):
    """A client logged in as the admin."""
    client = dash_app.server.test_client()
    response = login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def logged_in_client(client, analyst):
    response = login(client)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


# -- CI: a skipped test is a failure (no silent skips of the browser or database tests) ----------------------


def pytest_collection_modifyitems(config, items):
    """Every test that drives Chromium is a browser test (CI runs those once, not on both databases); every test
    that uses the session's PostgreSQL is a database test (the others are the same whichever server runs)."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "dash_duo" in fixtures:
            item.add_marker(pytest.mark.browser)
        if "pg_server_url" in fixtures:
            item.add_marker(pytest.mark.database)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") and reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line(
            f"CI: {len(reporter.stats['skipped'])} test(s) skipped; in CI every test must run", red=True
        )
        session.exitstatus = 1
