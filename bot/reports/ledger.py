"""The bank ledger (migration 0012): every imported statement file, every
transaction row of it, and what staff taught the matcher about payers.

Every row of a statement is kept in `bank_transactions`, credits and debits,
with its stable `key` (so a re-import adds nothing twice) and its match. A
credit becomes a `Donation` as soon as its fund is known (a high-confidence
memo match, a remembered payer, or staff in the review list); a debit becomes
an `Expense` once staff give it a fund (its category). Until then the row's
`state` is "review" and the monthly report leaves it out. A debit waits with
a category guessed from its description (migration 0013), which staff keep
or change when they book it; the expense carries the category decided.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import relationship

from bot.club.models import Base, Donation, Expense, utcnow
from bot.club.vocab import status_check

TRANSACTION_STATES = ("booked", "review")
CONFIDENCES = ("high", "medium", "low", "none")
MATCHED_BY = ("memo", "payer", "staff")
SOURCES = ("statement", "sepay", "casso")  # a statement file, or a bank feed
THANKS_STATES = ("held", "sent", "expired")


class BankStatement(Base):
    """One imported statement file of one account."""

    __tablename__ = "bank_statements"

    id = Column(Integer, primary_key=True)
    bank = Column(String(10), nullable=False)
    account = Column(String(40), nullable=False, default="")
    file_name = Column(String(300), nullable=False)
    first_date = Column(Date, nullable=False)  # the period, or first/last row
    last_date = Column(Date, nullable=False)
    opening = Column(Integer)  # balances in đồng, when the file gives them
    closing = Column(Integer)
    rows = Column(Integer, nullable=False)
    new_rows = Column(Integer, nullable=False)
    gap = Column(Text, nullable=False, default="")  # why it does not continue
    imported_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_bank_statements_account", "account", "last_date"),)


class BankTransaction(Base):
    """One row of a statement: amount > 0 is a credit, < 0 a debit.

    A row the bank feed (SePay, Casso) posted has no statement (`statement_id`
    NULL), its `source` and the service's own id (`feed_id`, "sepay:92704");
    its `key` is the one the statement export will give the same transaction
    (`bot.reports.feed`), so the monthly import counts it as a duplicate."""

    __tablename__ = "bank_transactions"

    id = Column(Integer, primary_key=True)
    statement_id = Column(Integer, ForeignKey("bank_statements.id"))
    source = Column(String(10), nullable=False, default="statement")
    feed_id = Column(String(60), unique=True)  # "<service>:<its transaction id>"
    key = Column(String(120), nullable=False, unique=True)
    date = Column(Date, nullable=False)
    amount = Column(Integer, nullable=False)
    balance = Column(Integer)
    description = Column(Text, nullable=False, default="")
    reference = Column(String(100), nullable=False, default="")
    counter_account = Column(String(40), nullable=False, default="")
    counter_name = Column(String(200), nullable=False, default="")
    payer = Column(String(250), nullable=False, default="")  # PayerRule.payer
    state = Column(String(10), nullable=False, default="review")
    confidence = Column(String(10), nullable=False, default="none")
    matched_by = Column(String(10))
    why = Column(String(300), nullable=False, default="")  # the matcher's reasons
    fund_id = Column(Integer, ForeignKey("funds.id"))  # the match or suggestion
    category = Column(String(40))  # a debit's: guessed at import, then staff's
    sponsor_id = Column(Integer, ForeignKey("sponsors.id"))
    child_id = Column(Integer, ForeignKey("children.id"))
    donation_id = Column(Integer, ForeignKey("donations.id"))
    expense_id = Column(Integer, ForeignKey("expenses.id"))
    assigned_by = Column(String(100))
    assigned_at = Column(DateTime)

    statement = relationship(BankStatement)
    donation = relationship(Donation)
    expense = relationship(Expense)

    __table_args__ = (
        status_check("state", TRANSACTION_STATES, "ck_bank_transaction_state"),
        status_check("confidence", CONFIDENCES, "ck_bank_transaction_confidence"),
        status_check("source", SOURCES, "ck_bank_transaction_source"),
        Index("ix_bank_transactions_state", "state", "date"),
        Index("ix_bank_transactions_payer", "payer"),
    )


class PayerRule(Base):
    """What staff assigned a payer's transfer to; the payer's next transfer
    is matched to the same fund, sponsor and child with high confidence."""

    __tablename__ = "payer_rules"

    id = Column(Integer, primary_key=True)
    payer = Column(String(250), nullable=False, unique=True)
    fund_id = Column(Integer, ForeignKey("funds.id"), nullable=False)
    sponsor_id = Column(Integer, ForeignKey("sponsors.id"))
    child_id = Column(Integer, ForeignKey("children.id"))
    set_by = Column(String(100), nullable=False)
    set_at = Column(DateTime, nullable=False, default=utcnow)


class TransferThanks(Base):
    """A thank-you owed to one chat account of the sponsor a fed transfer was
    matched to: `held` until the account's reply window is open (sent right
    after the sponsor's next message), `sent` once in the outbox, `expired`
    when the sponsor did not write within the hold
    (`bot.bridge.worker.transfer_thanks`). One per transaction and account."""

    __tablename__ = "transfer_thanks"

    id = Column(Integer, primary_key=True)
    transaction_id = Column(Integer, ForeignKey("bank_transactions.id"), nullable=False)
    sponsor_id = Column(Integer, ForeignKey("sponsors.id"), nullable=False)
    conversation_id = Column(String(200), nullable=False)
    text = Column(Text, nullable=False)
    status = Column(String(10), nullable=False, default="held")
    created_at = Column(DateTime, nullable=False, default=utcnow)
    sent_at = Column(DateTime)

    __table_args__ = (
        UniqueConstraint(
            "transaction_id", "conversation_id", name="uq_thanks_transaction_account"
        ),
        Index("ix_transfer_thanks_conversation", "conversation_id", "status"),
        status_check("status", THANKS_STATES, "ck_transfer_thanks_status"),
    )


def write_first(session) -> None:
    """Make this transaction a writer before it reads (SQLite).

    SQLAlchemy opens a deferred transaction; one that reads and then writes
    while another connection commits a write in between cannot be upgraded
    and fails at once with "database is locked" (WAL: its snapshot is stale;
    the busy timeout does not apply). Staff assigning a row while the bridge
    answers chats hit that nearly every time. A write first takes the write
    lock, waiting the busy timeout for it, before anything is read. A no-op
    on other databases (row locks)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE bank_statements SET id = id WHERE 0"))
