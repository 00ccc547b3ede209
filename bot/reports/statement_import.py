"""Import one bank export into the ledger: all of it, once, or none of it.

Every row gets a stable key (the bank's reference when the export has one,
else a hash of date, amount, description and balance), so importing the same
file again, or one that overlaps it, adds only rows not seen before. Credits
are matched (`matching`) and booked as donations when the match is high;
the rest, and every debit, wait in the review list (`statement_review`).
A row the bank feed already posted is that row, not a new one, even under
another reference (`feed_links`): it counts among the duplicates.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from bot.club.database import session_scope
from bot.reports.balance_checks import check_balances, gap_note, in_order
from bot.reports.feed_links import account_prefix, claim_fed, link_fed
from bot.reports.ledger import BankStatement, write_first
from bot.reports.ledger_writer import seen_keys, write_rows
from bot.reports.memo_scan import plain
from bot.reports.statements.statement_parser import (
    Statement,
    StatementRow,
    parse_statement,
)

KEY_MAX = 100  # Donation.reference holds the key


class StatementRefused(ValueError):
    """Nothing of the file was imported; `errors` lists the rows at fault."""

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


@dataclass
class ImportSummary:
    file: str
    bank: str
    rows: int = 0
    new: int = 0
    duplicates: int = 0
    matched: int = 0
    review: int = 0
    debits: int = 0
    errors: list[str] = field(default_factory=list)
    gap: str = ""
    checked: bool = False
    statement_id: int | None = None  # the file's BankStatement row

    def line(self) -> str:
        text = (
            f"{self.file} ({self.bank}): {self.rows} rows read, {self.new} new, "
            f"{self.duplicates} duplicates, {self.matched} matched, {self.review} "
            f"to review ({self.debits} debits), {len(self.errors)} errors"
        )
        if not self.checked and not self.errors:
            text += "; balances not given, not checked"
        return text + (f"; GAP: {self.gap}" if self.gap else "")


def row_key(bank: str, account: str, row: StatementRow, nth: int = 0) -> str:
    """The transaction's stable identity across files of the same account.

    The `nth` row of a file with the same reference (a transfer and its fee
    under one document number), or without one the same date, amount, memo
    and balance (two equal gifts on a day, in an export without balances), is
    told apart by its rank, the same in any file holding that whole day."""
    if row.reference and len(row.reference) + len(bank) + len(account) < KEY_MAX - 6:
        rank = f"#{nth}" if nth else ""
        return f"{bank}:{account}:{row.reference}{rank}"
    facts = f"{row.date}|{row.amount}|{plain(row.description)}|{row.balance}|{nth}"
    return f"{bank}:{account}:#{hashlib.sha1(facts.encode()).hexdigest()[:24]}"


def file_keys(statement: Statement, rows: list[StatementRow]) -> list[str]:
    ranks: Counter[str] = Counter()
    keys = []
    for row in rows:
        first = row_key(statement.bank, statement.account, row)
        keys.append(row_key(statement.bank, statement.account, row, ranks[first]))
        ranks[first] += 1
    return keys


def _read(path: Path, bank: str) -> Statement:
    statement = parse_statement(path, bank)
    if statement.errors:
        raise StatementRefused(
            f"{len(statement.errors)} row(s) cannot be read; nothing of "
            f"{path.name} was imported",
            statement.errors,
        )
    if not statement.rows:
        raise StatementRefused(f"{path.name} holds no transactions")
    return statement


def _record(statement: Statement, name: str, period, balances) -> BankStatement:
    return BankStatement(
        bank=statement.bank,
        account=statement.account,
        file_name=name[:300],
        first_date=period[0],
        last_date=period[1],
        opening=balances.opening,
        closing=balances.closing,
        rows=len(statement.rows),
        new_rows=0,
    )


def _fresh(rows, keys, seen: set[str], summary: ImportSummary) -> list[tuple]:
    """The rows (with their keys) the ledger does not hold yet."""
    fresh = []
    for row, key in zip(rows, keys, strict=True):
        if key in seen:
            summary.duplicates += 1
        else:
            seen.add(key)
            fresh.append((row, key))
    return fresh


def import_statement(db_url: str, path: Path, bank: str = "auto") -> ImportSummary:
    """Import `path`; raises StatementRefused (or SheetError, BalanceError)."""
    statement = _read(path, bank)
    balances = check_balances(statement)
    rows = in_order(statement.rows)
    period = statement.period or (rows[0].date, rows[-1].date)
    summary = ImportSummary(path.name, statement.bank, rows=len(rows))
    summary.checked = balances.checked
    keys = file_keys(statement, rows)
    record = _record(statement, path.name, period, balances)
    try:
        with session_scope(db_url) as session, session.begin():
            write_first(session)  # reads, then writes: take the lock first
            where = (statement.bank, statement.account, period, balances)
            record.gap = summary.gap = gap_note(session, *where)
            session.add(record)
            session.flush()
            fresh = _fresh(rows, keys, seen_keys(session, keys), summary)
            claim_fed(session, record.id, keys)
            prefix = account_prefix(statement.bank, statement.account)
            unlinked = link_fed(session, record.id, prefix, fresh)
            summary.duplicates += len(fresh) - len(unlinked)
            new = write_rows(session, record.id, unlinked)
            record.new_rows = summary.new = len(new)
            summary.statement_id = record.id
    except IntegrityError:  # another import of the same rows committed first
        raise StatementRefused(
            f"another import added some of these rows meanwhile; nothing of "
            f"{path.name} was imported: import it again"
        ) from None
    summary.matched = sum(tx["state"] == "booked" for tx in new)
    summary.review = len(new) - summary.matched
    summary.debits = sum(tx["amount"] < 0 for tx in new)
    return summary
