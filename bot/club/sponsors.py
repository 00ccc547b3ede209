"""Nuôi em: sponsor verification, the look-up locks, what a sponsor may see.

Privacy rule: a child's school, notes and payments go only to the verified
sponsor of that child. A sponsor is verified by the phone registered with the
club (compared in normalised form). The Messenger/Zalo account that proved it
is linked to the sponsor, so later look-ups need no phone for
`verify_days`; a second account never replaces a link silently: it is
verified for its own conversation and waits in `link_requests` for staff.

Failed tries and their locks are in `bot.club.limits`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.club.database import session_scope
from bot.club.models import (
    Child,
    Donation,
    LinkRequest,
    Sponsor,
    Sponsorship,
)
from bot.club.values import normalize_phone
from bot.club.vocab import child_code

VERIFY_DAYS = 30
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


def _running(today: date):
    """A sponsorship that has begun and not ended by `today`."""
    return (Sponsorship.since <= today) & (
        Sponsorship.until.is_(None) | (Sponsorship.until >= today)
    )


def active_sponsorship(
    session: Session, child: Child, today: date
) -> Sponsorship | None:
    query = (
        select(Sponsorship)
        .where(Sponsorship.child_id == child.id)
        .where(_running(today))
    )
    return session.scalars(query).first()


def _linked(session: Session, platform: str, user_id: str) -> Sponsor | None:
    attr = LINKABLE_PLATFORMS.get(platform)
    if not attr or not user_id:
        return None
    return session.scalars(
        select(Sponsor).where(getattr(Sponsor, attr) == user_id)
    ).first()


def sponsor_for_account(
    session: Session, platform: str, user_id: str, now: datetime, days: int
) -> Sponsor | None:
    """The sponsor linked to this Messenger/Zalo account, if the account proved
    the phone within the last `days` days."""
    sponsor = _linked(session, platform, user_id)
    if sponsor is None:
        return None
    verified_at = getattr(sponsor, f"{platform}_verified_at")
    fresh = verified_at is not None and verified_at > now - timedelta(days=days)
    return sponsor if fresh else None


def session_verification_holds(
    session: Session, sponsor_id: int, platform: str, user_id: str
) -> bool:
    """A phone check made in a Messenger/Zalo conversation still counts only
    while the account is linked to that sponsor or its link request is not
    rejected (staff removing the link revokes it). The web chat has no account
    to link: its check lasts as long as the conversation's slot."""
    if platform not in LINKABLE_PLATFORMS:
        return True
    linked = _linked(session, platform, user_id)
    if linked is not None:
        return linked.id == sponsor_id
    return bool(
        session.scalar(
            select(func.count())
            .select_from(LinkRequest)
            .where(LinkRequest.sponsor_id == sponsor_id)
            .where(LinkRequest.platform == platform, LinkRequest.user_id == user_id)
            .where(LinkRequest.status == "pending")
        )
    )


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
    session: Session, sponsor: Sponsor, platform: str, user_id: str, now: datetime
) -> str:
    """After a phone check: link the account, refresh its link, or (when the
    sponsor has another account or the account another sponsor) ask staff.
    Returns "linked", "refreshed", "requested" or "none" (web chat)."""
    attr = LINKABLE_PLATFORMS.get(platform)
    if not attr or not user_id:
        return "none"
    current = getattr(sponsor, attr)
    other = _linked(session, platform, user_id)
    if current == user_id:
        setattr(sponsor, f"{platform}_verified_at", now)
        return "refreshed"
    if current is None and other is None:
        setattr(sponsor, attr, user_id)
        setattr(sponsor, f"{platform}_verified_at", now)
        return "linked"
    pending = session.scalars(
        select(LinkRequest)
        .where(LinkRequest.sponsor_id == sponsor.id, LinkRequest.status == "pending")
        .where(LinkRequest.platform == platform, LinkRequest.user_id == user_id)
    ).first()
    if pending is None:
        session.add(
            LinkRequest(sponsor_id=sponsor.id, platform=platform, user_id=user_id)
        )
    return "requested"


def is_waiting(session: Session, child: Child, today: date) -> bool:
    """A child the club presents publicly: waiting for a sponsor, none active."""
    return (
        child.status == "waiting" and active_sponsorship(session, child, today) is None
    )


def children_of(session: Session, sponsor: Sponsor, today: date) -> list[str]:
    """The codes of the children `sponsor` sponsors today."""
    query = (
        select(Child.code)
        .join(Sponsorship, Sponsorship.child_id == Child.id)
        .where(Sponsorship.sponsor_id == sponsor.id)
        .where(_running(today))
        .order_by(Child.code)
    )
    return list(session.scalars(query))


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
        select(func.count(func.distinct(Sponsorship.child_id))).where(_running(today))
    )
    waiting = session.scalar(
        select(func.count()).select_from(Child).where(Child.status == "waiting")
    )
    return {"supported": active or 0, "waiting": waiting or 0}


def waiting_children(session: Session, limit: int = 5) -> list[Child]:
    """Children waiting for a sponsor (only their public fields are shown)."""
    query = select(Child).where(Child.status == "waiting").order_by(Child.code)
    return list(session.scalars(query.limit(limit)))


class LinkError(ValueError):
    """A link request or account staff named does not exist or is decided."""


def link_requests(url: str, status: str = "pending") -> list[LinkRequest]:
    with session_scope(url) as session:
        query = select(LinkRequest).where(LinkRequest.status == status)
        return list(session.scalars(query.order_by(LinkRequest.id)))


def decide(url: str, request_id: int, approve: bool, by: str) -> LinkRequest:
    """Approve (the account replaces the sponsor's link) or reject a request."""
    with session_scope(url) as session, session.begin():
        request = session.get(LinkRequest, request_id)
        if request is None or request.status != "pending":
            raise LinkError(f"no pending link request {request_id}")
        request.status = "approved" if approve else "rejected"
        request.decided_at, request.decided_by = datetime.utcnow(), by
        if approve:
            _move_link(session, request)
        return request


def _move_link(session, request: LinkRequest) -> None:
    attr = LINKABLE_PLATFORMS[request.platform]
    holder = session.scalars(
        select(Sponsor).where(getattr(Sponsor, attr) == request.user_id)
    ).first()
    if holder is not None:
        setattr(holder, attr, None)  # the account leaves its former sponsor
        session.flush()
    sponsor = session.get(Sponsor, request.sponsor_id)
    setattr(sponsor, attr, request.user_id)
    setattr(sponsor, f"{request.platform}_verified_at", request.created_at)


def unlink(url: str, platform: str, user_id: str) -> bool:
    """Remove an account's link: its look-ups need the phone again."""
    attr = LINKABLE_PLATFORMS.get(platform)
    if attr is None:
        raise LinkError(f"{platform!r} accounts are not linked (messenger, zalo)")
    with session_scope(url) as session, session.begin():
        sponsor = session.scalars(
            select(Sponsor).where(getattr(Sponsor, attr) == user_id)
        ).first()
        if sponsor is None:
            return False
        setattr(sponsor, attr, None)
        setattr(sponsor, f"{platform}_verified_at", None)
        return True
