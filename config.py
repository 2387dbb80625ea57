"""Settings read from the environment, in one immutable value."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_DIR = Path(__file__).resolve().parent


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says how to fix it."""


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    secret_key: str = ""
    timezone: str = "UTC"
    data_dir: Path = PROJECT_DIR / ".data"
    port: int = 8050
    event_max_age_days: int = 365
    writer_queue_size: int = 20_000
    extra: dict = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, *, require_secret: bool = False) -> Settings:
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("DATA_DIR") or PROJECT_DIR / ".data").expanduser().resolve()
        timezone = env.get("ANALYTICS_TIMEZONE") or "UTC"
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"ANALYTICS_TIMEZONE={timezone!r} is not a known IANA time zone; use e.g. 'UTC' or 'Europe/Berlin'"
            ) from None
        port_text = env.get("PORT") or "8050"
        try:
            port = int(port_text)
            if not 0 < port < 65536:
                raise ValueError
        except ValueError:
            raise ConfigError(f"PORT={port_text!r} must be a number between 1 and 65535") from None
        max_age_text = env.get("EVENT_MAX_AGE_DAYS") or "365"
        try:
            max_age = int(max_age_text)
            if max_age < 1:
                raise ValueError
        except ValueError:
            raise ConfigError(f"EVENT_MAX_AGE_DAYS={max_age_text!r} must be a positive whole number of days") from None
        secret = env.get("SECRET_KEY") or ""
        if not secret:
            if require_secret:
                raise ConfigError("SECRET_KEY is required in production: set it to a long random string")
            secret = _dev_secret(data_dir)
        database_url = normalize_database_url(env.get("DATABASE_URL") or None)
        return cls(
            database_url=database_url,
            secret_key=secret,
            timezone=timezone,
            data_dir=data_dir,
            port=port,
            event_max_age_days=max_age,
        )


def normalize_database_url(url: str | None) -> str | None:
    """Accept postgres://, postgresql:// and postgresql+psycopg:// and always use the psycopg 3 driver."""
    if url is None:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if not url.startswith("postgresql+psycopg://"):
        raise ConfigError(f"DATABASE_URL must start with postgresql+psycopg:// (got {url.split(':', 1)[0]}://...)")
    return url


def _dev_secret(data_dir: Path) -> str:
    """A random key kept in DATA_DIR so that sessions survive restarts of the development server."""
    path = data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key
