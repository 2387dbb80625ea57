"""Who is looking at the dashboard: the logged-in analyst of the current request, if any (see auth/)."""

from __future__ import annotations

from auth import current_analyst, request_is_https

__all__ = ["current_user_id", "current_user_is_admin", "current_user_name", "request_is_https"]


def current_user_id() -> int | None:
    user = current_analyst()
    return user.id if user is not None else None


def current_user_name() -> str | None:
    user = current_analyst()
    return user.display_name if user is not None else None


def current_user_is_admin() -> bool:
    user = current_analyst()
    return user is not None and user.is_admin
