"""The meta-analytics rate limit: at most LIMIT recorded interactions per analyst and control in any WINDOW.

Real use stays far below it (a person changes one control a few times in ten seconds); a burst of forged or
scripted callbacks stores a bounded number of events. Kept in PostgreSQL, so every worker and every instance shares
it: one upsert per interaction, in its own short transaction, that keeps the interaction times of the last WINDOW
and says whether this one may be recorded (fewer than LIMIT in the window before it). A refused interaction is not
kept, so a sustained burst gets LIMIT events in every WINDOW, never more.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, text

LIMIT = 10
WINDOW = timedelta(seconds=10)

_TAKE = text(
    """
    INSERT INTO tracking_allowance AS a (user_id, control, recent, allowed)
    VALUES (:user_id, :control, ARRAY[clock_timestamp()], true)
    ON CONFLICT (user_id, control) DO UPDATE SET
        allowed = (SELECT count(*) < :limit FROM unnest(a.recent) AS t WHERE t > clock_timestamp() - :window),
        recent = (
            SELECT CASE WHEN count(*) < :limit THEN array_append(coalesce(array_agg(t ORDER BY t), '{}'),
                                                                   clock_timestamp())
                        ELSE array_agg(t ORDER BY t) END
            FROM unnest(a.recent) AS t WHERE t > clock_timestamp() - :window
        )
    RETURNING allowed
    """
)


def take(engine: Engine, user_id: int, control: str) -> bool:
    """Count one interaction of `user_id` with `control`; False when it is over the limit and must not be recorded."""
    with engine.begin() as conn:
        return conn.execute(
            _TAKE, {"user_id": user_id, "control": control, "limit": LIMIT, "window": WINDOW}
        ).scalar_one()
