"""How to give: the bank account, the transfer memo and its VietQR code, gifts
in kind; statements are in actions/statement_answers.py."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from rasa_sdk import Tracker
from sqlalchemy import select

from actions.base import ClubAction, Events
from actions.child_lookup import known_sponsor
from actions.db import settings
from actions.forms import said_last_turn, text_of
from actions.reading.payment_words import names_wallet
from actions.reading.transfer_words import reports_transfer
from actions.responses import phrase
from actions.statement_answers import thank_for_transfer
from bot.club.models import Child, Fund, Sponsorship
from bot.club.money import fund_named
from bot.club.values import parse_amount

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


def fund_transfer(session, tracker: Tracker) -> tuple[Fund, str, int | None] | None:
    """For a donor who names a fund ("ủng hộ 500k xây trường thì ck vào đâu"):
    the fund, the memo (the code, and the phone of a verified sponsor)
    and the amount they named, if any."""
    fund = fund_named(session, text_of(tracker))
    if fund is None:
        return None
    sponsor = known_sponsor(session, tracker)
    memo = f"{fund.code} {sponsor.phone}" if sponsor else fund.code
    if len(memo) > MEMO_MAX:  # a fund code too long for a memo: no QR
        return None
    amounts = [
        parse_amount(str(entity.get("value") or ""))
        for entity in tracker.latest_message.get("entities") or []
        if entity.get("entity") == "amount"
    ]
    amount = next((a for a in amounts if a and a <= MAX_QR_AMOUNT), None)
    return fund, memo, amount


MAX_QR_AMOUNT = 1_000_000_000  # what the image endpoint accepts
MEMO_MAX = 25  # characters of memo banks keep (bot.reports.vietqr checks it too)
# NAPAS BINs of the banks the statement layouts read, and a few more: the
# bank named beside the account in the text (the QR code carries the BIN).
BANK_NAMES = {
    "970436": "Vietcombank",
    "970407": "Techcombank",
    "970422": "MB",
    "970418": "BIDV",
    "970415": "VietinBank",
    "970405": "Agribank",
    "970423": "TPBank",
    "970432": "VPBank",
    "970416": "ACB",
    "970403": "Sacombank",
}


def bank_name(bank_bin: str) -> str:
    """The bank's short name, or its BIN when not listed."""
    return BANK_NAMES.get(bank_bin, f"ngân hàng mã {bank_bin}")


def qr_url(memo: str, amount: int | None) -> str:
    """The VietQR image of a transfer to the club (bot/bridge/http/transfer_qr.py)."""
    values: dict[str, str | int] = {"memo": memo}
    if amount:
        values["amount"] = amount
    return f"{settings().public_url}/qr/vietqr.png?{urlencode(values)}"


def answer_fund_asked(session, dispatcher, tracker: Tracker) -> Events | None:
    """After "nhắn tên quỹ muốn ủng hộ", a reply naming a fund ("xây trường",
    "quỹ nuôi em") gets that fund's VietQR code, whatever intent it was read
    as; None when it is not such a reply."""
    if "utter_donate_qr_ask_fund" not in said_last_turn(tracker):
        return None
    transfer = fund_transfer(session, tracker)
    if transfer is None:
        return None
    fund, memo, amount = transfer
    dispatcher.utter_message(
        response="utter_donate_qr_fund",
        fund=fund.name,
        memo=memo,
        qr_url=qr_url(memo, amount),
    )
    if memo == fund.code:  # no verified phone in it
        dispatcher.utter_message(response="utter_donate_qr_fund_add_phone")
    return []


class ActionDonationInfo(ClubAction):
    """Bank account, transfer memo with the fund (and child code for sponsors),
    and the other ways to help; thanks for news of a transfer; the drop-off
    point for gifts in kind."""

    failure_response = "utter_donation_failed"
    answers_asides = True  # receipts, help without going: in the same words

    def name(self) -> str:
        return "action_donation_info"

    def answer(self, session, dispatcher, tracker, domain) -> Events:
        text = text_of(tracker)
        if reports_transfer(text):  # "em vừa ck 200k ủng hộ ạ"
            thank_for_transfer(session, dispatcher, tracker, domain)
            return []
        if names_wallet(text):  # "clb có momo không": the account, through VietQR
            dispatcher.utter_message(response="utter_donate_wallet")
        funds = ", ".join(
            phrase(domain, "utter_donate_fund_line", code=f.code, name=f.name)
            for f in session.scalars(select(Fund).order_by(Fund.id))
        )
        transfer = sponsor_transfer(session, domain, tracker)
        named = None if transfer else fund_transfer(session, tracker)
        if transfer:
            memo = transfer[0]
        elif named:
            fund, qr_memo, amount = named
            memo = (
                qr_memo
                if qr_memo != fund.code
                else phrase(domain, "utter_donate_memo_fund_named", fund=fund.code)
            )
            transfer = (qr_memo, amount)
        else:
            memo = phrase(domain, "utter_donate_memo_fund")
        dispatcher.utter_message(
            response="utter_donate_bank",
            memo=memo,
            funds=funds,
            bank=bank_name(settings().bank_bin),
            account=spaced_account(settings().bank_account),
        )
        if transfer:  # the memo is known: a QR code fills it in for them
            dispatcher.utter_message(
                response="utter_donate_qr", qr_url=qr_url(*transfer)
            )
        else:  # a fund named in the next message gets its QR code
            dispatcher.utter_message(response="utter_donate_qr_ask_fund")
        dispatcher.utter_message(response="utter_donate_other")
        return []


def spaced_account(account: str) -> str:
    """ "012345678910" → "0123 4567 8910", as printed on the club's posters."""
    return " ".join(account[i : i + 4] for i in range(0, len(account), 4))
