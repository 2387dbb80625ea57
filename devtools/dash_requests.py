"""Client side of Dash's HTTP protocol: find a callback in /_dash-dependencies and build the body the browser's
renderer POSTs to /_dash-update-component for it. Pure functions on the JSON; the caller does the HTTP."""

from __future__ import annotations


def input_ids(dep: dict) -> list[str]:
    """A callback's inputs as "component.property" strings, in order."""
    return [f"{i['id']}.{i['property']}" for i in dep["inputs"]]


def callbacks_with_inputs(deps: list[dict], inputs: list[str]) -> list[dict]:
    """The callbacks of /_dash-dependencies whose inputs are exactly `inputs` (same order)."""
    return [dep for dep in deps if input_ids(dep) == inputs]


def outputs_of(dep: dict):
    """The `outputs` field the renderer sends: [] without outputs, a list for multi-output, else one dict."""
    if dep.get("no_output"):
        return []

    def split(spec: str) -> dict:
        component, prop = spec.rsplit(".", 1)
        return {"id": component, "property": prop.split("@")[0]}

    output = dep["output"]
    if output.startswith(".."):
        return [split(part) for part in output[2:-2].split("...")]
    return split(output)


def update_request(dep: dict, values: dict, changed: list[str]) -> dict:
    """The JSON body of POST /_dash-update-component for `dep`: `values` maps "component.property" to the value of
    each input and state (missing ones are sent as None); `changed` lists the props that triggered it."""

    def values_of(specs):
        return [
            {"id": i["id"], "property": i["property"], "value": values.get(f"{i['id']}.{i['property']}")} for i in specs
        ]

    return {
        "output": dep["output"],
        "outputs": outputs_of(dep),
        "inputs": values_of(dep["inputs"]),
        "state": values_of(dep.get("state", [])),
        "changedPropIds": changed,
    }
