"""CLI commands of the model registry: retrain, list, promote, roll back."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from bot.settings import ROOT, Settings


def add_parsers(commands) -> None:
    retrain = commands.add_parser(
        "retrain",
        help="train a candidate model and evaluate it against the live one "
        "(one at a time; the console starts the same job)",
    )
    retrain.add_argument("--run-id", type=int, help="the run the console created")
    retrain.add_argument("--by", default="", help="who asked (default: you)")
    retrain.add_argument(
        "--project", type=Path, default=ROOT, help="train and evaluate this checkout"
    )
    commands.add_parser("models", help="list the model versions, the live one first")
    for name, what in (("promote", "serve a candidate"), ("rollback", "serve again")):
        sub = commands.add_parser(name, help=f"{what} (Rasa must be running)")
        sub.add_argument("version", type=int, help="id shown by `models`")
        sub.add_argument("--by", default="", help="who decided (default: you)")


def _who(args: argparse.Namespace) -> str:
    return args.by or getpass.getuser()


def _retrain(settings: Settings, args: argparse.Namespace) -> int:
    from bot.ops.retrain import RetrainBusy, run_job
    from bot.ops.schema import migrate

    migrate(settings.database_url)
    try:
        run_job(settings, _who(args), args.run_id, args.project.resolve())
    except RetrainBusy:
        print("error: another retraining is running", file=sys.stderr)
        return 1
    return 0


def _models(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.ops import registry
    from bot.ops.schema import migrate

    migrate(settings.database_url)
    for row in registry.versions(settings.database_url):
        made = row.created_at.strftime("%Y-%m-%d %H:%M")
        who = row.trained_by
        print(f"#{row.id}  {row.state:9}  {row.file_name}  {made} UTC  {who}")
        if row.refusal:
            print(f"     refused: {row.refusal}")
    return 0


def _swap(settings: Settings, args: argparse.Namespace, rollback: bool) -> int:
    from bot.console import audit
    from bot.ops.promotion import PromotionRefused, promote

    try:
        found, seconds = promote(settings, args.version, _who(args), rollback)
    except PromotionRefused as refused:
        print(f"error: {refused}", file=sys.stderr)
        return 1
    action = "model_rollback" if rollback else "model_promote"
    detail = f"#{found.id} {found.file_name}"
    audit.record(settings.database_url, _who(args), action, detail, "cli")
    print(f"#{found.id} {found.file_name} is live (Rasa loaded it in {seconds:.1f} s)")
    return 0


COMMANDS = {
    "retrain": _retrain,
    "models": _models,
    "promote": lambda settings, args: _swap(settings, args, rollback=False),
    "rollback": lambda settings, args: _swap(settings, args, rollback=True),
}
