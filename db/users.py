"""Users: create with a hashed password (scrypt), authenticate, look up. Emails are unique regardless of case."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from db.schema import users
from domain import GENDERS, MAX_AGE, MIN_AGE

MIN_PASSWORD_LENGTH = 8
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
AGE_MESSAGE = f"age must be a whole number between {MIN_AGE} and {MAX_AGE}"
PASSWORD_METHOD = "scrypt"  # werkzeug: scrypt with n=2**15, r=8, p=1 and a random salt


class UserError(ValueError):
    """Invalid registration data; `field` names the form field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class DuplicateEmail(UserError):
    def __init__(self, email: str):
        super().__init__("email", f"an account with {email} already exists")


@dataclass(frozen=True)
class User:
    id: int
    email: str
    display_name: str
    age: int
    gender: str


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def validate_user(email: str, password: str | None, display_name: str, age: object, gender: str) -> int:
    """Raise UserError for the first invalid field; return the age as an int."""
    if not display_name or not display_name.strip() or len(display_name.strip()) > 100:
        raise UserError("name", "name must be 1 to 100 characters")
    if not email or not EMAIL_RE.match(email.strip()):
        raise UserError("email", "enter a valid email address")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("password", f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    try:
        age_value = int(str(age).strip())
    except (TypeError, ValueError):
        raise UserError("age", AGE_MESSAGE) from None
    if not MIN_AGE <= age_value <= MAX_AGE:
        raise UserError("age", AGE_MESSAGE)
    if gender not in GENDERS:
        raise UserError("gender", f"gender must be one of {', '.join(GENDERS)}")
    return age_value


def create_user(
    conn: Connection,
    email: str,
    password: str,
    display_name: str,
    age: object,
    gender: str,
    *,
    password_hash: str | None = None,
) -> User:
    """Insert a user (the caller commits). Raises UserError or DuplicateEmail and writes nothing on bad input."""
    age_value = validate_user(email, password if password_hash is None else None, display_name, age, gender)
    email = email.strip()
    values = dict(
        email=email,
        password_hash=password_hash or hash_password(password),
        display_name=display_name.strip(),
        age=age_value,
        gender=gender,
    )
    try:
        with conn.begin_nested():
            user_id = conn.execute(insert(users).values(**values).returning(users.c.id)).scalar_one()
    except IntegrityError as exc:
        if "users_email_lower_key" in str(exc.orig):
            raise DuplicateEmail(email) from None
        raise
    return User(user_id, email, values["display_name"], age_value, gender)


def _user(row) -> User:
    return User(row.id, row.email, row.display_name, row.age, row.gender)


def get_user(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return _user(row) if row else None


def authenticate(conn: Connection, email: str, password: str) -> User | None:
    """The user whose email (any case) and password match, else None."""
    if not email or not password:
        return None
    row = conn.execute(select(users).where(func.lower(users.c.email) == email.strip().lower())).first()
    if row is None or not check_password_hash(row.password_hash, password):
        return None
    return _user(row)


def existing_user_ids(conn: Connection, ids: set[int]) -> set[int]:
    """Which of `ids` belong to a user."""
    if not ids:
        return set()
    return set(conn.execute(select(users.c.id).where(users.c.id.in_(sorted(ids)))).scalars())


class KnownUsers:
    """One app's memory of the user ids it has seen to exist, so that checking the users of a batch costs no query
    in the common case (a client sending events of the same users again and again). Users are never deleted, so an
    id once found stays valid; ids not found are asked again every time. Bounded: forgets everything when full."""

    def __init__(self, engine: Callable[[], Engine], *, max_entries: int = 200_000):
        self._engine = engine  # called when needed: the app's database starts lazily
        self._max_entries = max_entries
        self._known: set[int] = set()
        self._lock = threading.Lock()

    def unknown(self, ids: set[int]) -> set[int]:
        """Which of `ids` name no user. Raises a DBAPIError when the database cannot answer."""
        missing = ids - self._known
        if not missing:
            return set()
        with self._engine().connect() as conn:
            found = existing_user_ids(conn, missing)
        with self._lock:
            if len(self._known) + len(found) > self._max_entries:
                self._known.clear()
            self._known.update(found)
        return missing - found
