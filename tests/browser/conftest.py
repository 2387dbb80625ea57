"""Browser tests: the real app (create_app on this test's database) in headless Chromium via dash_duo.

Always headless (CI runs as root without a display; dash's Chrome options already add --no-sandbox). Each test gets
a free port so parallel runs and a developer's app on 8050 do not collide.
"""

from __future__ import annotations

import os
import shutil
import socket
import time

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sqlalchemy import text


def pytest_configure(config):
    # dash[testing] adds the --headless option; these tests never open a window
    if hasattr(config.option, "headless"):
        config.option.headless = True


BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")


@pytest.fixture(autouse=True)
def chromium_available():
    require_chromium()


def require_chromium() -> None:
    """Without Chromium and ChromeDriver, skip with the fix on a developer's machine; in CI, fail (no silent skips)."""
    if shutil.which("chromedriver") and any(shutil.which(name) for name in BROWSERS):
        return
    message = "browser tests need Chromium and ChromeDriver: apt-get install chromium chromium-driver"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_app(dash_app):
    """The app under test; the writer and engine are closed by the dash_app fixture."""
    return dash_app


@pytest.fixture
def start(dash_duo, live_app):
    """Start the server without opening the Dash page (the login page is plain Flask); return the base URL."""

    def _start() -> str:
        dash_duo.driver.set_window_size(1400, 1000)
        dash_duo.start_server(live_app, navigate=False, port=free_port())
        return dash_duo.server.url.rstrip("/")

    return _start


# -- helpers shared by the browser tests (data: tests/dataset.py, expected numbers: tests/oracle.py) ---------------

CARD_IDS = ("stat-total-clicks", "stat-top-feature", "stat-daily-average", "stat-features-tracked")


def dashboard_events(engine, user_id: int | None = None) -> dict[str, int]:
    sql = "SELECT feature, count(*) FROM events WHERE source = 'dashboard'"
    if user_id is not None:
        sql += " AND user_id = :user_id"
    with engine.connect() as conn:
        return dict(conn.execute(text(sql + " GROUP BY feature"), {"user_id": user_id}).all())


