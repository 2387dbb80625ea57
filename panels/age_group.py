"""Clicks by age group: follows every filter except the age group (all groups stay visible, the active one is
highlighted) and the selected feature. Each click on a bar is recorded as `chart_age_group`."""

from __future__ import annotations

from sqlalchemy import Connection

from db.filters import Filters
from domain import AGE_GROUP_LABELS, AGE_GROUPS
from panels.breakdown import Segment, clicks_by_segment, segment_figure, segments_json
from panels.panel import Panel


def clicks_by_age_group(conn: Connection, f: Filters) -> list[Segment]:
    return clicks_by_segment(conn, f, "age_group", AGE_GROUPS)


def age_group_figure(rows: list[Segment], f: Filters) -> dict:
    return segment_figure(rows, AGE_GROUP_LABELS, f.age_group)


PANEL = Panel(
    id="age-group-chart",
    title="Clicks by age group",
    query=clicks_by_age_group,
    figure=age_group_figure,
    stats_key="by_age_group",
    tracked_as="chart_age_group",
    stats_json=segments_json("age_group"),
    height=320,
)
