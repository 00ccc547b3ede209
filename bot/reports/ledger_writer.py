"""Write a file's new rows into the ledger, matched, in a few statements.

Rows go in by `executemany` (a year of 10,000 rows is one import's worth of
work, see `make bench-statements`): the ORM's unit of work would insert each
donation on its own to learn its id. Each booked row's donation carries the
row's key as its `reference`, which links the two afterwards in one UPDATE.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from bot.club.models import Donation
from bot.reports.ledger import BankTransaction
from bot.reports.matching import Directory, match_credit, payer_key
from bot.reports.memo_scan import MemoScan, scan
from bot.reports.monthly.expense_categories import category
from bot.reports.statements.statement_parser import StatementRow


def seen_keys(session: Session, keys: list[str]) -> set[str]:
    """Which of `keys` the ledger already holds."""
    seen: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        query = select(BankTransaction.key).where(BankTransaction.key.in_(chunk))
        seen.update(session.scalars(query))
    return seen


def _debit_guess(memo: str, found: MemoScan, book: Directory) -> dict[str, Any]:
    """A debit's suggestion: its category by the words of its description,
    and its fund when the description names exactly one fund's code."""
    guess: dict[str, Any] = {"category": category(memo)}
    codes = {f.value for f in found.funds if f.exact}
    if len(codes) == 1:
        code = codes.pop()
        guess.update(fund_id=book.funds[code], confidence="medium")
        guess["why"] = f"fund code {code} in the description"
    return guess


def matched_row(
    row: StatementRow, key: str, book: Directory
) -> tuple[dict, dict | None]:
    """The ledger row of `row`, and its donation when the match is high."""
    found = scan(row.description, book.fund_codes)
    tx: dict[str, Any] = dict(
        key=key,
        date=row.date,
        amount=row.amount,
        balance=row.balance,
        description=row.description,
        reference=row.reference[:100],
        counter_account=row.counter_account[:40],
        counter_name=row.counter_name[:200],
        payer=payer_key(row.counter_account, row.counter_name, found),
        state="review",
        confidence="none",
        matched_by=None,
        why="",
        fund_id=None,
        sponsor_id=None,
        child_id=None,
        category=None,
    )
    if row.amount < 0:
        tx.update(_debit_guess(row.description, found, book))
        return tx, None
    match = match_credit(row.description, tx["payer"], book, row.date, found)
    tx.update(
        confidence=match.confidence,
        matched_by=match.by,
        why="; ".join(match.reasons)[:300],
        fund_id=book.funds.get(match.fund) if match.fund else None,
        sponsor_id=match.sponsor_id,
        child_id=book.children.get(match.child) if match.child else None,
    )
    if match.confidence != "high" or tx["fund_id"] is None:
        return tx, None
    tx["state"] = "booked"
    donation = dict(
        date=row.date,
        amount=row.amount,
        fund_id=tx["fund_id"],
        sponsor_id=tx["sponsor_id"],
        child_id=tx["child_id"],
        donor_name=(row.counter_name or found.sender_name)[:200],
        memo=row.description[:500],
        source="bank",
        reference=key,
    )
    return tx, donation


def write_rows(
    session: Session, statement_id: int, rows: list[tuple[StatementRow, str]]
) -> list[dict]:
    """Insert `rows` (with their keys), match credits, book donations."""
    book = Directory.load(session)
    txs, donations = [], []
    for row, key in rows:
        tx, donation = matched_row(row, key, book)
        tx["statement_id"] = statement_id
        txs.append(tx)
        if donation:
            donations.append(donation)
    if txs:
        session.execute(insert(BankTransaction), txs)
    if donations:
        session.execute(insert(Donation), donations)
        donation_id = (
            select(Donation.id)
            .where(Donation.reference == BankTransaction.key)
            .scalar_subquery()
        )
        session.execute(
            update(BankTransaction)
            .where(
                BankTransaction.statement_id == statement_id,
                BankTransaction.state == "booked",
                BankTransaction.donation_id.is_(None),
            )
            .values(donation_id=donation_id)
            .execution_options(synchronize_session=False)
        )
    return txs
