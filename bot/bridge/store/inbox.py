"""The durable inbox: every accepted message is a row before the webhook answers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.bridge.store.records import InboxMessage, InboxRow, pending_queries
from bot.club.database import add, read, session_scope, write
from bot.club.tickets import open_for
from bot.prepared_sql import Prepared, insert_of
from bot.text import scrub

_INSERT = insert_of(
    InboxMessage,
    *("platform", "message_id", "conversation_id", "text", "metadata_json"),
    *("status", "attempts", "received_at"),
)
PAGE = 10  # pending messages read at once (a drain reads again after a full page)
_PENDING, _ANY_PENDING = pending_queries(InboxMessage, limit=PAGE)


def accept(
    url: str,
    platform: str,
    message_id: str,
    conversation_id: str,
    text: str,
    metadata: dict[str, Any],
) -> InboxRow | None:
    """Store a new message; None when this platform message id was seen before.

    A plain INSERT on a connection, not an ORM session: it runs in the webhook
    before the 200 (see `bot.club.database.read`). Ids are scrubbed like the
    metadata: JSON lets a forged sender id carry a lone surrogate, which no
    database takes as UTF-8."""
    values = {
        "platform": platform,
        "message_id": scrub(message_id),
        "conversation_id": scrub(conversation_id),
        "text": text,
        "metadata_json": scrub(json.dumps(metadata, ensure_ascii=False)),
        "status": "pending",
        "attempts": 0,
        "received_at": datetime.utcnow(),
    }
    try:
        row_id = add(url, _INSERT, values)
    except IntegrityError:
        return None
    return InboxRow(id=row_id, **values)


def pending(url: str, conversation_id: str) -> list[InboxRow]:
    """A conversation's unprocessed messages, oldest first (arrival order),
    up to ten (plain row copies; the worker's queries are prebuilt, see
    `bot.club.database.read`)."""
    rows = read(url, _PENDING, conversation_id=conversation_id)
    return [InboxRow(**row) for row in rows]


def pending_conversations(url: str) -> list[str]:
    """Conversations with work left, e.g. after a crash or restart."""
    with session_scope(url) as session:
        query = (
            select(InboxMessage.conversation_id)
            .where(InboxMessage.status == "pending")
            .distinct()
        )
        return list(session.scalars(query))


def stalled_conversations(url: str, older_than: datetime) -> list[str]:
    """Conversations whose oldest pending message came before `older_than`:
    their drain task may be lost (the queue's Redis restarted empty)."""
    with session_scope(url) as session:
        query = (
            select(InboxMessage.conversation_id)
            .where(InboxMessage.status == "pending")
            .where(InboxMessage.received_at < older_than)
            .distinct()
        )
        return list(session.scalars(query))


_CLAIM = Prepared(
    update(InboxMessage)
    .where(InboxMessage.id == bindparam("row_id"))
    .where(InboxMessage.status == "pending")
    .where(~exists().where(open_for(InboxMessage.conversation_id)))
    .where(
        or_(
            InboxMessage.claimed_until.is_(None),
            InboxMessage.claimed_until < bindparam("now"),
            InboxMessage.claimed_until == bindparam("held"),
        )
    )
    .values(claimed_until=bindparam("until"))
)


def claim(
    url: str, row: InboxRow, lease: float, held: datetime | None = None
) -> datetime | None:
    """Take a pending message for one worker for `lease` seconds; returns the
    claim's expiry, which is also its token: None when another holds it, it
    is no longer pending, or staff handle its conversation (an open ticket:
    `bot.club.tickets`; one statement, not a second query per turn).

    `held`: the token of this worker's earlier claim, kept when its turn
    failed before the claim could be let go. That claim is taken again only
    while it is still the one in the row: once it was cleared (the failure
    was recorded) another worker may hold the message, and a second claim
    here would send it to Rasa while that worker waits for the answer.

    The queue's per-conversation lock lives in huey's storage; when Redis
    restarts empty it is gone while its holder is still waiting for Rasa, and
    a second worker would send the same message to Rasa again. This claim is
    in the database, which is the record of what was accepted."""
    now = datetime.utcnow()
    until = now + timedelta(seconds=lease)
    changed = write(
        url, _CLAIM, {"row_id": row.id, "until": until, "now": now, "held": held}
    )
    return until if changed == 1 else None


def has_pending(url: str, conversation_id: str) -> bool:
    return bool(read(url, _ANY_PENDING, conversation_id=conversation_id))


def _update(url: str, row_id: int, **values: Any) -> None:
    """One UPDATE statement: SQLite takes the write lock at once (waiting for
    it), instead of upgrading a read snapshot, which fails with "locked"."""
    write(
        url, update(InboxMessage).where(InboxMessage.id == row_id).values(**values), {}
    )


def mark_done(url: str, row: InboxRow) -> None:
    _update(url, row.id, status="done", processed_at=datetime.utcnow(), last_error=None)


def mark_interrupted(url: str, conversation_id: str) -> None:
    """A process died holding this conversation: its first pending message
    may have reached Rasa. Count that try, so the next one looks in Rasa's
    tracker before asking again (`TurnProcessor._ask_rasa`)."""
    rows = pending(url, conversation_id)
    if rows:
        error = "the bridge process stopped during this turn"
        _update(
            url,
            rows[0].id,
            attempts=rows[0].attempts + 1,
            last_error=error,
            claimed_until=None,  # its holder is dead
        )


def failure(row: InboxRow, error: str, dead: bool) -> dict[str, Any]:
    """The column values of a failed try (`record_failure`; a turn's final
    failure is written with its busy answer, `outbox.complete_inbox`)."""
    return {
        "attempts": row.attempts + 1,
        "last_error": error[:1000],
        "status": "dead" if dead else "pending",
        "processed_at": datetime.utcnow() if dead else None,
        "claimed_until": None,
    }


def record_failure(url: str, row: InboxRow, error: str, dead: bool) -> None:
    """Count a failed try; a dead row is skipped and left for staff to replay."""
    _update(url, row.id, **failure(row, error, dead))
