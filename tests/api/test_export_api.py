"""GET /api/v1/export and the dashboard's export buttons on the known dataset (tests/dataset.py).

Expected files are built from the raw-SQL oracle (tests/oracle.py, over the raw `events` table, not the rollup the
export reads) or spelled out by hand; the dashboard's download is compared with the API's file byte for byte.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import timedelta

import pytest

from db.writer import Event
from export import neutralise, share
from tests import oracle
from tests.dash_client import callback_for, filter_values, post_callback
from tests.dataset import END, START, utc

MARCH = {"start": str(START), "end": str(END)}


def export(client, headers=None, **params):
    return client.get("/api/v1/export", query_string=params, headers=headers or {})


def csv_of(client, headers=None, **params) -> bytes:
    response = export(client, headers, **params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data()


def lines(*rows: str) -> bytes:
    return "".join(row + "\r\n" for row in rows).encode("utf-8")


def expected_features(engine, start, end, **filters) -> bytes:
    """The oracle's clicks per feature as the file should hold them (quoted by the standard csv module)."""
    rows = oracle.by_feature(engine, start, end, **filters)
    total = sum(clicks for _f, clicks in rows)
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(
        [["feature", "clicks", "share"], *([neutralise(f), c, share(c, total)] for f, c in rows)]
    )
    return out.getvalue().encode("utf-8")


def test_the_feature_table_by_hand(logged_in_client, known):
    response = export(logged_in_client, table="features", **MARCH)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response.headers["Content-Disposition"]
        == 'attachment; filename="clickboard-features-2026-03-01_2026-03-05.csv"'
    )
    # 4 / 11 = 0.363636… and 3 / 11 = 0.272727…; export and search tie: alphabetical
    assert response.get_data() == lines("feature,clicks,share", "export,4,0.3636", "search,4,0.3636", "share,3,0.2727")
    assert not response.get_data().startswith(b"\xef\xbb\xbf")  # no byte-order mark


@pytest.mark.parametrize(
    "filters",
    [{}, {"age_group": "18-40"}, {"gender": "Male"}, {"source": "api"}, {"age_group": "unknown"}, {"gender": "Other"}],
)
def test_the_feature_table_equals_the_oracle(logged_in_client, known, engine, filters):
    assert csv_of(logged_in_client, table="features", **MARCH, **filters) == expected_features(
        engine, START, END, **filters
    )


def test_the_series_by_day_equals_the_oracle(logged_in_client, known, engine):
    body = csv_of(logged_in_client, table="series", granularity="day", **MARCH)
    days = oracle.daily(engine, START, END)
    assert body == lines("start,end,clicks,complete", *(f"{d},{d},{c},true" for d, c in days))
    assert [c for _d, c in days] == [6, 0, 2, 1, 2]  # tests/dataset.py by hand


def test_compare_adds_the_previous_columns(logged_in_client, known, engine):
    before_start, before_end = START - timedelta(days=5), START - timedelta(days=1)  # 02-24 .. 02-28
    features = csv_of(logged_in_client, table="features", compare="previous_period", **MARCH)
    previous = dict(oracle.by_feature(engine, before_start, before_end))
    assert previous == {"alerts": 7}  # only the alerts of 02-28 23:59:59
    assert features == lines(
        "feature,clicks,share,previous_clicks,change",
        "export,4,0.3636,0,new",
        "search,4,0.3636,0,new",
        "share,3,0.2727,0,new",
    )
    series = csv_of(logged_in_client, table="series", compare="previous_period", granularity="day", **MARCH)
    now, before = oracle.daily(engine, START, END), oracle.daily(engine, before_start, before_end)
    expected = [f"{d},{d},{c},true,{p},{p},{pc}" for (d, c), (p, pc) in zip(now, before, strict=True)]
    assert series == lines("start,end,clicks,complete,previous_start,previous_end,previous_clicks", *expected)
    assert expected[-1].endswith(",7")


def test_a_positive_change_is_neutralised_like_any_formula(logged_in_client, known):
    # 03-01..03-05 (export 4) against 03-06..03-10 shifted back: compare 03-06..03-10 with 03-01..03-05
    body = csv_of(logged_in_client, table="features", start="2026-03-06", end="2026-03-10", compare="previous_period")
    assert body == lines(
        "feature,clicks,share,previous_clicks,change",
        "share,5,1.0000,3,'+67%",  # 5 against 3: +66.7 % rounds to +67 %; a leading + is a formula to a spreadsheet
    )


HOSTILE = ['=HYPERLINK("http://x";"y")', "+1+1", "-2", "@SUM(A1)", "plain,comma", 'say "hi"', "safe=1"]


def test_cells_a_spreadsheet_reads_as_a_formula_get_a_quote(logged_in_client, writer, engine):
    writer.submit(
        [Event(feature=name, source="api", occurred_at=utc("2026-03-02 12:00:00")) for name in HOSTILE], timeout=10
    )
    body = csv_of(logged_in_client, table="features", **MARCH).decode("utf-8")
    assert sorted(body.split("\r\n")[1:-1]) == sorted(
        [
            '"\'=HYPERLINK(""http://x"";""y"")",1,0.1429',
            "'+1+1,1,0.1429",
            "'-2,1,0.1429",
            "'@SUM(A1),1,0.1429",
            '"plain,comma",1,0.1429',
            '"say ""hi""",1,0.1429',
            "safe=1,1,0.1429",
        ]
    )
    assert body.encode("utf-8") == expected_features(engine, START, END)


