"""Nuôi em: sponsor verification, the child look-up lock, what a sponsor may see.

Privacy rule: a child's school, notes and payments go only to the verified
sponsor of that child. A sponsor is verified by the phone registered with the
club (compared in normalised form); the chat account is then linked to the
sponsor so later look-ups need no phone. Failed tries are counted per chat
user and lock look-ups for an hour after five.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.club.models import Child, Donation, LookupAttempt, Sponsor, Sponsorship
from bot.club.values import normalize_phone
from bot.club.vocab import child_code

MAX_FAILURES = 5
LOCK_WINDOW = timedelta(hours=1)
LINKABLE_PLATFORMS = {"messenger": "messenger_id", "zalo": "zalo_id"}


@dataclass(frozen=True)
class ChildNews:
    """Everything the verified sponsor may see about their child."""

    code: str
    given_name: str
    grade: str
    district: str
    school: str
    note: str
    months_paid: int
    monthly_amount: int


def find_child(session: Session, code: str) -> Child | None:
    stored = child_code(code)
    if stored is None:
        return None
    return session.scalars(select(Child).where(Child.code == stored)).first()


def active_sponsorship(
    session: Session, child: Child, today: date
) -> Sponsorship | None:
    query = (
        select(Sponsorship)
        .where(Sponsorship.child_id == child.id)
        .where(Sponsorship.since <= today)
        .where((Sponsorship.until.is_(None)) | (Sponsorship.until >= today))
    )
    return session.scalars(query).first()


def is_locked(session: Session, conversation_id: str, now: datetime) -> bool:
    failures = session.scalar(
        select(func.count())
        .select_from(LookupAttempt)
        .where(LookupAttempt.conversation_id == conversation_id)
        .where(LookupAttempt.succeeded.is_(False))
        .where(LookupAttempt.created_at > now - LOCK_WINDOW)
    )
    return failures >= MAX_FAILURES


def record_attempt(session: Session, conversation_id: str, succeeded: bool) -> None:
    session.add(LookupAttempt(conversation_id=conversation_id, succeeded=succeeded))


def sponsor_for_account(
    session: Session, platform: str, user_id: str
) -> Sponsor | None:
    """The sponsor already linked to this Messenger/Zalo account, if any."""
    attr = LINKABLE_PLATFORMS.get(platform)
    if not attr or not user_id:
        return None
    return session.scalars(
        select(Sponsor).where(getattr(Sponsor, attr) == user_id)
    ).first()


def verify_sponsor(
    session: Session, child: Child | None, phone_text: str, today: date
) -> Sponsor | None:
    """The child's active sponsor if `phone_text` is their registered phone."""
    phone = normalize_phone(phone_text)
    if child is None or phone is None:
        return None
    sponsorship = active_sponsorship(session, child, today)
    if sponsorship is None:
        return None
    sponsor = session.get(Sponsor, sponsorship.sponsor_id)
    return sponsor if sponsor.phone == phone else None


def link_account(
    session: Session, sponsor: Sponsor, platform: str, user_id: str
) -> None:
    """Remember the chat account so the sponsor is not asked again."""
    attr = LINKABLE_PLATFORMS.get(platform)
    if not attr or not user_id:
        return
    other = sponsor_for_account(session, platform, user_id)
    if other is not None and other.id != sponsor.id:
        setattr(other, attr, None)  # an account belongs to one sponsor at a time
        session.flush()
    setattr(sponsor, attr, user_id)


def sponsors_child(
    session: Session, sponsor: Sponsor, child: Child, today: date
) -> bool:
    sponsorship = active_sponsorship(session, child, today)
    return sponsorship is not None and sponsorship.sponsor_id == sponsor.id


def child_news(
    session: Session, child: Child, sponsor: Sponsor, today: date
) -> ChildNews:
    """Full news for the verified sponsor: school, latest note, months paid."""
    sponsorship = active_sponsorship(session, child, today)
    monthly = sponsorship.monthly_amount if sponsorship else 160_000
    paid = session.scalar(
        select(func.coalesce(func.sum(Donation.amount), 0))
        .where(Donation.child_id == child.id)
        .where(Donation.sponsor_id == sponsor.id)
    )
    return ChildNews(
        code=child.code,
        given_name=child.given_name,
        grade=child.grade,
        district=child.district,
        school=child.school,
        note=child.private_note or child.public_note,
        months_paid=int(paid // monthly) if monthly else 0,
        monthly_amount=monthly,
    )


def programme_figures(session: Session, today: date) -> dict[str, int]:
    """Numbers for explaining Nuôi em: children supported and waiting."""
    active = session.scalar(
        select(func.count(func.distinct(Sponsorship.child_id)))
        .where(Sponsorship.since <= today)
        .where((Sponsorship.until.is_(None)) | (Sponsorship.until >= today))
    )
    waiting = session.scalar(
        select(func.count()).select_from(Child).where(Child.status == "waiting")
    )
    return {"supported": active or 0, "waiting": waiting or 0}


def waiting_children(session: Session, limit: int = 5) -> list[Child]:
    """Children waiting for a sponsor (only their public fields are shown)."""
    query = select(Child).where(Child.status == "waiting").order_by(Child.code)
    return list(session.scalars(query.limit(limit)))
