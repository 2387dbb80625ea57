"""Take docs/screenshot.png: the dashboard on demo data, logged in, in headless Chromium (about 1400x1700).

    uv run scripts/screenshot.py [--out docs/screenshot.png] [--width 1400] [--height 1700] [--select FEATURE]
                                 [--preset PRESET] [--compare MODE] [--granularity SIZE]

Starts a throw-away embedded PostgreSQL in a temporary folder (or uses DATABASE_URL's server with a fresh database
`clickboard_screenshot`, dropped at the end), migrates, seeds the demo data (`demo.seeding.seed_demo`), serves the
real app on a free port in a thread, logs in through /login with the demo user and saves the PNG. Needs
/usr/bin/chromium and chromedriver.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
]


def serve_in_thread(flask_app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, flask_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def chrome(width: int, height: int):
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    driver = webdriver.Chrome(options=options)
    # the window size includes browser chrome even when headless: pin the viewport itself
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    return driver


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(PROJECT / "docs" / "screenshot.png"))
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1700)
    parser.add_argument("--select", default=None, help="click this feature's bar before the shot")
    parser.add_argument("--events", type=int, default=5000, help="demo events to seed (default 5000)")
    parser.add_argument("--days", type=int, default=30, help="spread the demo events over this many days (default 30)")
    parser.add_argument("--preset", default=None, help="choose this date preset first (e.g. last_7_days)")
    parser.add_argument("--compare", default=None, help="then this compare mode (previous_period, year_over_year)")
    parser.add_argument("--granularity", default=None, help="then this granularity (day, week, month)")
    args = parser.parse_args(argv)

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    from app import create_app
    from appstate import state
    from config import Settings
    from db.migrate import upgrade
    from db.scratch import scratch_database
    from demo.seeding import seed_demo

    with tempfile.TemporaryDirectory(prefix="clickboard-shot-") as tmp, scratch_database("clickboard_screenshot") as db:
        workdir = Path(tmp)
        settings = Settings(database_url=db.url, secret_key="screenshot", data_dir=workdir)
        app = create_app(settings)
        appstate = state(app.server)
        upgrade(appstate.database.engine)
        report = seed_demo(appstate.database.engine, settings, events=args.events, days=args.days, seed=7)
        server, base = serve_in_thread(app.server)
        driver = chrome(args.width, args.height)
        try:
            wait = WebDriverWait(driver, 30)
            driver.get(f"{base}/login")
            driver.find_element(By.ID, "login-email").send_keys(report.demo_email)
            driver.find_element(By.ID, "login-password").send_keys(report.demo_password)
            driver.find_element(By.ID, "login-submit").click()
            wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#feature-bar-chart g.point path")))
            wait.until(lambda d: d.find_element(By.ID, "stat-total-clicks").text not in ("", "…"))
            from selenium.webdriver.support.ui import Select

            for control, value in (("date-preset", args.preset), ("compare-mode", args.compare)):
                if value:
                    Select(driver.find_element(By.ID, control)).select_by_value(value)
                    time.sleep(1.5)
            if args.granularity:
                Select(driver.find_element(By.ID, "granularity")).select_by_value(args.granularity)
                time.sleep(1.5)
            if args.compare:
                wait.until(lambda d: d.find_element(By.ID, "stat-total-clicks-change").text != "")
            if args.select:
                bars = driver.find_elements(By.CSS_SELECTOR, "#feature-bar-chart g.point path")
                labels = driver.execute_script(
                    "return document.querySelector('#feature-bar-chart .js-plotly-plot').data[0].customdata;"
                )
                from selenium.webdriver.common.action_chains import ActionChains

                ActionChains(driver).click(bars[labels.index(args.select)]).perform()
                wait.until(EC.presence_of_element_located((By.ID, "clear-feature-chip")))
                ActionChains(driver).move_to_element(driver.find_element(By.ID, "header")).perform()  # no hover box
            driver.execute_script("document.activeElement.blur();")  # no focus ring on the last control used
            time.sleep(1.0)  # let plotly finish its transitions
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(args.out)
            print(
                f"saved {args.out} ({args.width}x{args.height}); demo login {report.demo_email} / "
                f"{report.demo_password}"
            )
        finally:
            driver.quit()
            server.shutdown()
            appstate.writer.close()
            appstate.database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
