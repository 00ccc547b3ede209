"""The conversations page's data: every platform in one list, newest activity
first, and one conversation's events, both paged by keyset so a page costs the
same on the thousandth Messenger message as on the first.

Reads the console's copy of Rasa's tracker store (`event_copy.py`); callers
copy new events first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update

from bot.club.database import session_scope
from bot.club.models import HandoffTicket
from bot.console.event_copy import LOW_CONFIDENCE
from bot.console.rows import ConversationSummary, CopiedEvent

PAGE = 50
S, E = ConversationSummary, CopiedEvent


@dataclass(frozen=True)
class Filters:
    platform: str | None = None
    since: date | None = None  # active on or after this day (UTC)
    until: date | None = None  # active on or before this day
    fell_back: bool = False
    low_confidence: bool = False
    handed_off: bool = False
    review_state: str | None = None


@dataclass(frozen=True)
class Cursor:
    """Where the next (older) page of the list starts."""

    last_at: datetime
    conversation_id: str


@dataclass(frozen=True)
class Entry:
    summary: ConversationSummary
    handed_off: bool
    last_text: str  # the user's latest message


@dataclass(frozen=True)
class Transcript:
    events: list[CopiedEvent]  # oldest first
    older: int | None  # pass as `before` for the previous page


_HANDED_OFF = exists().where(HandoffTicket.conversation_id == S.conversation_id)


def _active(since: date | None, until: date | None):
    """Conversations with an event in [since, until]: the summary's span first
    (indexed), then a copied event in the range."""
    start = datetime.combine(since or date.min, datetime.min.time())
    in_range = [E.conversation_id == S.conversation_id, E.at >= start]
    span = [S.last_at >= start]
    if until is not None:
        end = datetime.combine(until, datetime.min.time()) + timedelta(days=1)
        in_range.append(E.at < end)
        span.append(S.first_at < end)
    return and_(*span, exists().where(*in_range))


def _conditions(filters: Filters) -> list:
    found = []
    if filters.platform:
        found.append(S.platform == filters.platform)
    if filters.since or filters.until:
        found.append(_active(filters.since, filters.until))
    if filters.fell_back:
        found.append(S.fallbacks > 0)
    if filters.low_confidence:
        found.append(S.low_confidence > 0)
    if filters.handed_off:
        found.append(_HANDED_OFF)
    if filters.review_state:
        found.append(S.review_state == filters.review_state)
    return found


def conversations(
    url: str, filters: Filters, older_than: Cursor | None = None, limit: int = PAGE
) -> tuple[list[Entry], Cursor | None]:
    """A page of the list and the cursor of the next (older) page, if any."""
    last_text = (
        select(E.text)
        .where(E.conversation_id == S.conversation_id, E.kind == "user")
        .order_by(E.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = select(S, _HANDED_OFF.label("handed_off"), last_text.label("last_text"))
    conditions = _conditions(filters)
    if older_than is not None:
        at, cid = older_than.last_at, older_than.conversation_id
        conditions.append(
            or_(S.last_at < at, and_(S.last_at == at, S.conversation_id < cid))
        )
    query = query.where(*conditions).order_by(
        S.last_at.desc(), S.conversation_id.desc()
    )
    with session_scope(url) as session:
        rows = session.execute(query.limit(limit + 1)).all()
    entries = [Entry(r[0], bool(r[1]), r[2] or "") for r in rows[:limit]]
    if len(rows) <= limit or not entries:
        return entries, None
    last = entries[-1].summary
    return entries, Cursor(last.last_at, last.conversation_id)


def summary(url: str, conversation_id: str) -> ConversationSummary | None:
    with session_scope(url) as session:
        return session.get(ConversationSummary, conversation_id)


def transcript(
    url: str, conversation_id: str, before: int | None = None, limit: int = PAGE
) -> Transcript:
    """The latest `limit` events, or the `limit` before event id `before`
    (keyset on the (conversation_id, id) index)."""
    query = select(E).where(E.conversation_id == conversation_id)
    if before is not None:
        query = query.where(E.id < before)
    with session_scope(url) as session:
        rows = list(session.scalars(query.order_by(E.id.desc()).limit(limit + 1)))
    events = rows[:limit][::-1]
    return Transcript(events, events[0].id if len(rows) > limit else None)


def ranking(event: CopiedEvent) -> list[tuple[str, float]]:
    """The top intents of a user message, for the transcript."""
    return [(str(n), float(c)) for n, c in json.loads(event.ranking or "[]")]


def is_low(event: CopiedEvent) -> bool:
    return event.confidence is not None and event.confidence < LOW_CONFIDENCE


def set_review_state(url: str, conversation_id: str, state: str) -> bool:
    """Mark a conversation reviewed, saved for later, or new; False if unknown."""
    with session_scope(url) as session, session.begin():
        done = session.execute(
            update(S)
            .where(S.conversation_id == conversation_id)
            .values(review_state=state)
        )
    return done.rowcount == 1
