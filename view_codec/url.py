"""The view in the address bar: `/?preset=last_7_days&gender=Female&compare=previous_period` (view.py's names).

`view_from_query` reads a query string the way a shared link must be read: it never fails. Each parameter that is
unknown, given twice or has a value the view refuses (or a custom range that ends after today) is dropped and listed,
and the rest still apply. No view parameter at all means "no view in the URL" (None): the page then shows the
analyst's saved view. The dashboard's page (callbacks/page.py) reads the query string of the page being loaded from
the layout request's Referer (Dash fetches the layout separately; the app's Referrer-Policy is same-origin).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit

from db.filters import InvalidFilter
from view import PARAMS, View

MAX_SHOWN = 40  # characters of a dropped value shown in the notice


@dataclass(frozen=True)
class UrlView:
    """The view a query string names (None: it names none) and what was dropped from it, in words."""

    view: View | None
    dropped: tuple[str, ...] = ()


def _shown(value: str) -> str:
    return value if len(value) <= MAX_SHOWN else value[: MAX_SHOWN - 1] + "…"


def view_from_pairs(pairs: Iterable[tuple[str, str]], today: date) -> UrlView:
    """The view of these (name, value) pairs as of `today`, bad ones dropped (see the module docstring)."""
    pairs = list(pairs)
    names = [name for name, _value in pairs]
    dropped: list[str] = []
    params: dict[str, str] = {}
    for name, value in pairs:
        if name not in PARAMS:
            if f"{_shown(name)} (unknown parameter)" not in dropped:
                dropped.append(f"{_shown(name)} (unknown parameter)")
        elif names.count(name) > 1:
            if f"{name} (given more than once)" not in dropped:
                dropped.append(f"{name} (given more than once)")
        else:
            params[name] = value
    if not any(name in PARAMS for name in names):
        return UrlView(None, tuple(dropped))
    for _attempt in range(len(PARAMS) + 1):
        try:
            view = View.parse(params)
            view.resolve(today)
            return UrlView(view, tuple(dropped))
        except InvalidFilter as error:
            # a custom range is one thing: a bad start or end drops both dates
            culprits = ("start", "end") if error.param in ("start", "end") else (error.param,)
            if not any(name in params for name in culprits):
                # preset=custom without dates is refused as a missing start; anything else: drop all, never loop
                culprits = ("preset",) if "preset" in params else tuple(params)
            for name in culprits:
                if name in params:
                    dropped.append(f"{name}={_shown(params.pop(name))} ({error.message})")
    return UrlView(View(), tuple(dropped))


def view_from_url(url: str | None, today: date, path: str = "/") -> UrlView:
    """The view named by the query string of `url` when it is the dashboard's address (`path`), else UrlView(None)."""
    if not url:
        return UrlView(None)
    parts = urlsplit(url)
    if parts.path != path:
        return UrlView(None)
    return view_from_pairs(parse_qsl(parts.query, keep_blank_values=True), today)


def query_string(view: View) -> str:
    """The address bar's query for `view` ("?preset=last_7_days&…"), "" for the default view."""
    params = view.to_params()
    return "?" + urlencode(params) if params else ""
