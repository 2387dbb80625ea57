"""The command line: `uv run app.py [serve|migrate|create-api-key|list-api-keys|revoke-api-key|promote|demote|
create-invite|forget-person|rebuild-rollup|purge-events|migrate-events|backup|restore]` (see `--help`).

Each command prints a clear error on stderr and exits non-zero on bad arguments or settings.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection

from config import ConfigError, Settings
from db.engine import Database

T = TypeVar("T")


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    """Listen first (a bad or taken port: one line, status 2, before anything starts), then prepare the database
    (start the embedded one, migrate, seed an empty one) and serve with gunicorn (webserver.py)."""
    from sqlalchemy.exc import SQLAlchemyError

    from db.engine import database_location, embedded_status
    from db.errors import bad_value_message
    from db.migrate import upgrade
    from webserver import ServeError, exit_quietly_on_sigterm, listen, run, url_of

    port = args.port or settings.port
    try:
        listener = listen(args.host, port)
    except ServeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # until gunicorn takes over the signals, SIGTERM (kill, systemd, docker stop) exits like Ctrl+C: atexit stops
    # the embedded PostgreSQL instead of leaving it running
    signal.signal(signal.SIGTERM, exit_quietly_on_sigterm)
    if args.serve_quiet:
        settings = settings.model_copy(update={"log_level": "warning"})
    settings = settings.with_dev_secret()
    status = embedded_status(settings)
    if status:
        print(status, flush=True)
    database = Database(settings)
    try:
        upgrade(database.engine)
        _print_demo_login(database.engine, settings)
        url = database.url
    except SQLAlchemyError as exc:
        listener.close()
        print(f"error: cannot use {database_location(settings)}: {bad_value_message(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        listener.close()
        return 130
    finally:
        database.dispose()  # no connection may cross into the worker
    print(f"Data: {database_location(settings)}", flush=True)
    return run(listener, settings.model_copy(update={"database_url": url}), url_of(args.host, port))


def _print_demo_login(engine, settings: Settings) -> None:
    """Seed demo data into an empty database and print the demo login (kept in DATA_DIR for later starts)."""
    from demo.login import kept_demo_password, remember_demo_login, saved_demo_login
    from demo.seeding import seed_if_empty

    report = seed_if_empty(engine, settings, kept_demo_password(settings))
    if report is not None:
        print(f"Seeded demo data: {report.users} users, {report.events_written} clicks", flush=True)
        remember_demo_login(settings, report.demo_email, report.demo_password)
        print(f"Demo login: {report.demo_email} / {report.demo_password}", flush=True)
    elif (login := saved_demo_login(settings)) is not None:
        print(f"Demo login: {login}", flush=True)


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from db.migrate import current_revision, upgrade

    database = Database(settings)
    upgrade(database.engine)
    print(f"Database is at migration {current_revision(database.engine)}")
    return 0


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    """The whole database into one file (db/backup.py)."""
    from pathlib import Path

    from db.backup import backup

    def done() -> str:
        return f"Backed up the database to {args.file} ({Path(args.file).stat().st_size:,} bytes)"

    return _backup_command(settings, lambda url: backup(url, Path(args.file)), done, "")


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    """Replace the database's contents with a backup, all or nothing (db/backup.py)."""
    from pathlib import Path

    from db.backup import restore

    if not args.replace:
        print("error: a restore replaces every table of the database; stop the app and add --replace", file=sys.stderr)
        return 2

    def done() -> str:
        return (
            f"Restored the database from {args.file}; if the backup is older than this version: uv run app.py migrate"
        )

    return _backup_command(settings, lambda url: restore(url, Path(args.file)), done, "; the database is unchanged")


def _backup_command(settings: Settings, action: Callable[[str], None], done: Callable[[], str], unchanged: str) -> int:
    """Run a backup or restore on the configured database: its message on success, one error line and status 1 on
    failure."""
    from db.backup import BackupError

    database = Database(settings)
    try:
        action(database.url)
    except BackupError as exc:
        print(f"error: {exc}{unchanged}", file=sys.stderr)
        return 1
    finally:
        database.dispose()
    print(done())
    return 0


