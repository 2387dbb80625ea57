"""The demo login kept in DATA_DIR for `uv run app.py` (only for the embedded database)."""

from __future__ import annotations

from config import Settings
from demo.login import demo_login_file, remember_demo_login, saved_demo_login


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
