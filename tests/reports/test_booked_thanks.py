"""Issue #13 item 6: a sponsor's transfer matched by the month's export or by
staff in the review list is thanked like one the bank feed matched: at once
inside the reply window (else after the sponsor's next message), once per
transfer, and only when the transfer is recent.

The bridge app (its console, queue, sender) runs with the platform simulator
(tests/bridge/platform_kit.py); the exports are uploaded through the console
as an admin does, and the command line's import is run too."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.bridge.store.records import OutboundMessage
from bot.club.database import session_scope
from bot.club.models import Sponsor
from bot.club.seed import seed_if_empty
from bot.club.staff import create_staff
from bot.reports.booked_thanks import booked_in_statement, thank
from bot.reports.ledger import BankTransaction, TransferThanks
from bot.reports.statement_import import import_statement
from bot.simulator import messenger_batch, messenger_event, post_messenger
from tests.bridge.platform_kit import running_bridge, wait_settled, wait_until
from tests.console.conftest import PASSWORD, csrf_token, log_in
from tests.fixtures.statements import make_statement_fixtures as made
from tests.fixtures.statements.make_statement_fixtures import Tx

PSID = "psid-trang"  # Nguyễn Thu Trang's Messenger, linked: sponsor of NE0101
RECENT = date.today() - timedelta(days=3)
SURE = Tx(RECENT, "FT90001", 160_000, "NUOIEM NE0101 0912345678")
UNSURE = Tx(RECENT, "FT90002", 320_000, "IBFT NUOIEMNE0101")  # run together
OLD = Tx(date.today() - timedelta(days=45), "FT80001", 160_000, "NUOIEM NE0101")


@pytest.fixture
def bridge(tmp_path, db_url, monkeypatch):
    assert seed_if_empty(db_url) > 0
    create_staff(db_url, "thu.ha", PASSWORD, role="admin")
    with session_scope(db_url) as session, session.begin():
        trang = session.scalars(
            select(Sponsor).where(Sponsor.phone == "0912345678")
        ).one()
        trang.messenger_id, trang.messenger_verified_at = PSID, datetime.utcnow()
    with running_bridge(tmp_path, db_url, monkeypatch) as running:
        assert log_in(running.client, "thu.ha").status_code in (302, 303)
        yield running


def say(bridge, db_url, text: str) -> None:
    body = messenger_batch(messenger_event(PSID, text=text))
    secret = bridge.secrets.messenger_app_secret
    response = post_messenger("http://bridge.test", secret, body, bridge.sim.http)
    assert response.status_code == 200
    wait_settled(db_url, f"messenger:{PSID}")


def sent(bridge) -> list[str]:
    return [c.text or "" for c in bridge.state.sent_to("messenger", PSID)]


def thanks(db_url) -> list[tuple[str, str]]:
    with session_scope(db_url) as session:
        rows = session.execute(
            select(BankTransaction.reference, TransferThanks.status)
            .join(TransferThanks, TransferThanks.transaction_id == BankTransaction.id)
            .order_by(TransferThanks.id)
        )
        return [tuple(row) for row in rows]


def upload(bridge, path) -> str:
    data = {
        "file": (io.BytesIO(path.read_bytes()), path.name),
        "bank": "auto",
        "csrf_token": csrf_token(bridge.client, "/admin/statements"),
    }
    answer = bridge.client.post(
        "/admin/statements", data=data, content_type="multipart/form-data"
    )
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def review_id(db_url, reference: str) -> int:
    with session_scope(db_url) as session:
        return session.scalar(
            select(BankTransaction.id).where(BankTransaction.reference == reference)
        )


def assign(bridge, tx_id: int, **form) -> None:
    form["csrf_token"] = csrf_token(bridge.client, "/admin/statements/review")
    answer = bridge.client.post(f"/admin/statements/review/{tx_id}", data=form)
    assert answer.status_code == 303


def test_an_imported_and_a_staff_booked_transfer_are_each_thanked_once(
    bridge, db_url, tmp_path
):
    say(bridge, db_url, "alo")  # the reply window is open
    path = made.write_mb_csv(tmp_path / "mb.csv", [OLD, SURE, UNSURE])
    assert "Đã nhập mb.csv" in upload(bridge, path)
    first = wait_until(lambda: sent(bridge)[1:], what="the import's thank-you")
    assert len(first) == 1
    assert "160.000 đ" in first[0] and "em Mai (NE0101)" in first[0]
    assert thanks(db_url) == [("FT90001", "sent")]  # the old one: none

    unsure = review_id(db_url, "FT90002")
    assign(bridge, unsure, action="confirm")  # "Đúng": NUOIEM, NE0101, Trang
    second = wait_until(lambda: sent(bridge)[2:], what="the staff's thank-you")
    assert "320.000 đ" in second[0] and "em Mai (NE0101)" in second[0]
    # a correction thanks nobody again; the same file again adds nothing
    assign(bridge, unsure, fund="NUOIEM", child="NE0101", sponsor="1")
    upload(bridge, path)
    say(bridge, db_url, "cảm ơn CLB")
    assert thanks(db_url) == [("FT90001", "sent"), ("FT90002", "sent")]
    assert sum("em Mai (NE0101)" in t for t in sent(bridge)) == 2


def test_with_the_window_closed_the_thanks_waits_for_the_next_message(
    bridge, db_url, tmp_path
):
    path = made.write_mb_csv(tmp_path / "mb.csv", [SURE])
    upload(bridge, path)  # Trang never wrote: no window
    assert thanks(db_url) == [("FT90001", "held")]
    assert sent(bridge) == []
    say(bridge, db_url, "chào CLB")
    answer, thank_you = wait_until(lambda: sent(bridge)[1:] and sent(bridge))
    assert answer == "echo: chào CLB" and "em Mai (NE0101)" in thank_you
    assert thanks(db_url) == [("FT90001", "sent")]


def test_the_command_lines_import_leaves_the_thanks_to_the_bridge(
    bridge, db_url, tmp_path
):
    say(bridge, db_url, "alo")
    summary = import_statement(db_url, made.write_mb_csv(tmp_path / "mb.csv", [SURE]))
    booked = booked_in_statement(db_url, summary.statement_id)
    assert thank(db_url, booked) == 1  # as `python -m bot import-statement`
    assert thank(db_url, booked) == 0  # never twice
    with session_scope(db_url) as session:
        bodies = session.scalars(
            select(OutboundMessage.body_json).where(
                OutboundMessage.conversation_id == f"messenger:{PSID}"
            )
        ).all()
    assert sum("em Mai (NE0101)" in body for body in bodies) == 1
    assert thanks(db_url) == [("FT90001", "sent")]  # staged for the sender
