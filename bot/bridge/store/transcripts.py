"""The web chat transcript: what the page shows, both directions, in order.

The web chat has no platform API: a turn's replies are stored here (in the
transaction that completes the inbox row) and the page polls for them.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from bot.bridge.store.records import ChatMessage, InboxRow
from bot.club.database import get_engine, session_scope


def _reply_row(conversation_id: str, reply: dict[str, Any]) -> dict[str, Any]:
    image = reply.get("image")
    return {
        "conversation_id": conversation_id,
        "sender": "bot",
        "text": reply.get("text") or "",
        "buttons_json": json.dumps(reply.get("buttons") or [], ensure_ascii=False),
        "image": image.get("url") if isinstance(image, dict) else image,
    }


def stage(conn: Connection, row: InboxRow, replies: list[dict[str, Any]]) -> None:
    """Add the bot's replies to a web chat message to the caller's transaction."""
    if replies:
        rows = [
            {**_reply_row(row.conversation_id, r), "inbox_id": row.id} for r in replies
        ]
        conn.execute(insert(ChatMessage), rows)


def add_user_message(database_url: str, conversation_id: str, text: str) -> int:
    """Store what the user typed (as shown on the page); returns its id."""
    with session_scope(database_url) as session, session.begin():
        shown = ChatMessage(conversation_id=conversation_id, sender="user", text=text)
        session.add(shown)
    return shown.id


def add_bot_message(
    database_url: str, conversation_id: str, reply: dict[str, Any]
) -> None:
    """Store one bot message outside a turn (the simulator's mirror)."""
    with get_engine(database_url).begin() as conn:
        conn.execute(insert(ChatMessage), [_reply_row(conversation_id, reply)])


def messages_after(
    database_url: str, conversation_id: str, after: int, limit: int = 200
) -> list[dict[str, Any]]:
    """The transcript after message id `after`, oldest first, as the page reads it."""
    with session_scope(database_url) as session:
        rows = session.scalars(
            select(ChatMessage)
            .where(ChatMessage.conversation_id == conversation_id)
            .where(ChatMessage.id > after)
            .order_by(ChatMessage.id)
            .limit(limit)
        ).all()
    return [
        {
            "id": row.id,
            "from": row.sender,
            "text": row.text,
            "buttons": json.loads(row.buttons_json or "[]"),
            "image": row.image,
        }
        for row in rows
    ]
