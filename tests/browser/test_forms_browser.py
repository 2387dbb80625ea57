"""The auth forms in Chromium: every mistake shown at once on its field, what was typed kept, the first bad field
focused (stable ids only)."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import text


def assert_focus_on(driver, element_id: str) -> None:
    """The page's focus lands on `element_id` (autofocus applies once the page has loaded: wait for it, bounded)."""
    WebDriverWait(driver, 10).until(lambda d: d.switch_to.active_element.get_attribute("id") == element_id)


def field_state(driver, element_id: str) -> tuple[str, str | None, str]:
    """(its value, aria-invalid, the text of the elements its aria-describedby names, joined by " | ")."""
    element = driver.find_element(By.ID, element_id)
    described = (element.get_attribute("aria-describedby") or "").split()
    texts = [driver.find_element(By.ID, name).text for name in described]
    return element.get_attribute("value"), element.get_attribute("aria-invalid"), " | ".join(texts)


def test_registration_with_four_mistakes_shows_all_four_keeps_the_values_and_focuses_the_first(dash_duo, start, engine):
    base = start()
    driver = dash_duo.driver
    driver.get(base + "/register")
    assert_focus_on(driver, "register-name")
    driver.find_element(By.ID, "register-name").send_keys("Rita Register")
    driver.find_element(By.ID, "register-email").send_keys("rita@@example.com")
    driver.find_element(By.ID, "register-password").send_keys("short")
    driver.find_element(By.ID, "register-age").send_keys("150")
    # no gender chosen
    driver.find_element(By.ID, "register-submit").click()
    dash_duo.wait_for_element("#register-email-error")

    assert driver.find_element(By.ID, "auth-error").text == "4 fields need a change: Email, Password, Age and Gender."
    assert field_state(driver, "register-name") == ("Rita Register", None, "")
    assert field_state(driver, "register-email") == ("rita@@example.com", "true", "Enter a valid email address.")
    value, invalid, messages = field_state(driver, "register-password")
    assert (value, invalid) == ("", "true")  # the password is never sent back
    assert messages.startswith("Password must be at least 12 characters. | At least 12 characters")
    assert field_state(driver, "register-age") == ("150", "true", "Age must be a whole number between 1 and 120.")
    assert field_state(driver, "register-gender") == ("", "true", "Gender must be one of Male, Female, Other.")
    assert Select(driver.find_element(By.ID, "register-gender")).first_selected_option.text == "Choose…"
    assert_focus_on(driver, "register-email")
    for name in ("email", "password", "age", "gender"):
        element_id = f"register-{name}-error"
        assert driver.find_element(By.ID, element_id).is_displayed(), element_id
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar_one() == 0

    # fixing them all at once creates the account
    driver.find_element(By.ID, "register-email").clear()
    driver.find_element(By.ID, "register-email").send_keys("rita@example.com")
    driver.find_element(By.ID, "register-password").send_keys("plum harbor quietly")
    driver.find_element(By.ID, "register-age").clear()
    driver.find_element(By.ID, "register-age").send_keys("35")
    Select(driver.find_element(By.ID, "register-gender")).select_by_value("Other")
    driver.find_element(By.ID, "register-submit").click()
    dash_duo.wait_for_element("#auth-notice")
    assert_focus_on(driver, "login-password")  # the email is filled in
    with engine.connect() as conn:
        assert conn.execute(text("SELECT email, age, gender FROM users")).all() == [("rita@example.com", 35, "Other")]


def test_an_empty_login_says_what_is_missing_and_focuses_the_email(dash_duo, start, analyst):
    base = start()
    driver = dash_duo.driver
    driver.get(base + "/login")
    driver.find_element(By.ID, "login-submit").click()
    dash_duo.wait_for_element("#login-email-error")
    assert driver.find_element(By.ID, "auth-error").text == "Enter your email and your password."
    assert field_state(driver, "login-email") == ("", "true", "Enter your email.")
    assert field_state(driver, "login-password") == ("", "true", "Enter your password.")
    assert_focus_on(driver, "login-email")

    driver.find_element(By.ID, "login-email").send_keys(analyst.email)
    driver.find_element(By.ID, "login-submit").click()
    dash_duo.wait_for_element("#login-password-error")
    assert driver.find_element(By.ID, "auth-error").text == "Enter your password."
    assert field_state(driver, "login-email") == (analyst.email, None, "")
    assert_focus_on(driver, "login-password")
