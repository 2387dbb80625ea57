"""Write docs/COMPONENT_IDS.md from the registry in layouts/ids.py (a test checks the file is current).

uv run python -m devtools.ids_doc
"""

from __future__ import annotations

import sys
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "COMPONENT_IDS.md"

INTRO = """\
# Component ids and meta-analytics names

These ids and names are a contract: browser tests (ours and our users'), the data team's dashboards and saved links
rely on them. Change one only on purpose, in `layouts/ids.py` (or the panel's own file), and regenerate this page with
`uv run python -m devtools.ids_doc`; `tests/unit/test_docs.py` fails while it is out of date.

Every interaction with a tracked control is recorded once as a click event with `source = 'dashboard'`, the
logged-in analyst as its user, and the control's meta-analytics name as its feature; page loads and restored filters
record nothing. The demo data uses exactly these names.
"""


SETTINGS_INTRO = """\
## The settings page (`/settings`, admins only)

A plain Flask page (`admin/`), not a Dash page. Each submitted form records one click event with
`source = 'dashboard'`, the admin as its user, and the action's name below as its feature, whether or not the action
succeeds (like a dashboard control). These names are not in the demo data. The ids are in `layouts/ids.py`
(`SETTINGS_IDS`, `SETTINGS_ACTIONS`).
"""


def render() -> str:
    """The document for the registry of the app's default board."""
    from layouts import ids

    lines = [INTRO, "## Tracked controls", "", "| component id | meta-analytics name | recorded when it changes |"]
    lines.append("|---|---|---|")
    for component_id, (name, props) in ids.TRACKED_CONTROLS.items():
        lines.append(f"| `{component_id}` | `{name}` | {', '.join(f'`{prop}`' for prop in props)} |")
    lines += ["", "## Interactive but not tracked", "", "| component id | why |", "|---|---|"]
    for component_id, reason in ids.UNTRACKED_CONTROLS.items():
        lines.append(f"| `{component_id}` | {reason} |")
    tracked = set(ids.TRACKED_CONTROLS) | set(ids.UNTRACKED_CONTROLS)
    lines += ["", "## Other stable ids", ""]
    lines += [f"- `{component_id}`" for component_id in ids.COMPONENT_IDS if component_id not in tracked]
    lines += ["", SETTINGS_INTRO, "| component id (the form's button) | meta-analytics name |", "|---|---|"]
    per_row = {ids.API_KEY_REVOKE: "-<key number>", ids.INVITE_WITHDRAW: "-<invitation number>"}
    for component_id, name in ids.SETTINGS_ACTIONS.items():
        lines.append(f"| `{component_id}{per_row.get(component_id, '')}` | `{name}` |")
    lines += ["", "Not tracked:", ""]
    lines += [f"- `{component_id}`: {reason}" for component_id, reason in ids.SETTINGS_UNTRACKED.items()]
    lines += ["", "Other stable ids of the settings page:", ""]
    named = set(ids.SETTINGS_ACTIONS) | set(ids.SETTINGS_UNTRACKED)
    lines += [f"- `{component_id}`" for component_id in ids.SETTINGS_IDS if component_id not in named]
    return "\n".join(lines) + "\n"


def main() -> int:
    DOC.write_text(render())
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