def test_numbers_equal_the_stats_api(logged_in_client, known):
    stats = logged_in_client.get("/api/v1/stats", query_string={**MARCH, "gender": "Male"}).get_json()
    body = csv_of(logged_in_client, table="features", gender="Male", **MARCH).decode().split("\r\n")[1:-1]
    assert [(row.split(",")[0], int(row.split(",")[1])) for row in body] == [
        (item["feature"], item["clicks"]) for item in stats["by_feature"]
    ]
    series = csv_of(logged_in_client, table="series", granularity="day", gender="Male", **MARCH)
    daily = [(row.split(",")[0], int(row.split(",")[2])) for row in series.decode().split("\r\n")[1:-1]]
    assert daily == [(item["date"], item["clicks"]) for item in stats["daily"]]


def test_an_api_key_with_read_may_export(client, known, auth):
    assert csv_of(client, auth, table="features", **MARCH).startswith(b"feature,clicks,share\r\n")


def test_refusals(dash_app, logged_in_client, known, monkeypatch, db_url):
    from tests.api.conftest import run_cli

    client = dash_app.server.test_client()  # no session

    assert export(client, table="features").status_code == 401  # no session, no key
    code, out, _err = run_cli(monkeypatch, db_url, "create-api-key", "ingest-only", "--quiet")
    assert code == 0
    assert export(client, {"Authorization": f"Bearer {out.strip()}"}, table="features").status_code == 403
    for params, param in [
        ({}, "table"),
        ({"table": "everything"}, "table"),
        ({"table": "features", "preset": "last_week"}, "preset"),
        ({"table": "features", "age_group": "old"}, "age_group"),
        ({"table": "features", "compare": "yes"}, "compare"),
        ({"table": "features", "format": "xlsx"}, "format"),
        ({"table": "features", "start": "2026-03-05", "end": "2026-03-01"}, "end"),
        ({"table": "features", "start": "2999-01-01", "end": "2999-01-02"}, "end"),  # after today
    ]:
        response = export(logged_in_client, **params)
        assert response.status_code == 400, params
        assert response.get_json()["details"][0]["param"] == param


EXPORT_INPUTS = [
    '{"table":"features","type":"export-csv"}.n_clicks',
    '{"table":"series","type":"export-csv"}.n_clicks',
]


@pytest.mark.parametrize("table", ["features", "series"])
def test_the_dashboard_download_is_the_api_file_byte_for_byte(logged_in_client, known, table):
    dep = callback_for(logged_in_client, EXPORT_INPUTS)[0]
    values = filter_values(gender="Male", compare="previous_period", granularity="day")
    values = {**values, "date-preset.value": "custom"}
    values = {f"{k.split('.')[0]}.{k.split('.')[1]}": v for k, v in values.items()}
    changed = EXPORT_INPUTS[0] if table == "features" else EXPORT_INPUTS[1]
    response = post_callback(logged_in_client, dep, {**values, changed: 1}, [changed])
    assert response.status_code == 200, response.get_data(as_text=True)
    data = json.loads(response.get_data())["response"]["export-download"]["data"]
    api = export(logged_in_client, table=table, gender="Male", compare="previous_period", granularity="day", **MARCH)
    assert data["filename"] == f"clickboard-{table}-2026-03-01_2026-03-05.csv"
    assert base64.b64decode(data["content"]) == api.get_data()


PARITY_VIEWS = [
    {"start": str(START), "end": str(END), "granularity": "day", "compare": "previous_period"},
    {"start": str(START), "end": str(END), "gender": "Male", "feature": "search", "compare": "year_over_year"},
    {"preset": "last_7_days", "age_group": "18-40"},
    {"preset": "last_90_days", "granularity": "week", "compare": "previous_period", "source": "api"},
    {"preset": "month_to_date", "compare": "previous_period"},
]


@pytest.mark.parametrize("params", PARITY_VIEWS)
def test_the_stats_api_takes_the_same_parameters_and_agrees(logged_in_client, known, params):
    stats = logged_in_client.get("/api/v1/stats", query_string=params)
    assert stats.status_code == 200, stats.get_data(as_text=True)
    body = stats.get_json()
    features = [r.split(",") for r in csv_of(logged_in_client, table="features", **params).decode().split("\r\n")[1:-1]]
    assert [(f, int(c)) for f, c, *_ in features] == [(i["feature"], i["clicks"]) for i in body["by_feature"]]
    if body["comparison"] is not None:
        expected = [(i["previous_clicks"], i["change"]) for i in body["comparison"]["by_feature"]]
        assert [(int(p), c.lstrip("'")) for *_, p, c in features] == expected
    series = [r.split(",") for r in csv_of(logged_in_client, table="series", **params).decode().split("\r\n")[1:-1]]
    keys = ["start", "end", "clicks", "complete", "previous_start", "previous_end", "previous_clicks"]
    as_json = [
        {
            k: (v if k in ("start", "end", "previous_start", "previous_end") else None if v == "" else v)
            for k, v in zip(keys, row)
        }
        for row in series
    ]
    for row in as_json:
        row["clicks"] = int(row["clicks"])
        row["complete"] = row["complete"] == "true"
        if "previous_clicks" in row:
            row["previous_clicks"] = None if row["previous_clicks"] is None else int(row["previous_clicks"])
            row["previous_start"] = row["previous_start"] or None
            row["previous_end"] = row["previous_end"] or None
    assert as_json == body["series"]
