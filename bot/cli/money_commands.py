"""CLI commands for money: the VietQR of a transfer (`python -m bot vietqr`),
bank statement import (`python -m bot import-statement`), the monthly report
(`python -m bot report --month YYYY-MM`)."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import select

from bot.club.database import session_scope
from bot.club.models import Child, Fund
from bot.club.values import normalize_phone, parse_amount
from bot.club.vocab import child_code
from bot.settings import Settings


def add_parsers(commands) -> None:
    qr = commands.add_parser(
        "vietqr", help="print the VietQR payload of a transfer to the club"
    )
    qr.add_argument("--fund", required=True, help="fund code, e.g. NUOIEM")
    qr.add_argument("--amount", help="amount in đồng, e.g. 160000 or 160k")
    who = qr.add_mutually_exclusive_group()
    who.add_argument("--child", help="the sponsored child's code, e.g. NE0101")
    who.add_argument("--phone", help="the sponsor's phone number")
    qr.add_argument("--png", type=Path, help="also write the QR image to this file")
    statement = commands.add_parser(
        "import-statement",
        help="import a bank statement export (.csv, .xlsx, Vietcombank .xls)",
    )
    statement.add_argument("file", type=Path)
    statement.add_argument(
        "--bank",
        choices=("auto", "vcb", "tcb", "mb", "bidv"),
        default="auto",
        help="the bank's layout (default: found by the file's headers)",
    )
    report = commands.add_parser(
        "report",
        help="write a month's report (XLSX, PDF, PNG chart) under var/reports/YYYY-MM/",
    )
    report.add_argument("--month", help="YYYY-MM (default: last month)")


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _fund_code(settings: Settings, code: str) -> str | None:
    with session_scope(settings.database_url) as session:
        codes = list(session.scalars(select(Fund.code)))
    wanted = code.strip().upper()
    return wanted if wanted in codes else None


def _child_known(settings: Settings, code: str) -> bool:
    with session_scope(settings.database_url) as session:
        return session.scalar(select(Child.id).where(Child.code == code)) is not None


def _vietqr(settings: Settings, args) -> int:
    from bot.reports import vietqr

    fund = _fund_code(settings, args.fund)
    if fund is None:
        return _fail(
            f"no fund has the code {args.fund!r} (see `python -m bot export funds`)"
        )
    amount = parse_amount(args.amount) if args.amount else None
    if args.amount and not amount:
        return _fail(f"{args.amount!r} is not an amount of đồng")
    extra = ""
    if args.child:
        extra = child_code(args.child) or ""
        if not extra:
            return _fail(f"{args.child!r} is not a child code such as NE0101")
        if not _child_known(settings, extra):
            return _fail(
                f"no child has the code {extra} (see `python -m bot export children`)"
            )
    elif args.phone:
        extra = normalize_phone(args.phone) or ""
        if not extra:
            return _fail(f"{args.phone!r} is not a Vietnamese mobile number")
    try:
        memo = vietqr.memo_text(fund, extra)
        data = vietqr.payload(settings.bank_bin, settings.bank_account, amount, memo)
    except vietqr.VietQRError as error:
        return _fail(str(error))
    if args.png:
        try:
            args.png.write_bytes(vietqr.png(data))
        except OSError as error:
            return _fail(f"cannot write the image to {args.png} ({error.strerror})")
    print(data)
    if args.png:
        print(f"image: {args.png}", file=sys.stderr)
    return 0


def _import_statement(settings: Settings, args) -> int:
    from bot.ops.schema import migrate
    from bot.reports.balance_checks import BalanceError
    from bot.reports.booked_thanks import booked_in_statement, thank
    from bot.reports.statement_import import StatementRefused, import_statement
    from bot.reports.statements.sheets import SheetError

    if not args.file.is_file():
        return _fail(f"{args.file} is not a file")
    migrate(settings.database_url)
    try:
        summary = import_statement(settings.database_url, args.file, args.bank)
    except StatementRefused as error:
        for line in error.errors:
            print(f"{args.file.name}: {line}", file=sys.stderr)
        return _fail(str(error))
    except (SheetError, BalanceError) as error:
        return _fail(f"{args.file.name} was not imported: {error}")
    print(summary.line())
    if summary.statement_id is not None:  # recent sponsors' transfers: thanks
        booked = booked_in_statement(settings.database_url, summary.statement_id)
        thank(settings.database_url, booked)  # the running bridge sends them
    return 0


def _report(settings: Settings, args) -> int:
    from datetime import datetime

    from bot.ops.schema import migrate
    from bot.reports.monthly.month_figures import (
        MonthError,
        parse_month,
        previous_month,
    )
    from bot.reports.monthly.report_files import make_report

    now = datetime.now()
    try:
        month = (
            parse_month(args.month, now.date())
            if args.month is not None
            else previous_month(now.date())
        )
    except MonthError as error:
        return _fail(str(error))
    migrate(settings.database_url)
    made = make_report(settings.database_url, settings.var_dir, month, now)
    print(made.report.summary_line())
    for kind, path in made.paths.items():
        print(f"{kind}: {path}")
    return 0


COMMANDS = {
    "vietqr": _vietqr,
    "import-statement": _import_statement,
    "report": _report,
}
