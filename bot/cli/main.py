"""Command line: `python -m bot <command>` (see `python -m bot --help`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli import model_commands, money_commands, platform_commands, privacy_commands
from bot.club.database import shown_url
from bot.settings import Settings, SettingsError, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="prepare everything and run the whole bot (make run)"
    )
    run.add_argument(
        "--profile",
        choices=["single", "scale"],
        default="single",
        help="scale: PostgreSQL, Redis, two Rasa servers and two bridges",
    )
    commands.add_parser(
        "serve", help="run only the bridge (web chat, webhooks, worker)"
    )
    commands.add_parser("init-db", help="create or upgrade the club database")
    commands.add_parser(
        "seed-demo", help="load the demo club data into an empty database"
    )
    commands.add_parser("train", help="train the model if the data or config changed")
    for name, verb in (("import", "from"), ("export", "to")):
        sub = commands.add_parser(
            name, help=f"{name} one table {verb} a .csv or .xlsx file"
        )
        sub.add_argument("table", help="campaigns, funds, children, sponsors, ...")
        sub.add_argument("file", type=Path)
        if name == "import":
            sub.add_argument(
                "--remove-demo",
                action="store_true",
                help="first delete the demo club's rows (data/seed/)",
            )
    commands.add_parser("handoffs", help="list conversations waiting for a person")
    release = commands.add_parser(
        "release", help="give a handed-over conversation back to the bot"
    )
    release.add_argument("conversation", help="e.g. messenger:1234567890")
    release.add_argument("--by", default="staff", help="who handled it")
    staff = commands.add_parser("create-staff", help="add a staff console user")
    staff.add_argument("username")
    staff.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from stdin (also when stdin is not a terminal)",
    )
    staff.add_argument(
        "--role",
        choices=("admin", "volunteer"),
        default="admin",
        help="admin: everything; volunteer: conversations, inbox, handoffs",
    )
    platform_commands.add_parsers(commands)
    privacy_commands.add_parsers(commands)
    money_commands.add_parsers(commands)
    model_commands.add_parsers(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"error: bad setting: {error}", file=sys.stderr)
        return 2

    from sqlalchemy.exc import OperationalError

    from bot.club.importer import DemoDataError
    from bot.club.seed import SeedError
    from bot.club.staff import StaffError
    from bot.club.tables import CellError
    from bot.logs import setup_logging
    from bot.ops.stack import PortBusyError
    from bot.ops.training import TrainingError

    setup_logging(settings.log_level)
    try:
        return COMMANDS[args.command](settings, args)
    except (
        PortBusyError,
        TrainingError,
        SeedError,
        CellError,
        StaffError,
        DemoDataError,
    ) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OperationalError as error:
        reason = str(error.orig).splitlines()[0]
        shown = shown_url(settings.database_url)
        print(f"error: cannot use the database {shown}: {reason}", file=sys.stderr)
        if reason.startswith("no such table") or "does not exist" in reason:
            print("  (a new database? run `make init-db` first)", file=sys.stderr)
        return 1


def _run(settings: Settings, args) -> int:
    from bot.ops.stack import run

    return run(settings, args.profile)


def _serve(settings: Settings, _args) -> int:
    from bot.bridge.app import serve

    serve(settings)
    return 0


def _init_db(settings: Settings, _args) -> int:
    from bot.ops.schema import migrate

    migrate(settings.database_url)
    print(f"database ready: {shown_url(settings.database_url)}")
    return 0


def _seed_demo(settings: Settings, _args) -> int:
    from bot.club.seed import seed_if_empty
    from bot.ops.schema import migrate

    migrate(settings.database_url)
    added = seed_if_empty(settings.database_url)
    print(
        f"{added} demo rows loaded" if added else "database not empty: nothing loaded"
    )
    return 0


def _train(settings: Settings, _args) -> int:
    from bot.ops.training import train

    print(train(settings.model_dir, settings.log_dir / "train.log"))
    return 0


def _import(settings: Settings, args) -> int:
    from bot.club.importer import import_table
    from bot.club.seed import remove_demo
    from bot.ops.schema import migrate

    migrate(settings.database_url)
    if args.remove_demo:
        removed = remove_demo(settings.database_url)
        print(f"{removed} demo rows removed")
    result = import_table(settings.database_url, args.table, args.file)
    if not result.ok:
        for error in result.errors:
            print(f"{args.file}: {error}", file=sys.stderr)
        print(
            f"error: {len(result.errors)} bad row(s); nothing was imported",
            file=sys.stderr,
        )
        return 1
    print(f"{args.table}: {result.created} added, {result.updated} updated")
    return 0


def _export(settings: Settings, args) -> int:
    from bot.club.importer import export_table

    count = export_table(settings.database_url, args.table, args.file)
    print(f"{args.table}: {count} rows written to {args.file}")
    return 0


def _create_staff(settings: Settings, args) -> int:
    from bot.club.staff import create_staff, read_password
    from bot.ops.schema import migrate

    migrate(settings.database_url)
    password = read_password(from_stdin=args.password_stdin)
    create_staff(settings.database_url, args.username, password, args.role)
    print(f"staff user {args.username!r} created ({args.role})")
    return 0


def _handoffs(settings: Settings, _args) -> int:
    from bot.club.tickets import open_tickets

    tickets = open_tickets(settings.database_url)
    for ticket in tickets:
        opened = ticket.created_at.strftime("%Y-%m-%d %H:%M")
        print(f"#{ticket.id}  {opened} UTC  {ticket.conversation_id}")
    print(f"{len(tickets)} conversation(s) waiting for a person")
    return 0


def _release(settings: Settings, args) -> int:
    from bot.club.tickets import release

    closed = release(settings.database_url, args.conversation, args.by)
    if not closed:
        print(f"error: no open handoff for {args.conversation}", file=sys.stderr)
        return 1
    print(f"{args.conversation}: the bot answers again")
    return 0


COMMANDS = {
    "run": _run,
    "serve": _serve,
    "init-db": _init_db,
    "seed-demo": _seed_demo,
    "train": _train,
    "import": _import,
    "export": _export,
    "create-staff": _create_staff,
    "handoffs": _handoffs,
    "release": _release,
    **platform_commands.COMMANDS,
    **privacy_commands.COMMANDS,
    **money_commands.COMMANDS,
    **model_commands.COMMANDS,
}
