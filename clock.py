"""The one clock of the dashboard: "today" is the current date in ANALYTICS_TIMEZONE.

Every caller that needs today (presets, the date picker's latest day, the end-after-today check, the stats API, the
trend chart's incomplete bucket) reads it here. The setting TODAY=YYYY-MM-DD (tests and demos only) pins it, so a test
can say what "last 7 days" means without waiting for midnight.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from config import Settings


def today(settings: Settings) -> date:
    """The current date in the analytics time zone, or the pinned TODAY when set."""
    if settings.today is not None:
        return settings.today
    return datetime.now(ZoneInfo(settings.timezone)).date()
