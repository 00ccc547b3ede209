"""The thank-you for a sponsor's transfer booked by a statement import or by
staff in the review list, as for one the bank feed books.

Issue #13: when a sponsor's transfer is matched, a thank-you goes out inside
the platform's reply window, or waits for the sponsor's next message. The
feed's webhook owes it at once (`bot.bridge.http.bank_feed`); a transfer the
feed never brought, or brought unsure, is matched later: by the month's
export, or by staff. Then the same thank-you is owed
(`bot.bridge.worker.transfer_thanks`: the sponsor's linked chat accounts only,
once per transfer and account), but only for a transfer of the last
`transfer_thanks.HOLD_DAYS` days (older, it would no longer read as a thanks
for a transfer just made), and never for a transfer thanked before (a staff
correction of a booked row thanks nobody again).

`thank` stages what can go now into the outbox and returns those
conversations; the console schedules their sending at once, the command line
leaves them to the running bridge (its keeper sends what waits in the
outbox). The rest is held for the sponsor's next message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.bridge.worker import transfer_thanks
from bot.club.database import session_scope
from bot.logs import log_event
from bot.reports.ledger import BankTransaction, TransferThanks, write_first

logger = logging.getLogger(__name__)


def owe(url: str, transaction_ids: Iterable[int], now: datetime) -> list[int]:
    """Hold a thank-you for each recent booked credit of a sponsor among
    `transaction_ids` that nobody thanked yet; returns the thank-yous' ids."""
    since = (now - timedelta(days=transfer_thanks.HOLD_DAYS)).date()
    wanted = sorted(set(transaction_ids))
    if not wanted:
        return []
    owed: list[int] = []
    with session_scope(url) as session, session.begin():
        write_first(session)  # reads, then holds the thanks
        thanked = set(
            session.scalars(
                select(TransferThanks.transaction_id).where(
                    TransferThanks.transaction_id.in_(wanted)
                )
            )
        )
        found = session.scalars(
            select(BankTransaction)
            .where(BankTransaction.id.in_(wanted))
            .where(BankTransaction.amount > 0)
            .where(BankTransaction.state == "booked")
            .where(BankTransaction.sponsor_id.is_not(None))
            .where(BankTransaction.date >= since)
            .order_by(BankTransaction.date, BankTransaction.id)
        )
        for tx in found:
            if tx.id not in thanked:
                owed += transfer_thanks.hold(session, tx)
    return owed


def booked_in_statement(url: str, statement_id: int) -> list[int]:
    """The credits an import booked (each new row of that file)."""
    with session_scope(url) as session:
        return list(
            session.scalars(
                select(BankTransaction.id)
                .where(BankTransaction.statement_id == statement_id)
                .where(BankTransaction.state == "booked")
                .where(BankTransaction.amount > 0)
            )
        )


def thank(
    url: str,
    transaction_ids: Iterable[int],
    now: datetime | None = None,
    send: Callable[[str], None] | None = None,
) -> int:
    """Owe and release the thank-yous of these bookings; `send(conversation)`
    for each conversation with one staged now. Returns how many were owed.
    A failure here loses nothing that was booked: it is logged."""
    now = now or datetime.utcnow()
    try:
        owed = owe(url, transaction_ids, now)
        staged = transfer_thanks.release(url, owed, now) if owed else []
    except Exception as error:  # the booking stands; only the thanks failed
        log_event(logger, logging.ERROR, "booked_thanks_failed", error=str(error))
        return 0
    for conversation_id in dict.fromkeys(staged):
        if send is not None:
            try:
                send(conversation_id)
            except Exception as error:  # the keeper's sweep sends it later
                log_event(
                    logger, logging.ERROR, "booked_thanks_not_scheduled",
                    conversation=conversation_id, error=type(error).__name__,
                )  # fmt: skip
    if owed:
        log_event(
            logger, logging.INFO, "booked_thanks",
            owed=len(owed), staged=len(staged), held=len(owed) - len(staged),
        )  # fmt: skip
    return len(owed)
