"""The README's recipes run as written on a fresh clone: the key, curl, client and seed blocks (each marked
`<!-- recipe: NAME -->` right above its ```sh block) are extracted and executed by bash, in the project folder,
next to a running `uv run app.py` on a fresh DATA_DIR (the state of a fresh clone: `.data/` is not in git).

Only the port is changed (8050 -> a free one, so tests never meet a developer's app); everything else is the text
of the README. The key recipe runs with bash's defaults, as a reader's shell would: it must leave a real key in KEY.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from devtools.forms import csrf_token
from tests.api.test_first_run import PROJECT, Running, clean_env, free_port

pytestmark = pytest.mark.processes  # starts a server of its own

README = PROJECT / "README.md"
RECIPE = re.compile(r"<!-- recipe: (?P<name>[\w-]+) -->\n```sh\n(?P<body>.*?)\n```", re.DOTALL)
MARK = "=== recipe {} ==="


def recipes() -> dict[str, str]:
    found = {m["name"]: m["body"] for m in RECIPE.finditer(README.read_text())}
    assert set(found) == {"key", "events", "stats", "export", "client", "segment", "posthog", "seed"}, sorted(found)
    return found


def run_bash(script: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", script], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def sections(stdout: str, names: list[str]) -> dict[str, str]:
    """The output of each recipe, split at the marks echoed between them."""
    parts = re.split(r"^=== recipe ([\w-]+) ===$", stdout, flags=re.MULTILINE)
    found = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts), 2)}
    assert list(found) == names, stdout
    return found


def can_log_in(base: str, email: str, password: str) -> bool:
    """Log in through the real form (its CSRF token and cookie first); True when the login page sends us on."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    with opener.open(f"{base}/login", timeout=10) as response:
        token = csrf_token(response.read().decode())
    form = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password}).encode()
    try:
        with opener.open(f"{base}/login", data=form, timeout=10) as response:
            return False  # 200: the form again
    except urllib.error.HTTPError as exc:
        return exc.code == 302


def stats_for(base: str, key: str, feature: str) -> dict:
    today = datetime.now(UTC).date().isoformat()  # the events were sent just now (ANALYTICS_TIMEZONE: UTC)
    query = urllib.parse.urlencode({"feature": feature, "start": today, "end": today})
    request = urllib.request.Request(f"{base}/api/v1/stats?{query}", headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_the_readme_recipes_run_as_written_on_a_fresh_clone(tmp_path):
    uv = shutil.which("uv")
    assert uv, "the README's recipes run `uv run ...`: install uv (https://docs.astral.sh/uv/)"
    assert shutil.which("curl"), "the README's recipes use curl: apt-get install curl"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = clean_env(DATA_DIR=str(tmp_path / "data"), PORT=str(port))
    found = {name: body.replace("127.0.0.1:8050", f"127.0.0.1:{port}") for name, body in recipes().items()}
    server = Running(env=env)  # `uv run app.py` (the same command, through this interpreter)
    try:
        server.wait_for_line("Clickboard is running on")
        login = next(line for line in server.lines if line.startswith("Demo login: ")).removeprefix("Demo login: ")
        email, password = login.split(" / ")

        names = ["key", "events", "stats", "export", "client", "segment", "posthog"]
        # a newline before each mark: curl prints its answer without one
        script = "\n".join(f"echo; echo '{MARK.format(name)}'\n{found[name]}" for name in names)
        script += '\necho; echo "=== recipe KEY ==="; echo "$KEY"\n'
        result = run_bash(script, env)
        assert result.returncode == 0, result.stderr
        out = sections(result.stdout, [*names, "KEY"])
        assert re.fullmatch(r"cb_\S{20,}", out["KEY"]), out  # the key recipe left a real key in KEY
        assert json.loads(out["events"]) == {"accepted": 2, "duplicates": 0}
        stats = json.loads(out["stats"])
        assert stats["total_clicks"] == sum(day["clicks"] for day in stats["daily"])  # the documented shape
        assert out["export"].splitlines()[0] == "feature,clicks,share,previous_clicks,change"  # the CSV header
        assert out["client"] == "{'accepted': 2, 'duplicates': 0}"
        assert out["segment"] == out["posthog"] == ""  # the SDKs print nothing when all went well
        # one from the client recipe (a person without traits), one from each SDK (people of 34 and 29, female)
        ordered = stats_for(base, out["KEY"], "Order Completed")
        assert ordered["daily"][-1]["clicks"] == 3
        genders = {g["gender"]: g["clicks"] for g in ordered["by_gender"]}
        assert genders == {"Male": 0, "Female": 2, "Other": 0, "unknown": 1}
        ages = {a["age_group"]: a["clicks"] for a in ordered["by_age_group"]}
        assert ages == {"<18": 0, "18-40": 2, ">40": 0, "unknown": 1}

        seeded = run_bash(found["seed"], env)
        assert seeded.returncode == 0, seeded.stderr
        lines = seeded.stdout.splitlines()
        kept = [line for line in lines if line.startswith("Demo login: ")]
        assert len(kept) == 3, seeded.stdout
        rule = "(the same as before, kept in DATA_DIR; --new-password or --reset picks a new one)"
        assert kept[0].endswith(f"password: {password}  {rule}")
        assert f"password: {password}  (the same as before" in kept[1]
        assert "46 more demo users from an earlier run (after demo09@example.com) were kept" in seeded.stdout
        new_password = re.search(r"password: (\S+)  \(new; kept in DATA_DIR", kept[2])[1]
        assert new_password != password
        assert "Starting the embedded database" not in seeded.stderr  # the app's database, used as it is
        assert seeded.stderr.count("Using the embedded database already running in") == 3
        for number in (1, 9, 10, 20, 55):  # every demo user has the one password, the new one
            assert can_log_in(base, f"demo{number:02d}@example.com", new_password), number
        assert not can_log_in(base, email, password)
        assert (tmp_path / "data" / "demo_login.txt").read_text() == f"{email} / {new_password}\n"
    finally:
        code = server.stop(signal.SIGTERM)
    assert code == 0
    assert server.errors == []


def test_the_readme_client_is_the_tested_file():
    text = README.read_text()
    assert "[`clients/python/clickboard_client.py`](clients/python/clickboard_client.py)" in text
    assert (PROJECT / "clients" / "python" / "clickboard_client.py").exists()
    assert "from clickboard_client import Clickboard" in recipes()["client"]
    assert "class Clickboard" not in text  # one copy: the README shows its use, the file is the code
    assert Path(PROJECT / "clients" / "python" / "clickboard_client.py").read_text().count("def flush(") == 1
