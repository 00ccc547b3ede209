"""When the bridge may still write to a Messenger or Zalo user, and how.

Kept in one place, since the platforms change them, and shared by the staff
replies of the handoff desk (`bot.console.handoffs`) and the bot's own
messages outside a turn (the thank-you for a transfer,
`bot.bridge.worker.transfer_thanks`):

- Messenger: a message within 24 hours of the user's last message; a reply a
  person typed may carry the HUMAN_AGENT tag up to 7 days after it (never an
  automatic message: `window(..., person=False)`).
- Zalo OA: within 48 hours, up to 8 free messages per user message, and a
  message quotes the one it answers (`quote_message_id`); otherwise Zalo
  counts it as a proactive message, which an ordinary OA may not send.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.bridge.store.records import InboxMessage, OutboundMessage
from bot.club.database import session_scope
from connectors import messenger, zalo

WINDOWS = {
    "messenger": timedelta(hours=24),
    "zalo": timedelta(hours=48),
}
HUMAN_AGENT_WINDOW = timedelta(days=7)  # Messenger, a reply a person typed
ZALO_FREE_REPLIES = 8  # messages the OA may send per user message


@dataclass(frozen=True)
class Window:
    open: bool
    tagged: bool  # Messenger: only with the HUMAN_AGENT tag
    closes_at: datetime | None
    replies_left: int | None = None  # Zalo: free messages left for this turn
    quote: str | None = None  # Zalo: the user's message a reply quotes


def _last_user_message(url: str, conversation_id: str) -> InboxMessage | None:
    with session_scope(url) as session:
        return session.scalars(
            select(InboxMessage)
            .where(InboxMessage.conversation_id == conversation_id)
            .order_by(InboxMessage.received_at.desc(), InboxMessage.id.desc())
            .limit(1)
        ).first()


def _sent_since(url: str, conversation_id: str, since: datetime) -> int:
    """Messages the OA sent (or will send) to this user since `since`."""
    with session_scope(url) as session:
        return session.scalar(
            select(func.count(OutboundMessage.id)).where(
                OutboundMessage.conversation_id == conversation_id,
                OutboundMessage.created_at >= since,
                OutboundMessage.status.in_(("pending", "sent")),
            )
        )


def window(
    url: str, conversation_id: str, now: datetime, person: bool = True
) -> Window:
    """The conversation's reply window at `now`; `person=False` for a message
    the bot sends by itself (no HUMAN_AGENT tag on Messenger)."""
    platform = conversation_id.partition(":")[0]
    if platform not in WINDOWS:
        return Window(True, False, None)  # the web chat has no window
    last = _last_user_message(url, conversation_id)
    if last is None:
        return Window(False, False, None)
    closes = last.received_at + WINDOWS[platform]
    if platform == "zalo":
        left = ZALO_FREE_REPLIES - _sent_since(url, conversation_id, last.received_at)
        return Window(
            now < closes and left > 0, False, closes, max(left, 0), last.message_id
        )
    if now < closes:
        return Window(True, False, closes)
    if person and now < last.received_at + HUMAN_AGENT_WINDOW:
        return Window(True, True, last.received_at + HUMAN_AGENT_WINDOW)
    return Window(False, False, None)


def render_text(platform: str, user: str, text: str, found: Window) -> list[dict]:
    """The platform's request bodies for a plain text inside `found`."""
    if platform == "zalo":
        bodies = zalo.render([{"text": text}], user)
        if found.quote:
            for body in bodies:
                body["message"]["quote_message_id"] = found.quote
        return bodies
    bodies = messenger.render([{"text": text}], user)
    if found.tagged:
        for body in bodies:
            body.update(messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT")
    return bodies
