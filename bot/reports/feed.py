"""The bank feed: SePay's and Casso's webhooks, one transaction at a time,
into the same ledger as the statement files.

Each service posts a transaction minutes after the bank books it, and posts
it again until it is answered, so a fed row is kept with the service's own id
(`feed_id`, unique: "sepay:92704", "casso:1234567") and a repeat adds nothing.
Its `key` is the one the monthly statement export gives the same transaction
(`statement_import.row_key`: bank, account and the bank's reference: SePay's
`referenceCode`, Casso's `tid`), so importing that export later counts the
row as a duplicate instead of booking the gift twice; a fed row that arrives
after the export was imported is recognised the same way and only takes the
service's id. When the bank writes the reference differently in the export
than the service saw it, or the service has none, the two keys differ: the
row is then linked to the export's row of the same account, day and amount
(`feed_links`), so the gift is still counted once.

Credits are matched by the same matcher as the imports (`ledger_writer`):
high confidence books a `Donation` at once, anything else waits in the review
list; debits always wait there.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.club.models import Donation
from bot.logs import log_event
from bot.reports.feed_links import account_prefix, export_twin
from bot.reports.ledger import BankTransaction
from bot.reports.ledger_writer import matched_row
from bot.reports.matching import Directory
from bot.reports.statement_import import row_key
from bot.reports.statements.statement_parser import StatementRow

logger = logging.getLogger(__name__)

# SePay's `gateway` (bank short names) and VietQR BINs (Casso does not name
# the bank) to the bank codes of the statement layouts.
GATEWAYS = {
    "vietcombank": "vcb",
    "vcb": "vcb",
    "techcombank": "tcb",
    "tcb": "tcb",
    "mbbank": "mb",
    "mb": "mb",
    "bidv": "bidv",
}
BINS = {"970436": "vcb", "970407": "tcb", "970422": "mb", "970418": "bidv"}
MAX_RANKS = 50  # rows of one reference (a transfer and its fees)
MAX_AMOUNT = 10**15  # đồng; anything larger is not a real transfer
MAX_BATCH = 500  # rows of one Casso post


class FeedError(ValueError):
    """The body is not the service's format; the message says where."""


@dataclass(frozen=True)
class FeedRow:
    source: str  # "sepay" or "casso"
    service_id: str
    bank: str
    account: str
    date: date
    amount: int  # đồng: > 0 credit, < 0 debit
    description: str
    reference: str = ""
    counter_account: str = ""
    counter_name: str = ""
    balance: int | None = None

    @property
    def feed_id(self) -> str:
        return f"{self.source}:{self.service_id}"

    def statement_row(self) -> StatementRow:
        return StatementRow(
            line=0,
            date=self.date,
            amount=self.amount,
            description=self.description,
            reference=self.reference,
            counter_account=self.counter_account,
            counter_name=self.counter_name,
            balance=self.balance,
        )


def _text(item: dict, name: str, limit: int = 1000) -> str:
    value = item.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise FeedError(f"{name} must be text")
    return " ".join(str(value).split())[:limit]


def _whole(item: dict, name: str, required: bool = True) -> int | None:
    """An amount or id: a whole number (JSON number or digits in a string)."""
    value = item.get(name)
    if value is None or value == "":
        if required:
            raise FeedError(f"{name} is missing")
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,18}", value.strip()):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise FeedError(f"{name} must be a whole number, got {value!r:.40}")
    if abs(value) >= MAX_AMOUNT:
        raise FeedError(f"{name} is out of range")
    return value


def _id(item: dict, name: str) -> str:
    value = item.get(name)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise FeedError(f"{name} (the transaction id) is missing")
    text = str(value).strip()
    if not re.fullmatch(r"[A-Za-z0-9._\-]{1,40}", text):
        raise FeedError(f"{name} (the transaction id) is not an id")
    return text


def _date(item: dict, name: str) -> date:
    value = item.get(name)
    if not isinstance(value, str):
        raise FeedError(f"{name} is missing")
    for layout in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip(), layout).date()
        except ValueError:
            continue
    raise FeedError(f"{name} is not a date like 2023-03-25 14:02:37")


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())[:40]


def bank_code(name: str) -> str:
    """The statement layouts' code of a bank SePay names ("MBBank" -> "mb")."""
    folded = re.sub(r"[^a-z0-9]", "", name.lower())
    return GATEWAYS.get(folded, folded[:10] or "bank")


