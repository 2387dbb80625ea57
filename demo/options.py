"""The demo data's options (users, events, days, seed): defaults, limits and the one check of them.

`seed_demo` and the command line (`seed.py`) both check through `problem`, so they accept and refuse the same values
with the same words.
"""

from __future__ import annotations

from numbers import Integral

from domain import AGE_GROUPS, GENDERS

CELLS = len(AGE_GROUPS) * len(GENDERS)  # one demo user per age group x gender combination at least
DEFAULT_USERS, DEFAULT_EVENTS, DEFAULT_DAYS = 55, 500, 30
MAX_USERS, MAX_EVENTS, MAX_DAYS = 100_000, 2_000_000_000, 3650
MAX_SEED = 2**63 - 1

# option -> (lowest, highest, why the lowest)
LIMITS = {
    "users": (CELLS, MAX_USERS, "one demo user per age group x gender combination at least"),
    "events": (0, MAX_EVENTS, ""),
    "days": (1, MAX_DAYS, ""),
    "seed": (0, MAX_SEED, ""),
}


class SeedError(ValueError):
    """Invalid seed options, or a seed that cannot be applied; the message says what to do."""


class SeedConflict(SeedError):
    """The events this seed would write are already stored (same --seed and options, no --reset)."""


def problem(name: str, value: object) -> str | None:
    """What is wrong with `value` for the option `name` ("must be ..."), or None when it is valid."""
    low, high, why = LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, Integral):
        return f"must be a whole number, not {value!r}"
    if not low <= value <= high:
        return f"must be between {low:,} and {high:,}, not {value:,}" + (f" ({why})" if why else "")
    return None


def check_options(users: object, events: object, days: object, seed: object | None) -> None:
    """Raise SeedError naming the first bad option (`seed` None means: pick a fresh one)."""
    for name, value in (("users", users), ("events", events), ("days", days), ("seed", seed)):
        if name == "seed" and value is None:
            continue
        wrong = problem(name, value)
        if wrong:
            raise SeedError(f"--{name} {wrong}")
