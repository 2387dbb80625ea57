"""Who the demo users are and how their click events are sampled. Deterministic for a seed; no database needed.

- Users `demo01@example.com`, `demo02@example.com`, ...: the first nine cover the nine age group x gender cells in
  a fixed order, the rest are drawn with a realistic age group and gender mix.
- Events: which day (busy weekdays, quiet weekends, a gentle upward trend), which user (a few power users, a long
  tail of occasional ones), which control (per-feature popularity that leans by age group) and what time of day
  (office hours on weekdays, a flatter late curve on weekends). Features are exactly the dashboard's own
  meta-analytics names (layouts/ids.py).

Every random draw comes from a generator seeded with the seed (and the options, for events), drawn chunk by chunk:
the same seed, options and window give the same users and the same events.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from db.users import NewUser
from demo.options import SeedError
from demo.window import Window
from domain import AGE_GROUPS, GENDERS
from layouts.ids import FEATURE_NAMES

FEATURES: tuple[str, ...] = tuple(FEATURE_NAMES)
# every (feature, age group, gender) in index order: an event's `combo` is feature * CELLS + cell
CELLS = len(AGE_GROUPS) * len(GENDERS)
COMBOS: tuple[tuple[str, str, str], ...] = tuple((f, a, g) for f in FEATURES for a in AGE_GROUPS for g in GENDERS)

# How often each control is used overall (clearing a chip can only follow a bar click, so it stays below it) ...
_WEIGHT = {
    "date_picker": 0.24,
    "filter_age": 0.15,
    "filter_gender": 0.12,
    "chart_bar": 0.27,
    "clear_feature_chip": 0.08,
    "refresh_button": 0.14,
}
# ... and how each age group leans (multipliers per feature), so the filters visibly change the chart: the young
# click bars and clear chips, the over-40s pick date ranges and press refresh.
_AFFINITY = {
    "<18": {"date_picker": 0.7, "filter_age": 0.8, "filter_gender": 0.9, "chart_bar": 1.5, "clear_feature_chip": 1.4,
            "refresh_button": 0.8},
    "18-40": {"date_picker": 1.0, "filter_age": 1.1, "filter_gender": 1.0, "chart_bar": 1.0,
              "clear_feature_chip": 1.0, "refresh_button": 0.9},
    ">40": {"date_picker": 1.3, "filter_age": 1.0, "filter_gender": 1.1, "chart_bar": 0.7, "clear_feature_chip": 0.6,
            "refresh_button": 1.5},
}  # fmt: skip
# a control added later gets a modest share until someone tunes it here
FEATURE_WEIGHTS = np.array([_WEIGHT.get(name, 0.08) for name in FEATURES])
AGE_GROUP_AFFINITY = np.array([[_AFFINITY[group].get(name, 1.0) for name in FEATURES] for group in AGE_GROUPS])
AGE_GROUP_SHARES = np.array([0.14, 0.56, 0.30])  # in AGE_GROUPS order
GENDER_SHARES = np.array([0.49, 0.46, 0.05])  # in GENDERS order
AGE_RANGES = {"<18": (13, 17), "18-40": (18, 40), ">40": (41, 78)}
WEEKDAY_FACTORS = np.array([1.0, 1.06, 1.04, 0.98, 0.86, 0.42, 0.36])  # Monday .. Sunday
# Local time-of-day activity, per hour 0..23
HOURLY_WEEKDAY = np.array([0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.6, 1.6, 3.6, 5.6, 6.4, 6.0,
                           4.0, 4.8, 6.0, 6.2, 5.6, 4.2, 2.6, 1.8, 1.4, 1.1, 0.8, 0.5])  # fmt: skip
HOURLY_WEEKEND = np.array([0.6, 0.4, 0.3, 0.2, 0.2, 0.2, 0.3, 0.6, 1.2, 2.0, 2.8, 3.2,
                           3.2, 3.0, 2.8, 2.6, 2.5, 2.6, 2.8, 2.8, 2.4, 1.8, 1.3, 0.9])  # fmt: skip
TREND = (0.85, 1.15)  # activity grows gently from the first day of the window to the last

FIRST_NAMES = {
    "Male": ["Liam", "Noah", "Mateo", "Ethan", "Lucas", "Omar", "Kenji", "Ivan", "Ravi", "Tom", "Hugo", "Felix"],
    "Female": ["Emma", "Olivia", "Mia", "Sofia", "Amara", "Yuki", "Lena", "Priya", "Chloe", "Nora", "Ines", "Zoe"],
    "Other": ["Alex", "Sam", "Robin", "Jordan", "Kai", "River", "Quinn", "Sasha", "Noor", "Eden", "Remy", "Ari"],
}
LAST_INITIALS = "ABCDEFGHIJKLMNOPRSTVWZ"
DEMO_EMAIL = "demo{:02d}@example.com"
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

# the random streams, one per purpose (spawn keys of the seed)
_USERS_STREAM, _PASSWORD_STREAM, IDS_STREAM, _EVENTS_STREAM = 1, 2, 3, 4


def rng_for(entropy: int | list[int], stream: int) -> np.random.Generator:
    """The random generator of one purpose (`stream`) for a seed (or the seed and the options)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=(stream,))))


def demo_email(number: int) -> str:
    """The email of demo user `number` (1-based): demo01@example.com, ..."""
    return DEMO_EMAIL.format(number)


