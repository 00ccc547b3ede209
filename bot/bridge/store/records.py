"""Tables of the bridge: inbox, web chat transcript, outbox, tokens, buttons.

Kept apart from `bot.club.models` (the club's data) but on the same `Base`, so
one Alembic history covers both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    select,
)

from bot.club.models import Base, utcnow
from bot.club.vocab import status_check
from bot.prepared_sql import Prepared

INBOX_STATUSES = ("pending", "done", "dead")
OUTBOUND_STATUSES = ("pending", "sent", "given_up", "dead")


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
    # A worker running this message's turn holds it until then (inbox.claim).
    claimed_until = Column(DateTime)

    __table_args__ = (
        UniqueConstraint("platform", "message_id", name="uq_inbox_platform_message"),
        Index("ix_inbox_conversation_status", "conversation_id", "status"),
        status_check("status", INBOX_STATUSES, "ck_inbox_status"),
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


class OutboundMessage(Base):
    """One platform API call (a rendered bot message), stored before it is sent.

    A turn's replies are rendered and stored in the same transaction that marks
    the inbox message done, so a failed send is retried from here and never
    makes the bridge ask Rasa the same turn twice. `given_up`: the platform said
    the user cannot be reached (outside the 24-hour window, blocked); `dead`:
    retries ran out or the request was refused; staff can replay both.
    """

    __tablename__ = "outbound_messages"

    id = Column(Integer, primary_key=True)
    platform = Column(String(20), nullable=False)
    conversation_id = Column(String(200), nullable=False)
    recipient_id = Column(String(200), nullable=False)
    inbox_id = Column(Integer, ForeignKey("inbox_messages.id"))
    body_json = Column(Text, nullable=False)
    status = Column(String(20), nullable=False, default="pending")
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text)
    platform_message_id = Column(String(200))
    created_at = Column(DateTime, nullable=False, default=utcnow)
    sent_at = Column(DateTime)

    __table_args__ = (
        Index("ix_outbound_conversation_status", "conversation_id", "status"),
        status_check("status", OUTBOUND_STATUSES, "ck_outbound_status"),
    )


@dataclass(slots=True)
class InboxRow:
    """An inbox message as the worker carries it through a turn: a plain copy
    of its row. Building detached ORM objects for this cost about 5% of the
    bridge's CPU a turn (BENCHMARKS.md, *Bridge CPU per turn*)."""

    id: int
    platform: str
    message_id: str
    conversation_id: str
    text: str
    metadata_json: str = "{}"
    status: str = "pending"
    attempts: int = 0
    last_error: str | None = None
    received_at: datetime | None = None
    processed_at: datetime | None = None
    claimed_until: datetime | None = None


@dataclass(slots=True)
class OutboundRow:
    """A staged outbound message as the sender carries it (see `InboxRow`)."""

    id: int
    platform: str
    conversation_id: str
    recipient_id: str
    inbox_id: int | None
    body_json: str
    status: str = "pending"
    attempts: int = 0
    last_error: str | None = None
    platform_message_id: str | None = None
    created_at: datetime | None = None
    sent_at: datetime | None = None


class PlatformToken(Base):
    """The current access/refresh token pair of a platform (Zalo OA).

    Zalo refresh tokens are single-use: the new pair replaces the old one in one
    UPDATE guarded by `version`, so a second refresher can never store an older
    pair over a newer one.
    """

    __tablename__ = "platform_tokens"

    platform = Column(String(20), primary_key=True)
    access_token = Column(Text, nullable=False)
    refresh_token = Column(Text, nullable=False)
    version = Column(Integer, nullable=False, default=1)
    expires_at = Column(DateTime)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class OfferedButton(Base):
    """Buttons last shown to a Zalo user: a tap arrives as the button's title.

    Zalo `oa.query.show` buttons make the user send the payload as a visible
    text message, so the bridge sends the title as payload and maps the title
    back to the Rasa payload (e.g. `/ask_campaigns`) when it comes back.
    """

    __tablename__ = "offered_buttons"

    conversation_id = Column(String(200), primary_key=True)
    title_key = Column(String(200), primary_key=True)
    payload = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)


def pending_queries(model: Any, limit: int) -> tuple[Prepared, Prepared]:
    """Prebuilt queries of an inbox or outbox table: a conversation's pending
    rows in id order (at most `limit`), and one id if it has any."""
    pending = (model.conversation_id == bindparam("conversation_id")) & (
        model.status == "pending"
    )
    rows = select(model.__table__).where(pending).order_by(model.id).limit(limit)
    return Prepared(rows), Prepared(select(model.id).where(pending).limit(1))


class OfferedPayload(Base):
    """A button payload ("/intent{...}") the bot showed a conversation: only
    these (and the standing menu payloads) reach Rasa as payloads
    (`bot.bridge.store.offers`)."""

    __tablename__ = "offered_payloads"

    conversation_id = Column(String(200), primary_key=True)
    payload = Column(String(1000), primary_key=True)
    offered_at = Column(DateTime, nullable=False, default=utcnow)
