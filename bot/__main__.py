"""Command line: `python -m bot <command>` (see `python -m bot --help`)."""

from __future__ import annotations

import argparse
import sys

from bot.settings import SettingsError, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "run", help="prepare everything and run the whole bot (make run)"
    )
    commands.add_parser(
        "serve", help="run only the bridge (web chat, webhooks, worker)"
    )
    commands.add_parser("init-db", help="create or upgrade the club database")
    commands.add_parser(
        "seed-demo", help="load the demo club data into an empty database"
    )
    commands.add_parser("train", help="train the model if the data or config changed")
    args = parser.parse_args(argv)

    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"error: bad setting: {error}", file=sys.stderr)
        return 2

    from bot.logs import setup_logging

    setup_logging(settings.log_level)
    try:
        return _dispatch(args.command, settings)
    except Exception as error:  # noqa: BLE001 - a CLI answers with one readable line
        from bot.model import TrainingError
        from bot.stack import PortBusyError

        if isinstance(error, (PortBusyError, TrainingError)):
            print(f"error: {error}", file=sys.stderr)
            return 1
        raise


def _dispatch(command: str, settings) -> int:
    if command == "run":
        from bot.stack import run

        return run(settings)
    if command == "serve":
        from bot.bridge import serve

        serve(settings)
        return 0
    if command == "init-db":
        from bot.db import migrate

        migrate(settings.database_url)
        print(f"database ready: {settings.database_url}")
        return 0
    if command == "seed-demo":
        from bot.db import migrate
        from bot.seed import seed_if_empty

        migrate(settings.database_url)
        added = seed_if_empty(settings.database_url)
        print(
            f"{added} demo campaigns loaded"
            if added
            else "database not empty: nothing loaded"
        )
        return 0
    if command == "train":
        from bot.model import train

        print(train(settings.model_dir, settings.log_dir / "train.log"))
        return 0
    raise AssertionError(command)


if __name__ == "__main__":
    sys.exit(main())
