"""Users: create (one at a time, or many sharing a password) with a hashed password (argon2id, see passwords.py),
set passwords, look up, authenticate. Emails are unique regardless of case.

The rules for a *chosen* password (length, not guessable) are applied where a person chooses one (auth/); this module
stores whatever hash it is given and only refuses what cannot be stored or hashed safely.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Connection,
    Engine,
    Text,
    any_,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

import passwords
from db.schema import sessions, users
from domain import ADMIN, ANALYST, GENDERS, MAX_AGE, MIN_AGE

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL_LENGTH = 254  # the longest address SMTP can carry
MAX_NAME_LENGTH = 100
AGE_MESSAGE = f"age must be a whole number between {MIN_AGE} and {MAX_AGE}"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class UserError(ValueError):
    """Invalid registration data; `field` names the form field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class DuplicateEmail(UserError):
    """The email belongs to an account already. Never shown to an anonymous visitor (see auth/registration.py)."""

    def __init__(self, email: str):
        super().__init__("email", f"an account with {email} already exists")


@dataclass(frozen=True)
class User:
    id: int
    email: str
    display_name: str
    age: int
    gender: str
    role: str = ANALYST  # domain.ROLES; a new user is an analyst (db/roles.py changes it)

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


def hash_password(password: str) -> str:
    """An argon2id hash of `password` (passwords.hash_password)."""
    return passwords.hash_password(password)


def email_problem(email: str) -> str | None:
    """Why `email` (already stripped) cannot be an account's email, or None."""
    if CONTROL_CHARACTERS.search(email):
        return "email must not contain control characters"
    if len(email) > MAX_EMAIL_LENGTH:
        return f"email must be at most {MAX_EMAIL_LENGTH} characters"
    if not EMAIL_RE.match(email):
        return "enter a valid email address"
    return None


def name_problem(name: str) -> str | None:
    """Why `name` (already stripped) cannot be a display name, or None."""
    if CONTROL_CHARACTERS.search(name):
        return "name must not contain control characters"
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        return f"name must be 1 to {MAX_NAME_LENGTH} characters"
    return None


def validate_user(email: str, password: str | None, display_name: str, age: object, gender: str) -> int:
    """Raise UserError for the first invalid field; return the age as an int.

    `password` (None when only a hash is stored) must be non-empty and at most passwords.MAX_LENGTH characters:
    what can be hashed. The rules for a password a person chooses are passwords.problem().
    """
    problems = user_problems(email, password, display_name, age, gender)
    if problems:
        field, message = next(iter(problems.items()))
        raise UserError(field, message)
    return int(str(age).strip())


def user_problems(email: str, password: str | None, display_name: str, age: object, gender: str) -> dict[str, str]:
    """Every invalid field and why ({"age": "age must be ..."}), in the registration form's order; {} when all are
    valid. The same checks as validate_user, all at once."""
    problems: dict[str, str] = {}
    if problem := name_problem((display_name or "").strip()):
        problems["name"] = problem
    if problem := email_problem((email or "").strip()):
        problems["email"] = problem
    if password is not None and not 1 <= len(password) <= passwords.MAX_LENGTH:
        problems["password"] = f"password must be 1 to {passwords.MAX_LENGTH:,} characters"
    if (problem := age_problem(age)) is not None:
        problems["age"] = problem
    if gender not in GENDERS:
        problems["gender"] = f"gender must be one of {', '.join(GENDERS)}"
    return problems


def age_problem(age: object) -> str | None:
    """Why `age` is not an age a user can have (a whole number from MIN_AGE to MAX_AGE), or None."""
    try:
        value = int(str(age).strip())
    except (TypeError, ValueError):
        return AGE_MESSAGE
    return None if MIN_AGE <= value <= MAX_AGE else AGE_MESSAGE


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
    is given instead) and end their sessions everywhere; return how many users were changed. The caller commits."""
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    if password_hash is None:
        if not password or len(password) > passwords.MAX_LENGTH:
            raise UserError("password", f"password must be 1 to {passwords.MAX_LENGTH:,} characters")
        password_hash = hash_password(password)
    chosen = users.c.id == any_(bindparam("ids", ids, type_=ARRAY(BigInteger)))
    result = conn.execute(update(users).where(chosen).values(password_hash=password_hash))
    conn.execute(delete(sessions).where(sessions.c.user_id == any_(bindparam("ids", ids, type_=ARRAY(BigInteger)))))
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
    return User(row.id, row.email, row.display_name, row.age, row.gender, row.role)


def find_by_email(conn: Connection, email: str) -> tuple[User, str] | None:
    """(user, stored password hash) for `email` in any letter case, or None."""
    row = conn.execute(select(users).where(func.lower(users.c.email) == email.strip().lower())).first()
    return (_user(row), row.password_hash) if row else None


def set_password_hash_if_unchanged(conn: Connection, user_id: int, old_hash: str, new_hash: str) -> bool:
    """Replace the user's password hash, unless it is no longer `old_hash` (changed meanwhile); True if replaced."""
    result = conn.execute(
        update(users).where(users.c.id == user_id, users.c.password_hash == old_hash).values(password_hash=new_hash)
    )
    return result.rowcount == 1


def authenticate(conn: Connection, email: str, password: str) -> User | None:
    """The user whose email (any case) and password match, else None (no throttling: the login page adds that)."""
    if not email or not password:
        return None
    found = find_by_email(conn, email)
    verdict = passwords.verify(found[1] if found else None, password)
    return found[0] if found and verdict.ok else None


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