def parse_sepay(body: Any) -> FeedRow:
    """One SePay webhook: id, gateway, transactionDate, accountNumber,
    content, transferType in|out, transferAmount, accumulated, referenceCode."""
    if not isinstance(body, dict):
        raise FeedError("the body must be a JSON object")
    kind = body.get("transferType")
    if kind not in ("in", "out"):
        raise FeedError("transferType must be 'in' or 'out'")
    amount = _whole(body, "transferAmount")
    if amount is None or amount <= 0:
        raise FeedError("transferAmount must be more than 0")
    memo = _text(body, "content") or _text(body, "description")
    return FeedRow(
        source="sepay",
        service_id=_id(body, "id"),
        bank=bank_code(_text(body, "gateway", 40)),
        account=_digits(_text(body, "accountNumber", 40)),
        date=_date(body, "transactionDate"),
        amount=amount if kind == "in" else -amount,
        description=memo,
        reference=_text(body, "referenceCode", 100),
        balance=_whole(body, "accumulated", required=False),
    )


def _casso_row(item: Any, bank: str) -> FeedRow:
    if not isinstance(item, dict):
        raise FeedError("each transaction must be a JSON object")
    amount = _whole(item, "amount")
    if not amount:
        raise FeedError("amount must not be 0")
    return FeedRow(
        source="casso",
        service_id=_id(item, "id"),
        bank=bank,
        account=_digits(_text(item, "bank_sub_acc_id", 40)),
        date=_date(item, "when"),
        amount=amount,
        description=_text(item, "description"),
        reference=_text(item, "tid", 100),
        counter_account=_digits(_text(item, "corresponsiveAccount", 40)),
        counter_name=_text(item, "corresponsiveName", 200),
        balance=_whole(item, "cusum_balance", required=False),
    )


def parse_casso(body: Any, bank_bin: str = "") -> list[FeedRow]:
    """Casso's webhook (v1): {"error": 0, "data": [transactions]}, each with
    id, tid, description, amount (signed), cusum_balance, when, bank_sub_acc_id.
    Casso does not name the bank: it is the club account's (`CLUB_BANK_BIN`)."""
    if not isinstance(body, dict):
        raise FeedError("the body must be a JSON object")
    if body.get("error", 0) not in (0, "0"):
        raise FeedError("error is not 0")
    data = body.get("data")
    items = [data] if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise FeedError("data must be a list of transactions")
    if len(items) > MAX_BATCH:
        raise FeedError(f"more than {MAX_BATCH} transactions in one post")
    bank = BINS.get(bank_bin, "bank")
    rows = []
    for number, item in enumerate(items, start=1):
        try:
            rows.append(_casso_row(item, bank))
        except FeedError as error:
            raise FeedError(f"transaction {number}: {error}") from None
    return rows


@dataclass
class Recorded:
    row: FeedRow
    status: str  # "new", "duplicate" (this feed id) or "known" (from a statement)
    transaction: BankTransaction | None = None


def _place(session: Session, row: FeedRow) -> tuple[str, BankTransaction | None]:
    """The key this row takes, or the statement row it is ("known")."""
    statement_row = row.statement_row()
    for nth in range(MAX_RANKS):
        key = row_key(row.bank, row.account, statement_row, nth)
        there = session.scalars(
            select(BankTransaction).where(BankTransaction.key == key)
        ).first()
        if there is None:  # the export's row under another reference, if any
            prefix = account_prefix(row.bank, row.account)
            if twin := export_twin(session, prefix, statement_row):
                twin.feed_id = row.feed_id
                return twin.key, twin
            return key, None
        if there.feed_id is None:  # the statement's row: the same transaction
            there.feed_id = row.feed_id
            return key, there
    raise FeedError(f"more than {MAX_RANKS} rows under one reference")


def _matched_or_not(row: FeedRow, key: str, book: Directory | None):
    """The matcher's row and donation; a matcher failure keeps the row unmatched
    for the review list rather than losing it."""
    statement_row = row.statement_row()
    if book is not None:
        try:
            return matched_row(statement_row, key, book)
        except Exception as error:  # stored anyway; staff match it
            log_event(
                logger, logging.ERROR, "feed_match_failed", feed_id=row.feed_id,
                error=type(error).__name__,
            )  # fmt: skip
    book = Directory({}, {}, {}, {}, {})
    tx, _ = matched_row(statement_row, key, book)
    tx["why"] = "not matched automatically (matcher error)"
    return tx, None


def record(session: Session, row: FeedRow, book: Directory | None) -> Recorded:
    """Add one fed transaction to the ledger in the caller's transaction."""
    taken = session.scalars(
        select(BankTransaction.id).where(BankTransaction.feed_id == row.feed_id)
    ).first()
    if taken is not None:
        return Recorded(row, "duplicate")
    key, known = _place(session, row)
    if known is not None:
        return Recorded(row, "known", known)
    fields, donation_fields = _matched_or_not(row, key, book)
    tx = BankTransaction(
        **fields, statement_id=None, source=row.source, feed_id=row.feed_id
    )
    if donation_fields:
        tx.donation = Donation(**donation_fields)
    session.add(tx)
    session.flush()
    return Recorded(row, "new", tx)
