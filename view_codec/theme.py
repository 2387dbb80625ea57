"""Each analyst's colour theme (light, dark, or following the system), in a cookie set by the server.

Cookie `cb_theme_<user id>` (one per analyst, like the saved filters) holds the choice as plain text: it is no
secret and choosing a theme is all a forged value could do, so it is not signed; any value other than the three
choices reads as the default, `system`. HttpOnly (only the server reads it, when it renders the page, so the page
arrives in its colours: no flash of the other theme), SameSite=Lax, Secure over HTTPS, kept for a year.
"""

from __future__ import annotations

LIGHT, DARK, SYSTEM = "light", "dark", "system"
THEMES = (LIGHT, DARK, SYSTEM)
DEFAULT_THEME = SYSTEM
COOKIE_PREFIX = "cb_theme_"
MAX_AGE_SECONDS = 365 * 24 * 3600


def cookie_name(user_id: int) -> str:
    return f"{COOKIE_PREFIX}{int(user_id)}"


def saved_theme(user_id: int | None, cookies) -> str:
    """The analyst's choice from the request's cookies; the default without an analyst or a valid value."""
    if user_id is None:
        return DEFAULT_THEME
    value = cookies.get(cookie_name(user_id))
    return value if value in THEMES else DEFAULT_THEME


def set_theme_cookie(response, user_id: int, theme: str, *, secure: bool) -> None:
    """Remember `theme` for the analyst (in a callback: dash.ctx.response). Raises ValueError for another value."""
    if theme not in THEMES:
        raise ValueError(f"theme must be one of {', '.join(THEMES)}")
    response.set_cookie(
        cookie_name(user_id), theme, max_age=MAX_AGE_SECONDS, httponly=True, samesite="Lax", secure=secure, path="/"
    )


def html_attributes(theme: str) -> str:
    """The attributes of the page's <html> element for `theme`: Bootstrap's data-bs-theme when it is fixed (the
    stylesheets follow it at once); for `system`, assets/theme.js sets it from the browser's preference before the
    page is drawn."""
    attributes = f'data-theme-choice="{theme}"'
    if theme in (LIGHT, DARK):
        attributes += f' data-bs-theme="{theme}"'
    return attributes
