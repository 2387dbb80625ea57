"""The filters every view shares, as one validated value."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from domain import AGE_GROUPS, ALL, FEATURE_RULE, GENDERS, SOURCES, UNKNOWN, clean_feature, is_feature_name

# `unknown`: the events without a known person (no user, or one whose age or gender is not known)
AGE_GROUP_CHOICES = (ALL, *AGE_GROUPS, UNKNOWN)
GENDER_CHOICES = (ALL, *GENDERS, UNKNOWN)
SOURCE_CHOICES = (ALL, *SOURCES)  # api: events sent by other apps; dashboard: the dashboard's own meta-analytics
MAX_RANGE_DAYS = 3661  # ten years; a longer range is almost certainly a typo
EARLIEST = date(1970, 1, 1)  # dates outside these are typos (year 1 overflowed the comparison arithmetic)
LATEST = date(2999, 12, 31)
# YYYY-MM-DD, optionally followed by the time part of an ISO timestamp (date pickers may send one)
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(T[0-9:.]{1,15}(Z|[+-]\d{2}:\d{2})?)?")


class InvalidFilter(ValueError):
    """A filter value is not allowed. `param` names the offending parameter."""

    def __init__(self, param: str, message: str):
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


def check_choice(param: str, value: object, choices: tuple[str, ...]) -> None:
    """Raise InvalidFilter naming `param` unless `value` is one of `choices`."""
    if value not in choices:
        raise InvalidFilter(param, f"{value!r} is not one of {', '.join(choices)}")


def check_segment(age_group: object, gender: object, source: object, feature: object) -> None:
    """The rules of the filters beside the range (age group, gender, source, an optional feature name)."""
    check_choice("age_group", age_group, AGE_GROUP_CHOICES)
    check_choice("gender", gender, GENDER_CHOICES)
    check_choice("source", source, SOURCE_CHOICES)
    if feature is not None and not is_feature_name(feature):
        raise InvalidFilter("feature", f"not a feature name ({FEATURE_RULE})")


@dataclass(frozen=True)
class Filters:
    """Date range (both days inclusive, analytics time zone), demographics, source and an optional selected
    feature."""

    start: date
    end: date
    age_group: str = ALL
    gender: str = ALL
    feature: str | None = None
    source: str = ALL

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, date):
                raise InvalidFilter(name, "a date is required (YYYY-MM-DD)")
            if not EARLIEST <= value <= LATEST:
                raise InvalidFilter(name, f"{value} is outside {EARLIEST} to {LATEST}")
        if self.end < self.start:
            raise InvalidFilter("end", f"end date {self.end} is before start date {self.start}")
        if self.days > MAX_RANGE_DAYS:
            raise InvalidFilter("end", f"the range spans {self.days} days; at most {MAX_RANGE_DAYS} are allowed")
        check_segment(self.age_group, self.gender, self.source, self.feature)

    @property
    def days(self) -> int:
        """Number of days in the range, both ends included."""
        return (self.end - self.start).days + 1

    @classmethod
    def parse(
        cls,
        start: str | None,
        end: str | None,
        age_group: str | None = None,
        gender: str | None = None,
        feature: str | None = None,
        source: str | None = None,
    ) -> Filters:
        """Build from text (query string, component values); missing demographics and source mean 'all'; a feature
        name is read like the API reads it (stripped)."""
        return cls(
            start=parse_date("start", start),
            end=parse_date("end", end),
            age_group=age_group or ALL,
            gender=gender or ALL,
            feature=(clean_feature(feature) or feature) if feature else None,  # stripped as stored; bad: refused
            source=source or ALL,
        )


def parse_date(param: str, value: str | None) -> date:
    """Parse YYYY-MM-DD (a longer ISO timestamp's date part is accepted, as date pickers send)."""
    if not value:
        raise InvalidFilter(param, "a date is required (YYYY-MM-DD)")
    match = _DATE.fullmatch(str(value))
    try:
        if match is None:
            raise ValueError
        return date.fromisoformat(match.group(1))
    except ValueError:
        shown = str(value) if len(str(value)) <= 40 else str(value)[:40] + "…"
        raise InvalidFilter(param, f"{shown!r} is not a date in YYYY-MM-DD form") from None
