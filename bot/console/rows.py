"""Tables of the staff console: the copy of Rasa's events, one summary per
conversation, and the NLU inbox (migration 0010).

Rasa's SQL tracker store has no listing API and keeps each event as JSON; the
console copies what its pages need into these indexed tables once, by event
id (`event_copy.py`), so no page re-parses the whole store.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)

from bot.club.models import Base
from bot.club.vocab import status_check

REVIEW_STATES = ("new", "reviewed", "later")
INBOX_STATES = ("new", "labelled", "noise", "later", "trained")
EVENT_KINDS = ("user", "bot", "action")


class CopiedEvent(Base):
    """One user message, bot message or action of Rasa's tracker store."""

    __tablename__ = "copied_events"

    id = Column(Integer, primary_key=True, autoincrement=False)  # Rasa's event id
    conversation_id = Column(String(255), nullable=False)
    kind = Column(String(10), nullable=False)
    at = Column(DateTime, nullable=False)
    text = Column(Text)
    intent = Column(String(100))
    confidence = Column(Float)
    ranking = Column(Text)  # JSON [[intent, confidence], ...], top three
    action = Column(String(100))  # the action, or the response a bot line came from
    fell_back = Column(Boolean, nullable=False, default=False)

    __table_args__ = (
        Index("ix_copied_events_conversation", "conversation_id", "id"),
        Index("ix_copied_events_at", "at"),
    )


class ConversationSummary(Base):
    """What the conversation list shows and filters on, kept up to date by the copy."""

    __tablename__ = "conversation_summaries"

    conversation_id = Column(String(255), primary_key=True)
    platform = Column(String(20), nullable=False)
    first_at = Column(DateTime, nullable=False)
    last_at = Column(DateTime, nullable=False)
    user_messages = Column(Integer, nullable=False, default=0)
    fallbacks = Column(Integer, nullable=False, default=0)
    low_confidence = Column(Integer, nullable=False, default=0)
    review_state = Column(String(10), nullable=False, default="new")

    __table_args__ = (
        Index("ix_conversation_summaries_last_at", "last_at"),
        status_check("review_state", REVIEW_STATES, "ck_review_state"),
    )


class EventCopyState(Base):
    """How far the copy has read each source (Rasa's `events` table)."""

    __tablename__ = "event_copy_state"

    source = Column(String(50), primary_key=True)
    last_id = Column(Integer, nullable=False)


class InboxItem(Base):
    """One normalised text the bot may have misunderstood, with its count."""

    __tablename__ = "inbox_items"

    id = Column(Integer, primary_key=True)
    key = Column(String(500), nullable=False)  # folded, spacing collapsed
    text = Column(Text, nullable=False)  # the latest message as typed
    count = Column(Integer, nullable=False, default=1)
    reasons = Column(String(100), nullable=False)  # e.g. "fallback,rephrased"
    ranking = Column(Text)  # JSON top three intents of the latest message
    previous_bot = Column(Text)  # the bot's turn before it, for context
    conversation_id = Column(String(255), nullable=False)
    event_id = Column(Integer, nullable=False)
    first_at = Column(DateTime, nullable=False)
    last_at = Column(DateTime, nullable=False)
    state = Column(String(10), nullable=False, default="new")
    intent = Column(String(100))  # the label staff gave
    labelled_by = Column(String(100))
    labelled_at = Column(DateTime)

    __table_args__ = (
        UniqueConstraint("key", name="uq_inbox_items_key"),
        Index("ix_inbox_items_state", "state", "last_at"),
        status_check("state", INBOX_STATES, "ck_inbox_state"),
    )
