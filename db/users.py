"""Users: create (one at a time, or many sharing a password) with a hashed password (scrypt), set passwords,
authenticate, look up. Emails are unique regardless of case."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ARRAY, BigInteger, Connection, Text, any_, bindparam, func, insert, select, update
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


def _check_password(password: str | None) -> None:
    if password is None or len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("password", f"password must be at least {MIN_PASSWORD_LENGTH} characters")


def validate_user(email: str, password: str | None, display_name: str, age: object, gender: str) -> int:
    """Raise UserError for the first invalid field; return the age as an int."""
    if not display_name or not display_name.strip() or len(display_name.strip()) > 100:
        raise UserError("name", "name must be 1 to 100 characters")
    if not email or not EMAIL_RE.match(email.strip()):
        raise UserError("email", "enter a valid email address")
    if password is not None:
        _check_password(password)
    try:
        age_value = int(str(age).strip())
    except (TypeError, ValueError):
        raise UserError("age", AGE_MESSAGE) from None
    if not MIN_AGE <= age_value <= MAX_AGE:
        raise UserError("age", AGE_MESSAGE)
    if gender not in GENDERS:
        raise UserError("gender", f"gender must be one of {', '.join(GENDERS)}")
    return age_value


@dataclass(frozen=True)
class NewUser:
    """A user to create: what the registration form asks for, except the password."""

    email: str
    display_name: str
    age: object
    gender: str


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
    return create_users(conn, [NewUser(email, display_name, age, gender)], password, password_hash=password_hash)[0]


def create_users(
    conn: Connection, new_users: Sequence[NewUser], password: str | None, *, password_hash: str | None = None
) -> list[User]:
    """Insert users who share one password, hashed once; return them in the order given (the caller commits).

    Every user is validated like a registration; the first invalid one raises UserError, an email that is taken
    (in the table, or twice in `new_users`, in any letter case) raises DuplicateEmail, and nothing is written.
    `password_hash` replaces `password` (then unchecked) when the caller has hashed it already.
    """
    checked = (password or "") if password_hash is None else None  # a missing password is too short
    rows = []
    seen: set[str] = set()
    for new in new_users:
        age = validate_user(new.email, checked, new.display_name, new.age, new.gender)
        email = new.email.strip()
        if email.lower() in seen:
            raise DuplicateEmail(email)
        seen.add(email.lower())
        rows.append(dict(email=email, display_name=new.display_name.strip(), age=age, gender=new.gender))
    if not rows:
        return []
    password_hash = password_hash or hash_password(password)
    for row in rows:
        row["password_hash"] = password_hash
    statement = insert(users).returning(users.c.id, sort_by_parameter_order=True)
    try:
        with conn.begin_nested():
            ids = conn.execute(statement, rows).scalars().all()
    except IntegrityError as exc:
        if "users_email_lower_key" in str(exc.orig):
            raise DuplicateEmail(_taken_email(exc, rows)) from None
        raise
    return [User(i, r["email"], r["display_name"], r["age"], r["gender"]) for i, r in zip(ids, rows)]


def _taken_email(exc: IntegrityError, rows: list[dict]) -> str:
    """The email named by a unique-violation on users_email_lower_key, as the caller spelled it."""
    detail = getattr(getattr(exc.orig, "diag", None), "message_detail", None) or ""
    match = re.search(r"=\((.*)\) already exists", detail)
    taken = match.group(1) if match else ""
    return next((r["email"] for r in rows if r["email"].lower() == taken), taken or rows[0]["email"])


def set_password(
    conn: Connection, user_ids: Iterable[int], password: str | None, *, password_hash: str | None = None
) -> int:
    """Give the users `user_ids` this password (hashed once; checked like a registration unless `password_hash`
    is given instead); return how many users were changed. The caller commits."""
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    if password_hash is None:
        _check_password(password)
        password_hash = hash_password(password)
    chosen = users.c.id == any_(bindparam("ids", ids, type_=ARRAY(BigInteger)))
    result = conn.execute(update(users).where(chosen).values(password_hash=password_hash))
    return result.rowcount


def users_by_email(conn: Connection, emails: Iterable[str]) -> dict[str, User]:
    """The users among `emails` (any letter case), keyed by their lower-cased email."""
    lowered = sorted({e.strip().lower() for e in emails})
    if not lowered:
        return {}
    chosen = func.lower(users.c.email) == any_(bindparam("emails", lowered, type_=ARRAY(Text)))
    rows = conn.execute(select(users).where(chosen))
    return {row.email.lower(): _user(row) for row in rows}


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
