"""The local web chat "platform": replies are stored for the page to poll."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.models import ChatMessage, InboxMessage


def stage(session: Session, row: InboxMessage, replies: list[dict[str, Any]]) -> None:
    """Add the bot's replies to a web chat message to the caller's transaction."""
    for reply in replies:
        image = reply.get("image")
        session.add(
            ChatMessage(
                conversation_id=row.conversation_id,
                sender="bot",
                text=reply.get("text") or "",
                buttons_json=json.dumps(reply.get("buttons") or [], ensure_ascii=False),
                image=image.get("url") if isinstance(image, dict) else image,
                inbox_id=row.id,
            )
        )


def deliver(
    database_url: str, row: InboxMessage, replies: list[dict[str, Any]]
) -> None:
    """Store the bot's replies to a web chat message, in order, in one transaction."""
    with session_scope(database_url) as session, session.begin():
        stage(session, row, replies)
