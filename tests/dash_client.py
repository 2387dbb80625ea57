"""Talking to the Dash app like the browser does, through Flask's test client: the served layout, the registered
callbacks and the exact request the renderer POSTs for one of them (built by devtools/dash_requests.py)."""

from __future__ import annotations

from sqlalchemy import text

from devtools.dash_requests import callbacks_with_inputs, update_request
from tests.dataset import END, START

DATA_INPUTS = [
    "date-range.start_date",
    "date-range.end_date",
    "filter-age-group.value",
    "filter-gender.value",
    "filter-source.value",
    "selected-feature.data",
    "refresh-button.n_clicks",
    "date-preset.value",
    "compare-mode.value",
    "granularity.value",
]


def dependencies(client) -> list[dict]:
    response = client.get("/_dash-dependencies")
    assert response.status_code == 200
    return response.get_json()


def callback_for(client, inputs: list[str]) -> list[dict]:
    """The registered callbacks whose inputs are exactly `inputs` (at least one)."""
    matches = callbacks_with_inputs(dependencies(client), inputs)
    assert matches, f"no callback with inputs {inputs}"
    return matches


def csrf_header(client) -> dict[str, str]:
    """The `X-CSRFToken` header Dash's renderer sends with every callback: the `_csrf_token` cookie set by the
    dashboard page, loaded first (as a browser has, and a new login needs a new token)."""
    assert client.get("/").status_code == 200
    return {"X-CSRFToken": client.get_cookie("_csrf_token").value}


def post_callback(client, dep: dict, values: dict, changed: list[str], **kwargs):
    """POST /_dash-update-component with the payload and the CSRF header the browser sends."""
    headers = csrf_header(client) | kwargs.pop("headers", {})
    return client.post("/_dash-update-component", json=update_request(dep, values, changed), headers=headers, **kwargs)


def data_dep(client) -> dict:
    """The data callback (the one request per filter change)."""
    return callback_for(client, DATA_INPUTS)[0]


def filter_values(
    start=START,
    end=END,
    age="all",
    gender="all",
    feature=None,
    source="all",
    preset="custom",
    compare="off",
    granularity="auto",
) -> dict:
    """The data callback's input values, as the page holds them."""
    values = [start and str(start), end and str(end), age, gender, source, feature, 0, preset, compare, granularity]
    return dict(zip(DATA_INPUTS, values))


def layout_props(client) -> dict[str, dict]:
    """The props of every component with an id in the served layout, by id."""
    response = client.get("/_dash-layout")
    assert response.status_code == 200
    found = {}

    def walk(node):
        if isinstance(node, dict) and "props" in node:
            props = node["props"]
            if "id" in props:
                found[props["id"]] = props
            walk(props.get("children"))
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(response.get_json())
    return found


def count_events(engine, **where) -> int:
    """Rows of `events` with these column values."""
    clause = " AND ".join(f"{key} = :{key}" for key in where) or "true"
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM events WHERE {clause}"), where).scalar_one()


def text_of(children) -> str:
    """The text a component tree shows: strings joined in order, from Dash components or their JSON."""
    if children is None:
        return ""
    if isinstance(children, (str, int, float)):
        return str(children)
    if isinstance(children, (list, tuple)):
        return "".join(text_of(child) for child in children)
    if isinstance(children, dict):
        return text_of(children.get("props", {}).get("children"))
    return text_of(getattr(children, "children", None))
