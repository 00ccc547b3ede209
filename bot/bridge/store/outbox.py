"""Rendered bot messages waiting to be sent, and the dead letters staff replay.

A turn's rendered messages are stored in the same transaction that marks the
inbox message done (`stage`), so sending can be retried without asking Rasa
again and a crash cannot lose an answer (it may send one again, see
`bot.bridge.worker.sender`). The worker's statements are built once, with bind
parameters, and run on a plain connection (see `bot.club.database.read`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from bot.bridge.store import inbox
from bot.bridge.store.records import (
    InboxMessage,
    InboxRow,
    OutboundMessage,
    OutboundRow,
    pending_queries,
)
from bot.club.database import read, session_scope, write
from bot.prepared_sql import Prepared, execute, insert_of

_COMPLETE = Prepared(
    update(InboxMessage)
    .where(InboxMessage.id == bindparam("row_id"))
    .values(status="done", processed_at=bindparam("now"), last_error=None)
)
_STAGE = insert_of(
    OutboundMessage,
    *("platform", "conversation_id", "recipient_id", "inbox_id", "body_json"),
    *("status", "attempts", "created_at"),
)


def complete_inbox(conn: Connection, row: InboxRow, error: str = "") -> None:
    """Mark an inbox message done inside the caller's transaction; with an
    `error`, dead (its last try failed; staff may replay it)."""
    if not error:
        execute(conn, _COMPLETE, {"row_id": row.id, "now": datetime.utcnow()})
        return
    dead = inbox.failure(row, error, dead=True)
    conn.execute(update(InboxMessage).where(InboxMessage.id == row.id).values(**dead))


def stage(
    conn: Connection,
    row: InboxRow,
    recipient_id: str,
    bodies: list[dict[str, Any]],
) -> None:
    """Queue the rendered messages of one turn (caller commits).

    One executemany INSERT, not ORM objects: this runs once per turn."""
    if not bodies:
        return
    now = datetime.utcnow()
    rows = [
        {
            "platform": row.platform,
            "conversation_id": row.conversation_id,
            "recipient_id": recipient_id,
            "inbox_id": row.id,
            "body_json": json.dumps(body, ensure_ascii=False),
            "status": "pending",
            "attempts": 0,
            "created_at": now,
        }
        for body in bodies
    ]
    execute(conn, _STAGE, rows)


PAGE = 20  # pending messages read at once (a flush reads again after a full page)
_PENDING, _ANY_PENDING = pending_queries(OutboundMessage, limit=PAGE)
_MARK_SENT = Prepared(
    update(OutboundMessage)
    .where(OutboundMessage.id == bindparam("row_id"))
    .values(
        status="sent",
        attempts=bindparam("new_attempts"),
        sent_at=bindparam("now"),
        platform_message_id=bindparam("sent_id"),
        last_error=None,
    )
)


def pending(url: str, conversation_id: str) -> list[OutboundRow]:
    """A conversation's messages waiting to be sent, in order (up to 20,
    plain row copies)."""
    rows = read(url, _PENDING, conversation_id=conversation_id)
    return [OutboundRow(**row) for row in rows]


def pending_conversations(url: str) -> list[str]:
    with session_scope(url) as session:
        return list(
            session.scalars(
                select(OutboundMessage.conversation_id)
                .where(OutboundMessage.status == "pending")
                .distinct()
            )
        )


def stalled_conversations(url: str, older_than: datetime) -> list[str]:
    """Conversations with a reply pending since before `older_than`."""
    with session_scope(url) as session:
        return list(
            session.scalars(
                select(OutboundMessage.conversation_id)
                .where(OutboundMessage.status == "pending")
                .where(OutboundMessage.created_at < older_than)
                .distinct()
            )
        )


def has_pending(url: str, conversation_id: str) -> bool:
    return bool(read(url, _ANY_PENDING, conversation_id=conversation_id))


def _update(url: str, row_id: int, **values: Any) -> None:
    """A single UPDATE (see `inbox._update` for why not read-then-write)."""
    write(
        url,
        update(OutboundMessage).where(OutboundMessage.id == row_id).values(**values),
        {},
    )


def mark_sent(url: str, sent: list[tuple[OutboundRow, str]]) -> None:
    """Mark messages sent, with the ids the platform gave them (one executemany)."""
    if not sent:
        return
    now = datetime.utcnow()
    write(
        url,
        _MARK_SENT,
        [
            {
                "row_id": row.id,
                "new_attempts": row.attempts + 1,
                "now": now,
                "sent_id": platform_message_id[:200] or None,
            }
            for row, platform_message_id in sent
        ],
    )


def record_failure(url: str, row: OutboundRow, error: str, status: str) -> None:
    """`pending` (will retry), `given_up` (user unreachable) or `dead`."""
    _update(
        url, row.id, attempts=row.attempts + 1, last_error=error[:1000], status=status
    )


def dead_letters(url: str, limit: int = 100) -> list[dict[str, Any]]:
    """Inbox messages and outbound messages that need a person, newest first."""
    with session_scope(url) as session:
        inbox = session.scalars(
            select(InboxMessage)
            .where(InboxMessage.status == "dead")
            .order_by(InboxMessage.id.desc())
            .limit(limit)
        ).all()
        outbound = session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.status.in_(("dead", "given_up")))
            .order_by(OutboundMessage.id.desc())
            .limit(limit)
        ).all()
    letters = [
        {
            "kind": "inbox",
            "id": row.id,
            "conversation": row.conversation_id,
            "message_id": row.message_id,
            "status": row.status,
            "attempts": row.attempts,
            "error": row.last_error or "",
        }
        for row in inbox
    ]
    letters += [
        {
            "kind": "outbound",
            "id": row.id,
            "conversation": row.conversation_id,
            "message_id": row.platform_message_id or "",
            "status": row.status,
            "attempts": row.attempts,
            "error": row.last_error or "",
        }
        for row in outbound
    ]
    return letters


def reopen(url: str, kind: str, row_id: int) -> str | None:
    """Put a dead letter back in line; returns its conversation, None if unknown."""
    model = InboxMessage if kind == "inbox" else OutboundMessage
    dead = ("dead",) if kind == "inbox" else ("dead", "given_up")
    values: dict[str, Any] = {"status": "pending", "attempts": 0, "last_error": None}
    if kind == "inbox":
        values["processed_at"] = None
    with session_scope(url) as session, session.begin():
        result = session.execute(
            update(model)
            .where(model.id == row_id)
            .where(model.status.in_(dead))
            .values(**values)
        )
        if result.rowcount != 1:
            return None
        return session.get(model, row_id).conversation_id
