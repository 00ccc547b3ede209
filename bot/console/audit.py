"""Who did what in the console, kept for the club's own review."""

from __future__ import annotations

from sqlalchemy import select

from bot.club.database import session_scope
from bot.club.models import AuditEntry


def record(url: str, username: str, action: str, detail: str, address: str) -> None:
    with session_scope(url) as session, session.begin():
        session.add(
            AuditEntry(
                username=username[:100],
                action=action,
                detail=detail[:500],
                address=address[:100],
            )
        )


def latest(url: str, limit: int = 200) -> list[AuditEntry]:
    with session_scope(url) as session:
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        return list(session.scalars(query))
