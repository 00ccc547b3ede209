"""Handing a conversation to a person: while a ticket is open the bot is silent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.sql import ColumnElement

from bot.club.database import read, session_scope
from bot.club.limits import too_many_today
from bot.club.models import HandoffTicket
from bot.prepared_sql import Prepared


def open_for(conversation_id: Any) -> ColumnElement[bool]:
    """The conversation's open tickets (`conversation_id` may be a bindparam
    or a column: the bridge's claim of a message tests it in the same
    statement)."""
    return (HandoffTicket.conversation_id == conversation_id) & (
        HandoffTicket.status == "open"
    )


_OPEN = Prepared(
    select(HandoffTicket.id).where(open_for(bindparam("conversation_id"))).limit(1)
)


def open_ticket(
    url: str,
    conversation_id: str,
    platform: str,
    last_message: str,
    source: str | None = None,
) -> int | None:
    """Open (or reuse) the conversation's ticket; returns its id, or None when
    `source` has opened DAILY_REQUESTS tickets today already."""
    with session_scope(url) as session, session.begin():
        ticket = session.scalars(
            select(HandoffTicket).where(open_for(conversation_id))
        ).first()
        if ticket is None:
            source = source or conversation_id
            if too_many_today(session, HandoffTicket, source, datetime.utcnow()):
                return None
            ticket = HandoffTicket(
                conversation_id=conversation_id,
                platform=platform,
                last_message=last_message[:2000],
                source=source,
            )
            session.add(ticket)
            session.flush()
        return ticket.id


def is_paused(url: str, conversation_id: str) -> bool:
    """True while staff handle the conversation: the bridge must not ask Rasa."""
    return bool(read(url, _OPEN, conversation_id=conversation_id))


def release(url: str, conversation_id: str, staff: str) -> int:
    """Close the conversation's open tickets; the bot answers again."""
    with session_scope(url) as session, session.begin():
        tickets = session.scalars(
            select(HandoffTicket).where(open_for(conversation_id))
        ).all()
        for ticket in tickets:
            ticket.status, ticket.closed_at, ticket.closed_by = (
                "closed",
                datetime.utcnow(),
                staff,
            )
        return len(tickets)


def open_tickets(url: str) -> list[HandoffTicket]:
    """Conversations waiting for a person, oldest first."""
    with session_scope(url) as session:
        query = (
            select(HandoffTicket)
            .where(HandoffTicket.status == "open")
            .order_by(HandoffTicket.created_at)
        )
        return list(session.scalars(query))
