"""The demo login of the embedded database, kept in DATA_DIR: `uv run app.py` shows it on every start, and
`seed.py` keeps giving the demo users the same password until `--reset` or `--new-password` picks a new one.

Never written for a database given by DATABASE_URL: a server's users are not ours to advertise (there, every seed
run picks a new password and gives it to every demo user).
"""

from __future__ import annotations

import re
from pathlib import Path

from config import Settings

_LOGIN = re.compile(r"^(?P<email>\S+@\S+) / (?P<password>\S+)$")


def demo_login_file(settings: Settings) -> Path:
    """Where the demo login is kept."""
    return settings.data_dir / "demo_login.txt"


def remember_demo_login(settings: Settings, email: str, password: str) -> None:
    """Keep `email / password` as the demo login (embedded database only)."""
    if settings.database_url is None:
        path = demo_login_file(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{email} / {password}\n")
        path.chmod(0o600)


def saved_demo_login(settings: Settings) -> str | None:
    """The kept demo login as `email / password`, or None (none kept, or the database is given by DATABASE_URL)."""
    path = demo_login_file(settings)
    if settings.database_url is not None or not path.exists():
        return None
    return path.read_text().strip()


def kept_demo_password(settings: Settings) -> str | None:
    """The kept demo password (what the next seed gives the demo users again), or None: none kept, the file is not
    a demo login, or the database is given by DATABASE_URL."""
    login = saved_demo_login(settings)
    found = _LOGIN.match(login) if login else None
    return found["password"] if found else None
