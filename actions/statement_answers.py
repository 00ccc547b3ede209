"""Statements (sao kê): public totals per fund and month with the latest
expenses; a verified sponsor's own donations and their transfers still waiting
for staff; thanks for news of a transfer."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from rasa_sdk import Tracker
from sqlalchemy import func, select

from actions.base import ClubAction, Events
from actions.child_lookup import known_sponsor
from actions.db import settings, today
from actions.forms import text_of
from actions.reading.transfer_words import asks_about_own_transfer, reports_transfer
from actions.responses import money, phrase
from bot.club.models import Donation, Expense, Fund
from bot.club.money import (
    donations_of,
    fund_months,
    fund_named,
    fund_to_date,
    latest_month_with_data,
    pending_transfers_of,
)
from bot.club.values import parse_month, parse_year
from bot.text import fold


def month_expenses(
    session, month: date, limit: int = 3, fund: Fund | None = None
) -> list[tuple[Expense, str]]:
    """The month's latest expenses, of one fund or all (the public page lists
    them all)."""
    query = (
        select(Expense, Fund.name)
        .join(Fund, Fund.id == Expense.fund_id)
        .where(Expense.date >= month, Expense.date < next_month(month))
        .order_by(Expense.date.desc(), Expense.id.desc())
        .limit(limit)
    )
    if fund is not None:
        query = query.where(Expense.fund_id == fund.id)
    return [(expense, name) for expense, name in session.execute(query)]


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_with_books(session, now: date) -> list[date]:
    """Every month from the first donation or expense to this month, newest
    first: the months /sao-ke/YYYY-MM shows (the page also counts a month
    whose only entries are bank rows still in review)."""
    firsts = [session.scalar(select(func.min(m.date))) for m in (Donation, Expense)]
    known = [d for d in firsts if d is not None and d <= now]
    if not known:
        return []
    month, months = min(known).replace(day=1), []
    while month <= now.replace(day=1):
        months.append(month)
        month = next_month(month)
    return months[::-1]


def statement_url(month: date) -> str:
    """The public statement page of a month (bot/reports: /sao-ke/YYYY-MM)."""
    return f"{settings().public_url}/sao-ke/{month:%Y-%m}"


# "tháng 13", "tháng 0": a month asked that is no month
NO_MONTH = re.compile(r"\bthang (\d{1,3})\b")


# A whole year asked ("sao kê năm 2025", "thu chi cả năm nay", "sao kê 2025"):
# statements are monthly, so the months of that year are pointed to.
_YEAR_OF_STATEMENT = re.compile(r"\b(?:sao ke|thu chi)(?: \w+){0,2} (20\d{2})\b")
_WHOLE_YEAR = re.compile(r"\bca nam\b")  # "cả năm": this one


def asked_year(text: str, now: date) -> int | None:
    folded = fold(text)
    if match := _YEAR_OF_STATEMENT.search(folded):
        return int(match.group(1))
    named = parse_year(text, now)
    return now.year if named is None and _WHOLE_YEAR.search(folded) else named


def months_url() -> str:
    """The public list of months (/sao-ke/)."""
    return f"{settings().public_url}/sao-ke/"


class ActionShowStatement(ClubAction):
    """Public totals per fund for a month and the latest expenses; a verified
    sponsor asking about their own transfer sees their own donations, and
    their transfers still waiting for staff to book them."""

    failure_response = "utter_statement_failed"
    answers_asides = True  # "chuyển khoản xong có biên nhận không"

    def name(self) -> str:
        return "action_show_statement"

    def answer(self, session, dispatcher, tracker, domain) -> Events:
        text = text_of(tracker)
        if asks_about_own_transfer(text) or reports_transfer(text):
            self._own(session, dispatcher, tracker, domain)
        else:
            self._public(session, dispatcher, text, domain)
        return []

    @classmethod
    def _month_refused(cls, session, dispatcher, text: str) -> date | None:
        """The month asked, or None after saying why there is no statement of
        it (no month, not yet begun, before the books); every link given is
        a page that exists."""
        now = today()
        asked = parse_month(text, now)
        books = months_with_books(session, now)
        wrong = NO_MONTH.search(fold(text))
        year = asked_year(text, now) if asked is None else None
        if asked is None and wrong and not 1 <= int(wrong.group(1)) <= 12:
            dispatcher.utter_message(response="utter_statement_month_unknown")
        elif books and year is not None:
            cls._year(dispatcher, year, books)
        elif not books:
            dispatcher.utter_message(
                response="utter_statement_no_books", url=months_url()
            )
        elif asked is not None and asked > now:
            dispatcher.utter_message(
                response="utter_statement_month_future",
                month=asked.strftime("%m/%Y"),
                url=months_url(),
            )
        elif asked is not None and asked not in books:
            dispatcher.utter_message(
                response="utter_statement_month_before_books",
                month=asked.strftime("%m/%Y"),
                first=books[-1].strftime("%m/%Y"),
                url=months_url(),
            )
        else:
            return asked or latest_month_with_data(session, now)
        return None

    @staticmethod
    def _year(dispatcher, year: int, books: list[date]) -> None:
        """Where a year's monthly statements are, or when the books begin."""
        months = sorted(m for m in books if m.year == year)
        if not months:
            dispatcher.utter_message(
                response="utter_statement_year_none",
                year=year,
                first=books[-1].strftime("%m/%Y"),
                url=months_url(),
            )
            return
        dispatcher.utter_message(
            response="utter_statement_year",
            year=year,
            count=len(months),
            first=months[0].strftime("%m/%Y"),
            last=months[-1].strftime("%m/%Y"),
            url=months_url(),
        )

    @classmethod
    def _public(cls, session, dispatcher, text: str, domain: dict[str, Any]) -> None:
        asked_month = parse_month(text, today())
        month = cls._month_refused(session, dispatcher, text)
        if month is None:
            return
        fund = fund_named(session, text)
        if (
            fund is not None and asked_month is None
        ):  # "quỹ xây trường được bao nhiêu rồi"
            total = fund_to_date(session, fund, today())
            dispatcher.utter_message(
                response="utter_statement_fund_total",
                fund=total.fund,
                received=money(total.received),
                spent=money(total.spent),
                balance=money(total.balance),
                url=statement_url(today()),
            )
            return
        funds = [
            phrase(
                domain,
                "utter_statement_fund_line",
                fund=row.fund,
                received=money(row.received),
                spent=money(row.spent),
                balance=money(row.balance),
            )
            for row in fund_months(session, month)
            if fund is None or row.fund == fund.name  # "sao kê quỹ nuôi em tháng 10"
        ]
        expenses = [
            phrase(
                domain,
                "utter_statement_expense_line",
                date=expense.date.strftime("%d/%m/%Y"),
                purpose=expense.purpose,
                amount=money(expense.amount),
                fund=fund_name,
            )
            for expense, fund_name in month_expenses(session, month, fund=fund)
        ]
        dispatcher.utter_message(
            response="utter_statement",
            month=month.strftime("%m/%Y"),
            funds="\n".join(funds),
            expenses="\n".join(expenses) or "-",
            url=statement_url(month),
        )

    @staticmethod
    def _own(session, dispatcher, tracker: Tracker, domain: dict[str, Any]) -> None:
        if reports_transfer(text_of(tracker)):
            thank_for_transfer(session, dispatcher, tracker, domain)
            return
        sponsor = known_sponsor(session, tracker)
        if sponsor is None:
            dispatcher.utter_message(response="utter_statement_verify_hint")
            return
        rows = donations_of(session, sponsor)
        if rows:
            lines = [
                phrase(
                    domain,
                    "utter_statement_own_line",
                    date=day.strftime("%d/%m/%Y"),
                    amount=money(amount),
                    fund=fund,
                )
                for day, amount, fund in rows
            ]
            dispatcher.utter_message(
                response="utter_statement_own",
                full_name=sponsor.full_name,
                donations="\n".join(lines),
            )
        pending = _say_pending(session, dispatcher, sponsor, domain)
        if not rows and not pending:
            dispatcher.utter_message(response="utter_statement_own_none")


def thank_for_transfer(session, dispatcher, tracker: Tracker, domain) -> None:
    """News of a transfer ("mình vừa ck rồi nhé"): thanks and the way to the
    statement, and for a verified sponsor what the bank already shows of it."""
    dispatcher.utter_message(response="utter_transfer_thanks")
    sponsor = known_sponsor(session, tracker)
    if sponsor is not None:
        _say_pending(session, dispatcher, sponsor, domain)


def _say_pending(session, dispatcher, sponsor, domain: dict[str, Any]) -> bool:
    """The sponsor's transfers the bank shows and staff have not booked yet
    (no need to send them again); whether there were any."""
    pending = pending_transfers_of(session, sponsor)
    if pending:
        waiting = [
            phrase(
                domain,
                "utter_statement_own_pending_line",
                date=day.strftime("%d/%m/%Y"),
                amount=money(amount),
            )
            for day, amount in pending
        ]
        dispatcher.utter_message(
            response="utter_statement_own_pending", transfers="\n".join(waiting)
        )
    return bool(pending)
