"""The dashboard's figures over the last N days (UTC days, like the other pages).

Reads the console's copy of Rasa's events (`event_copy.py`; callers copy new
events first), handoff tickets, the staff replies the handoff desk stored
(`handoffs.send_reply`: a web chat line from "bot" with no inbox message, or an
outbound platform message with no inbox message), the NLU inbox and the audit
log (model promotions and rollbacks). Every query is bounded by the window's
first day and grouped in the database, so the cost follows the window, not the
size of the tracker store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median

from sqlalchemy import and_, case, func, or_, select

from bot.bridge.store.records import ChatMessage, OutboundMessage
from bot.club.database import session_scope
from bot.club.models import AuditEntry, HandoffTicket
from bot.console.event_copy import FALLBACK_INTENT, LOW_CONFIDENCE
from bot.console.rows import ConversationSummary, CopiedEvent, InboxItem

DAY_CHOICES = (7, 30, 90)
DEFAULT_DAYS = 30
MODEL_ACTIONS = ("model_promote", "model_rollback")
TOP = 10
E, S, T = CopiedEvent, ConversationSummary, HandoffTicket


@dataclass(frozen=True)
class DayCount:
    day: date
    platform: str
    messages: int  # user messages
    fell_back: int


@dataclass(frozen=True)
class Handoffs:
    opened: int
    answered: int  # tickets with a staff reply
    waits: list[timedelta]  # ticket opened → first staff reply, answered ones

    @property
    def median_wait(self) -> timedelta | None:
        return median(self.waits) if self.waits else None


@dataclass(frozen=True)
class ModelChange:
    at: datetime
    action: str
    username: str
    detail: str


def parse_days(value: str | None) -> int:
    """The `days` query argument; ValueError on anything but 7, 30 or 90."""
    if value is None or value == "":
        return DEFAULT_DAYS
    if value not in {str(d) for d in DAY_CHOICES}:
        raise ValueError(value)
    return int(value)


def first_moment(days: int, now: datetime) -> datetime:
    """Midnight (UTC) of the window's first day; today is its last day."""
    return datetime.combine(now.date() - timedelta(days=days - 1), time())


def _day(value) -> date:
    """func.date gives a string on SQLite and a date on PostgreSQL."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def messages_per_day(url: str, since: datetime) -> list[DayCount]:
    day = func.date(E.at)
    query = (
        select(day, S.platform, func.count(), func.sum(case((E.fell_back, 1), else_=0)))
        .join(S, S.conversation_id == E.conversation_id)
        .where(E.kind == "user", E.at >= since)
        .group_by(day, S.platform)
    )
    with session_scope(url) as session:
        rows = session.execute(query).all()
    return [DayCount(_day(d), p, n, int(fb or 0)) for d, p, n, fb in rows]


def top_intents(url: str, since: datetime, limit: int = TOP) -> list[tuple[str, int]]:
    """The intents users' messages were read as (the fallback is counted apart)."""
    count = func.count().label("n")
    query = (
        select(E.intent, count)
        .where(E.kind == "user", E.at >= since, E.intent.is_not(None))
        .where(E.intent != FALLBACK_INTENT)
        .group_by(E.intent)
        .order_by(count.desc(), E.intent)
        .limit(limit)
    )
    with session_scope(url) as session:
        return [(intent, n) for intent, n in session.execute(query)]


def misunderstood(url: str, since: datetime, limit: int = TOP) -> list[tuple[str, int]]:
    """The most frequent texts the bot fell back on or was unsure of: from the
    NLU inbox when it has rows (texts already grouped by their folded form,
    counted since they first came), else straight from the copied events."""
    with session_scope(url) as session:
        if session.scalar(select(InboxItem.id).limit(1)) is not None:
            query = (
                select(InboxItem.text, InboxItem.count)
                .where(InboxItem.last_at >= since)
                .order_by(InboxItem.count.desc(), InboxItem.last_at.desc())
            )
        else:
            count = func.count().label("n")
            unsure = or_(E.fell_back, E.confidence < LOW_CONFIDENCE)
            query = (
                select(E.text, count)
                .where(E.kind == "user", E.at >= since, unsure)
                .group_by(E.text)
                .order_by(count.desc(), E.text)
            )
        return [(text, n) for text, n in session.execute(query.limit(limit))]


def _first_reply(table, *where):
    """The earliest staff reply to a ticket's conversation once it was opened."""
    return (
        select(func.min(table.created_at))
        .where(
            table.conversation_id == T.conversation_id,
            table.inbox_id.is_(None),  # not a reply to a user's turn: staff wrote it
            table.created_at >= T.created_at,
            *where,
        )
        .scalar_subquery()
    )


def handoffs(url: str, since: datetime) -> Handoffs:
    web = _first_reply(ChatMessage, ChatMessage.sender == "bot")
    platform = _first_reply(OutboundMessage)
    query = select(T.created_at, T.closed_at, web, platform).where(
        T.created_at >= since
    )
    with session_scope(url) as session:
        rows = session.execute(query).all()
    waits = []
    for opened, closed, *replies in rows:
        first = min((r for r in replies if r is not None), default=None)
        if first is not None and (closed is None or first <= closed):
            waits.append(first - opened)
    return Handoffs(len(rows), len(waits), sorted(waits))


def model_changes(url: str, since: datetime) -> list[ModelChange]:
    query = (
        select(AuditEntry)
        .where(and_(AuditEntry.action.in_(MODEL_ACTIONS), AuditEntry.at >= since))
        .order_by(AuditEntry.at)
    )
    with session_scope(url) as session:
        return [
            ModelChange(e.at, e.action, e.username, e.detail)
            for e in session.scalars(query)
        ]