def _rebuild_rollup(args: argparse.Namespace, settings: Settings) -> int:
    """Recount feature_daily from the raw events with days in ANALYTICS_TIMEZONE (after changing it)."""
    import time

    from sqlalchemy.exc import SQLAlchemyError

    from db.errors import bad_value_message, is_unavailable
    from db.migrate import upgrade
    from db.rollup import RebuildRefused, rebuild

    database = Database(settings)
    try:
        upgrade(database.engine)
        started = time.perf_counter()
        with database.engine.begin() as conn:
            rows = rebuild(conn, settings.timezone)
    except RebuildRefused as exc:
        print(f"error: {exc}; the rollup is unchanged", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        problem = "cannot reach the database" if is_unavailable(exc) else "the database refused the rebuild"
        print(f"error: {problem}; the rollup is unchanged ({bad_value_message(exc)})", file=sys.stderr)
        return 1
    finally:
        database.dispose()
    seconds = time.perf_counter() - started
    print(f"Rebuilt feature_daily in {settings.timezone}: {rows:,} rollup rows from the raw events in {seconds:.1f} s.")
    return 0


def _purge_events(args: argparse.Namespace, settings: Settings) -> int:
    """Remove the raw events older than EVENT_RETENTION_DAYS now (the app also does it every hour)."""
    from datetime import UTC, datetime

    from sqlalchemy.exc import SQLAlchemyError

    from db.migrate import upgrade
    from db.retention import purge

    if settings.event_retention_days is None:
        print("error: EVENT_RETENTION_DAYS is not set: every raw event is kept", file=sys.stderr)
        return 2
    database = Database(settings)
    progress = running_total("Removed {:,} raw events ...")
    try:
        upgrade(database.engine)
        done = purge(
            database.engine,
            days=settings.event_retention_days,
            timezone=settings.timezone,
            now=datetime.now(UTC),
            progress=progress,
        )
    except SQLAlchemyError as exc:
        print(f"\nerror: cannot purge ({str(exc).splitlines()[0]}); retry, nothing kept is affected", file=sys.stderr)
        return 1
    finally:
        database.dispose()
    if done is None:
        print("Another purge is running on this database; nothing done.")
        return 0
    print(f"\rRemoved {done.removed:,} raw events from before {done.raw_events_from}; the rollup keeps their figures.")
    return 0


def running_total(line: str) -> Callable[[int], None]:
    """A progress callback for the batch commands: it adds up the counts it is given and rewrites one line on stderr,
    `line` with the total in place of its `{:,}`."""
    total = 0

    def progress(count: int) -> None:
        nonlocal total
        total += count
        print(f"\r{line.format(total)}", end="", file=sys.stderr, flush=True)

    return progress


def _migrate_events(args: argparse.Namespace, settings: Settings) -> int:
    """Move the rows of events_legacy into the partitioned events table in short transactions (db/events_move.py)."""
    from sqlalchemy.exc import SQLAlchemyError

    from db.events_move import move_events
    from db.migrate import upgrade

    database = Database(settings)
    progress = running_total("Moved {:,} events ...")
    try:
        upgrade(database.engine)
        done = move_events(database.engine, batch=args.batch, progress=progress)
    except SQLAlchemyError as exc:
        print(f"\nerror: stopped ({str(exc).splitlines()[0]}); run it again to carry on", file=sys.stderr)
        return 1
    finally:
        database.dispose()
    if done.left:
        print(f"\rMoved {done.moved:,} events; {done.left:,} are left (run it again).")
        return 1
    space = "its space given back" if done.truncated else "its space comes back with the next run or autovacuum"
    print(f"\rMoved {done.moved:,} events into the monthly partitions; events_legacy is empty ({space}).")
    return 0


def _admin_command(settings: Settings, change: Callable[[Connection], T], report: Callable[[T], None]) -> int:
    """Run `change` in one transaction on the migrated database, then `report` its result. Exit code 1 with
    `error: ...` on stderr when it is refused (ApiKeyError, RoleError, InviteError, UnknownPerson: nothing was
    changed) or the database cannot be reached."""
    from sqlalchemy.exc import SQLAlchemyError

    from db.api_keys import ApiKeyError
    from db.errors import bad_value_message, is_unavailable
    from db.invites import InviteError
    from db.migrate import upgrade
    from db.people import UnknownPerson
    from db.roles import RoleError

    database = Database(settings)
    try:
        upgrade(database.engine)
        with database.engine.begin() as conn:
            result = change(conn)
    except (ApiKeyError, RoleError, InviteError, UnknownPerson) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        if not is_unavailable(exc):
            raise
        print(f"error: cannot reach the database; nothing was changed ({bad_value_message(exc)})", file=sys.stderr)
        return 1
    finally:
        database.dispose()
    report(result)
    return 0


def _create_api_key(args: argparse.Namespace, settings: Settings) -> int:
    from db.api_keys import ApiKeyError, check_name, check_scopes, create_key

    try:  # bad arguments: exit 2 before the database is touched
        name, scopes = check_name(args.name), check_scopes(args.scope)
    except ApiKeyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    def report(key: str) -> None:
        if not args.quiet:
            print(f"Created API key {name!r} with the scopes {', '.join(scopes)}.")
            print("Store it now: it is shown only this once.")
        print(key)

    return _admin_command(settings, lambda conn: create_key(conn, name, scopes), report)


def _list_api_keys(args: argparse.Namespace, settings: Settings) -> int:
    from db.api_keys import list_keys

    def report(keys) -> None:
        if not keys:
            print("No API keys." if args.all else "No API keys in use (create one with create-api-key NAME).")
            return
        rows = [("NAME", "PREFIX", "SCOPES", "CREATED", "LAST USED") + (("REVOKED",) if args.all else ())]
        for key in keys:
            row = (key.name, key.prefix + "…", ",".join(key.scopes), _when(key.created_at), _when(key.last_used_at))
            rows.append(row + ((_when(key.revoked_at),) if args.all else ()))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())

    return _admin_command(settings, lambda conn: list_keys(conn, revoked=args.all), report)


