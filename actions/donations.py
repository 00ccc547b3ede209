"""How to give, and statements (sao kê) of what came in and went out."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any
from urllib.parse import urlencode

from rasa_sdk import Tracker
from sqlalchemy import select

from actions.base import ClubAction, Events
from actions.child_lookup import known_sponsor
from actions.db import settings, today
from actions.forms import text_of
from actions.responses import money, phrase
from bot.club.models import Child, Fund, Sponsorship
from bot.club.money import (
    donations_of,
    fund_months,
    fund_named,
    fund_to_date,
    latest_expenses,
    latest_month_with_data,
    pending_transfers_of,
)
from bot.club.values import parse_month
from bot.text import fold

logger = logging.getLogger(__name__)

NUOI_EM = "NUOIEM"


def sponsor_transfer(
    session, domain: dict[str, Any], tracker: Tracker
) -> tuple[str, int] | None:
    """For a verified sponsor: the memo (fund, their child's code, phone) and
    the monthly amount."""
    sponsor = known_sponsor(session, tracker)
    if sponsor is None:
        return None
    found = session.execute(
        select(Child.code, Sponsorship.monthly_amount)
        .join(Sponsorship, Sponsorship.child_id == Child.id)
        .where(Sponsorship.sponsor_id == sponsor.id)
        .where(Sponsorship.until.is_(None))
    ).first()
    if found is None:
        return None
    memo = phrase(
        domain,
        "utter_donate_memo_sponsor",
        fund=NUOI_EM,
        child_code=found.code,
        phone=sponsor.phone,
    )
    return memo, found.monthly_amount


def qr_url(memo: str, amount: int) -> str:
    """The VietQR image of a transfer to the club (bot/bridge/http/transfer_qr.py)."""
    query = urlencode({"memo": memo, "amount": amount})
    return f"{settings().public_url}/qr/vietqr.png?{query}"


class ActionDonationInfo(ClubAction):
    """Bank account, transfer memo with the fund (and child code for sponsors),
    and the other ways to help."""

    failure_response = "utter_donation_failed"

    def name(self) -> str:
        return "action_donation_info"

    def answer(self, session, dispatcher, tracker, domain) -> Events:
        funds = ", ".join(
            phrase(domain, "utter_donate_fund_line", code=f.code, name=f.name)
            for f in session.scalars(select(Fund).order_by(Fund.id))
        )
        transfer = sponsor_transfer(session, domain, tracker)
        memo = transfer[0] if transfer else phrase(domain, "utter_donate_memo_fund")
        dispatcher.utter_message(response="utter_donate_bank", memo=memo, funds=funds)
        if transfer:  # the memo is known: a QR code fills it in for them
            dispatcher.utter_message(
                response="utter_donate_qr", qr_url=qr_url(*transfer)
            )
        dispatcher.utter_message(response="utter_donate_other")
        return []


def statement_url(month: date) -> str:
    """The public statement page of a month (bot/reports: /sao-ke/YYYY-MM)."""
    return f"{settings().public_url}/sao-ke/{month:%Y-%m}"


def asks_about_own_transfer(text: str) -> bool:
    folded = fold(text)
    return any(
        words in folded
        for words in (
            "cua minh",
            "cua toi",
            "cua em",
            "cua chi",
            "cua anh",
            "nhan duoc chua",
            "nhan dc chua",
            "da nhan",
            "toi chua",
            "vao chua",
        )
    )


class ActionShowStatement(ClubAction):
    """Public totals per fund for a month and the latest expenses; a verified
    sponsor asking about their own transfer sees their own donations, and
    their transfers still waiting for staff to book them."""

    failure_response = "utter_statement_failed"

    def name(self) -> str:
        return "action_show_statement"

    def answer(self, session, dispatcher, tracker, domain) -> Events:
        text = text_of(tracker)
        if asks_about_own_transfer(text):
            self._own(session, dispatcher, tracker, domain)
        else:
            self._public(session, dispatcher, text, domain)
        return []

    @staticmethod
    def _public(session, dispatcher, text: str, domain: dict[str, Any]) -> None:
        asked_month = parse_month(text, today())
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
        month = asked_month or latest_month_with_data(session, today())
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
        ]
        expenses = [
            phrase(
                domain,
                "utter_statement_expense_line",
                date=expense.date.strftime("%d/%m/%Y"),
                purpose=expense.purpose,
                amount=money(expense.amount),
                fund=fund,
            )
            for expense, fund in latest_expenses(session)
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
        sponsor = known_sponsor(session, tracker)
        if sponsor is None:
            dispatcher.utter_message(response="utter_statement_verify_hint")
            return
        rows = donations_of(session, sponsor)
        pending = pending_transfers_of(session, sponsor)
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
        if pending:  # seen in the bank, not booked yet: no need to send again
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
        if not rows and not pending:
            dispatcher.utter_message(response="utter_statement_own_none")
