"""Queries over the club database, shared by the actions and the staff tools."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.club.models import Campaign, VolunteerRegistration
from bot.text import fold


def upcoming_campaigns(
    session: Session, today: date, limit: int = 10
) -> list[Campaign]:
    """Campaigns that have not ended and are not cancelled, soonest first."""
    query = (
        select(Campaign)
        .where(Campaign.end_date >= today)
        .where(Campaign.status.not_in(("done", "cancelled")))
        .order_by(Campaign.start_date, Campaign.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def _score(campaign: Campaign, wanted: str) -> int:
    """How well a folded query names a campaign: exact > contains > partial."""
    names = [fold(campaign.name)] + [fold(s) for s in campaign.synonym_list]
    if wanted in names:
        return 3
    if any(wanted in name for name in names):
        return 2
    padded = f" {wanted} "
    if any(name and f" {name} " in padded for name in names):  # whole words only
        return 1
    return 0


def find_campaign(session: Session, text: str) -> Campaign | None:
    """The campaign a user means by `text` (name or synonym, with or without
    diacritics); the most recent one wins a tie."""
    wanted = fold(text)
    if not wanted:
        return None
    campaigns = session.scalars(select(Campaign).order_by(Campaign.start_date.desc()))
    best, best_score = None, 0
    for campaign in campaigns:
        score = _score(campaign, wanted)
        if score > best_score:
            best, best_score = campaign, score
    return best


def registrations(session: Session, campaign: Campaign) -> int:
    return session.scalar(
        select(func.count())
        .select_from(VolunteerRegistration)
        .where(VolunteerRegistration.campaign_id == campaign.id)
        .where(VolunteerRegistration.status != "cancelled")
    )


def registration_state(campaign: Campaign, on: date) -> str:
    """ "open", "planned" or "closed": the one rule for "can people register?",
    used both to describe a campaign and to accept a registration.

    Open: staff marked it open, the deadline (if any) has not passed and the
    campaign has not started yet (a running campaign takes no one new).
    """
    if campaign.status == "planned":
        return "planned"
    deadline_ok = campaign.registration_deadline is None or (
        campaign.registration_deadline >= on
    )
    if campaign.status == "open" and deadline_ok and campaign.start_date >= on:
        return "open"
    return "closed"


def open_for_registration(campaign: Campaign, on: date) -> bool:
    return registration_state(campaign, on) == "open"


def is_full(session: Session, campaign: Campaign) -> bool:
    return campaign.capacity is not None and registrations(session, campaign) >= (
        campaign.capacity
    )


def existing_registration(
    session: Session, campaign: Campaign, phone: str
) -> VolunteerRegistration | None:
    return session.scalars(
        select(VolunteerRegistration)
        .where(VolunteerRegistration.campaign_id == campaign.id)
        .where(VolunteerRegistration.phone == phone)
        .where(VolunteerRegistration.status != "cancelled")
    ).first()
