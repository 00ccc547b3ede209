"""The bank feed: SePay's and Casso's webhooks exactly as they post them (body
and headers), through the running bridge, into the ledger; the thank-you a
matched sponsor gets, at once inside the reply window or after their next
message."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.bridge.store.records import InboxMessage, OutboundMessage
from bot.club.database import session_scope
from bot.club.models import Donation, Sponsor
from bot.club.seed import seed_if_empty
from bot.reports.feed import FeedRow
from bot.reports.ledger import BankStatement, BankTransaction, TransferThanks
from bot.reports.ledger_writer import write_rows
from bot.reports.statement_import import row_key
from bot.simulator import (
    messenger_batch,
    messenger_event,
    post_messenger,
    post_zalo,
    zalo_event,
)
from tests.bridge.platform_kit import running_bridge, wait_settled, wait_until
from tests.fixtures.other_writer import other_writer

SEPAY_KEY = "sepay-key-Zx81"
CASSO_TOKEN = "casso-token-Qm27"
ACCOUNT = "0123499999"
SPONSOR_PHONE = "0912345678"  # the demo sponsor of NE0101 (Mai) and NE0103
PSID, ZALO_USER = "psid-sponsor", "zalo-sponsor"


@pytest.fixture
def feed(tmp_path, db_url, monkeypatch):
    assert seed_if_empty(db_url) > 0
    with running_bridge(
        tmp_path,
        db_url,
        monkeypatch,
        SEPAY_API_KEY=SEPAY_KEY,
        CASSO_SECURE_TOKEN=CASSO_TOKEN,
        CLUB_BANK_BIN="970436",
    ) as bridge:
        yield bridge


def sepay_body(**changes):
    """SePay's documented example, with a Nuôi em memo."""
    body = {
        "id": 92704,
        "gateway": "Vietcombank",
        "transactionDate": "2026-03-25 14:02:37",
        "accountNumber": ACCOUNT,
        "code": None,
        "content": f"NUOIEM NE0101 {SPONSOR_PHONE}",
        "transferType": "in",
        "transferAmount": 160000,
        "accumulated": 19077000,
        "subAccount": None,
        "referenceCode": "MBVCB.3278907687",
        "description": f"BankAPINotify NUOIEM NE0101 {SPONSOR_PHONE}",
    }
    return {**body, **changes}


def casso_body(*transactions):
    return {"error": 0, "data": list(transactions)}


def casso_row(**changes):
    row = {
        "id": 1234567,
        "tid": "FT26084123456789",
        "description": "CHUYEN TIEN UNG HO XAYTRUONG",
        "amount": 500000,
        "cusum_balance": 19577000,
        "when": "2026-03-25 15:10:01",
        "bank_sub_acc_id": ACCOUNT,
        "subAccId": ACCOUNT,
        "virtualAccount": "",
        "virtualAccountName": "",
        "corresponsiveName": "TRAN VAN B",
        "corresponsiveAccount": "0351000646393",
        "corresponsiveBankId": "",
        "corresponsiveBankName": "",
    }
    return {**row, **changes}


def post_sepay(b, body, key=SEPAY_KEY, path="/webhooks/bank/sepay", raw=None):
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Apikey {key}"
    data = raw if raw is not None else json.dumps(body).encode()
    return b.client.post(path, data=data, headers=headers)


def post_casso(b, body, token=CASSO_TOKEN, path="/webhooks/bank/casso"):
    headers = {"Content-Type": "application/json", "User-Agent": "Casso"}
    if token is not None:
        headers["Secure-Token"] = token
    return b.client.post(path, data=json.dumps(body).encode(), headers=headers)


def ledger(db_url):
    with session_scope(db_url) as session:
        return session.scalars(
            select(BankTransaction).order_by(BankTransaction.id)
        ).all()


def donations(db_url):
    with session_scope(db_url) as session:
        keys = select(BankTransaction.key)
        return session.scalars(
            select(Donation).where(Donation.reference.in_(keys))
        ).all()


def thanks(db_url):
    with session_scope(db_url) as session:
        return session.scalars(select(TransferThanks).order_by(TransferThanks.id)).all()


def link_sponsor(db_url, messenger_id=None, zalo_id=None):
    with session_scope(db_url) as session, session.begin():
        sponsor = session.scalars(
            select(Sponsor).where(Sponsor.phone == SPONSOR_PHONE)
        ).one()
        now = datetime.utcnow()
        if messenger_id:
            sponsor.messenger_id, sponsor.messenger_verified_at = messenger_id, now
        if zalo_id:
            sponsor.zalo_id, sponsor.zalo_verified_at = zalo_id, now