def plan_users(n: int, seed: int) -> list[NewUser]:
    """The `n` demo users of `seed`: the first nine cover the nine cells in a fixed order, the rest are drawn."""
    rng = rng_for(seed, _USERS_STREAM)
    age_group = np.empty(n, dtype=np.int64)
    gender = np.empty(n, dtype=np.int64)
    first = min(n, CELLS)
    age_group[:first] = np.arange(first) // len(GENDERS)
    gender[:first] = np.arange(first) % len(GENDERS)
    age_group[first:] = rng.choice(len(AGE_GROUPS), size=n - first, p=AGE_GROUP_SHARES)
    gender[first:] = rng.choice(len(GENDERS), size=n - first, p=GENDER_SHARES)
    low = np.array([AGE_RANGES[g][0] for g in AGE_GROUPS])[age_group]
    high = np.array([AGE_RANGES[g][1] for g in AGE_GROUPS])[age_group]
    ages = rng.integers(low, high + 1)
    first_name = rng.integers(0, len(FIRST_NAMES["Male"]), size=n)
    initial = rng.integers(0, len(LAST_INITIALS), size=n)
    users = []
    for i in range(n):
        sex = GENDERS[gender[i]]
        name = f"{FIRST_NAMES[sex][first_name[i]]} {LAST_INITIALS[initial[i]]}."
        users.append(NewUser(demo_email(i + 1), name, int(ages[i]), sex))
    return users


def demo_password_for(seed: int) -> str:
    """The password every demo user of `seed` gets, e.g. demo-k7pq-3xmz."""
    chars = "".join(_PASSWORD_ALPHABET[i] for i in _password_draws(seed))
    return f"demo-{chars[:4]}-{chars[4:]}"


def _password_draws(seed: int) -> np.ndarray:
    return rng_for(seed, _PASSWORD_STREAM).integers(0, len(_PASSWORD_ALPHABET), size=8)


def cell_of(age_group: str, gender: str) -> int:
    """The index of an age group x gender cell (age group major)."""
    return AGE_GROUPS.index(age_group) * len(GENDERS) + GENDERS.index(gender)


class Sample(NamedTuple):
    day: np.ndarray  # index into the window's days
    user: np.ndarray  # index into the users
    combo: np.ndarray  # index into COMBOS
    occurred_us: np.ndarray  # microseconds since 2000-01-01 UTC


class EventSampler:
    """Draws events for a window and a list of users (given by their age group x gender cells)."""

    def __init__(self, key: list[int], window: Window, user_cells: np.ndarray):
        """`key` is [seed, users, events, days]: other options with the same seed give another data set."""
        self.rng = rng_for(key, _EVENTS_STREAM)
        self.window = window
        self.user_cell = np.asarray(user_cells, dtype=np.int64)
        # a few power users, a long tail of occasional ones
        self.user_cdf = _cdf(self.rng.lognormal(0.0, 1.0, size=len(self.user_cell)))
        self.feature_cdf = [_cdf(w) for w in FEATURE_WEIGHTS * AGE_GROUP_AFFINITY]
        self.grid = np.linspace(0.0, 1.0, 25)
        self.curve_cdf = [np.concatenate([[0.0], np.cumsum(h) / h.sum()]) for h in (HOURLY_WEEKDAY, HOURLY_WEEKEND)]
        self.weekend = np.array([d.weekday() >= 5 for d in window.days])
        # the share of each day's activity curve before its limit (1 except for today)
        frac = (window.limit_us - window.start_us) / window.length_us
        self.mass = np.where(self.weekend, self._curve(frac, 1), self._curve(frac, 0))
        n = len(window.days)
        trend = np.linspace(TREND[0], TREND[1], n) if n > 1 else np.array([TREND[1]])
        weekday = WEEKDAY_FACTORS[[d.weekday() for d in window.days]]
        noise = self.rng.lognormal(0.0, 0.08, size=n)
        weight = weekday * trend * noise * self.mass
        self.day_cdf = _cdf(weight) if weight.sum() > 0 else None

    def _curve(self, frac: np.ndarray, kind: int) -> np.ndarray:
        return np.interp(frac, self.grid, self.curve_cdf[kind])

    def sample(self, m: int) -> Sample:
        """Draw the next `m` events."""
        if self.day_cdf is None:
            raise SeedError("the time window is empty (it is exactly midnight); try again in a second")
        rng, w = self.rng, self.window
        day = _pick(self.day_cdf, rng.random(m))
        user = _pick(self.user_cdf, rng.random(m))
        cell = self.user_cell[user]
        group = cell // len(GENDERS)
        r = rng.random(m)
        feature = np.empty(m, dtype=np.int64)
        for g in range(len(AGE_GROUPS)):
            mask = group == g
            feature[mask] = _pick(self.feature_cdf[g], r[mask])
        v = rng.random(m) * self.mass[day]
        frac = np.where(
            self.weekend[day], np.interp(v, self.curve_cdf[1], self.grid), np.interp(v, self.curve_cdf[0], self.grid)
        )
        offset = (frac * w.length_us[day]).astype(np.int64)
        np.minimum(offset, w.limit_us[day] - w.start_us[day] - 1, out=offset)
        np.maximum(offset, 0, out=offset)
        return Sample(day, user, feature * CELLS + cell, w.start_us[day] + offset)


def _cdf(weights: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(weights, dtype=np.float64)
    cdf /= cdf[-1]
    cdf[-1] = 1.0
    return cdf


def _pick(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)
