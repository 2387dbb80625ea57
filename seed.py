"""Demo data from the command line: demo users in every age group x gender cell and realistic click events.

    uv run seed.py [--users 55] [--events 500] [--days 30] [--seed N] [--reset] [--new-password]

A thin command line over the `demo` package (which also gives the app, the benchmarks and the tests
`seed_demo` and `seed_if_empty`): it checks the arguments, migrates the database, shows a progress bar for big runs
and prints what was written and the demo login. The demo password is kept in DATA_DIR with the embedded database
(demo/login.py): every run gives it to all demo users again, until `--reset` or `--new-password` picks a new one.
Bad arguments exit with status 2, a seed that cannot be applied (refused, or the database unreachable or busy) with
status 1 and one line on stderr; nothing is written then.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from demo.options import DEFAULT_DAYS, DEFAULT_EVENTS, DEFAULT_USERS, LIMITS, SeedError, problem
from demo.plan import demo_email

if TYPE_CHECKING:
    from demo.seeding import SeedReport

PROGRESS_THRESHOLD = 100_000  # a progress bar from this many events on
SPEED_MIN_SECONDS = 1.0  # a speed is printed only for runs at least this long (shorter ones measure the start-up)


def _option(name: str) -> Callable[[str], int]:
    """An argparse type: the text as a whole number (`1_000` and `1,000` allowed), checked like `seed_demo` does."""

    def parse(value: str) -> int:
        try:
            number: object = int(value.replace("_", "").replace(",", ""))
        except ValueError:
            number = value
        wrong = problem(name, number)
        if wrong:
            raise argparse.ArgumentTypeError(wrong)
        return number

    parse.__name__ = name
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="seed.py",
        description="Fill the database with demo users and demo click events (a realistic spread over the last days).",
    )
    parser.add_argument(
        "--users",
        type=_option("users"),
        default=DEFAULT_USERS,
        help=f"demo users demo01@example.com ... (at least {LIMITS['users'][0]}: one per age group x gender; "
        f"default {DEFAULT_USERS})",
    )
    parser.add_argument(
        "--events",
        type=_option("events"),
        default=DEFAULT_EVENTS,
        help=f"click events to write (default {DEFAULT_EVENTS}; a progress bar from {PROGRESS_THRESHOLD:,} on)",
    )
    parser.add_argument(
        "--days",
        type=_option("days"),
        default=DEFAULT_DAYS,
        help=f"spread the events over the last DAYS days, ending today (default {DEFAULT_DAYS})",
    )
    parser.add_argument(
        "--seed",
        type=_option("seed"),
        default=None,
        help="random seed: the same seed and options give the same users and events (default: a fresh one, printed)",
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="wipe users, events and the daily rollup first (API keys are kept); picks a new demo password",
    )
    parser.add_argument(
        "--new-password",
        action="store_true",
        help="give every demo user a new password (otherwise the one kept in DATA_DIR stays)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from sqlalchemy.exc import SQLAlchemyError
    from tqdm import tqdm

    from config import ConfigError, Settings
    from db.engine import Database, embedded_status
    from db.migrate import upgrade
    from demo.login import kept_demo_password, remember_demo_login
    from demo.seeding import seed_demo

    try:
        settings = Settings.load()
    except ConfigError as exc:
        return _fail(str(exc), 2)
    kept = None if args.reset or args.new_password else kept_demo_password(settings)
    database = Database(settings)
    try:
        status = embedded_status(settings)
        if status:
            print(status, file=sys.stderr, flush=True)
        upgrade(database.engine)
        quiet = args.events < PROGRESS_THRESHOLD
        with tqdm(total=args.events, unit=" events", unit_scale=True, disable=quiet, desc="events") as bar:
            report = seed_demo(
                database.engine,
                settings,
                users=args.users,
                events=args.events,
                days=args.days,
                seed=args.seed,
                reset=args.reset,
                progress=bar.update,
                password=kept,
            )
    except SeedError as exc:
        return _fail(str(exc))
    except SQLAlchemyError as exc:
        return _fail(_database_problem(exc))
    finally:
        database.dispose()
    remember_demo_login(settings, report.demo_email, report.demo_password)
    print(summary(report, args.reset, kept=kept is not None, where=settings.database_url is None))
    return 0


def _fail(message: str, status: int = 1) -> int:
    print(f"seed.py: error: {message}", file=sys.stderr)
    return status


def _database_problem(exc: BaseException) -> str:
    """One line saying why the database did not take the seed (nothing was written)."""
    import psycopg

    from db.errors import bad_value_message, is_unavailable
    from demo.store import LOCK_WAIT_SECONDS

    if isinstance(getattr(exc, "orig", None), psycopg.errors.LockNotAvailable):
        return (
            f"another seed.py, or the running app, held the tables for over {LOCK_WAIT_SECONDS} s; nothing was"
            " written. Try again (stop the app first for --reset)"
        )
    if is_unavailable(exc):
        return f"cannot reach the database; nothing was written ({bad_value_message(exc)})"
    return f"the database refused the seed; nothing was written ({bad_value_message(exc)})"


def summary(report: SeedReport, reset: bool, *, kept: bool = False, where: bool = False) -> str:
    """What a run wrote, and the demo login. `kept`: the password is the one kept from earlier runs; `where`: it is
    kept in DATA_DIR (the embedded database)."""
    lines = []
    if reset:
        lines.append("Wiped users, events and feature_daily first (--reset).")
    speed = ""
    if report.seconds >= SPEED_MIN_SECONDS and report.events_written:
        speed = f" ({report.events_written / report.seconds:,.0f} events/s)"
    lines.append(
        f"Wrote {report.events_written:,} click events over {report.first_day} .. {report.last_day} "
        f"({report.timezone}) in {report.seconds:.1f} s{speed}, seed {report.seed}."
    )
    if report.users_reused:
        lines.append(
            f"Demo users: {report.users} ({report.users_created} created, {report.users_reused} already existed and "
            "were reused, not doubled)."
        )
    else:
        lines.append(f"Demo users: {report.users} created.")
    if report.other_demo_users:
        lines.append(
            f"{report.other_demo_users} more demo users from an earlier run (after {demo_email(report.users)}) "
            "were kept and have the same password."
        )
    last = demo_email(report.users + report.other_demo_users)
    if kept:
        rule = "the same as before, kept in DATA_DIR; --new-password or --reset picks a new one"
    elif where:
        rule = "new; kept in DATA_DIR for the next runs"
    else:
        rule = "new: every demo user has it now"
    lines.append(f"Demo login: {report.demo_email} (... {last})  password: {report.demo_password}  ({rule})")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
