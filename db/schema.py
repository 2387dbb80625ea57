"""Table definitions (SQLAlchemy Core): Alembic's target metadata. Migrations in db/migrations create the tables;
`alembic check` (run in CI) fails when this file and the migrations disagree."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Double,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY

from domain import (
    AGE_GROUPS,
    ANALYST,
    DEFAULT_SCOPES,
    GENDERS,
    MAX_AGE,
    MIN_AGE,
    PERSON_ID_MAX_LENGTH,
    ROLES,
    SCOPES,
    SOURCES,
    UNKNOWN,
    sql_array,
    sql_in,
)

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("email", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("display_name", Text, nullable=False),
    Column("age", SmallInteger, nullable=False),
    Column("gender", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    # a random identity that sessions are bound to: never reused, unlike the numeric id after a reset
    Column("login_key", Uuid, nullable=False, server_default=text("gen_random_uuid()")),
    # admin: also manages API keys and invitations (the settings page); analyst: the dashboards and their account
    Column("role", Text, nullable=False, server_default=text(f"'{ANALYST}'")),
    CheckConstraint(f"age BETWEEN {MIN_AGE} AND {MAX_AGE}", name="users_age_range"),
    CheckConstraint(sql_in("gender", GENDERS), name="users_gender_valid"),
    CheckConstraint("length(btrim(display_name)) BETWEEN 1 AND 100", name="users_display_name_length"),
    CheckConstraint("position('@' in email) > 1", name="users_email_shape"),
    CheckConstraint(sql_in("role", ROLES), name="users_role_valid"),
)
Index("users_email_lower_key", func.lower(users.c.email), unique=True)  # emails are unique regardless of case


def _event_columns(key: tuple[str, ...]) -> list:
    """The columns of a raw-events table, `key` its primary key."""
    return [
        Column("event_id", Uuid, primary_key="event_id" in key),
        Column("feature", Text, nullable=False),
        Column("user_id", BigInteger, nullable=True),
        Column("occurred_at", DateTime(timezone=True), nullable=False, primary_key="occurred_at" in key),
        Column("received_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
        Column("age_group", Text, nullable=False),
        Column("gender", Text, nullable=False),
        Column("source", Text, nullable=False),
        CheckConstraint("length(feature) BETWEEN 1 AND 100", name="events_feature_length"),
        CheckConstraint(sql_in("age_group", (*AGE_GROUPS, UNKNOWN)), name="events_age_group_valid"),
        CheckConstraint(sql_in("gender", (*GENDERS, UNKNOWN)), name="events_gender_valid"),
        CheckConstraint(sql_in("source", SOURCES), name="events_source_valid"),
    ]


# Raw events, range-partitioned by occurred_at into one table per UTC month (db/partitions.py makes them). The key
# (event_id, occurred_at) is the idempotency rule for events that carry a time; see undated_event_ids for the others.
events = Table(
    "events",
    metadata,
    *_event_columns(("event_id", "occurred_at")),
    postgresql_partition_by="RANGE (occurred_at)",
)

# Who a product's events are about (db/people.py): an external id chosen by the sending app, and the traits identify
# calls gave. `id` is drawn from the users' id sequence, so an event's user_id names an account or a person, never
# both. Age is kept as given, or a birth date instead (never both); a missing trait is unknown.
people = Table(
    "people",
    metadata,
    Column("id", BigInteger, primary_key=True, server_default=text("nextval('users_id_seq'::regclass)")),
    Column("external_id", Text, nullable=False, unique=True),
    Column("age", SmallInteger, nullable=True),
    Column("birth_date", Date, nullable=True),
    Column("gender", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    CheckConstraint(f"length(external_id) BETWEEN 1 AND {PERSON_ID_MAX_LENGTH}", name="people_external_id_length"),
    CheckConstraint(f"age BETWEEN {MIN_AGE} AND {MAX_AGE}", name="people_age_range"),
    CheckConstraint("age IS NULL OR birth_date IS NULL", name="people_one_age"),
    CheckConstraint(sql_in("gender", GENDERS), name="people_gender_valid"),
)

Index("events_occurred_at_brin", events.c.occurred_at, postgresql_using="brin")  # retention finds old events

# The ids of events sent without occurred_at (the server's clock stood in): such an event is a duplicate when its id
# was seen without a time within EVENT_MAX_AGE_DAYS (db/retention.py forgets older ids). Small: only those events.
undated_event_ids = Table(
    "undated_event_ids",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)
Index("undated_event_ids_received_at_brin", undated_event_ids.c.received_at, postgresql_using="brin")

# The events table as it was before the monthly partitions (one table, event_id its key), renamed by migration
# 0009_events_layout; `uv run app.py migrate-events` moves its rows into `events` while the app runs and leaves it
# empty. Until then the event writer treats an id found here as a duplicate, whatever its time (the old rule).
events_legacy = Table("events_legacy", metadata, *_event_columns(("event_id",)))
Index("events_legacy_occurred_at_brin", events_legacy.c.occurred_at, postgresql_using="brin")

# After a retention purge (db/retention.py): the first day whose raw events are all kept. One row at most.
retention_horizon = Table(
    "retention_horizon",
    metadata,
    Column("id", Boolean, primary_key=True, server_default=text("true")),
    Column("raw_events_from", Date, nullable=False),
    CheckConstraint("id", name="retention_horizon_one_row"),
)

feature_daily = Table(
    "feature_daily",
    metadata,
    Column("day", Date, primary_key=True),
    Column("feature", Text, primary_key=True),
    Column("age_group", Text, primary_key=True),
    Column("gender", Text, primary_key=True),
    Column("source", Text, primary_key=True),
    Column("clicks", BigInteger, nullable=False),
    CheckConstraint("clicks >= 0", name="feature_daily_clicks_nonnegative"),
    CheckConstraint(sql_in("source", SOURCES), name="feature_daily_source_valid"),
)


def _rollup_level(name: str, period: str) -> Table:
    """A rollup level (db/rollup.py): the base level summed over every combination of one or every ('') value of
    each dimension, per `period` (a day, or the first day of a month)."""
    table = Table(
        name,
        metadata,
        Column("feature", Text, primary_key=True),
        Column("age_group", Text, primary_key=True),
        Column("gender", Text, primary_key=True),
        Column("source", Text, primary_key=True),
        Column(period, Date, primary_key=True),
        Column("clicks", BigInteger, nullable=False),
        CheckConstraint("clicks >= 0", name=f"{name}_clicks_nonnegative"),
    )
    # clicks per feature (the feature is the one dimension grouped, the others fixed): the key leads with the feature
    Index(f"{name}_by_feature", table.c.age_group, table.c.gender, table.c.source, table.c[period])
    return table


rollup_day = _rollup_level("rollup_day", "day")
# The levels count the base rows of the days up to `through` (closed days); later days only the base. One row.
rollup_closed = Table(
    "rollup_closed",
    metadata,
    Column("id", Boolean, primary_key=True, server_default=text("true")),
    Column("through", Date, nullable=False),
    CheckConstraint("id", name="rollup_closed_one_row"),
)
rollup_month = _rollup_level("rollup_month", "month")

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("name", Text, nullable=False),
    Column("key_hash", Text, nullable=False, unique=True),
    Column("prefix", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    # what the key may do (domain.SCOPES); keys made before scopes existed have both
    Column("scopes", ARRAY(Text), nullable=False, server_default=text(sql_array(DEFAULT_SCOPES))),
    Column("last_used_at", DateTime(timezone=True), nullable=True),  # to within db.api_keys.CACHE_SECONDS
    CheckConstraint(f"cardinality(scopes) >= 1 AND scopes <@ {sql_array(SCOPES)}", name="api_keys_scopes_valid"),
)
# a name is unique among the keys in use; a revoked key's name can be given to a new key
Index("api_keys_active_name_key", api_keys.c.name, unique=True, postgresql_where=api_keys.c.revoked_at.is_(None))

# Logged-in browser sessions (auth/). The cookie carries a random token; only its SHA-256 is stored. A session is
# valid while its row exists, its user still has the same login_key, it was used within the idle lifetime and its
# absolute end has not passed. No foreign key to users: `TRUNCATE users` (the demo seed's reset) must keep working;
# the login_key binding already makes a session worthless once its user is gone.
sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", LargeBinary, primary_key=True),
    Column("user_id", BigInteger, nullable=False),
    Column("user_key", Uuid, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("last_seen_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
Index("sessions_user_id", sessions.c.user_id)

# Failed-login and registration counters shared by every worker and server (auth/throttle.py). `subject` is a keyed
# hash of what is counted (an email, an address, an email and an address), never the typed text itself.
auth_throttle = Table(
    "auth_throttle",
    metadata,
    Column("scope", Text, primary_key=True),
    Column("subject", LargeBinary, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", DateTime(timezone=True), nullable=False),
    Column("blocked_until", DateTime(timezone=True), nullable=True),
)

# Per-API-key rate limit (db/key_allowance.py): a token bucket per key, shared by every worker and instance.
api_key_allowance = Table(
    "api_key_allowance",
    metadata,
    Column("key_id", Integer, primary_key=True),
    Column("tokens", Double, nullable=False),  # events that may still be sent now
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Meta-analytics rate limit (db/tracking_allowance.py): when each (analyst, control) last had an event recorded.
tracking_allowance = Table(
    "tracking_allowance",
    metadata,
    Column("user_id", BigInteger, primary_key=True),
    Column("control", Text, primary_key=True),
    Column("recent", ARRAY(DateTime(timezone=True)), nullable=False),
    Column("allowed", Boolean, nullable=False),
)

# One-time registration links (REGISTRATION=invite), made on the settings page or by `uv run app.py create-invite`.
# Only the token's hash. `id` names an invitation on the settings page (withdraw) without its secret.
invites = Table(
    "invites",
    metadata,
    Column("token_hash", LargeBinary, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Column("used_by", BigInteger, nullable=True),
    Column("id", BigInteger, Identity(), nullable=False, unique=True),
    Column("created_by", Text, nullable=True),  # who made it, as in the audit log
    Column("withdrawn_at", DateTime(timezone=True), nullable=True),
)

# What administrators did (API keys, roles, invitations): who, what, when. Written in the same transaction as the
# change it records; never updated. No foreign key to users: `TRUNCATE users` (the demo seed's reset) keeps the log.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("actor", Text, nullable=False),  # "ana@example.com" (the settings page) or "command line (user)"
    Column("actor_id", BigInteger, nullable=True),  # the admin's user id, when done on the settings page
    Column("action", Text, nullable=False),  # e.g. "api_key.create" (db/audit.py ACTIONS)
    Column("target", Text, nullable=False),  # what it was done to: a key's name, an email, an invitation's number
    Column("detail", Text, nullable=False, server_default=text("''")),
)
