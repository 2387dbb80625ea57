"""The preset select and the date picker keeping each other in step (callbacks/presets.py), today pinned."""

from datetime import date

from dash import no_update

from callbacks.presets import dates_for_preset, preset_after_edit

TODAY = date(2026, 3, 15)


def test_a_preset_sets_the_dates_and_the_mark():
    assert dates_for_preset("last_7_days", "2026-02-14", "2026-03-15", TODAY) == [
        "2026-03-09",
        no_update,  # the end stays today: only the start changes
        True,
    ]
    assert dates_for_preset("last_month", "2026-02-14", "2026-03-15", TODAY) == ["2026-02-01", "2026-02-28", True]


def test_a_preset_already_shown_or_custom_changes_nothing():
    assert dates_for_preset("last_30_days", "2026-02-14", "2026-03-15", TODAY) == [no_update] * 3
    assert dates_for_preset("custom", "2026-02-14", "2026-03-15", TODAY) == [no_update] * 3
    assert dates_for_preset("forged", "2026-02-14", "2026-03-15", TODAY) == [no_update] * 3


def test_an_edited_date_makes_the_preset_custom_silently():
    assert preset_after_edit("last_30_days", "2026-02-15", "2026-03-15", TODAY) == ["custom", True]


def test_dates_that_are_the_presets_own_change_nothing():
    assert preset_after_edit("last_30_days", "2026-02-14", "2026-03-15", TODAY) == [no_update, no_update]
    assert preset_after_edit("custom", "2026-02-15", "2026-03-15", TODAY) == [no_update, no_update]
    assert preset_after_edit("last_30_days", None, "2026-03-15", TODAY) == [no_update, no_update]  # being picked
