"""The thank-you a sponsor gets when the bank feed books their transfer.

Only the chat accounts linked to that sponsor (`Sponsor.messenger_id`,
`zalo_id`: the accounts that proved the sponsor's phone, or staff approved)
are thanked, once per transaction and account (`transfer_thanks`, unique).
The text is `utter_thanks_transfer` (the amount, the child's given name and
code, which the sponsor knows) or `utter_thanks_transfer_fund` (a gift to a
fund without a child), from domain.yml.

A thank-you goes into the outbox at once when the account's reply window is
open (`reply_window`, as a message the bot sends by itself: Messenger 24 h
without a tag, Zalo 48 h within its quota, quoting the user's last message);
otherwise it is `held` and staged right after the answer to the sponsor's next
message, in the same commit (`bot.bridge.worker.delivery`). A thank-you held
longer than `HOLD_DAYS` is dropped (`expired`): it would no longer read as
one. Each is moved out of `held` by a conditional UPDATE, so the webhook and
the worker can never both send it.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.bridge.store.records import InboxRow, OutboundMessage
from bot.bridge.store.reply_window import Window, render_text, window
from bot.bridge.worker.replies import bridge_message
from bot.club.database import get_engine, session_scope
from bot.club.models import Child, Fund, Sponsor
from bot.logs import log_event
from bot.prepared_sql import Prepared, execute
from bot.reports.ledger import BankTransaction, TransferThanks

logger = logging.getLogger(__name__)

HOLD_DAYS = 30
ACCOUNTS = {"messenger": "messenger_id", "zalo": "zalo_id"}

_HELD = Prepared(
    select(TransferThanks.id, TransferThanks.text, TransferThanks.created_at)
    .where(
        TransferThanks.conversation_id == bindparam("conversation_id"),
        TransferThanks.status == "held",
    )
    .order_by(TransferThanks.id)
)
_TAKE = (
    update(TransferThanks)
    .where(TransferThanks.id == bindparam("thanks_id"))
    .where(TransferThanks.status == "held")
    .values(status=bindparam("new_status"), sent_at=bindparam("now"))
)


def money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def compose(session: Session, tx: BankTransaction) -> str:
    """The thank-you's text for a booked credit (texts in domain.yml)."""
    child = session.get(Child, tx.child_id) if tx.child_id else None
    if child is not None:
        text = bridge_message("utter_thanks_transfer")["text"]
        return text.format(
            amount=money(tx.amount), child=child.given_name, code=child.code
        )
    fund = session.get(Fund, tx.fund_id) if tx.fund_id else None
    text = bridge_message("utter_thanks_transfer_fund")["text"]
    return text.format(amount=money(tx.amount), fund=fund.name if fund else "")


def linked_accounts(sponsor: Sponsor) -> list[str]:
    """The sponsor's linked chat accounts as conversation ids."""
    found = []
    for platform, attr in ACCOUNTS.items():
        if user := getattr(sponsor, attr):
            found.append(f"{platform}:{user}")
    return found


def hold(session: Session, tx: BankTransaction) -> list[int]:
    """Owe a thank-you to each linked account of the transfer's sponsor (in
    the caller's transaction); returns their ids. Nothing for a transfer that
    is not a booked credit of a known sponsor."""
    if tx.amount <= 0 or tx.state != "booked" or tx.sponsor_id is None:
        return []
    sponsor = session.get(Sponsor, tx.sponsor_id)
    accounts = linked_accounts(sponsor) if sponsor else []
    if not accounts:
        return []
    text = compose(session, tx)
    owed = [
        TransferThanks(
            transaction_id=tx.id,
            sponsor_id=tx.sponsor_id,
            conversation_id=conversation_id,
            text=text,
        )
        for conversation_id in accounts
    ]
    session.add_all(owed)
    session.flush()
    return [thanks.id for thanks in owed]


def _outbound(conversation_id: str, bodies: list[dict], inbox_id: int | None):
    platform, _, user = conversation_id.partition(":")
    return [
        {
            "platform": platform,
            "conversation_id": conversation_id,
            "recipient_id": user,
            "inbox_id": inbox_id,
            "body_json": json.dumps(body, ensure_ascii=False),
        }
        for body in bodies
    ]


def _take(conn: Connection, thanks_id: int, status: str, now: datetime) -> bool:
    """Move one thank-you out of `held`; False when someone else did."""
    done = conn.execute(
        _TAKE, {"thanks_id": thanks_id, "new_status": status, "now": now}
    )
    return done.rowcount == 1


def release(url: str, thanks_ids: list[int], now: datetime) -> list[str]:
    """Stage each held thank-you whose account's window is open; returns the
    conversations that have something to send."""
    with session_scope(url) as session:
        owed = [session.get(TransferThanks, i) for i in thanks_ids]
    staged = []
    for thanks in owed:
        if thanks is None or thanks.status != "held":
            continue
        platform, _, user = thanks.conversation_id.partition(":")
        found = window(url, thanks.conversation_id, now, person=False)
        bodies = render_text(platform, user, thanks.text, found) if found.open else []
        fits = found.replies_left is None or len(bodies) <= found.replies_left
        if not bodies or not fits:
            log_event(
                logger, logging.INFO, "thanks_held",
                conversation=thanks.conversation_id, thanks=thanks.id,
            )  # fmt: skip
            continue
        with get_engine(url).begin() as conn:
            if _take(conn, thanks.id, "sent", now):
                conn.execute(
                    insert(OutboundMessage),
                    _outbound(thanks.conversation_id, bodies, None),
                )
                staged.append(thanks.conversation_id)
        log_event(
            logger, logging.INFO, "thanks_staged",
            conversation=thanks.conversation_id, thanks=thanks.id,
        )  # fmt: skip
    return staged


def stage_held(conn: Connection, row: InboxRow, now: datetime) -> int:
    """After a turn of `row`'s conversation (caller's transaction): stage its
    held thank-yous behind the answer, quoting the user's message on Zalo.
    Returns how many were staged."""
    held = execute(conn, _HELD, {"conversation_id": row.conversation_id}).rows
    staged = 0
    for thanks in held:
        thanks_id, text, created_at = thanks["id"], thanks["text"], thanks["created_at"]
        if created_at < now - timedelta(days=HOLD_DAYS):
            _take(conn, thanks_id, "expired", now)
            continue
        platform, _, user = row.conversation_id.partition(":")
        quote = row.message_id if platform == "zalo" else None
        bodies = render_text(
            platform, user, text, Window(True, False, None, None, quote)
        )
        if _take(conn, thanks_id, "sent", now):
            conn.execute(
                insert(OutboundMessage), _outbound(row.conversation_id, bodies, row.id)
            )
            staged += 1
    return staged
