"""The review list of the bank ledger, for the staff console.

`review_list` gives every transaction staff still have to decide: unsure or
unmatched credits (with the matcher's suggestion and reasons) and debits
waiting for a category (suggested at import from the description). `assign`
decides one: a credit becomes (or its donation is corrected to) a donation to
the fund, sponsor and child given, and the payer is remembered so the payer's
next transfer matches with high confidence; a debit becomes an expense of the
fund and category given (the suggested category when none is given).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.club.database import session_scope
from bot.club.models import Child, Donation, Expense, Fund, Sponsor, utcnow
from bot.club.vocab import child_code as stored_code
from bot.reports.ledger import BankTransaction, PayerRule, write_first
from bot.reports.monthly.expense_categories import NAMES, category_of


class AssignError(ValueError):
    """The assignment cannot be made; the message says why, for staff."""


@dataclass(frozen=True)
class ReviewItem:
    id: int
    date: date
    amount: int  # > 0 credit, < 0 debit
    description: str
    counter_name: str
    payer: str
    confidence: str
    why: str
    fund_code: str | None  # the suggestion, if any
    sponsor_id: int | None
    sponsor_name: str | None
    child_code: str | None
    category: str | None = None  # a debit's suggested category

    @property
    def kind(self) -> str:
        return "credit" if self.amount > 0 else "debit"


def review_list(db_url: str, limit: int | None = None) -> list[ReviewItem]:
    """Transactions waiting for staff, oldest first."""
    query = (
        select(BankTransaction, Fund.code, Sponsor.full_name, Child.code)
        .outerjoin(Fund, Fund.id == BankTransaction.fund_id)
        .outerjoin(Sponsor, Sponsor.id == BankTransaction.sponsor_id)
        .outerjoin(Child, Child.id == BankTransaction.child_id)
        .where(BankTransaction.state == "review")
        .order_by(BankTransaction.date, BankTransaction.id)
        .limit(limit)
    )
    with session_scope(db_url) as session:
        return [
            ReviewItem(
                tx.id,
                tx.date,
                tx.amount,
                tx.description,
                tx.counter_name,
                tx.payer,
                tx.confidence,
                tx.why,
                fund,
                tx.sponsor_id,
                name,
                child,
                tx.category,
            )  # fmt: skip
            for tx, fund, name, child in session.execute(query)
        ]


def _lookups(
    session: Session, fund_code: str, sponsor_id: int | None, child_code: str | None
) -> tuple[Fund, Sponsor | None, Child | None]:
    fund = session.scalars(select(Fund).where(Fund.code == fund_code.upper())).first()
    if fund is None:
        raise AssignError(f"no fund has the code {fund_code!r}")
    sponsor = session.get(Sponsor, sponsor_id) if sponsor_id is not None else None
    if sponsor_id is not None and sponsor is None:
        raise AssignError(f"no sponsor has the id {sponsor_id}")
    child = None
    if child_code:
        code = stored_code(child_code)
        child = session.scalars(select(Child).where(Child.code == code)).first()
        if child is None:
            raise AssignError(f"no child has the code {child_code!r}")
    return fund, sponsor, child


def _remember(session: Session, tx: BankTransaction, by: str) -> None:
    if not tx.payer:
        return
    rule = session.scalars(select(PayerRule).where(PayerRule.payer == tx.payer)).first()
    rule = rule or PayerRule(payer=tx.payer)
    rule.fund_id, rule.sponsor_id, rule.child_id = (
        tx.fund_id,
        tx.sponsor_id,
        tx.child_id,
    )
    rule.set_by, rule.set_at = by, utcnow()
    session.add(rule)


def _book_credit(tx: BankTransaction) -> None:
    donation = tx.donation or Donation(
        date=tx.date,
        amount=tx.amount,
        donor_name=tx.counter_name[:200],
        memo=tx.description[:500],
        source="bank",
        reference=tx.key,
    )
    donation.fund_id, donation.sponsor_id, donation.child_id = (
        tx.fund_id,
        tx.sponsor_id,
        tx.child_id,
    )
    tx.donation = donation


def _book_debit(tx: BankTransaction, purpose: str | None, kind: str | None) -> None:
    expense = tx.expense or Expense(date=tx.date, amount=-tx.amount, proof_link="")
    expense.fund_id = tx.fund_id
    expense.purpose = purpose or expense.purpose or tx.description or "(không ghi)"
    kind = kind or category_of(tx.category, expense.purpose)
    if kind not in NAMES:
        raise AssignError(f"no category is called {kind!r}")
    tx.category = expense.category = kind
    tx.expense = expense


def assign(
    db_url: str,
    transaction_id: int,
    fund_code: str,
    sponsor_id: int | None = None,
    child_code: str | None = None,
    by: str = "staff",
    purpose: str | None = None,
    category: str | None = None,
) -> int:
    """Book a transaction as staff decided; returns the donation's or
    expense's id. Deciding again corrects the earlier booking."""
    with session_scope(db_url) as session, session.begin():
        write_first(session)  # the bridge writes meanwhile (chats, sends)
        tx = session.get(BankTransaction, transaction_id)
        if tx is None:
            raise AssignError(f"no bank transaction has the id {transaction_id}")
        fund, sponsor, child = _lookups(session, fund_code, sponsor_id, child_code)
        tx.fund_id = fund.id
        tx.sponsor_id = sponsor.id if sponsor else None
        tx.child_id = child.id if child else None
        tx.state, tx.matched_by = "booked", "staff"
        tx.assigned_by, tx.assigned_at = by, datetime.utcnow()
        if tx.amount > 0:
            _book_credit(tx)
            _remember(session, tx, by)
        else:
            _book_debit(tx, purpose, category)
        session.flush()
        return tx.donation_id if tx.amount > 0 else tx.expense_id
