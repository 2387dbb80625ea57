"""The demo login kept in DATA_DIR for `uv run app.py` (only for the embedded database)."""

from __future__ import annotations

from config import Settings
from demo.login import demo_login_file, kept_demo_password, remember_demo_login, saved_demo_login


def test_the_embedded_databases_demo_login_is_kept_and_read_back(tmp_path):
    settings = Settings(database_url=None, secret_key="k", data_dir=tmp_path / "data")
    assert saved_demo_login(settings) is None
    remember_demo_login(settings, "demo01@example.com", "demo-abcd-2345")
    assert demo_login_file(settings).read_text() == "demo01@example.com / demo-abcd-2345\n"
    assert saved_demo_login(settings) == "demo01@example.com / demo-abcd-2345"


def test_a_servers_demo_login_is_never_written_to_disk(tmp_path):
    settings = Settings(database_url="postgresql+psycopg://u@db.example.com/x", secret_key="k", data_dir=tmp_path)
    remember_demo_login(settings, "demo01@example.com", "demo-abcd-2345")
    assert list(tmp_path.iterdir()) == []
    assert saved_demo_login(settings) is None


def test_the_kept_password_is_read_from_the_kept_login(tmp_path):
    settings = Settings(database_url=None, secret_key="k", data_dir=tmp_path / "data")
    assert kept_demo_password(settings) is None
    remember_demo_login(settings, "demo01@example.com", "demo-abcd-2345")
    assert kept_demo_password(settings) == "demo-abcd-2345"
    assert demo_login_file(settings).stat().st_mode & 0o777 == 0o600
    demo_login_file(settings).write_text("something else\n")
    assert kept_demo_password(settings) is None
    server = settings.model_copy(update={"database_url": "postgresql+psycopg://u@db.example.com/x"})
    remember_demo_login(settings, "demo01@example.com", "demo-abcd-2345")
    assert kept_demo_password(server) is None
