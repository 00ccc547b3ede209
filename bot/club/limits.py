"""Limits against guessing and flooding, and what staff see of them.

Child look-ups: failed tries count per child code, per source (a web client's
keyed address, a Messenger/Zalo user) and overall; past a limit within the
hour the code, the source or every look-up is locked for unverified chats
(`lock_reason`). Staff list and clear locks (`python -m bot lookup-locks`).

Requests that reach a person (volunteer registrations, sponsor requests,
handoff tickets): at most DAILY_REQUESTS a day from one source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.club.database import session_scope
from bot.club.models import LookupAttempt
from bot.club.vocab import child_code

CODE_LIMIT = 5  # failures on one child code within the window
SOURCE_LIMIT = 5  # failures from one web client or chat user
OVERALL_LIMIT = 30  # failures of everyone together (a spread-out attack)
LOCK_WINDOW = timedelta(hours=1)
DAILY_REQUESTS = 3


def _failures(session: Session, now: datetime, *where) -> int:
    return session.scalar(
        select(func.count())
        .select_from(LookupAttempt)
        .where(LookupAttempt.succeeded.is_(False), LookupAttempt.cleared.is_(False))
        .where(LookupAttempt.created_at > now - LOCK_WINDOW, *where)
    )


def lock_reason(
    session: Session, code: str | None, source: str, now: datetime
) -> str | None:
    """ "code", "source" or "overall" when look-ups are locked, else None."""
    if code and _failures(session, now, LookupAttempt.child_code == code) >= (
        CODE_LIMIT
    ):
        return "code"
    if _failures(session, now, LookupAttempt.source == source) >= SOURCE_LIMIT:
        return "source"
    if _failures(session, now) >= OVERALL_LIMIT:
        return "overall"
    return None


def record_attempt(
    session: Session,
    conversation_id: str,
    succeeded: bool,
    code: str | None = None,
    source: str | None = None,
) -> None:
    session.add(
        LookupAttempt(
            conversation_id=conversation_id,
            child_code=code,
            source=source or conversation_id,
            succeeded=succeeded,
        )
    )


def too_many_today(session: Session, model: Any, source: str, now: datetime) -> bool:
    """`source` already made DAILY_REQUESTS rows of `model` in the last day."""
    made = session.scalar(
        select(func.count())
        .select_from(model)
        .where(model.source == source, model.created_at > now - timedelta(days=1))
    )
    return made >= DAILY_REQUESTS


@dataclass(frozen=True)
class Lock:
    kind: str  # "code", "source" or "overall"
    key: str
    failures: int
    until: datetime  # when the oldest counted failure leaves the window


def _recent_failures(now: datetime):
    return (
        select(LookupAttempt)
        .where(LookupAttempt.succeeded.is_(False), LookupAttempt.cleared.is_(False))
        .where(LookupAttempt.created_at > now - LOCK_WINDOW)
    )


def locks(url: str, now: datetime) -> list[Lock]:
    """Every lock in force: codes, sources, and the overall one."""
    recent = _recent_failures(now).subquery()
    found: list[Lock] = []
    for kind, column, limit in (
        ("code", recent.c.child_code, CODE_LIMIT),
        ("source", recent.c.source, SOURCE_LIMIT),
    ):
        query = (
            select(column, func.count(), func.min(recent.c.created_at))
            .where(column.is_not(None))
            .group_by(column)
            .having(func.count() >= limit)
        )
        with session_scope(url) as session:
            for key, count, oldest in session.execute(query):
                found.append(Lock(kind, key, count, oldest + LOCK_WINDOW))
    with session_scope(url) as session:
        count, oldest = session.execute(
            select(func.count(), func.min(recent.c.created_at))
        ).one()
    if count >= OVERALL_LIMIT:
        found.append(Lock("overall", "*", count, oldest + LOCK_WINDOW))
    return found


def clear(url: str, key: str, now: datetime) -> int:
    """Clear the recent failures of a child code (or of a source, or "*" for
    all); returns how many were cleared. Kept, marked cleared, for the record."""
    attempts = _recent_failures(now).with_only_columns(LookupAttempt.id)
    if key != "*":
        code = child_code(key)
        which = (
            LookupAttempt.child_code == code if code else LookupAttempt.source == key
        )
        attempts = attempts.where(which)
    with session_scope(url) as session, session.begin():
        result = session.execute(
            update(LookupAttempt)
            .where(LookupAttempt.id.in_(attempts.scalar_subquery()))
            .values(cleared=True)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount
