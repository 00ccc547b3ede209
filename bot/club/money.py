"""Statements (sao kê): what came in and went out of each fund, per month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from bot.club.models import Donation, Expense, Fund, Sponsor
from bot.reports.ledger import BankTransaction, PayerRule
from bot.text import fold


@dataclass(frozen=True)
class FundMonth:
    fund: str
    received: int
    spent: int
    balance: int  # everything received minus spent up to the end of the month


def _month_end(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _sum(session: Session, model, fund_id: int, start: date | None, end: date) -> int:
    query = select(func.coalesce(func.sum(model.amount), 0)).where(
        model.fund_id == fund_id, model.date < end
    )
    if start is not None:
        query = query.where(model.date >= start)
    return int(session.scalar(query))


def fund_months(session: Session, month: date) -> list[FundMonth]:
    """Received and spent in `month` per fund, and each fund's balance after it."""
    start, end = month.replace(day=1), _month_end(month)
    rows = []
    for fund in session.scalars(select(Fund).order_by(Fund.code)):
        rows.append(
            FundMonth(
                fund=fund.name,
                received=_sum(session, Donation, fund.id, start, end),
                spent=_sum(session, Expense, fund.id, start, end),
                balance=_sum(session, Donation, fund.id, None, end)
                - _sum(session, Expense, fund.id, None, end),
            )
        )
    return rows


def fund_named(session: Session, text: str) -> Fund | None:
    """The fund a message names by its code or its name, typed any way
    ("quỹ xây trường", "xay truong", "XAYTRUONG")."""
    folded = f" {fold(text)} "
    squashed = folded.replace(" ", "")
    for fund in session.scalars(select(Fund).order_by(Fund.id)):
        name = fold(fund.name).removeprefix("quy ").strip()
        if f" {name} " in folded or fund.code.lower() in squashed:
            return fund
    return None


def fund_to_date(session: Session, fund: Fund, today: date) -> FundMonth:
    """Everything a fund received and spent up to today, and what is left."""
    end = today + timedelta(days=1)
    received = _sum(session, Donation, fund.id, None, end)
    spent = _sum(session, Expense, fund.id, None, end)
    return FundMonth(fund.name, received, spent, received - spent)


def latest_expenses(session: Session, limit: int = 3) -> list[tuple[Expense, str]]:
    query = (
        select(Expense, Fund.name)
        .join(Fund, Fund.id == Expense.fund_id)
        .order_by(Expense.date.desc(), Expense.id.desc())
        .limit(limit)
    )
    return [(expense, fund) for expense, fund in session.execute(query)]


def donations_of(session: Session, sponsor: Sponsor, limit: int = 5) -> list[tuple]:
    """A verified sponsor's own latest donations: (date, amount, fund name)."""
    query = (
        select(Donation.date, Donation.amount, Fund.name)
        .join(Fund, Fund.id == Donation.fund_id)
        .where(Donation.sponsor_id == sponsor.id)
        .order_by(Donation.date.desc(), Donation.id.desc())
        .limit(limit)
    )
    return list(session.execute(query))


def pending_transfers_of(
    session: Session, sponsor: Sponsor, limit: int = 5
) -> list[tuple[date, int]]:
    """A verified sponsor's transfers the bank shows but staff have not booked
    yet (the review list): (date, amount), newest first. Only rows the matcher
    tied to this sponsor (their phone, their child's code), or sent from a
    payer staff assigned to them before and tied to nobody else."""
    payers = select(PayerRule.payer).where(PayerRule.sponsor_id == sponsor.id)
    tx = BankTransaction
    theirs = or_(
        tx.sponsor_id == sponsor.id,
        and_(tx.sponsor_id.is_(None), tx.payer != "", tx.payer.in_(payers)),
    )
    query = (
        select(tx.date, tx.amount)
        .where(tx.state == "review", tx.amount > 0, theirs)
        .order_by(tx.date.desc(), tx.id.desc())
        .limit(limit)
    )
    return [(day, amount) for day, amount in session.execute(query)]


def latest_month_with_data(session: Session, today: date) -> date:
    """The month to show when none is asked: this month if it has entries."""
    newest = session.scalar(select(func.max(Donation.date)))
    newest_expense = session.scalar(select(func.max(Expense.date)))
    candidates = [d for d in (newest, newest_expense) if d is not None and d <= today]
    return max(candidates).replace(day=1) if candidates else today.replace(day=1)
