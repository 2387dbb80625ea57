"""The README's API key recipe, run as written by bash in a real shell: it makes a key that works, and when the key
cannot be made it stops with a non-zero status and the reason, instead of carrying on with an empty key (the old
`create-api-key ... | tail -n 1` recipe exited 0 with KEY empty)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import text

from tests.api.conftest import new_event, post_events, run_cli

ROOT = Path(__file__).resolve().parents[2]


def recipe() -> str:
    """The first sh block of the README's "### API keys" section."""
    section = (ROOT / "README.md").read_text().split("### API keys", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def run_recipe(db_url: str) -> subprocess.CompletedProcess:
    """bash runs the recipe, then prints the key it made (never reached when the recipe stops)."""
    env = dict(os.environ, DATABASE_URL=db_url, SECRET_KEY="test-secret-key")
    script = recipe() + 'echo "the key: $KEY"\n'
    return subprocess.run(
        ["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_recipe_uses_quiet_and_pipefail():
    block = recipe()
    assert "set -euo pipefail" in block and "--quiet" in block and "tail" not in block


def test_the_recipe_makes_a_key_with_both_scopes_then_lists_and_revokes_it(db_url, engine, client):
    assert shutil.which("uv"), "the recipe runs `uv run app.py`"
    done = run_recipe(db_url)
    assert done.returncode == 0, done.stderr
    key = done.stdout.splitlines()[-1].removeprefix("the key: ")
    assert key.startswith("cb_") and len(key) == 46
    assert "my-app" in done.stdout  # list-api-keys showed it
    with engine.connect() as conn:
        row = conn.execute(text("SELECT scopes, revoked_at IS NOT NULL FROM api_keys")).one()
    assert tuple(row) == (["ingest", "read"], True)  # and the recipe's last line revoked it
    assert post_events(client, {"Authorization": f"Bearer {key}"}, [new_event()]).status_code == 401


def test_when_the_key_cannot_be_made_the_recipe_stops_with_the_reason(monkeypatch, db_url, engine):
    assert run_cli(monkeypatch, db_url, "create-api-key", "my-app")[0] == 0  # the name is in use
    done = run_recipe(db_url)
    assert done.returncode == 1
    assert "error: an API key named 'my-app' already exists and is in use" in done.stderr
    assert "the key:" not in done.stdout and "NAME" not in done.stdout  # nothing after the failure ran
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*), count(revoked_at) FROM api_keys")).one() == (1, 0)
