"""SQLAlchemy models: the club's data and the bridge's durable inbox.

Money is stored in integer đồng. Text is stored as typed (NFC), never folded.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base

Base = declarative_base()

CAMPAIGN_STATUSES = ("planned", "open", "closed", "done", "cancelled")


def utcnow() -> datetime:
    return datetime.utcnow()


class Campaign(Base):
    """A volunteer campaign (chiến dịch) such as a winter clothes trip or a build."""

    __tablename__ = "campaigns"

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False, unique=True)
    synonyms = Column(Text, nullable=False, default="")  # "|"-separated
    description = Column(Text, nullable=False, default="")
    district = Column(String(100), nullable=False)
    province = Column(String(100), nullable=False, default="Thanh Hóa")
    start_date = Column(Date, nullable=False)
    end_date = Column(Date, nullable=False)
    registration_deadline = Column(Date)
    capacity = Column(Integer)
    requirements = Column(Text, nullable=False, default="")
    cost = Column(Integer, nullable=False, default=0)
    status = Column(String(20), nullable=False, default="planned")

    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="ck_campaign_dates"),
        CheckConstraint("cost >= 0", name="ck_campaign_cost"),
        CheckConstraint(
            "capacity IS NULL OR capacity > 0", name="ck_campaign_capacity"
        ),
        CheckConstraint(
            "status IN ('planned', 'open', 'closed', 'done', 'cancelled')",
            name="ck_campaign_status",
        ),
    )

    @property
    def synonym_list(self) -> list[str]:
        return [s.strip() for s in (self.synonyms or "").split("|") if s.strip()]

    def is_upcoming(self, today: date) -> bool:
        return self.end_date >= today and self.status not in ("done", "cancelled")


class InboxMessage(Base):
    """One inbound chat message, stored before the webhook is answered.

    The unique (platform, message_id) pair drops redeliveries; rows of one
    conversation are processed in id order by the worker.
    """

    __tablename__ = "inbox_messages"

    id = Column(Integer, primary_key=True)
    platform = Column(String(20), nullable=False)
    message_id = Column(String(200), nullable=False)
    conversation_id = Column(String(200), nullable=False)
    text = Column(Text, nullable=False)
    metadata_json = Column(Text, nullable=False, default="{}")
    status = Column(String(20), nullable=False, default="pending")
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text)
    received_at = Column(DateTime, nullable=False, default=utcnow)
    processed_at = Column(DateTime)

    __table_args__ = (
        UniqueConstraint("platform", "message_id", name="uq_inbox_platform_message"),
        Index("ix_inbox_conversation_status", "conversation_id", "status"),
        CheckConstraint(
            "status IN ('pending', 'done', 'dead')", name="ck_inbox_status"
        ),
    )


class ChatMessage(Base):
    """The web chat transcript (both directions), read by the browser page."""

    __tablename__ = "chat_messages"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(200), nullable=False, index=True)
    sender = Column(String(10), nullable=False)  # "user" or "bot"
    text = Column(Text, nullable=False, default="")
    buttons_json = Column(Text, nullable=False, default="[]")
    image = Column(Text)
    inbox_id = Column(Integer, ForeignKey("inbox_messages.id"))
    created_at = Column(DateTime, nullable=False, default=utcnow)
