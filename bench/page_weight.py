"""Page weight: the bytes a first visit to the dashboard transfers, and a second visit, measured in Chromium.

    uv run bench/page_weight.py                   # embedded PostgreSQL, the known demo seed
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres uv run bench/page_weight.py

A fresh headless Chromium (empty cache) opens /login, logs in with the demo user and waits until every chart is
drawn; the figure is the sum of the navigation's and every resource's `transferSize` (bytes on the wire after
compression, headers included) from the browser's own Resource Timing entries. Then the same browser reloads the
dashboard: files under versioned URLs come from its cache (transferSize 0). Prints the total, the compressed and
uncompressed bytes of the largest files, and the encodings used.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ENTRIES = """
const nav = performance.getEntriesByType('navigation').map(e => ({name: e.name, transfer: e.transferSize,
    encoded: e.encodedBodySize, decoded: e.decodedBodySize}));
const res = performance.getEntriesByType('resource').map(e => ({name: e.name, transfer: e.transferSize,
    encoded: e.encodedBodySize, decoded: e.decodedBodySize}));
return nav.concat(res);
"""


def visit(driver, base: str, login: tuple[str, str] | None, charts: int) -> list[dict]:
    """Load the dashboard (through the login form when `login` is given); the Resource Timing entries of both pages."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    entries = []
    if login:
        driver.get(base + "/login")
        entries += driver.execute_script(ENTRIES)
        driver.find_element(By.ID, "login-email").send_keys(login[0])
        driver.find_element(By.ID, "login-password").send_keys(login[1])
        driver.find_element(By.ID, "login-submit").click()
    else:
        driver.get(base + "/")
    WebDriverWait(driver, 60).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .main-svg")) >= charts
    )
    time.sleep(1)  # late chunks (fonts, source maps are not fetched) settle
    return entries + driver.execute_script(ENTRIES)


def report(title: str, entries: list[dict]) -> int:
    total = sum(e["transfer"] for e in entries)
    decoded = sum(e["decoded"] for e in entries)
    print(f"{title}: {total / 1024:,.0f} KiB transferred ({len(entries)} requests; {decoded / 1024:,.0f} KiB unpacked)")
    for e in sorted(entries, key=lambda e: -e["transfer"])[:8]:
        name = e["name"].split("?")[0].rsplit("/", 2)
        print(
            f"   {e['transfer'] / 1024:8,.1f} KiB on the wire  {e['decoded'] / 1024:8,.1f} KiB  {'/'.join(name[-2:])}"
        )
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000, help="demo events to seed (default 2000)")
    args = parser.parse_args(argv)

    from selenium import webdriver

    from app import create_app
    from appstate import state
    from bench.dashboard_speed import serve_in_thread
    from config import Settings
    from db.migrate import upgrade
    from db.scratch import scratch_database
    from demo.seeding import seed_demo
    from layouts.placement import BOARD

    print(f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, {date.today()}")
    with scratch_database("cb_page_weight") as scratch:
        workdir = Path(tempfile.mkdtemp(prefix="page-weight-"))
        settings = Settings(database_url=scratch.url, secret_key="bench", data_dir=workdir)
        app = create_app(settings)
        appstate = state(app.server)
        upgrade(appstate.database.engine)
        seeded = seed_demo(appstate.database.engine, settings, events=args.events, days=30, seed=1, reset=True)
        server, base = serve_in_thread(app.server)
        options = webdriver.ChromeOptions()
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,1000"):
            options.add_argument(flag)
        driver = webdriver.Chrome(options=options)
        try:
            charts = len(BOARD.panels)
            first = report("first visit (login page + dashboard, empty cache)",
                           visit(driver, base, (seeded.demo_email, seeded.demo_password), charts))  # fmt: skip
            report("second visit (reload)", visit(driver, base, None, charts))
        finally:
            driver.quit()
            server.shutdown()
            appstate.writer.close()
            appstate.database.dispose()
    print(f"target: a first visit under 1 MB (1,024 KiB): {'met' if first < 1024 * 1024 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
