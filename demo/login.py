"""The demo login of the embedded database, kept in DATA_DIR so that `uv run app.py` can show it on every start.

Never written for a database given by DATABASE_URL: a server's users are not ours to advertise.
"""

from __future__ import annotations

from pathlib import Path

from config import Settings


def demo_login_file(settings: Settings) -> Path:
    """Where the demo login is kept."""
    return settings.data_dir / "demo_login.txt"


def remember_demo_login(settings: Settings, email: str, password: str) -> None:
    """Keep `email / password` as the demo login (embedded database only)."""
    if settings.database_url is None:
        path = demo_login_file(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{email} / {password}\n")


def saved_demo_login(settings: Settings) -> str | None:
    """The kept demo login as `email / password`, or None (none kept, or the database is given by DATABASE_URL)."""
    path = demo_login_file(settings)
    if settings.database_url is not None or not path.exists():
        return None
    return path.read_text().strip()
