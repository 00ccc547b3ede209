"""The figures of one month's report, per fund, from what is booked.

**Booked only.** A fund's figures are its `Donation` and `Expense` rows: money
staff entered or imported, and bank rows the ledger booked (a sure memo match,
a remembered payer, or staff in the review list). Bank rows still in review
(`BankTransaction.state == "review"`) have no donation or expense yet, so they
are left out of every fund and shown apart as "chưa đối soát" (their count and
their credits and debits).

**Opening and closing balances.** A fund's opening balance is everything it
received minus everything it spent before the month; its closing balance is
opening + received − spent. These are the club's books per fund, not the bank
account's balance: the bank statements' opening and closing lines
(`BankStatement.opening/closing`) cover every fund together, include the rows
still in review, and leave out cash gifts and anything given before the club
started keeping books here. When statements of the month were imported, the
report also shows the bank's own balances for the month beside the funds', so
staff can see the difference (the sum of the funds' closings plus the review
rows and the cash explains it).

**Donors** are counted once per month (per fund, and overall): a sponsor
record once, a named donor without a record once by name, each anonymous gift
as one (`donor_names.donor_key`).

**Children whose lunches were paid.** A Nuôi em (`NUOIEM`) donation linked to
a child pays that child's lunches for its own month and, when it is larger
than the monthly amount of the child's sponsorship (160,000 đ when none),
for the following months too: a 480,000 đ gift on 2 August at 160,000 đ a
month pays August, September and October. A child counts in a month when some
donation of the 24 months before pays it. Gifts to the fund that name no child
pay lunches in general and are not counted per child (a sponsorship alone,
without money, is not counted either). The count is a number only: children's
codes never appear in a public report.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.club.models import Donation, Expense, Fund, Sponsor, Sponsorship
from bot.reports.ledger import BankStatement, BankTransaction
from bot.reports.monthly.donor_names import donor_key, short_name
from bot.reports.monthly.expense_categories import category_of

NUOI_EM = "NUOIEM"
DEFAULT_MONTHLY = 160_000
PREPAID_MONTHS = 24  # how far back a prepaid Nuôi em gift is looked for
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthError(ValueError):
    """A month that cannot be reported; the message is one sentence for a person."""


def parse_month(text: str, today: date) -> date:
    """The first day of the month "YYYY-MM", or MonthError: malformed, or in the
    future (the current month may be reported while it runs)."""
    found = _MONTH.match((text or "").strip())
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        raise MonthError(
            f"{text!r} is not a month; write it as YYYY-MM, e.g. "
            f"{previous_month(today):%Y-%m}"
        )
    month = date(int(found.group(1)), int(found.group(2)), 1)
    if month > today.replace(day=1):
        raise MonthError(f"{month:%Y-%m} has not begun yet; no report can be made")
    return month


def dong(amount: int) -> str:
    """1120000 → "1.120.000 đ" (Vietnamese digit grouping)."""
    sign = "−" if amount < 0 else ""
    return f"{sign}{abs(amount):,} đ".replace(",", ".")


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(today: date) -> date:
    first = today.replace(day=1)
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def _months_between(start: date, later: date) -> int:
    return (later.year - start.year) * 12 + later.month - start.month


@dataclass(frozen=True)
class FundFigures:
    code: str
    name: str
    opening: int
    received: int
    spent_by_category: tuple[tuple[str, int], ...]
    donations: int
    donors: int

    @property
    def spent(self) -> int:
        return sum(amount for _, amount in self.spent_by_category)

    @property
    def closing(self) -> int:
        return self.opening + self.received - self.spent


@dataclass(frozen=True)
class PublicDonation:
    """One donation as the public may read it: no phone, memo or child."""

    date: date
    fund_code: str
    fund_name: str
    donor: str  # shortened (`donor_names.short_name`)
    amount: int


@dataclass(frozen=True)
class SpentLine:
    date: date
    fund_code: str
    category: str
    purpose: str
    amount: int


@dataclass(frozen=True)
class Unreconciled:
    """Bank rows of the month still in review ("chưa đối soát")."""

    count: int = 0
    credits: int = 0
    debits: int = 0  # a positive sum


@dataclass(frozen=True)
class BankBalances:
    """The bank's own opening and closing lines, from the month's statements."""

    opening: int | None
    closing: int | None


@dataclass(frozen=True)
class MonthReport:
    month: date
    made_at: datetime
    funds: tuple[FundFigures, ...]
    donors: int
    children_paid: int
    donations: tuple[PublicDonation, ...]
    expenses: tuple[SpentLine, ...]
    unreconciled: Unreconciled = field(default_factory=Unreconciled)
    bank: BankBalances | None = None

    @property
    def label(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def title(self) -> str:
        return f"tháng {self.month.month}/{self.month.year}"

    @property
    def complete(self) -> bool:
        """Whether the month was over when the report was made."""
        return self.made_at.date() >= next_month(self.month)

    @property
    def opening(self) -> int:
        return sum(f.opening for f in self.funds)

    def summary_line(self) -> str:
        """One line for the command line and the log."""
        left_out = self.unreconciled.count
        return (
            f"{self.label}: opening {self.opening:,}, received {self.received:,}, "
            f"spent {self.spent:,}, closing {self.closing:,} đồng; "
            f"{self.donors} donor(s), {self.children_paid} child(ren)'s lunches "
            f"paid; {left_out} bank row(s) in review left out"
            + ("" if self.complete else " (the month is not over)")
        )

    @property
    def received(self) -> int:
        return sum(f.received for f in self.funds)

    @property
    def spent(self) -> int:
        return sum(f.spent for f in self.funds)

    @property
    def closing(self) -> int:
        return sum(f.closing for f in self.funds)


def _sums_by_fund(session: Session, model, start: date | None, end: date) -> dict:
    query = select(model.fund_id, func.sum(model.amount)).where(model.date < end)
    if start is not None:
        query = query.where(model.date >= start)
    return dict(session.execute(query.group_by(model.fund_id)).all())


def _unreconciled(session: Session, start: date, end: date) -> Unreconciled:
    amount = BankTransaction.amount
    count, credits, debits = session.execute(
        select(
            func.count(BankTransaction.id),
            func.coalesce(func.sum(case((amount > 0, amount), else_=0)), 0),
            func.coalesce(func.sum(case((amount < 0, -amount), else_=0)), 0),
        ).where(
            BankTransaction.state == "review",
            BankTransaction.date >= start,
            BankTransaction.date < end,
        )
    ).one()
    return Unreconciled(int(count), int(credits), int(debits))


def _bank_balances(session: Session, start: date, end: date) -> BankBalances | None:
    statements = list(
        session.scalars(
            select(BankStatement)
            .where(BankStatement.last_date >= start, BankStatement.first_date < end)
            .order_by(BankStatement.first_date, BankStatement.id)
        )
    )
    if not statements:
        return None
    first = next((s for s in statements if s.first_date >= start), None)
    last = max(
        (s for s in statements if s.last_date < end),
        key=lambda s: (s.last_date, s.id),
        default=None,
    )
    return BankBalances(
        first.opening if first else None, last.closing if last else None
    )


def _children_paid(session: Session, nuoi_em_id: int | None, month: date) -> int:
    """Children some linked Nuôi em donation pays in `month` (see the module)."""
    if nuoi_em_id is None:
        return 0
    end = next_month(month)
    earliest = date(month.year - PREPAID_MONTHS // 12, month.month, 1)
    gifts = session.execute(
        select(Donation.child_id, Donation.date, Donation.amount).where(
            Donation.fund_id == nuoi_em_id,
            Donation.child_id.is_not(None),
            Donation.date >= earliest,
            Donation.date < end,
        )
    ).all()
    if not gifts:
        return 0
    plans = defaultdict(list)
    for child_id, amount, since, until in session.execute(
        select(
            Sponsorship.child_id,
            Sponsorship.monthly_amount,
            Sponsorship.since,
            Sponsorship.until,
        ).where(Sponsorship.child_id.in_({g.child_id for g in gifts}))
    ):
        plans[child_id].append((since, until, amount))
    paid = set()
    for child_id, day, amount in gifts:
        if child_id in paid:
            continue
        monthly = next(
            (
                each
                for since, until, each in plans[child_id]
                if since <= day and (until is None or until >= day)
            ),
            DEFAULT_MONTHLY,
        )
        months = max(1, amount // monthly)
        if _months_between(day.replace(day=1), month) < months:
            paid.add(child_id)
    return len(paid)


def month_report(session: Session, month: date, now: datetime) -> MonthReport:
    """Everything the report of `month` (its first day) shows, as of `now`."""
    start, end = month.replace(day=1), next_month(month)
    funds = list(session.scalars(select(Fund).order_by(Fund.id)))
    received_before = _sums_by_fund(session, Donation, None, start)
    spent_before = _sums_by_fund(session, Expense, None, start)
    received = _sums_by_fund(session, Donation, start, end)

    spent: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    lines = []
    codes = {fund.id: fund.code for fund in funds}
    names = {fund.id: fund.name for fund in funds}
    for day, amount, fund_id, purpose, stored in session.execute(
        select(
            Expense.date,
            Expense.amount,
            Expense.fund_id,
            Expense.purpose,
            Expense.category,
        )
        .where(Expense.date >= start, Expense.date < end)
        .order_by(Expense.date, Expense.id)
    ):
        kind = category_of(stored, purpose)
        spent[fund_id][kind] += amount
        lines.append(SpentLine(day, codes[fund_id], kind, purpose, amount))

    donations = []
    donors_per_fund: dict[int, set[str]] = defaultdict(set)
    gifts_per_fund: dict[int, int] = defaultdict(int)
    for row in session.execute(
        select(
            Donation.id,
            Donation.date,
            Donation.amount,
            Donation.fund_id,
            Donation.sponsor_id,
            Donation.donor_name,
            Sponsor.full_name,
        )
        .outerjoin(Sponsor, Sponsor.id == Donation.sponsor_id)
        .where(Donation.date >= start, Donation.date < end)
        .order_by(Donation.date, Donation.id)
    ):
        name = row.donor_name or row.full_name
        donors_per_fund[row.fund_id].add(donor_key(row.sponsor_id, name, row.id))
        gifts_per_fund[row.fund_id] += 1
        donations.append(
            PublicDonation(
                row.date,
                codes[row.fund_id],
                names[row.fund_id],
                short_name(name),
                row.amount,
            )
        )

    figures = tuple(
        FundFigures(
            code=fund.code,
            name=fund.name,
            opening=int(received_before.get(fund.id, 0))
            - int(spent_before.get(fund.id, 0)),
            received=int(received.get(fund.id, 0)),
            spent_by_category=tuple(
                sorted(spent[fund.id].items(), key=lambda kv: (-kv[1], kv[0]))
            ),
            donations=gifts_per_fund[fund.id],
            donors=len(donors_per_fund[fund.id]),
        )
        for fund in funds
    )
    nuoi_em = next((fund.id for fund in funds if fund.code == NUOI_EM), None)
    return MonthReport(
        month=start,
        made_at=now,
        funds=figures,
        donors=len(set().union(*donors_per_fund.values())),
        children_paid=_children_paid(session, nuoi_em, start),
        donations=tuple(donations),
        expenses=tuple(lines),
        unreconciled=_unreconciled(session, start, end),
        bank=_bank_balances(session, start, end),
    )


def months_with_books(session: Session, today: date) -> list[date]:
    """Every month from the first booked or imported entry to this month,
    newest first (a month without entries inside that span is still a month
    of the books, with its balances)."""
    firsts = [
        session.scalar(select(func.min(model.date)))
        for model in (Donation, Expense, BankTransaction)
    ]
    known = [d for d in firsts if d is not None and d <= today]
    if not known:
        return []
    month, last, months = min(known).replace(day=1), today.replace(day=1), []
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months[::-1]