class Dashboard:
    """Drives the dashboard page like an analyst does (stable ids only)."""

    def __init__(self, dash_duo, engine, base: str):
        self.duo = dash_duo
        self.driver = dash_duo.driver
        self.engine = engine
        self.base = base

    # -- account
    def register(self, name, email, password, age, gender):
        """Create the account through /register, then log in with it (registration never logs in by itself)."""
        from selenium.webdriver.support.ui import Select

        self.driver.get(self.base + "/register")
        self.driver.find_element(By.ID, "register-name").send_keys(name)
        self.driver.find_element(By.ID, "register-email").send_keys(email)
        self.driver.find_element(By.ID, "register-password").send_keys(password)
        self.driver.find_element(By.ID, "register-age").send_keys(str(age))
        Select(self.driver.find_element(By.ID, "register-gender")).select_by_value(gender)
        self.driver.find_element(By.ID, "register-submit").click()
        self.duo.wait_for_element("#auth-notice")
        self.login(email, password)

    def login(self, email, password):
        self.driver.get(self.base + "/login")
        self.driver.find_element(By.ID, "login-email").send_keys(email)
        self.driver.find_element(By.ID, "login-password").send_keys(password)
        self.driver.find_element(By.ID, "login-submit").click()
        self.wait_loaded()

    def logout(self):
        self.driver.find_element(By.ID, "logout-button").click()
        self.duo.wait_for_element("#login-email")

    def wait_loaded(self):
        self.duo.wait_for_element("#stat-total-clicks", timeout=15)
        self.duo.wait_for_element("#feature-bar-chart .main-svg", timeout=15)
        self.until(lambda: self.text("stat-total-clicks") not in ("", "…"), "cards filled")

    def reload(self):
        self.driver.refresh()
        self.wait_loaded()

    # -- reading
    def text(self, element_id: str) -> str:
        return self.driver.find_element(By.ID, element_id).text

    def cards(self) -> tuple:
        return tuple(self.text(i) for i in CARD_IDS)

    def until(self, condition, what: str, timeout: float = 10.0, on_timeout=None):
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = condition()
            except Exception:  # stale element while Dash re-renders
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                shown = f" (shown: {on_timeout()!r})" if on_timeout else ""
                raise AssertionError(f"timed out waiting for {what}{shown}")
            time.sleep(0.1)

    def wait_cards(self, expected: tuple):
        try:
            self.until(lambda: self.cards() == expected, f"cards {expected}")
        except AssertionError:
            assert self.cards() == expected

    def picker_dates(self) -> tuple[str, str]:
        start = self.driver.find_element(By.ID, "date-range").get_attribute("value")
        end = self.driver.find_element(By.ID, "date-range-end-date").get_attribute("value")
        return start, end

    def dropdown_text(self, element_id: str) -> str:
        """The label of the option chosen in a filter (a native <select>)."""
        from selenium.webdriver.support.ui import Select

        return Select(self.driver.find_element(By.ID, element_id)).first_selected_option.text.strip()

    def figure(self, graph_id: str) -> list[dict]:
        """The traces plotly drew in a graph (x, y, name, customdata), or None before the first figure."""
        return self.driver.execute_script(
            "const g = document.querySelector(arguments[0] + ' .js-plotly-plot');"
            "return g ? g.data.map(t => ({x: t.x, y: t.y, name: t.name, customdata: t.customdata})) : null;",
            f"#{graph_id}",
        )

    def segments(self, graph_id: str) -> list[tuple[str, int]]:
        """A breakdown's bars as (segment, clicks); none in the empty state."""
        traces = self.figure(graph_id) or []
        return [tuple(pair) for trace in traces for pair in zip(trace["customdata"], trace["y"])]

    def chip(self):
        found = self.driver.find_elements(By.ID, "clear-feature-chip")
        return found[0].text if found else None

    # -- acting
    def type_date(self, which: str, value: str):
        element_id = "date-range" if which == "start" else "date-range-end-date"
        element = self.driver.find_element(By.ID, element_id)
        element.click()
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(Keys.BACKSPACE)
        if value:
            element.send_keys(value)
        element.send_keys(Keys.TAB)  # commits the typed date (Dash 4 date picker)
        self.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)

    def select(self, element_id: str, label: str):
        from selenium.webdriver.support.ui import Select

        select = Select(self.driver.find_element(By.ID, element_id))
        texts = [option.text for option in select.options]
        # the exact label, or the one option it begins ("All" for "All genders")
        chosen = label if label in texts else next(t for t in texts if t.startswith(label))
        select.select_by_visible_text(chosen)

    def bars(self, graph_id: str = "feature-bar-chart") -> dict:
        """The bar elements of a graph by category (each bar carries its category as customdata)."""
        labels = self.figure(graph_id)[0]["customdata"]
        paths = self.driver.find_elements(By.CSS_SELECTOR, f"#{graph_id} g.point path")
        assert len(paths) == len(labels)
        return dict(zip(labels, paths))

    def click_bar(self, category: str, graph_id: str = "feature-bar-chart"):
        ActionChains(self.driver).move_to_element(self.bars(graph_id)[category]).click().perform()
        ActionChains(self.driver).move_to_element(self.driver.find_element(By.ID, "header")).perform()

    def click(self, element_id: str):
        self.driver.find_element(By.ID, element_id).click()

    def console_errors(self) -> list:
        return [entry for entry in (self.duo.get_logs() or []) if entry.get("level") == "SEVERE"]

    def settled(self) -> bool:
        """True when no Dash callback is waiting or running in the page (read from the renderer's store)."""
        return self.duo.redux_state_rqs == []

    # -- meta-analytics
    def wait_events(self, expected: dict, user_id: int | None):
        """Wait until the dashboard's own events are exactly `expected` while no callback is pending: every
        recorder has answered (it answers after its event is committed), so nothing more can arrive."""
        self.until(
            lambda: dashboard_events(self.engine, user_id) == expected and self.settled(),
            f"events {expected} with no callback pending",
        )
        assert dashboard_events(self.engine, user_id) == expected


@pytest.fixture
def board(dash_duo, start, engine, known) -> Dashboard:
    return Dashboard(dash_duo, engine, start())


def user_id_of(engine, email: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT id FROM users WHERE lower(email) = lower(:e)"), {"e": email}).scalar_one()