def messenger_say(b, user, text):
    body = messenger_batch(messenger_event(user, text=text))
    secret = b.secrets.messenger_app_secret
    response = post_messenger("http://bridge.test", secret, body, b.sim.http)
    assert response.status_code == 200


def zalo_say(b, user, text):
    assert (
        post_zalo(
            "http://bridge.test", b.secrets, zalo_event(user, text=text), b.sim.http
        ).status_code
        == 200
    )


# --- accepted, repeated, refused ---------------------------------------


def test_a_sepay_credit_is_stored_matched_and_booked(feed, db_url):
    response = post_sepay(feed, sepay_body())
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["success"] is True
    assert (answer["accepted"], answer["duplicates"], answer["matched"]) == (1, 0, 1)
    assert answer["ms"] < 5000  # SePay's limit
    [tx] = ledger(db_url)
    assert tx.source == "sepay" and tx.feed_id == "sepay:92704"
    assert tx.statement_id is None
    assert tx.key == f"vcb:{ACCOUNT}:MBVCB.3278907687"
    assert (tx.amount, tx.balance, tx.date) == (160000, 19077000, date(2026, 3, 25))
    assert (tx.state, tx.confidence) == ("booked", "high")
    [gift] = donations(db_url)
    assert tx.donation_id == gift.id and gift.reference == tx.key
    assert gift.amount == 160000


def test_one_endpoint_tells_sepay_and_casso_apart_by_their_header(feed, db_url):
    assert post_sepay(feed, sepay_body(), path="/webhooks/bank").status_code == 200
    response = post_casso(feed, casso_body(casso_row()), path="/webhooks/bank")
    assert response.status_code == 200 and response.get_json()["accepted"] == 1
    nobody = feed.client.post("/webhooks/bank", data=b"{}")
    assert nobody.status_code == 401 and "Secure-Token" in nobody.get_json()["error"]
    assert [tx.source for tx in ledger(db_url)] == ["sepay", "casso"]


def test_a_retried_post_adds_nothing_twice(feed, db_url):
    for _ in range(3):
        assert post_sepay(feed, sepay_body()).status_code == 200
    last = post_sepay(feed, sepay_body()).get_json()
    assert (last["success"], last["accepted"], last["duplicates"]) == (True, 0, 1)
    batch = casso_body(casso_row(), casso_row(id=1234568, tid="FT26084000000001"))
    assert post_casso(feed, batch).get_json()["accepted"] == 2
    again = post_casso(feed, batch).get_json()
    assert (again["accepted"], again["duplicates"]) == (0, 2)
    assert len(ledger(db_url)) == 3
    assert len(donations(db_url)) == 3  # both Casso gifts name XAYTRUONG: booked


@pytest.mark.parametrize(
    "key, status, reason",
    [
        (None, 401, "no Authorization: Apikey header"),
        ("", 401, "no Authorization: Apikey header"),
        ("not-the-key", 403, "wrong SePay key"),
    ],
)
def test_a_missing_or_wrong_sepay_key_is_refused(feed, db_url, key, status, reason):
    response = post_sepay(feed, sepay_body(), key=key)
    assert response.status_code == status
    assert response.get_json() == {"success": False, "error": reason}
    bearer = feed.client.post(
        "/webhooks/bank/sepay",
        data=json.dumps(sepay_body()),
        headers={"Authorization": f"Bearer {SEPAY_KEY}"},
    )
    assert bearer.status_code == 401
    assert ledger(db_url) == []


def test_a_missing_or_wrong_casso_token_is_refused(feed, db_url):
    assert post_casso(feed, casso_body(casso_row()), token=None).status_code == 401
    wrong = post_casso(feed, casso_body(casso_row()), token="nope")
    assert wrong.status_code == 403 and wrong.get_json()["error"] == "wrong Casso key"
    assert ledger(db_url) == []


def test_a_feed_without_its_key_is_off(feed, db_url):
    app = feed.client.application
    app.config["SETTINGS"] = replace(app.config["SETTINGS"], sepay_api_key="")
    response = post_sepay(feed, sepay_body())
    assert response.status_code == 404
    assert "SEPAY_API_KEY" in response.get_json()["error"]
    assert post_casso(feed, casso_body(casso_row())).status_code == 200


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"{not json", "malformed JSON"),
        (b"[1, 2]", "the body must be a JSON object"),
        (json.dumps(sepay_body(transferType="sideways")).encode(), "transferType"),
        (json.dumps(sepay_body(transferAmount="lots")).encode(), "transferAmount"),
        (json.dumps(sepay_body(transferAmount=0)).encode(), "more than 0"),
        (json.dumps(sepay_body(transactionDate="25/03/2026")).encode(), "date"),
        (json.dumps(sepay_body(id=None)).encode(), "transaction id"),
    ],
)
def test_a_body_that_is_not_sepays_format_is_400_with_the_reason(
    feed, db_url, raw, reason
):
    response = post_sepay(feed, None, raw=raw)
    assert response.status_code == 400
    assert reason in response.get_json()["error"]
    assert ledger(db_url) == []


