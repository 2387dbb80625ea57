"""CSRF from a real page on another site, in headless Chromium: the app on http://localhost:<port> (as dash_duo serves
it), the attacker's page on http://127.0.0.1:<other port> (another origin and another site), submitting forms by
itself.

Was: such a page logged the browser in as the attacker, logged a victim out, and registered an account.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import text

from db.users import create_user
from tests.browser.conftest import free_port, require_chromium
from tests.conftest import ANALYST_EMAIL, ANALYST_PASSWORD, form_token
from tests.security.conftest import STATS_PROBE, session_count, user_count

pytestmark = pytest.mark.browser

FORGED = "This form did not come from this Clickboard page, or it has expired. Please submit it again."
MALLORY = ("mallory@example.com", "mallory knows her own password")


@pytest.fixture(autouse=True)
def chromium_available():
    require_chromium()


@pytest.fixture
def start(dash_duo, dash_app):
    """Serve the app (not opening any page yet); return its base URL."""

    def _start() -> str:
        dash_duo.start_server(dash_app, navigate=False, port=free_port())
        return dash_duo.server.url.rstrip("/")

    return _start


def auto_submit(action: str, fields: dict) -> str:
    """An attacker's page: a hidden form that posts itself to `action` as soon as it loads."""
    inputs = "".join(f'<input type="hidden" name="{name}" value="{value}">' for name, value in fields.items())
    return (
        f'<!doctype html><html><body><form method="post" action="{action}">{inputs}</form>'
        "<script>document.forms[0].submit()</script></body></html>"
    )


def browser_login(dash_duo, base: str, email: str, password: str) -> None:
    driver = dash_duo.driver
    driver.get(base + "/login")
    driver.find_element(By.ID, "login-email").send_keys(email)
    driver.find_element(By.ID, "login-password").send_keys(password)
    driver.find_element(By.ID, "login-submit").click()
    dash_duo.wait_for_element("#header", timeout=15)


def open_attack(dash_duo, url: str, base: str) -> None:
    """Open the attacker's page, wait until its forged POST has been answered by the app, and check the refusal."""
    driver = dash_duo.driver
    driver.get(url)
    WebDriverWait(driver, 15).until(
        lambda d: d.current_url.startswith(base) and d.execute_script("return document.readyState") == "complete"
    )
    errors = driver.find_elements(By.ID, "auth-error")
    assert [e.text for e in errors] == [FORGED], f"the forged form was not refused: {driver.current_url}"


def browser_is_logged_in(dash_duo, base: str) -> bool:
    """Whether the browser's cookies hold a live session: the stats API answers 200 to it (asked with fetch: a
    browser navigating there would save the answer, sent as an attachment, instead of showing it)."""
    dash_duo.driver.get(base + "/login")
    status = dash_duo.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'same-origin'}).then(r => done(r.status), () => done(0));",
        base + STATS_PROBE,
    )
    assert status in (200, 401), status
    return status == 200


def session_users(engine) -> list[int]:
    with engine.connect() as conn:
        return conn.execute(text("SELECT user_id FROM sessions ORDER BY user_id")).scalars().all()


@pytest.fixture
def mallory(engine, dash_app):
    """The attacker's own account, and a CSRF token of her own session (valid, but not for anyone else)."""
    with engine.begin() as conn:
        create_user(conn, *MALLORY, "Mallory", 30, "Female")
    return form_token(dash_app.server.test_client())


def test_a_foreign_page_cannot_log_the_browser_in_as_the_attacker(
    dash_duo, start, attacker_site, analyst, mallory, engine
):
    base = start()
    forged_login = attacker_site(
        "login.html",
        auto_submit(base + "/login", {"email": MALLORY[0], "password": MALLORY[1], "csrf_token": mallory}),
        base,
    )
    open_attack(dash_duo, forged_login, base)
    assert not browser_is_logged_in(dash_duo, base)
    assert session_count(engine) == 0

    browser_login(dash_duo, base, ANALYST_EMAIL, ANALYST_PASSWORD)  # the victim logs in, then meets the page
    open_attack(dash_duo, forged_login, base)
    assert browser_is_logged_in(dash_duo, base)
    assert session_users(engine) == [analyst.id]  # still the victim's session, and no session for the attacker


def test_a_foreign_page_cannot_log_the_victim_out(dash_duo, start, attacker_site, analyst, engine):
    base = start()
    browser_login(dash_duo, base, ANALYST_EMAIL, ANALYST_PASSWORD)
    open_attack(dash_duo, attacker_site("logout.html", auto_submit(base + "/logout", {}), base), base)
    assert browser_is_logged_in(dash_duo, base)
    assert session_users(engine) == [analyst.id]
    dash_duo.driver.get(base + "/")
    dash_duo.wait_for_element("#logout-button", timeout=15)  # the dashboard, not the login page


def test_a_foreign_page_cannot_register_an_account_with_the_victims_browser(
    dash_duo, start, attacker_site, analyst, mallory, engine
):
    base = start()
    browser_login(dash_duo, base, ANALYST_EMAIL, ANALYST_PASSWORD)
    fields = {
        "name": "Planted",
        "email": "planted@example.com",
        "password": "planted by a foreign page",
        "age": "33",
        "gender": "Other",
        "csrf_token": mallory,
    }
    open_attack(dash_duo, attacker_site("register.html", auto_submit(base + "/register", fields), base), base)
    assert user_count(engine) == 2  # the victim and Mallory: nothing planted
    assert browser_is_logged_in(dash_duo, base)
