"""The local web chat "platform": replies are stored for the page to poll."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from bot.db import get_engine
from bot.models import ChatMessage, InboxMessage


def _chat_row(row: InboxMessage, reply: dict[str, Any]) -> dict[str, Any]:
    image = reply.get("image")
    return {
        "conversation_id": row.conversation_id,
        "sender": "bot",
        "text": reply.get("text") or "",
        "buttons_json": json.dumps(reply.get("buttons") or [], ensure_ascii=False),
        "image": image.get("url") if isinstance(image, dict) else image,
        "inbox_id": row.id,
    }


def stage(conn: Connection, row: InboxMessage, replies: list[dict[str, Any]]) -> None:
    """Add the bot's replies to a web chat message to the caller's transaction."""
    if replies:
        conn.execute(insert(ChatMessage), [_chat_row(row, r) for r in replies])


def deliver(
    database_url: str, row: InboxMessage, replies: list[dict[str, Any]]
) -> None:
    """Store the bot's replies to a web chat message, in order, in one transaction."""
    with get_engine(database_url).begin() as conn:
        stage(conn, row, replies)
