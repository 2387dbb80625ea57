"""Login, registration and logout through the real pages, on a real database (the attacks on them: tests/security)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from argon2 import PasswordHasher
from bs4 import BeautifulSoup
from sqlalchemy import func, select, text

from db.schema import users
from tests.conftest import ANALYST_EMAIL, ANALYST_PASSWORD, login, logout, post_form

NEW_PASSWORD = "plum harbor quietly"
REGISTERED_NOTICE = "If {email} had no account yet, it has one now: log in below."
STATS_PROBE = "/api/v1/stats?start=2026-01-01&end=2026-01-01"  # 200 only for a logged-in session


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def auth_error(response) -> str:
    element = page(response).find(id="auth-error")
    assert element is not None, "no element with id auth-error"
    return element.get_text(" ", strip=True)


def user_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(users)).scalar_one()


def registration(**overrides) -> dict:
    form = {
        "name": "Rita Register",
        "email": "rita@example.com",
        "password": NEW_PASSWORD,
        "age": "35",
        "gender": "Other",
    }
    form.update(overrides)
    return form


def register(client, form: dict):
    return post_form(client, "/register", form)


def marks(html: BeautifulSoup, element_id: str) -> tuple[str | None, str | None]:
    """(the text of the message linked to the field by aria-describedby, its aria-invalid); (None, None) when the
    field is not marked. The message must be the element `<id>-error`, and the only one of its kind."""
    field = html.find(id=element_id)
    message = html.find(id=f"{element_id}-error")
    described = (field.get("aria-describedby") or "").split()
    if message is None:
        assert f"{element_id}-error" not in described
        return None, field.get("aria-invalid")
    assert f"{element_id}-error" in described, f"{element_id}: its message is not linked"
    assert "is-invalid" in field["class"]
    return message.get_text(" ", strip=True), field.get("aria-invalid")


def focused(html: BeautifulSoup) -> list[str]:
    """The ids of the elements with autofocus (exactly one on a form page)."""
    return [element["id"] for element in html.find_all(autofocus=True)]


def notice(response) -> str:
    element = page(response).find(id="auth-notice")
    assert element is not None, "no element with id auth-notice"
    return element.get_text(" ", strip=True)


def is_logged_in(client) -> bool:
    status = client.get(STATS_PROBE).status_code
    assert status in (200, 401), status
    return status == 200


# -- the pages ---------------------------------------------------------------------------------------------------


def test_login_page_has_the_stable_ids_a_stylesheet_and_a_link_to_register(client):
    response = client.get("/login")
    assert response.status_code == 200
    html = page(response)
    assert html.find("input", id="login-email")["name"] == "email"
    assert html.find("input", id="login-password")["type"] == "password"
    assert html.find("input", id="login-password")["name"] == "password"
    assert html.find(id="login-submit")["type"] == "submit"
    assert html.find("form")["method"] == "post"
    assert html.find("input", attrs={"name": "csrf_token", "type": "hidden"})["value"]
    assert html.find("link", rel="stylesheet", href="/assets/vendor/bootstrap.min.css") is not None
    assert html.find("a", href="/register") is not None
    assert "Clickboard" in html.get_text()
    assert html.find(id="auth-error") is None  # no error before anything was submitted


def test_register_page_has_the_stable_ids_and_the_three_genders(client):
    response = client.get("/register")
    assert response.status_code == 200
    html = page(response)
    for element_id, name in [
        ("register-name", "name"),
        ("register-email", "email"),
        ("register-password", "password"),
        ("register-age", "age"),
    ]:
        assert html.find("input", id=element_id)["name"] == name
    select_ = html.find("select", id="register-gender")
    assert select_["name"] == "gender"
    assert [o["value"] for o in select_.find_all("option") if o["value"]] == ["Male", "Female", "Other"]
    assert html.find(id="register-submit")["type"] == "submit"
    assert html.find("a", href="/login") is not None
    assert html.find("link", rel="stylesheet", href="/assets/vendor/bootstrap.min.css") is not None


# -- registration ------------------------------------------------------------------------------------------------


def test_register_creates_the_user_with_an_argon2id_hash_then_the_visitor_logs_in(client, engine):
    assert user_count(engine) == 0
    response = register(client, registration(email="Rita@Example.com"))
    assert response.status_code == 200
    assert notice(response) == REGISTERED_NOTICE.format(email="Rita@Example.com")
    assert page(response).find("input", id="login-email")["value"] == "Rita@Example.com"
    assert not is_logged_in(client)  # the same answer as for a taken email: see tests/security
    with engine.connect() as conn:
        rows = conn.execute(select(users)).all()
    assert len(rows) == 1
    row = rows[0]
    assert (row.email, row.display_name, row.age, row.gender) == ("Rita@Example.com", "Rita Register", 35, "Other")
    assert row.password_hash.startswith("$argon2id$")
    assert NEW_PASSWORD not in row.password_hash
    assert PasswordHasher().verify(row.password_hash, NEW_PASSWORD)
    assert login(client, "Rita@Example.com", NEW_PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_a_registered_user_can_log_in_with_any_case_of_the_email(client, engine):
    assert register(client, registration()).status_code == 200
    assert not is_logged_in(client)
    assert login(client, "RITA@example.COM", NEW_PASSWORD).status_code == 302
    assert is_logged_in(client)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"age": "0"}, "age must be a whole number between 1 and 120"),
        ({"age": "121"}, "age must be a whole number between 1 and 120"),
        ({"age": "abc"}, "age must be a whole number between 1 and 120"),
        ({"age": ""}, "age must be a whole number between 1 and 120"),
        ({"password": "eleven-char"}, "password must be at least 12 characters"),
        ({"password": "passwordpassword"}, "password is too easy to guess"),
        ({"email": "not-an-email"}, "valid email"),
        ({"email": "a@b"}, "valid email"),
        ({"name": "  "}, "name must be 1 to 100 characters"),
        ({"gender": "Robot"}, "gender must be one of Male, Female, Other"),
        ({"gender": ""}, "gender must be one of Male, Female, Other"),
    ],
    ids=[
        "age-0",
        "age-121",
        "age-abc",
        "age-missing",
        "password-11-chars",
        "password-common",
        "bad-email",
        "email-without-dot",
        "blank-name",
        "unknown-gender",
        "no-gender",
    ],
)
def test_register_errors_show_in_auth_error_and_create_nothing(client, engine, analyst, overrides, message):
    before = user_count(engine)
    assert before == 1  # the analyst
    form = registration(**overrides)
    response = register(client, form)
    assert response.status_code == 400
    assert message.lower() in auth_error(response).lower()
    assert user_count(engine) == before
    assert not is_logged_in(client)
    # entered values are kept, the password never comes back
    html = page(response)
    assert html.find("input", id="register-name")["value"] == form["name"].strip()
    assert html.find("input", id="register-email")["value"] == form["email"].strip()
    assert html.find("input", id="register-age")["value"] == form["age"].strip()
    assert not html.find("input", id="register-password").get("value")
    assert form["password"] not in response.get_data(as_text=True)
    selected = html.find("select", id="register-gender").find("option", selected=True)
    kept = form["gender"] if form["gender"] in ("Male", "Female", "Other") else ""  # else the "Choose…" placeholder
    assert selected["value"] == kept


def test_register_shows_every_mistake_at_once_on_its_field_and_focuses_the_first(client, engine):
    form = registration(email="rita@example", password="too short", age="130", gender="")
    response = register(client, form)
    assert response.status_code == 400
    assert auth_error(response) == "4 fields need a change: Email, Password, Age and Gender."
    html = page(response)
    assert marks(html, "register-name") == (None, None)
    assert marks(html, "register-email") == ("Enter a valid email address.", "true")
    assert marks(html, "register-password") == ("Password must be at least 12 characters.", "true")
    assert marks(html, "register-age") == ("Age must be a whole number between 1 and 120.", "true")
    assert marks(html, "register-gender") == ("Gender must be one of Male, Female, Other.", "true")
    # the password's help stays linked too
    assert html.find(id="register-password")["aria-describedby"].split() == [
        "register-password-error",
        "register-password-help",
    ]
    assert focused(html) == ["register-email"]
    assert html.find("input", id="register-name")["value"] == "Rita Register"
    assert html.find("input", id="register-email")["value"] == "rita@example"
    assert html.find("input", id="register-age")["value"] == "130"
    assert not html.find("input", id="register-password").get("value")
    assert "too short" not in response.get_data(as_text=True)
    assert user_count(engine) == 0


def test_register_page_focuses_the_name_and_marks_nothing_before_a_submit(client):
    html = page(client.get("/register"))
    assert focused(html) == ["register-name"]
    assert html.find(attrs={"aria-invalid": True}) is None
    assert html.find(class_="invalid-feedback") is None


def test_register_boundary_ages_1_and_120_are_accepted(client, engine):
    assert register(client, registration(email="young@example.com", age="1")).status_code == 200
    assert register(client, registration(email="old@example.com", age="120")).status_code == 200
    with engine.connect() as conn:
        ages = conn.execute(text("SELECT age FROM users ORDER BY age")).scalars().all()
    assert ages == [1, 120]


def test_register_error_text_is_escaped(client, engine):
    response = register(client, registration(name="<b>x</b>", email="<script>@x"))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "<script>" not in body and "<b>x</b>" not in body
    assert user_count(engine) == 0


# -- login -------------------------------------------------------------------------------------------------------


def test_login_success_redirects_home_and_sets_a_safe_session_cookie(client, analyst):
    response = login(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "secure" not in flags  # plain HTTP here; see the HTTPS test below
    assert is_logged_in(client)


def test_session_cookie_is_secure_with_a_host_prefix_over_https(dash_app, analyst):
    client = dash_app.server.test_client()
    secure = login(client, base_url="https://localhost")
    assert secure.status_code == 302
    cookies = secure.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("__Host-session="))
    flags = [part.strip().lower() for part in session_cookie.split(";")]
    assert "secure" in flags and "path=/" in flags and not any(f.startswith("domain=") for f in flags)


@pytest.mark.parametrize(
    ("email", "password"),
    [(ANALYST_EMAIL, "wrong password"), ("nobody@example.com", ANALYST_PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
def test_login_failure_is_401_with_the_message_in_auth_error(client, analyst, email, password):
    response = login(client, email, password)
    assert response.status_code == 401
    assert auth_error(response) == "Incorrect email or password."
    html = page(response)
    assert html.find("input", id="login-email")["value"] == email
    assert marks(html, "login-email") == marks(html, "login-password") == (None, None)  # neither field is known bad
    assert focused(html) == ["login-password"]  # the email is kept: the password is typed again
    assert not is_logged_in(client)


@pytest.mark.parametrize(
    ("email", "password", "summary", "marked"),
    [
        ("", "", "Enter your email and your password.",
         {"login-email": "Enter your email.", "login-password": "Enter your password."}),
        (ANALYST_EMAIL, "", "Enter your password.", {"login-password": "Enter your password."}),
        ("", ANALYST_PASSWORD, "Enter your email.", {"login-email": "Enter your email."}),
        ("   ", ANALYST_PASSWORD, "Enter your email.", {"login-email": "Enter your email."}),
    ],
    ids=["empty-form", "empty-password", "empty-email", "blank-email"],
)  # fmt: skip
def test_login_says_what_is_missing_before_it_says_incorrect(client, analyst, engine, email, password, summary, marked):
    response = login(client, email, password)
    assert response.status_code == 400
    assert auth_error(response) == summary
    html = page(response)
    for element_id in ("login-email", "login-password"):
        expected = (marked[element_id], "true") if element_id in marked else (None, None)
        assert marks(html, element_id) == expected, element_id
    assert focused(html) == [next(iter(marked))]
    assert html.find("input", id="login-email")["value"] == email.strip()
    assert not html.find("input", id="login-password").get("value")
    with engine.connect() as conn:  # refused before the throttle: nothing about any account was looked at
        assert conn.execute(text("SELECT count(*) FROM auth_throttle")).scalar_one() == 0
    assert not is_logged_in(client)


# -- logout ------------------------------------------------------------------------------------------------------


def test_logout_is_post_only_and_ends_the_session(logged_in_client):
    client = logged_in_client
    assert is_logged_in(client)
    response = client.get("/logout")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert is_logged_in(client)  # a GET (a link, an <img>) cannot log anyone out
    response = logout(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert not is_logged_in(client)
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].startswith("/login")


def test_logout_without_a_session_just_returns_to_login(client):
    response = logout(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


# -- next --------------------------------------------------------------------------------------------------------


def test_login_follows_a_local_next(client, analyst):
    response = client.get("/login?next=/?tab=trend")
    hidden = page(response).find("input", attrs={"name": "next"})
    assert hidden["value"] == "/?tab=trend"
    response = login(client, next="/?tab=trend")
    assert response.status_code == 302
    assert response.headers["Location"] == "/?tab=trend"


def test_the_redirect_to_login_round_trips_to_the_requested_page(client, analyst):
    response = client.get("/reports/weekly?x=1")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    next_path = parse_qs(location.query)["next"][0]
    assert next_path == "/reports/weekly?x=1"
    login_page = client.get(response.headers["Location"])
    assert page(login_page).find("input", attrs={"name": "next"})["value"] == next_path
    done = login(client, next=next_path)
    assert done.headers["Location"] == "/reports/weekly?x=1"


OPEN_REDIRECTS = [
    "//evil.example",
    "//evil.example/path",
    "http://evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "evil.example",
    "///evil.example",
    "",
]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_login_never_redirects_off_site(client, analyst, target):
    response = login(client, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", [t for t in OPEN_REDIRECTS if t])
def test_login_page_does_not_carry_an_off_site_next(client, target):
    response = client.get("/login", query_string={"next": target})
    assert response.status_code == 200
    assert page(response).find("input", attrs={"name": "next"}) is None


def test_failed_login_keeps_a_local_next_for_the_retry(client, analyst):
    response = login(client, ANALYST_EMAIL, "nope", next="/x")
    assert response.status_code == 401
    assert page(response).find("input", attrs={"name": "next"})["value"] == "/x"
