"""Clicks by gender: follows every filter except the gender (all genders stay visible, the active one is
highlighted) and the selected feature. Each click on a bar is recorded as `chart_gender`."""

from __future__ import annotations

from sqlalchemy import Connection

from db.filters import Filters
from domain import GENDER_LABELS, GENDERS
from panels.breakdown import Segment, clicks_by_segment, segment_figure, segments_json
from panels.panel import Panel


def clicks_by_gender(conn: Connection, f: Filters) -> list[Segment]:
    return clicks_by_segment(conn, f, "gender", GENDERS)


def gender_figure(rows: list[Segment], f: Filters) -> dict:
    return segment_figure(rows, GENDER_LABELS, f.gender)


PANEL = Panel(
    id="gender-chart",
    title="Clicks by gender",
    query=clicks_by_gender,
    figure=gender_figure,
    stats_key="by_gender",
    tracked_as="chart_gender",
    stats_json=segments_json("gender"),
    height=320,
)
