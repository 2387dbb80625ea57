"""The read replica's setting and how its lag is put into words (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from callbacks.dashboard import behind_message, data_as_of_text
from config import ConfigError, Settings
from db.replica import LIVE, Freshness
from tests.dash_client import text_of

NOW = datetime(2026, 3, 5, 14, 2, 7, tzinfo=UTC)


def test_the_read_url_is_normalised_and_checked_like_the_primary_s():
    settings = Settings.load({"DATABASE_READ_URL": "postgres://reader@replica:5432/clickboard"})
    assert settings.database_read_url == "postgresql+psycopg://reader@replica:5432/clickboard"
    assert Settings.load({}).database_read_url is None
    assert Settings.load({}).replica_lag_warning_seconds == 30
    with pytest.raises(ConfigError, match="DATABASE_READ_URL must start with postgresql"):
        Settings.load({"DATABASE_READ_URL": "mysql://replica/clickboard"})
    with pytest.raises(ConfigError, match="REPLICA_LAG_WARNING_SECONDS"):
        Settings.load({"REPLICA_LAG_WARNING_SECONDS": "0"})
    assert "secret" not in repr(Settings.load({"DATABASE_READ_URL": "postgres://u:secret@replica/db"}))


def test_data_as_of_is_said_only_for_figures_read_on_the_replica():
    assert data_as_of_text(LIVE, "UTC", NOW) == ""
    same_day = Freshness(
        replica=True, data_as_of=datetime(2026, 3, 5, 14, 1, 50, tzinfo=UTC), lag_seconds=17.0, behind=False
    )
    assert data_as_of_text(same_day, "UTC", NOW) == ", data as of 14:01:50"
    assert data_as_of_text(same_day, "Europe/Berlin", NOW) == ", data as of 15:01:50"  # the analytics time zone
    yesterday = Freshness(
        replica=True, data_as_of=datetime(2026, 3, 4, 23, 59, 0, tzinfo=UTC), lag_seconds=847.0, behind=True
    )
    assert data_as_of_text(yesterday, "UTC", NOW) == ", data as of 2026-03-04 23:59:00"
    unknown = Freshness(replica=True, data_as_of=None, lag_seconds=None, behind=True)
    assert data_as_of_text(unknown, "UTC", NOW) == ", data as of an unknown time"


def test_the_banner_says_up_to_when_the_figures_are_complete():
    lagging = Freshness(
        replica=True, data_as_of=datetime(2026, 3, 5, 13, 59, 2, tzinfo=UTC), lag_seconds=185.2, behind=True
    )
    assert text_of(behind_message(lagging, "UTC")) == (
        "The figures may be behind: they come from a read replica that holds the data up to 2026-03-05 13:59:02 UTC,"
        " 185 s ago. Clicks recorded since then are not counted yet; Refresh shows them once it catches up."
    )
    unknown = Freshness(replica=True, data_as_of=None, lag_seconds=None, behind=True)
    assert "cannot tell yet how far behind" in text_of(behind_message(unknown, "UTC"))


def test_figures_that_may_be_behind_show_the_banner_with_the_lag_message_instead_of_the_outage():
    from dash import Output

    from callbacks.dashboard import BANNER_MESSAGE_OUTPUTS, BANNER_OUTPUT, Update, key
    from layouts import ids

    declared = [Output(ids.LAST_UPDATED, "children"), *BANNER_MESSAGE_OUTPUTS, BANNER_OUTPUT]
    lagging = Freshness(replica=True, data_as_of=datetime.now(UTC), lag_seconds=45.0, behind=True)
    caught_up = Freshness(replica=True, data_as_of=datetime.now(UTC), lag_seconds=0.0, behind=False)

    def shown(update: Update) -> dict:
        return dict(zip(map(key, declared), update.outputs(declared, "2026-03-05 14:02:07 UTC")))

    behind = shown(Update({}, "", None, freshness=lagging))
    assert behind["status-banner.hidden"] is False
    assert (behind["status-banner-outage.hidden"], behind["status-banner-behind.hidden"]) == (True, False)
    assert text_of(behind["status-banner-behind.children"]).startswith("The figures may be behind: ")
    current = shown(Update({}, "", None, freshness=caught_up))
    assert current["status-banner.hidden"] is True
    assert (current["status-banner-outage.hidden"], current["status-banner-behind.hidden"]) == (False, True)
    assert current["last-updated.children"].startswith("Updated 14:02:07, data as of ")
    down = shown(Update(None, "", None, database_down=True, freshness=lagging))  # the outage wins
    assert down["status-banner.hidden"] is False
    assert (down["status-banner-outage.hidden"], down["status-banner-behind.hidden"]) == (False, True)
