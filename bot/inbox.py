"""The durable inbox: every accepted message is a row before the webhook answers."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.db import session_scope
from bot.models import InboxMessage


def accept(
    url: str,
    platform: str,
    message_id: str,
    conversation_id: str,
    text: str,
    metadata: dict[str, Any],
) -> InboxMessage | None:
    """Store a new message; None when this platform message id was seen before."""
    row = InboxMessage(
        platform=platform,
        message_id=message_id,
        conversation_id=conversation_id,
        text=text,
        metadata_json=json.dumps(metadata, ensure_ascii=False),
    )
    try:
        with session_scope(url) as session, session.begin():
            session.add(row)
    except IntegrityError:
        return None
    return row


def pending(url: str, conversation_id: str, limit: int = 10) -> list[InboxMessage]:
    """A conversation's unprocessed messages, oldest first (arrival order)."""
    with session_scope(url) as session:
        query = (
            select(InboxMessage)
            .where(InboxMessage.conversation_id == conversation_id)
            .where(InboxMessage.status == "pending")
            .order_by(InboxMessage.id)
            .limit(limit)
        )
        return list(session.scalars(query))


def pending_conversations(url: str) -> list[str]:
    """Conversations with work left, e.g. after a crash or restart."""
    with session_scope(url) as session:
        query = (
            select(InboxMessage.conversation_id)
            .where(InboxMessage.status == "pending")
            .distinct()
        )
        return list(session.scalars(query))


def has_pending(url: str, conversation_id: str) -> bool:
    with session_scope(url) as session:
        query = (
            select(InboxMessage.id)
            .where(InboxMessage.conversation_id == conversation_id)
            .where(InboxMessage.status == "pending")
            .limit(1)
        )
        return session.scalar(query) is not None


def _update(url: str, row_id: int, **values: Any) -> None:
    """One UPDATE statement: SQLite takes the write lock at once (waiting for
    it), instead of upgrading a read snapshot, which fails with "locked"."""
    with session_scope(url) as session, session.begin():
        session.execute(
            update(InboxMessage).where(InboxMessage.id == row_id).values(**values)
        )


def mark_done(url: str, row: InboxMessage) -> None:
    _update(url, row.id, status="done", processed_at=datetime.utcnow(), last_error=None)


def record_failure(url: str, row: InboxMessage, error: str, dead: bool) -> None:
    """Count a failed try; a dead row is skipped and left for staff to replay."""
    _update(
        url,
        row.id,
        attempts=row.attempts + 1,
        last_error=error[:1000],
        status="dead" if dead else "pending",
        processed_at=datetime.utcnow() if dead else None,
    )