def _when(moment) -> str:
    return "-" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _revoke_api_key(args: argparse.Namespace, settings: Settings) -> int:
    from db.api_keys import CACHE_SECONDS, revoke_key

    def report(_: str) -> None:
        print(
            f"Revoked API key {args.name.strip()!r} (running servers stop accepting it within {CACHE_SECONDS:.0f} s)."
        )

    return _admin_command(settings, lambda conn: revoke_key(conn, args.name), report)


def _promote(args: argparse.Namespace, settings: Settings) -> int:
    from db.roles import promote

    def report(changed: bool) -> None:
        print(f"{args.email.strip()} is {'now' if changed else 'already'} an admin.")

    return _admin_command(settings, lambda conn: promote(conn, args.email), report)


def _demote(args: argparse.Namespace, settings: Settings) -> int:
    from db.roles import demote

    def report(changed: bool) -> None:
        print(f"{args.email.strip()} is {'now' if changed else 'already'} an analyst.")

    return _admin_command(settings, lambda conn: demote(conn, args.email), report)


def _create_invite(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import timedelta

    from db import invites

    try:
        days = invites.check_days(args.days)
    except invites.InviteError:
        print(f"error: --days must be between {invites.MIN_DAYS} and {invites.MAX_DAYS}", file=sys.stderr)
        return 2
    base = (args.url or f"http://{settings.host}:{settings.port}").rstrip("/")

    def report(token: str) -> None:
        mode = settings.registration
        note = "" if mode == "invite" else f" (REGISTRATION is {mode!r}: set REGISTRATION=invite to require links)"
        print(f"Created a one-time invitation, valid for {days} days{note}. Send this link to one person:")
        print(f"{base}/register?invite={token}")

    return _admin_command(settings, lambda conn: invites.create(conn, timedelta(days=days)), report)


def _forget_person(args: argparse.Namespace, settings: Settings) -> int:
    from db import people

    def report(forgotten: people.Forgotten) -> None:
        print(
            f"Forgot the person {args.external_id!r}: their traits and {forgotten.events:,} events are deleted and the"
            " figures no longer count them."
        )

    return _admin_command(
        settings, lambda conn: people.forget_or_raise(conn, args.external_id, settings.timezone), report
    )


def port_number(text: str) -> int:
    """An argparse type: a TCP port, 1-65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number between 1 and 65535, not {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 1 and 65535, not {port}")
    return port


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        number = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


class OneLineErrors(argparse.ArgumentParser):
    """Bad arguments are one line on stderr ("app.py: error: ...", `--help` shows the usage) and exit status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrors(prog="app.py", description="Clickboard product-analytics dashboard")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=port_number, default=None, help="port to listen on (default $PORT or 8050)")
    parser.add_argument(
        "--quiet",
        dest="serve_quiet",  # its own name: a command's --quiet (e.g. create-api-key's) must not overwrite it
        action="store_true",
        help="no line per request while serving (the same as LOG_LEVEL=warning)",
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="run the dashboard (the default)")
    commands.add_parser("migrate", help="apply database migrations and exit")
    create_key = commands.add_parser("create-api-key", help="create an API key and print it (shown only once)")
    create_key.add_argument("name", help="a name for the key, unique among the keys in use, e.g. the client app")
    create_key.add_argument(
        "--scope",
        action="append",
        metavar="SCOPE",
        help="what the key may do: ingest (send events) or read (stats); repeat for both (default: ingest)",
    )
    create_key.add_argument("--quiet", action="store_true", help="print only the key (for scripts)")
    list_keys = commands.add_parser("list-api-keys", help="list the API keys in use (never the keys themselves)")
    list_keys.add_argument("--all", action="store_true", help="include revoked keys")
    revoke_key = commands.add_parser("revoke-api-key", help="revoke the API key in use with this name")
    revoke_key.add_argument("name", help="the name given at creation")
    promote = commands.add_parser("promote", help="make a user an admin (API keys, invitations, the settings page)")
    promote.add_argument("email", help="the user's email")
    demote = commands.add_parser("demote", help="make an admin an analyst again (never the last admin)")
    demote.add_argument("email", help="the admin's email")
    invite = commands.add_parser("create-invite", help="make a one-time registration link and print it")
    invite.add_argument("--days", type=int, default=7, help="days the link stays valid (1-90, default 7)")
    invite.add_argument("--url", help="the site's public address (default http://HOST:PORT)")
    forget = commands.add_parser(
        "forget-person", help="delete a person's traits and events and take them off every figure (deletion requests)"
    )
    forget.add_argument("external_id", help="the person's id as the sending app gave it (exact, case-sensitive)")
    commands.add_parser(
        "rebuild-rollup", help="recount the daily rollup from the raw events in ANALYTICS_TIMEZONE (after changing it)"
    )
    commands.add_parser("purge-events", help="remove raw events older than EVENT_RETENTION_DAYS now (figures are kept)")
    move = commands.add_parser(
        "migrate-events",
        help="move the events stored before the monthly partitions into them, while the app runs (once, after 0009)",
    )
    move.add_argument("--batch", type=positive_int, default=10_000, help="rows per transaction (default 10,000)")
    backup = commands.add_parser("backup", help="write the whole database to FILE (pg_dump's custom format)")
    backup.add_argument("file", help="the backup file to write")
    restore = commands.add_parser("restore", help="replace the database's contents with a backup (stop the app first)")
    restore.add_argument("file", help="a file written by `backup`")
    restore.add_argument("--replace", action="store_true", help="yes, replace every table (required)")
    return parser


COMMANDS = {
    None: _serve,
    "serve": _serve,
    "migrate": _migrate,
    "create-api-key": _create_api_key,
    "list-api-keys": _list_api_keys,
    "revoke-api-key": _revoke_api_key,
    "promote": _promote,
    "demote": _demote,
    "create-invite": _create_invite,
    "forget-person": _forget_person,
    "rebuild-rollup": _rebuild_rollup,
    "purge-events": _purge_events,
    "migrate-events": _migrate_events,
    "backup": _backup,
    "restore": _restore,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.load()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return COMMANDS[args.command](args, settings)
