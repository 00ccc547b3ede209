"""Balances: a file must add up, and files of one account must continue.

Within a file, opening + credits − debits must equal closing (taken from the
"số dư đầu/cuối kỳ" lines, or else from the balance column), and each row's
balance must follow from the one before: a mismatch refuses the file with the
figures. Between files, the closing balance of the previous file of the
account must be the opening balance of the next: a gap is only flagged (the
missing file can be imported later), in the summary and on `BankStatement.gap`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.reports.ledger import BankStatement
from bot.reports.statements.statement_parser import Statement, StatementRow


class BalanceError(ValueError):
    """The file does not add up; the message gives the figures."""


def dong(amount: int) -> str:
    """12345678 → "12.345.678 đ" (the Vietnamese grouping)."""
    return f"{amount:,} đ".replace(",", ".")


@dataclass(frozen=True)
class Balances:
    opening: int | None
    closing: int | None
    checked: bool


def in_order(rows: list[StatementRow]) -> list[StatementRow]:
    """Rows oldest first (some banks list the newest first)."""
    return rows[::-1] if rows and rows[0].date > rows[-1].date else rows


def _running(rows: list[StatementRow]) -> None:
    for before, row in zip(rows, rows[1:], strict=False):
        if before.balance + row.amount != row.balance:
            raise BalanceError(
                f"line {row.line}: the balance {dong(row.balance)} does not follow "
                f"from {dong(before.balance)} and {dong(row.amount)}"
            )


def check_balances(statement: Statement) -> Balances:
    """The file's opening and closing balances, checked when it has any."""
    rows = in_order(statement.rows)
    with_balance = all(row.balance is not None for row in rows)
    opening, closing = statement.opening, statement.closing
    if with_balance:
        _running(rows)
        if opening is None:
            opening = rows[0].balance - rows[0].amount
        if closing is None:
            closing = rows[-1].balance
    if opening is None or closing is None:
        return Balances(opening, closing, False)
    credits = sum(row.amount for row in rows if row.amount > 0)
    debits = -sum(row.amount for row in rows if row.amount < 0)
    if opening + credits - debits != closing:
        raise BalanceError(
            f"opening balance {dong(opening)} + credits {dong(credits)} − debits "
            f"{dong(debits)} = {dong(opening + credits - debits)}, but the closing "
            f"balance is {dong(closing)}"
        )
    return Balances(opening, closing, True)


def _day(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def gap_note(
    session: Session, bank: str, account: str, period: tuple[date, date], b: Balances
) -> str:
    """Why this file does not continue the account's previous or next file."""
    same = select(BankStatement).where(
        BankStatement.bank == bank, BankStatement.account == account
    )
    before = session.scalars(
        same.where(BankStatement.last_date < period[0]).order_by(
            BankStatement.last_date.desc()
        )
    ).first()
    after = session.scalars(
        same.where(BankStatement.first_date > period[1]).order_by(
            BankStatement.first_date
        )
    ).first()
    notes = []
    if before and None not in (before.closing, b.opening):
        if before.closing != b.opening:
            notes.append(
                f"the file to {_day(before.last_date)} closed at "
                f"{dong(before.closing)} but this one opens at {dong(b.opening)}"
            )
    elif before and period[0] > before.last_date + timedelta(days=1):
        notes.append(f"no file covers {_day(before.last_date)}–{_day(period[0])}")
    known = after and None not in (after.opening, b.closing)
    if known and after.opening != b.closing:
        notes.append(
            f"this file closes at {dong(b.closing)} but the file from "
            f"{_day(after.first_date)} opens at {dong(after.opening)}"
        )
    return "; ".join(notes)
