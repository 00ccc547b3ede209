"""The handoff desk's data: open tickets, the conversation so far, and staff
replies sent through the bridge (web chat transcript, or the outbox that the
bridge's sender delivers to Messenger and Zalo with its retries).

Reply windows (`bot.bridge.store.reply_window`, shared with the bot's
thank-you for a transfer): Messenger answers within 24 hours of the user's last
message, and a reply a person typed may carry the HUMAN_AGENT tag up to 7 days
after it; Zalo OA answers within 48 hours, up to 8 free messages per user
message, and a reply quotes the message it answers (`quote_message_id`). A send
outside its window or over its quota is refused with the reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from bot.bridge.store import transcripts
from bot.bridge.store.records import ChatMessage, InboxMessage, OutboundMessage
from bot.bridge.store.reply_window import (  # noqa: F401  (the desk's names)
    HUMAN_AGENT_WINDOW,
    WINDOWS,
    ZALO_FREE_REPLIES,
    Window,
    render_text,
    window,
)
from bot.bridge.worker.replies import responses
from bot.club.database import get_engine, session_scope
from bot.club.models import HandoffTicket, TicketNote
from bot.console.masking import for_viewer, viewer_is_admin

CANNED_PREFIX = "utter_canned_"


class ReplyRefused(ValueError):
    """The platform would not take this reply now; the message says why."""


@dataclass(frozen=True)
class Line:
    at: datetime
    sender: str  # "user", "bot" or "staff"
    text: str


def ticket(url: str, ticket_id: int) -> HandoffTicket | None:
    with session_scope(url) as session:
        return session.get(HandoffTicket, ticket_id)


def open_tickets_newest_first(url: str) -> list[HandoffTicket]:
    with session_scope(url) as session:
        query = select(HandoffTicket).where(HandoffTicket.status == "open")
        return list(session.scalars(query.order_by(HandoffTicket.created_at.desc())))


def conversation(url: str, conversation_id: str, limit: int = 50) -> list[Line]:
    """The latest `limit` lines, oldest first, masked unless an admin reads them."""
    with session_scope(url) as session:
        if conversation_id.startswith("web:"):
            rows = session.scalars(
                select(ChatMessage)
                .where(ChatMessage.conversation_id == conversation_id)
                .order_by(ChatMessage.id.desc())
                .limit(limit)
            ).all()
            lines = [Line(r.created_at, r.sender, r.text) for r in rows]
        else:
            lines = _platform_lines(session, conversation_id, limit)
    admin = viewer_is_admin()
    lines = [Line(x.at, x.sender, for_viewer(x.text, admin, x.sender)) for x in lines]
    return sorted(lines, key=lambda line: line.at)[-limit:]


def _platform_lines(session, conversation_id: str, limit: int) -> list[Line]:
    inbox = session.scalars(
        select(InboxMessage)
        .where(InboxMessage.conversation_id == conversation_id)
        .order_by(InboxMessage.id.desc())
        .limit(limit)
    ).all()
    outbox = session.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.conversation_id == conversation_id)
        .order_by(OutboundMessage.id.desc())
        .limit(limit)
    ).all()
    lines = [Line(r.received_at, "user", r.text) for r in inbox]
    for row in outbox:
        sender = "bot" if row.inbox_id else "staff"
        lines.append(Line(row.created_at, sender, _body_text(row.body_json)))
    return lines


def _body_text(body_json: str) -> str:
    body = json.loads(body_json or "{}")
    message = body.get("message") or {}
    if isinstance(message, dict):
        text = message.get("text") or (
            ((message.get("attachment") or {}).get("payload") or {}).get("text")
        )
        return str(text or "")
    return ""


def assign(url: str, ticket_id: int, username: str) -> None:
    with session_scope(url) as session, session.begin():
        found = session.get(HandoffTicket, ticket_id)
        if found is not None:
            found.assigned_to = username


def add_note(url: str, ticket_id: int, username: str, text: str) -> None:
    with session_scope(url) as session, session.begin():
        session.add(TicketNote(ticket_id=ticket_id, username=username, text=text))


def notes(url: str, ticket_id: int) -> list[TicketNote]:
    with session_scope(url) as session:
        query = select(TicketNote).where(TicketNote.ticket_id == ticket_id)
        return list(session.scalars(query.order_by(TicketNote.id)))


def canned_replies() -> dict[str, str]:
    """Ready answers staff send with one click: the `utter_canned_*` responses
    of domain.yml (users see them, so they live with the bot's other texts)."""
    return {
        name: variants[0].get("text", "")
        for name, variants in responses().items()
        if name.startswith(CANNED_PREFIX) and variants
    }


def _refusal(platform: str, found: Window, now: datetime) -> str:
    if found.closes_at is not None and now < found.closes_at:  # Zalo, quota used
        return (
            f"Zalo chỉ cho gửi {ZALO_FREE_REPLIES} tin sau mỗi tin của người dùng "
            "và đã gửi đủ: hãy chờ họ nhắn lại."
        )
    limit = "7 ngày" if platform == "messenger" else "48 giờ"
    return (
        f"Đã quá {limit} từ tin nhắn cuối của người dùng: nền tảng không cho "
        "gửi nữa. Hãy chờ họ nhắn lại."
    )


def send_reply(url: str, conversation_id: str, text: str, now: datetime) -> str:
    """Send a staff reply; returns the platform. Raises ReplyRefused."""
    platform, _, user = conversation_id.partition(":")
    text = text.strip()
    if not text:
        raise ReplyRefused("Bạn chưa nhập nội dung trả lời.")
    if platform == "web":
        transcripts.add_bot_message(url, conversation_id, {"text": text})
        return platform
    if platform not in WINDOWS:
        raise ReplyRefused(f"Không gửi được tới kênh {platform}.")
    open_window = window(url, conversation_id, now)
    if not open_window.open:
        raise ReplyRefused(_refusal(platform, open_window, now))
    bodies = render_text(platform, user, text, open_window)
    if open_window.replies_left is not None and len(bodies) > open_window.replies_left:
        raise ReplyRefused(
            f"Tin này dài thành {len(bodies)} tin mà Zalo chỉ còn cho gửi "
            f"{open_window.replies_left}: hãy viết ngắn lại."
        )
    rows = [
        {
            "platform": platform,
            "conversation_id": conversation_id,
            "recipient_id": user,
            "inbox_id": None,
            "body_json": json.dumps(body, ensure_ascii=False),
        }
        for body in bodies
    ]
    with get_engine(url).begin() as conn:
        conn.execute(insert(OutboundMessage), rows)
    return platform
