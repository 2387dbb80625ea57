"""Submitting the auth pages' forms from tests and benchmarks: every form carries a CSRF token (auth/csrf.py)."""

from __future__ import annotations

import re

_TOKEN = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token in a page of the auth forms (AssertionError when there is none)."""
    match = _TOKEN.search(html)
    assert match, "no csrf_token field in the page"
    return match.group(1)
