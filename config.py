"""Every setting, read from the environment once, validated, in one immutable value.

The app, the command lines (`app.py`, `seed.py`), the Alembic environment and `gunicorn.conf.py` all read their
settings through `Settings.load()`; nothing else reads the environment. Loading settings never touches the disk: the
development secret key in DATA_DIR is read or created only by `with_dev_secret()`, which `uv run app.py` calls when it
starts serving.
"""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says how to fix it."""


def _env(name: str, *, field_name: str | None = None) -> AliasChoices:
    """Accept the setting by its field name (Settings(port=...)) and by its environment variable (PORT=...)."""
    return AliasChoices(field_name or name.lower(), name)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=True, env_ignore_empty=True)

    database_url: str | None = Field(None, repr=False, validation_alias=_env("DATABASE_URL"))  # may hold a password
    secret_key: str | None = Field(None, repr=False, validation_alias=_env("SECRET_KEY"))
    timezone: str = Field("UTC", validation_alias=_env("ANALYTICS_TIMEZONE", field_name="timezone"))
    # tests and demos only: pin "today" (clock.py) to this date instead of the current date in the time zone
    today: date | None = Field(None, validation_alias=_env("TODAY"))
    data_dir: Path = Field(PROJECT_DIR / ".data", validation_alias=_env("DATA_DIR"))
    host: str = Field("127.0.0.1", validation_alias=_env("HOST"))
    port: int = Field(8050, ge=1, le=65535, validation_alias=_env("PORT"))
    event_max_age_days: int = Field(365, ge=1, validation_alias=_env("EVENT_MAX_AGE_DAYS"))
    # raw events older than this many days are removed (the rollup, and so every figure, is kept); unset: keep all
    event_retention_days: int | None = Field(None, ge=1, validation_alias=_env("EVENT_RETENTION_DAYS"))
    writer_queue_size: int = Field(20_000, ge=1, validation_alias=_env("WRITER_QUEUE_SIZE"))
    # who may register, and how the login layer trusts the network (auth/)
    registration: Literal["open", "invite", "closed"] = Field("open", validation_alias=_env("REGISTRATION"))
    trusted_proxies: int = Field(0, ge=0, le=5, validation_alias=_env("TRUSTED_PROXIES"))
    secure_cookies: bool = Field(False, validation_alias=_env("SECURE_COOKIES"))
    password_hash_cost: Literal["standard", "test"] = Field("standard", validation_alias=_env("PASSWORD_HASH_COST"))
    # GET /metrics answers only a scraper sending this token (off when unset)
    metrics_token: SecretStr | None = Field(None, min_length=16, validation_alias=_env("METRICS_TOKEN"))
    # LOG_FORMAT=json: every log record and one line per request as JSON on stderr (request_log.py)
    log_format: Literal["text", "json"] = Field("text", validation_alias=_env("LOG_FORMAT"))
    # a request body not received within this many seconds is answered 408 (body_deadline.py)
    body_timeout_seconds: float = Field(30.0, gt=0, le=3600, validation_alias=_env("BODY_TIMEOUT_SECONDS"))
    # what `uv run app.py` prints while it serves (webserver.py)
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", validation_alias=_env("LOG_LEVEL"))
    # production server (gunicorn.conf.py)
    web_concurrency: int = Field(2, ge=1, validation_alias=_env("WEB_CONCURRENCY"))
    gunicorn_worker_class: Literal["gevent", "gthread"] = Field(
        "gevent", validation_alias=_env("GUNICORN_WORKER_CLASS")
    )
    gunicorn_threads: int = Field(16, ge=1, validation_alias=_env("GUNICORN_THREADS"))
    gunicorn_bind: str | None = Field(None, validation_alias=_env("GUNICORN_BIND"))
    gunicorn_access_log: str | None = Field(None, validation_alias=_env("GUNICORN_ACCESS_LOG"))
    gunicorn_log_level: str = Field("info", validation_alias=_env("GUNICORN_LOG_LEVEL"))

    @model_validator(mode="after")
    def _retention_covers_accepted_events(self) -> Settings:
        retention, max_age = self.event_retention_days, self.event_max_age_days
        if retention is not None and max_age > retention:
            raise ValueError(
                f"EVENT_MAX_AGE_DAYS ({max_age}) may not exceed EVENT_RETENTION_DAYS ({retention}): the API would"
                " accept events that retention removes, and a retry of one could be counted twice; lower"
                " EVENT_MAX_AGE_DAYS"
            )
        return self

    @field_validator("database_url")
    @classmethod
    def _psycopg_url(cls, url: str | None) -> str | None:
        return normalize_database_url(url)

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower(cls, level: object) -> object:
        return level.strip().lower() if isinstance(level, str) else level

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{name!r} is not a known IANA time zone; use e.g. 'UTC' or 'Europe/Berlin'") from None
        return name

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, path: Path) -> Path:
        return path.expanduser().resolve()

    @classmethod
    def load(cls, env: dict[str, str] | None = None) -> Settings:
        """Settings from the process environment (or from `env`); ConfigError names the bad variable."""
        try:
            if env is None:
                return cls()
            return cls.model_validate({name: value for name, value in env.items() if value != ""})
        except ValidationError as exc:
            raise ConfigError("; ".join(_explain(error) for error in exc.errors())) from None

    @property
    def bind(self) -> str:
        """host:port for the production server."""
        return self.gunicorn_bind or f"{self.host}:{self.port}"

    def require_secret(self) -> Settings:
        """These settings, or ConfigError when SECRET_KEY is missing (production must not invent one)."""
        if not self.secret_key:
            raise ConfigError("SECRET_KEY is required in production: set it to a long random string")
        return self

    def with_dev_secret(self) -> Settings:
        """These settings with a secret key: SECRET_KEY, or a random one kept in DATA_DIR so that sessions survive
        restarts of the development server (created on first use)."""
        if self.secret_key:
            return self
        return self.model_copy(update={"secret_key": _dev_secret(self.data_dir)})


_ENV_NAMES = {
    name: next(alias for alias in field.validation_alias.choices if alias.isupper())
    for name, field in Settings.model_fields.items()
}


def _explain(error: dict) -> str:
    field = str(error["loc"][0]) if error["loc"] else "settings"
    name = _ENV_NAMES.get(field, field)
    message = error["msg"].removeprefix("Value error, ")
    value = error.get("input")
    return f"{name}={value!r}: {message}" if isinstance(value, str | int) else f"{name}: {message}"


def normalize_database_url(url: str | None) -> str | None:
    """Accept postgres://, postgresql:// and postgresql+psycopg:// and always use the psycopg 3 driver."""
    if not url:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if not url.startswith("postgresql+psycopg://"):
        raise ConfigError(f"DATABASE_URL must start with postgresql+psycopg:// (got {url.split(':', 1)[0]}://...)")
    return url


def _dev_secret(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key
