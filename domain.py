"""The vocabulary every layer shares: age groups, genders, sources and what a valid feature name is.

This module is the one home of these rules. The schema's CHECK constraints, the event writer's SQL, the demo data,
the ingestion API, the filters and the UI labels are all generated from the values here, so changing a rule here
changes it everywhere (and a new migration brings the database's constraints along).
"""

from __future__ import annotations

from dataclasses import dataclass

ALL = "all"  # a filter value meaning "no restriction" (never stored)
UNKNOWN = "unknown"  # age group and gender of an event without a known person


# -- age groups -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgeGroup:
    value: str  # as stored and as sent in URLs and the API
    label: str  # as shown in the UI
    min_age: int  # inclusive
    max_age: int  # inclusive


MIN_AGE, MAX_AGE = 1, 120
AGE_GROUP_TABLE = (
    AgeGroup("<18", "Under 18", MIN_AGE, 17),
    AgeGroup("18-40", "18 – 40", 18, 40),
    AgeGroup(">40", "Over 40", 41, MAX_AGE),
)
AGE_GROUPS: tuple[str, ...] = tuple(group.value for group in AGE_GROUP_TABLE)
AGE_GROUP_LABELS: dict[str, str] = {group.value: group.label for group in AGE_GROUP_TABLE} | {UNKNOWN: "Unknown"}


def age_group_of(age: int) -> str:
    """The age group of an age in years: '<18' up to 17, '18-40' from 18 to 40, '>40' from 41."""
    for group in AGE_GROUP_TABLE:
        if group.min_age <= age <= group.max_age:
            return group.value
    raise ValueError(f"age must be between {MIN_AGE} and {MAX_AGE}, not {age!r}")


def age_group_sql(age: str) -> str:
    """A SQL CASE expression giving the age group of the SQL expression `age` (NULL age: 'unknown')."""
    branches = " ".join(f"WHEN {age} <= {group.max_age} THEN '{group.value}'" for group in AGE_GROUP_TABLE[:-1])
    return f"CASE WHEN {age} IS NULL THEN '{UNKNOWN}' {branches} ELSE '{AGE_GROUP_TABLE[-1].value}' END"


# -- genders and sources ----------------------------------------------------------------------------------------

GENDERS: tuple[str, ...] = ("Male", "Female", "Other")
GENDER_LABELS: dict[str, str] = {gender: gender for gender in GENDERS} | {UNKNOWN: "Unknown"}
SOURCES: tuple[str, ...] = ("api", "dashboard")  # events sent by other apps; the dashboard's own meta-analytics
API, DASHBOARD = SOURCES


def sql_in(column: str, values: tuple[str, ...]) -> str:
    """`column IN ('a', 'b')` for a CHECK constraint (the values are this module's own constants)."""
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


# -- roles and API key scopes -------------------------------------------------------------------------------------

ROLES: tuple[str, ...] = ("admin", "analyst")  # admins also manage API keys and invitations; analysts read
ADMIN, ANALYST = ROLES
SCOPES: tuple[str, ...] = ("ingest", "read")  # an API key's rights: send events; read numbers (stats, export)
INGEST, READ = SCOPES
DEFAULT_SCOPES: tuple[str, ...] = (INGEST,)  # a new key can only send events unless given more


def sql_array(values: tuple[str, ...]) -> str:
    """`ARRAY['a', 'b']::text[]` for a CHECK constraint or default (the values are this module's own constants)."""
    return f"ARRAY[{', '.join(repr(value) for value in values)}]::text[]"


# -- feature names ---------------------------------------------------------------------------------------------

FEATURE_MAX_LENGTH = 100
FEATURE_RULE = (
    f"1 to {FEATURE_MAX_LENGTH} printable characters after trimming (spaces and any letters allowed;"
    " no control characters)"
)


def clean_feature(value: object) -> str | None:
    """The feature name as stored (`value` stripped of surrounding whitespace), or None when it is not one.

    The one rule: a string that, once stripped, has 1 to FEATURE_MAX_LENGTH code points and is printable
    (`str.isprintable()`: no control, format, private-use or unassigned characters; spaces inside are fine). Names are
    case-sensitive: "Order Completed" and "order completed" are two features.
    """
    if type(value) is not str:
        return None
    name = value.strip()
    if 0 < len(name) <= FEATURE_MAX_LENGTH and name.isprintable():
        return name
    return None


def is_feature_name(value: object) -> bool:
    """True when `value` is a feature name exactly as stored: valid under the rule and already stripped."""
    return clean_feature(value) == value


# -- people ---------------------------------------------------------------------------------------------------

PERSON_ID_MAX_LENGTH = 255
PERSON_ID_RULE = f"1 to {PERSON_ID_MAX_LENGTH} printable characters (kept exactly as sent)"


def is_person_id(value: object) -> bool:
    """True when `value` can be a person's external id: a printable string of 1 to PERSON_ID_MAX_LENGTH code points,
    taken exactly as sent (not stripped, case-sensitive)."""
    return type(value) is str and 0 < len(value) <= PERSON_ID_MAX_LENGTH and value.isprintable()
