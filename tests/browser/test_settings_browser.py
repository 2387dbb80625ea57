"""The settings page in headless Chromium, as the admin uses it: a scoped API key is created (shown once, copied with
the Copy button), listed, used against the real API (each scope lets exactly its endpoint through) and revoked (then
refused); an invitation link made there is opened in a fresh browser, registers an analyst, and is gone from the
pending list; that analyst sees no settings link and is refused the page."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy import text

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def live_app(make_app):
    """The app with invitation-only registration (the settings page's links are what lets people in)."""
    return make_app(registration="invite")


def call(base: str, method: str, path: str, key: str) -> int:
    """The status of one API call with `key` (events: one new event)."""
    body = json.dumps({"events": [{"event_id": str(uuid.uuid4()), "feature": "browser_test"}]}).encode()
    request = urllib.request.Request(
        base + path,
        data=body if method == "POST" else None,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def statuses(base: str, key: str) -> tuple[int, int]:
    """(POST /api/v1/events, GET /api/v1/stats) with `key`."""
    return (
        call(base, "POST", "/api/v1/events", key),
        call(base, "GET", "/api/v1/stats?start=2026-01-01&end=2026-01-02", key),
    )


class Settings:
    def __init__(self, dash_duo, base: str):
        self.duo, self.driver, self.base = dash_duo, dash_duo.driver, base

    def find(self, element_id: str):
        return self.driver.find_element(By.ID, element_id)

    def login(self, email: str, password: str) -> None:
        self.driver.get(self.base + "/login")
        self.find("login-email").send_keys(email)
        self.find("login-password").send_keys(password)
        self.find("login-submit").click()
        self.duo.wait_for_element("#stat-total-clicks", timeout=15)

    def create_key(self, name: str, scopes: set[str]) -> str:
        self.find("api-key-name").send_keys(name)
        for scope in ("ingest", "read"):
            box = self.find(f"api-key-scope-{scope}")
            if box.is_selected() != (scope in scopes):
                box.click()
        self.find("api-key-create").click()
        self.duo.wait_for_element("#new-api-key")
        return self.find("new-api-key").get_attribute("value")

    def key_rows(self) -> dict[str, list[str]]:
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#api-keys tbody tr[data-name]")
        return {
            row.get_attribute("data-name"): [cell.text for cell in row.find_elements(By.TAG_NAME, "td")[:5]]
            for row in rows
        }

    def pending_invites(self) -> list[str]:
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#pending-invites tbody tr[data-number]")
        return [row.get_attribute("data-number") for row in rows]


def test_an_admin_creates_uses_and_revokes_scoped_keys_and_invites_an_analyst(dash_duo, start, admin, engine):
    base = start()
    page = Settings(dash_duo, base)
    page.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    dash_duo.wait_for_element("#settings-link").click()
    dash_duo.wait_for_element("#api-key-create")
    assert page.find("api-key-scope-ingest").is_selected() and not page.find("api-key-scope-read").is_selected()

    # a read-only key: shown once, copied, listed; stats yes, ingestion no
    reader = page.create_key("reporting", {"read"})
    assert reader.startswith("cb_")
    page.find("copy-api-key").click()
    dash_duo.wait_for_text_to_equal("#copy-api-key", "Copied")
    assert page.key_rows()["reporting"][:3] == ["reporting", reader[:10] + "…", "read"]
    assert page.key_rows()["reporting"][4] == "never"
    assert statuses(base, reader) == (403, 200)

    # an ingest-only key (the default): ingestion yes, stats no
    writer = page.create_key("mobile-app", {"ingest"})
    assert statuses(base, writer) == (202, 403)
    page.driver.get(base + "/settings")
    rows = page.key_rows()
    assert set(rows) == {"reporting", "mobile-app"}
    assert rows["mobile-app"][2] == "ingest" and rows["mobile-app"][4].endswith("UTC")  # used: a time, not "never"
    assert reader not in page.driver.page_source and writer not in page.driver.page_source  # shown only once

    # revoke both from the page: both refused at once
    for name in ("reporting", "mobile-app"):
        row = page.driver.find_element(By.CSS_SELECTOR, f'#api-keys tr[data-name="{name}"]')
        row.find_element(By.CSS_SELECTOR, "button[id^=api-key-revoke-]").click()
        dash_duo.wait_for_element("#auth-notice")
        assert name not in page.key_rows()
    assert statuses(base, reader) == (401, 401)
    assert statuses(base, writer) == (401, 401)
    audit = page.driver.find_elements(By.CSS_SELECTOR, "#audit-log tbody tr")
    assert [row.get_attribute("data-action") for row in audit][:4] == [
        "api_key.revoke",
        "api_key.revoke",
        "api_key.create",
        "api_key.create",
    ]

    # an invitation: the link is opened in a browser with no session, registers one analyst
    page.find("invite-days").clear()
    page.find("invite-days").send_keys("2")
    page.find("invite-create").click()
    dash_duo.wait_for_element("#new-invite-link")
    link = page.find("new-invite-link").get_attribute("value")
    assert link.startswith(base + "/register?invite=")
    assert len(page.pending_invites()) == 1
    page.driver.delete_all_cookies()
    page.driver.get(link)
    page.find("register-name").send_keys("Ivy Invited")
    page.find("register-email").send_keys("ivy@example.com")
    page.find("register-password").send_keys("invited and welcome")
    page.find("register-age").send_keys("29")
    Select(page.find("register-gender")).select_by_value("Female")
    page.find("register-submit").click()
    dash_duo.wait_for_element("#auth-notice")
    page.login("ivy@example.com", "invited and welcome")
    assert page.driver.find_elements(By.ID, "settings-link") == []  # analysts get no link
    page.driver.get(base + "/settings")
    assert "Only administrators can open this page." in page.find("auth-error").text
    with engine.connect() as conn:
        assert conn.execute(text("SELECT role FROM users WHERE email = 'ivy@example.com'")).scalar_one() == "analyst"
        assert conn.execute(text("SELECT count(*) FROM invites WHERE used_by IS NOT NULL")).scalar_one() == 1

    # back as the admin: nothing pending any more; the settings page recorded its own use
    page.driver.delete_all_cookies()
    page.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    page.driver.get(base + "/settings")
    assert page.pending_invites() == []
    with engine.connect() as conn:
        tracked = dict(
            conn.execute(
                text("SELECT feature, count(*) FROM events WHERE feature LIKE 'settings_%' GROUP BY feature")
            ).all()
        )
    assert tracked == {"settings_create_key": 2, "settings_revoke_key": 2, "settings_create_invite": 1}
