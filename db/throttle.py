"""Counters of failed attempts, kept in PostgreSQL so that every worker and every server shares them.

A counter is a (scope, subject) row. `reserve` runs before the work it guards (checking a password, creating an
account) and counts the attempt as a failure up front, in one short transaction that locks the counters' rows: so
a burst of parallel attempts is counted exactly, and no more attempts get through than the rule allows. A success
then takes its count back (`clear` or `undo`).

Rule: the first `threshold - 1` failures are free; the `threshold`-th and every later one block the subject for
`first_delay`, doubling each time, at most `max_delay`. A blocked subject is refused without counting. A counter
starts again from zero once `forget_after` has passed since its last failure and the end of its last block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, text

FORGET_ROWS_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Rule:
    scope: str
    threshold: int
    first_delay: timedelta
    max_delay: timedelta
    forget_after: timedelta

    def delay(self, failures: int) -> timedelta | None:
        """How long the `failures`-th failure blocks the subject (None: not at all)."""
        if failures < self.threshold:
            return None
        return min(self.first_delay * 2 ** min(failures - self.threshold, 30), self.max_delay)


@dataclass(frozen=True)
class Counter:
    rule: Rule
    subject: bytes


class Blocked(Exception):
    """Too many failures: retry after `retry_after` seconds (nothing was counted)."""

    def __init__(self, retry_after: int):
        super().__init__(f"blocked for {retry_after} s")
        self.retry_after = retry_after


def reserve(conn: Connection, counters: list[Counter]) -> None:
    """Count one attempt against every counter, or raise Blocked (counting nothing) when any of them is blocked.

    Run inside a transaction (`engine.begin()`); the rows stay locked until it commits, so keep it short.
    """
    ordered = sorted(counters, key=lambda c: (c.rule.scope, c.subject))
    params = {}
    for i, counter in enumerate(ordered):
        params |= {f"s{i}": counter.rule.scope, f"b{i}": counter.subject}
    keys = ", ".join(f"(:s{i}, :b{i})" for i in range(len(ordered)))
    conn.execute(
        text(
            "INSERT INTO auth_throttle (scope, subject, failures, last_failure_at) "
            f"SELECT scope, subject, 0, now() FROM (VALUES {keys}) AS k (scope, subject) "
            "ON CONFLICT (scope, subject) DO NOTHING"
        ),
        params,
    )
    rows = conn.execute(
        text(
            "SELECT scope, subject, failures, last_failure_at, blocked_until, now() AS now FROM auth_throttle "
            f"WHERE (scope, subject) IN ({keys}) ORDER BY scope, subject FOR UPDATE"
        ),
        params,
    ).all()
    now = rows[0].now
    blocked = [row.blocked_until for row in rows if row.blocked_until is not None and row.blocked_until > now]
    if blocked:
        raise Blocked(max(1, math.ceil((max(blocked) - now).total_seconds())))
    rules = {(c.rule.scope, c.subject): c.rule for c in ordered}
    for row in rows:
        rule = rules[(row.scope, row.subject)]
        failures = (0 if _forgotten(row, rule, now) else row.failures) + 1
        delay = rule.delay(failures)
        conn.execute(
            text(
                "UPDATE auth_throttle SET failures = :failures, last_failure_at = :now, blocked_until = :until "
                "WHERE scope = :scope AND subject = :subject"
            ),
            {
                "failures": failures,
                "now": now,
                "until": now + delay if delay else None,
                "scope": row.scope,
                "subject": row.subject,
            },
        )


def _forgotten(row, rule: Rule, now: datetime) -> bool:
    quiet_since = max(row.last_failure_at, row.blocked_until or row.last_failure_at)
    return now - quiet_since >= rule.forget_after


def clear(conn: Connection, counters: list[Counter]) -> None:
    """Forget these counters entirely (a success on the counter of this account from this address or device)."""
    for counter in counters:
        conn.execute(
            text("DELETE FROM auth_throttle WHERE scope = :scope AND subject = :subject"),
            {"scope": counter.rule.scope, "subject": counter.subject},
        )


def undo(conn: Connection, counters: list[Counter]) -> None:
    """Take back the attempt `reserve` counted (a success on a shared counter), and its block if it caused one."""
    for counter in counters:
        conn.execute(
            text(
                "UPDATE auth_throttle SET failures = greatest(failures - 1, 0), "
                "blocked_until = CASE WHEN failures - 1 >= :threshold THEN blocked_until END "
                "WHERE scope = :scope AND subject = :subject"
            ),
            {"threshold": counter.rule.threshold, "scope": counter.rule.scope, "subject": counter.subject},
        )


def forget_old(conn: Connection) -> None:
    """Delete counters untouched for a day (they would start from zero anyway)."""
    conn.execute(
        text(
            "DELETE FROM auth_throttle WHERE greatest(last_failure_at, coalesce(blocked_until, last_failure_at))"
            " < now() - make_interval(secs => :seconds)"
        ),
        {"seconds": FORGET_ROWS_AFTER.total_seconds()},
    )