def test_a_bad_casso_transaction_refuses_the_post_with_its_number(feed, db_url):
    body = casso_body(casso_row(), casso_row(id=7, when="yesterday"))
    response = post_casso(feed, body)
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("transaction 2: when")
    assert ledger(db_url) == []
    assert post_casso(feed, {"error": 0, "data": "x"}).status_code == 400


def test_a_debit_waits_for_staff(feed, db_url):
    body = sepay_body(
        id=92705,
        transferType="out",
        transferAmount=2_000_000,
        content="MUA AO AM CHIEN DICH",
        referenceCode="FT26084999",
    )
    answer = post_sepay(feed, body).get_json()
    assert (answer["accepted"], answer["matched"]) == (1, 0)
    casso_out = post_casso(feed, casso_body(casso_row(id=9, amount=-30000)))
    assert casso_out.status_code == 200
    debit, casso_debit = ledger(db_url)
    assert (debit.amount, debit.state, debit.donation_id) == (
        -2_000_000,
        "review",
        None,
    )
    assert (casso_debit.amount, casso_debit.state) == (-30000, "review")
    assert donations(db_url) == [] and thanks(db_url) == []


def test_an_unsure_credit_goes_to_the_review_list_unthanked(feed, db_url):
    link_sponsor(db_url, messenger_id=PSID)
    body = sepay_body(content=f"NUOIEMNE0101 {SPONSOR_PHONE}")  # run together
    assert post_sepay(feed, body).get_json()["matched"] == 0
    [tx] = ledger(db_url)
    assert (tx.state, tx.confidence) == ("review", "medium")
    assert thanks(db_url) == []


# --- the same transaction from the feed and from the statement ------------


def test_the_feed_and_the_statement_export_give_one_transaction_one_key(feed, db_url):
    # the statement first (imported before SePay's retry arrived) ...
    row = FeedRow(
        "sepay", "1", "vcb", ACCOUNT, date(2026, 3, 25), 160000,
        "MBVCB.3278907687.NUOIEM NE0101 0912345678.CT tu 0351000646393 "
        "NGUYEN THU TRANG toi 0123499999",
        reference="MBVCB.3278907687", balance=19077000,
    ).statement_row()  # fmt: skip
    key = row_key("vcb", ACCOUNT, row)
    with session_scope(db_url) as session, session.begin():
        statement = BankStatement(
            bank="vcb", account=ACCOUNT, file_name="saoke.xlsx",
            first_date=date(2026, 3, 1), last_date=date(2026, 3, 31),
            rows=1, new_rows=1,
        )  # fmt: skip
        session.add(statement)
        session.flush()
        write_rows(session, statement.id, [(row, key)])
    answer = post_sepay(feed, sepay_body()).get_json()
    assert (answer["accepted"], answer["duplicates"]) == (0, 1)
    [tx] = ledger(db_url)
    assert tx.source == "statement" and tx.feed_id == "sepay:92704"
    assert len(donations(db_url)) == 1
    # ... and a transfer with its fee under one reference: ranks, as the export
    fee = sepay_body(id=92800, transferType="out", transferAmount=3300,
                     referenceCode="FT26099")  # fmt: skip
    gift = sepay_body(id=92801, referenceCode="FT26099")
    assert post_sepay(feed, fee).get_json()["accepted"] == 1
    assert post_sepay(feed, gift).get_json()["accepted"] == 1
    keys = [tx.key for tx in ledger(db_url)][1:]
    assert keys == [f"vcb:{ACCOUNT}:FT26099", f"vcb:{ACCOUNT}:FT26099#1"]


# --- the thank-you ----------------------------------------------------------


def test_a_matched_sponsor_with_an_open_window_is_thanked_at_once(feed, db_url):
    link_sponsor(db_url, messenger_id=PSID)
    messenger_say(feed, PSID, "cho mình hỏi số tài khoản")
    wait_settled(db_url, f"messenger:{PSID}")
    before = len(feed.state.sent_to("messenger", PSID))
    assert post_sepay(feed, sepay_body()).get_json()["matched"] == 1
    calls = wait_until(
        lambda: feed.state.sent_to("messenger", PSID)[before:], what="the thank-you"
    )
    [call] = calls
    assert "160.000 đ" in call.text and "em Mai (NE0101)" in call.text
    assert "MESSAGE_TAG" not in json.dumps(call.body)  # not a person's reply
    [owed] = thanks(db_url)
    assert (owed.status, owed.conversation_id) == ("sent", f"messenger:{PSID}")
    # SePay posting again thanks nobody twice
    assert post_sepay(feed, sepay_body()).get_json()["duplicates"] == 1
    messenger_say(feed, PSID, "cảm ơn CLB")
    wait_settled(db_url, f"messenger:{PSID}")
    texts = [c.text for c in feed.state.sent_to("messenger", PSID)]
    assert sum("em Mai" in t for t in texts) == 1


