"""'mình đã chuyển khoản chưa thấy': a verified sponsor also hears of their
transfers the bank shows but staff have not booked yet, and never of anyone
else's."""

from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import select

from actions.donations import ActionDonationInfo
from actions.fallback import ActionRouteInform
from actions.statement_answers import ActionShowStatement
from bot.club.database import session_scope
from bot.club.models import Sponsor
from bot.reports.ledger import BankTransaction, PayerRule
from tests.actions.actions_kit import responses, run, tracker

pytestmark = pytest.mark.usefixtures("demo")

ASKED = "mình đã chuyển khoản chưa thấy clb nhận được chưa"
TRANG, DUC, HUY = "0912345678", "0987654321", "0903111222"  # Huy gave nothing yet


def sponsor_id(url: str, phone: str) -> int:
    with session_scope(url) as session:
        return session.scalar(select(Sponsor.id).where(Sponsor.phone == phone))


def verified(url: str, phone: str) -> dict:
    return {"verified_sponsor_id": sponsor_id(url, phone), "verified_at": time.time()}


def waiting(url: str, day: date, amount: int, memo: str, **fields) -> None:
    """A bank row in the review list, as the import or the feed leaves it."""
    key = f"vcb:0071000999888:{memo}:{day}:{amount}"
    with session_scope(url) as session, session.begin():
        session.add(
            BankTransaction(
                key=key,
                date=day,
                amount=amount,
                description=memo,
                state="review",
                confidence=fields.pop("confidence", "low"),
                **fields,
            )  # fmt: skip
        )


def remember(url: str, payer: str, phone: str) -> None:
    with session_scope(url) as session, session.begin():
        fund = 1  # any fund: only the sponsor matters here
        session.add(
            PayerRule(
                payer=payer,
                fund_id=fund,
                sponsor_id=sponsor_id(url, phone),
                set_by="thu.ha",
            )  # fmt: skip
        )


def test_a_transfer_waiting_for_review_is_told_beside_the_booked_ones(demo):
    trang = sponsor_id(demo, TRANG)
    waiting(demo, date(2026, 11, 28), 160_000, "NUOIEMNE0101", sponsor_id=trang)
    messages, _ = run(
        ActionShowStatement(), tracker(ASKED, slots=verified(demo, TRANG))
    )
    assert responses(messages) == ["utter_statement_own", "utter_statement_own_pending"]
    assert "02/11/2026: 480.000 đ – Quỹ Nuôi em" in messages[0]["donations"]
    assert messages[1]["transfers"] == "• 28/11/2026: 160.000 đ – đang chờ đối soát"


def test_a_transfer_from_a_remembered_payer_is_told_too(demo):
    remember(demo, "acct:0351000646393", HUY)
    waiting(demo, date(2026, 11, 29), 300_000, "ung ho", payer="acct:0351000646393")
    messages, _ = run(ActionShowStatement(), tracker(ASKED, slots=verified(demo, HUY)))
    assert responses(messages) == ["utter_statement_own_pending"]
    assert messages[0]["transfers"] == "• 29/11/2026: 300.000 đ – đang chờ đối soát"


def test_another_sponsors_waiting_transfer_is_never_told(demo):
    duc = sponsor_id(demo, DUC)
    waiting(demo, date(2026, 11, 27), 320_000, "IBFT NUOIEMNE0102", sponsor_id=duc)
    remember(demo, "acct:111222333", HUY)
    # Huy's remembered account, but the memo names Đức: it is not Huy's to see
    waiting(
        demo, date(2026, 11, 26), 90_000, "NUOIEM 0987654321",
        payer="acct:111222333", sponsor_id=duc,
    )  # fmt: skip
    waiting(demo, date(2026, 11, 25), 50_000, "ung ho", payer="name:NGUYEN VAN X")
    messages, _ = run(ActionShowStatement(), tracker(ASKED, slots=verified(demo, HUY)))
    assert responses(messages) == ["utter_statement_own_none"]
    messages, _ = run(
        ActionShowStatement(), tracker(ASKED, slots=verified(demo, TRANG))
    )
    assert responses(messages) == ["utter_statement_own"]


def test_a_booked_or_debit_row_is_not_waiting(demo):
    huy = sponsor_id(demo, HUY)
    waiting(demo, date(2026, 11, 24), -20_000, "phi", sponsor_id=huy)
    waiting(demo, date(2026, 11, 23), 70_000, "ung ho", sponsor_id=huy)
    with session_scope(demo) as session, session.begin():
        row = session.scalars(
            select(BankTransaction).where(BankTransaction.amount == 70_000)
        ).one()
        row.state = "booked"
    messages, _ = run(ActionShowStatement(), tracker(ASKED, slots=verified(demo, HUY)))
    assert responses(messages) == ["utter_statement_own_none"]


def test_only_a_verified_sponsor_hears_of_waiting_transfers(demo):
    waiting(demo, date(2026, 11, 28), 160_000, "NUOIEMNE0101", sponsor_id=1)
    messages, _ = run(ActionShowStatement(), tracker(ASKED))
    assert responses(messages) == ["utter_statement_verify_hint"]


NEWS = "mình vừa ck tiền ăn tháng 12 cho bé rồi nhé"


@pytest.mark.parametrize(
    "action", [ActionShowStatement(), ActionDonationInfo(), ActionRouteInform()]
)
def test_news_of_a_transfer_gets_thanks_and_what_the_bank_already_shows(demo, action):
    trang = sponsor_id(demo, TRANG)
    waiting(demo, date(2026, 12, 3), 160_000, "NUOIEMNE0101", sponsor_id=trang)
    messages, _ = run(action, tracker(NEWS, slots=verified(demo, TRANG)))
    assert responses(messages) == [
        "utter_transfer_thanks",
        "utter_statement_own_pending",
    ]  # not the list of booked donations: it was news, not a question
    assert messages[1]["transfers"] == "• 03/12/2026: 160.000 đ – đang chờ đối soát"
    for other in ({}, verified(demo, DUC)):  # unverified, or another sponsor
        messages, _ = run(action, tracker(NEWS, slots=other))
        assert responses(messages) == ["utter_transfer_thanks"]