def test_a_closed_window_holds_the_thanks_until_the_sponsors_next_message(feed, db_url):
    link_sponsor(db_url, messenger_id=PSID, zalo_id=ZALO_USER)
    # Messenger: the last message is two days old; Zalo: never wrote
    with session_scope(db_url) as session, session.begin():
        session.add(
            InboxMessage(
                platform="messenger", message_id="m-old",
                conversation_id=f"messenger:{PSID}", text="xin chào", status="done",
                received_at=datetime.utcnow() - timedelta(days=2),
            )
        )  # fmt: skip
    assert post_sepay(feed, sepay_body()).get_json()["matched"] == 1
    assert [t.status for t in thanks(db_url)] == ["held", "held"]
    with session_scope(db_url) as session:
        assert session.scalars(select(OutboundMessage)).all() == []
    zalo_say(feed, ZALO_USER, "chào CLB")
    wait_settled(db_url, f"zalo:{ZALO_USER}")
    first, thank_you = [c for c in feed.state.sent_to("zalo", ZALO_USER)]
    assert first.text == "echo: chào CLB"  # the answer first, then the thanks
    assert "em Mai (NE0101)" in thank_you.text
    assert thank_you.body["message"]["quote_message_id"].startswith("z-zalo-sponsor")
    assert [t.status for t in thanks(db_url)] == ["held", "sent"]
    zalo_say(feed, ZALO_USER, "ok ạ")
    wait_settled(db_url, f"zalo:{ZALO_USER}")
    assert len(feed.state.sent_to("zalo", ZALO_USER)) == 3  # no second thanks
    messenger_say(feed, PSID, "alo")
    wait_settled(db_url, f"messenger:{PSID}")
    assert "em Mai" in feed.state.sent_to("messenger", PSID)[-1].text
    assert [t.status for t in thanks(db_url)] == ["sent", "sent"]


def test_only_the_sponsors_linked_accounts_are_thanked(feed, db_url):
    messenger_say(feed, "psid-stranger", "xin chào")  # an open window, unlinked
    wait_settled(db_url, "messenger:psid-stranger")
    assert post_sepay(feed, sepay_body()).get_json()["matched"] == 1
    assert thanks(db_url) == []
    assert len(feed.state.sent_to("messenger", "psid-stranger")) == 1


def test_a_held_thanks_expires_after_the_hold(feed, db_url):
    link_sponsor(db_url, messenger_id=PSID)
    assert post_sepay(feed, sepay_body()).status_code == 200
    with session_scope(db_url) as session, session.begin():
        session.execute(
            update(TransferThanks).values(
                created_at=datetime.utcnow() - timedelta(days=31)
            )
        )
    messenger_say(feed, PSID, "alo")
    wait_settled(db_url, f"messenger:{PSID}")
    assert [t.status for t in thanks(db_url)] == ["expired"]
    assert len(feed.state.sent_to("messenger", PSID)) == 1


def test_a_gift_to_a_fund_thanks_the_sponsor_for_the_fund(feed, db_url):
    link_sponsor(db_url, messenger_id=PSID)
    messenger_say(feed, PSID, "alo")
    wait_settled(db_url, f"messenger:{PSID}")
    body = sepay_body(id=5, content=f"XAYTRUONG {SPONSOR_PHONE}", referenceCode="R5")
    assert post_sepay(feed, body).get_json()["matched"] == 1
    call = wait_until(lambda: feed.state.sent_to("messenger", PSID)[1:])[0]
    assert "160.000 đ" in call.text and "Quỹ Xây trường" in call.text


def test_the_feed_is_stored_while_another_process_writes(feed, db_url):
    """The feed reads the directory before it writes; with the bridge writing
    all the time beside it, SQLite could not upgrade that stale read and the
    post failed ("database is locked", 503) until it took the write lock
    first (ledger.write_first)."""

    def post_after_a_fresh_commit(n: int, bridge):
        assert bridge.committed()
        return post_sepay(feed, sepay_body(id=93000 + n, referenceCode=f"MBVCB.{n}"))

    with other_writer(db_url) as bridge:
        answers = [post_after_a_fresh_commit(n, bridge) for n in range(30)]
    assert [a.status_code for a in answers] == [200] * 30
    assert len(ledger(db_url)) == 30
