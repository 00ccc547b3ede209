"""Campaign actions: the upcoming list (by month, season or district) and one
in detail."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from sqlalchemy.orm import Session

from actions.base import ClubAction, Events
from actions.db import today
from actions.donations import answer_fund_asked
from actions.forms import text_of
from actions.reading.campaign_aspects import aspects_asked
from actions.reading.typed_words import has_any_phrase, words_of
from actions.responses import date_range, money, phrase
from bot.club.campaign_queries import (
    find_campaign,
    is_full,
    open_for_registration,
    registration_state,
    registrations,
    upcoming_campaigns,
)
from bot.club.models import Campaign
from bot.club.values import parse_month
from bot.text import fold

logger = logging.getLogger(__name__)


def status_text(domain: dict[str, Any], campaign: Campaign) -> str:
    """How registration stands, by the same rule the form applies."""
    state = registration_state(campaign, today())
    if state == "open" and campaign.registration_deadline:
        deadline = campaign.registration_deadline.strftime("%d/%m/%Y")
        return phrase(domain, "utter_campaign_status_open", deadline=deadline)
    if state == "open":
        return phrase(domain, "utter_campaign_status_open_no_deadline")
    if state == "planned":
        return phrase(domain, "utter_campaign_status_planned")
    return phrase(domain, "utter_campaign_status_closed")


def payload(intent: str, campaign: Campaign) -> str:
    entities = json.dumps({"campaign": campaign.name}, ensure_ascii=False)
    return f"/{intent}{entities}"


def detail_button(campaign: Campaign) -> dict[str, str]:
    return {"title": campaign.name, "payload": payload("ask_campaign_detail", campaign)}


def in_month(campaign: Campaign, month: date) -> bool:
    next_month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return campaign.start_date < next_month and campaign.end_date >= month


# A season or quarter asked ("mùa hè này clb có đi đâu không"): its name in
# the answer, the words for it, its months. "xuân" alone is also "Xuân yêu thương".
SEASONS = {
    "mùa hè": (("mùa hè", "hè"), {6, 7, 8}),
    "mùa đông": (("mùa đông",), {12, 1, 2}),
    "dịp Tết": (("tết",), {1, 2}),
    "mùa xuân": (("mùa xuân",), {2, 3, 4}),
    "mùa thu": (("mùa thu",), {9, 10, 11}),
    "quý 1": (("quý 1", "quý i"), {1, 2, 3}),
    "quý 2": (("quý 2", "quý ii"), {4, 5, 6}),
    "quý 3": (("quý 3", "quý iii"), {7, 8, 9}),
    "quý 4": (("quý 4", "quý iv"), {10, 11, 12}),
}


def months_of(campaign: Campaign) -> set[int]:
    """The calendar months a campaign runs in."""
    months, on = set(), campaign.start_date.replace(day=1)
    while on <= campaign.end_date and len(months) < 12:
        months.add(on.month)
        on = date(on.year + on.month // 12, on.month % 12 + 1, 1)
    return months


def filters(text: str, campaigns: list[Campaign], domain) -> tuple[list[Campaign], str]:
    """Keep the campaigns in the month, season or district the message names,
    if any; also return how the filter reads ("trong tháng 12/2026")."""
    kept, described = campaigns, []
    month = parse_month(text, today(), prefer_past=False)
    if month:
        kept = [c for c in kept if in_month(c, month)]
        described.append(
            phrase(domain, "utter_campaign_filter_month", month=month.strftime("%m/%Y"))
        )
    words = words_of(text)
    for season, (names, months) in SEASONS.items():
        if has_any_phrase(words, names):
            kept = [c for c in kept if months_of(c) & months]
            described.append(
                phrase(domain, "utter_campaign_filter_season", season=season)
            )
    folded = f" {fold(text)} "
    districts = {c.district for c in campaigns if f" {fold(c.district)} " in folded}
    if districts:
        kept = [c for c in kept if c.district in districts]
        district = ", ".join(sorted(districts))
        described.append(
            phrase(domain, "utter_campaign_filter_district", district=district)
        )
    return kept, " ".join(described)


class ActionListCampaigns(ClubAction):
    """Upcoming campaigns from the database, each with a details button."""

    failure_response = "utter_campaigns_failed"
    answers_asides = True

    def name(self) -> str:
        return "action_list_campaigns"

    def answer(self, session, dispatcher, tracker, domain) -> Events:
        upcoming = upcoming_campaigns(session, today())
        campaigns, described = filters(text_of(tracker), upcoming, domain)
        lines = [self._line(domain, c) for c in campaigns]
        if not upcoming:
            dispatcher.utter_message(response="utter_campaigns_none")
        elif not campaigns:
            dispatcher.utter_message(
                response="utter_campaigns_none_filtered", filter=described
            )
        else:
            dispatcher.utter_message(
                response="utter_campaigns_list",
                campaigns="\n".join(lines),
                buttons=[detail_button(c) for c in campaigns],
            )
        return []

    @staticmethod
    def _line(domain: dict[str, Any], campaign: Campaign) -> str:
        return phrase(
            domain,
            "utter_campaign_line",
            name=campaign.name,
            dates=date_range(campaign.start_date, campaign.end_date),
            district=campaign.district,
            province=campaign.province,
            status=status_text(domain, campaign),
        )


def room_text(session: Session, domain: dict[str, Any], campaign: Campaign) -> str:
    """ "còn 12/35 chỗ", "đã đủ người" or "không giới hạn số người"."""
    if campaign.capacity is None:
        return phrase(domain, "utter_campaign_room_open")
    if is_full(session, campaign):
        return phrase(domain, "utter_campaign_room_full")
    left = campaign.capacity - registrations(session, campaign)
    return phrase(
        domain, "utter_campaign_room_left", left=left, capacity=campaign.capacity
    )


class ActionShowCampaignDetail(ClubAction):
    """Dates, place, requirements, cost, room left and registration status."""

    failure_response = "utter_campaigns_failed"
    answers_asides = True

    def name(self) -> str:
        return "action_show_campaign_detail"

    @staticmethod
    def _campaign_meant(session: Session, tracker: Tracker) -> Campaign | None:
        """The entity if any, else a name or synonym in the message itself (the
        synonyms live in the database), else the campaign talked about before."""
        entity = next(tracker.get_latest_entity_values("campaign"), None)
        for wanted in (entity, text_of(tracker), tracker.get_slot("campaign")):
            if not isinstance(wanted, str):  # an entity value can be anything
                continue
            if wanted and (campaign := find_campaign(session, wanted)):
                return campaign
        return None

    def answer(self, session, dispatcher, tracker, domain) -> Events:
        fund_qr = answer_fund_asked(session, dispatcher, tracker)  # "xây trường"
        if fund_qr is not None:
            return fund_qr
        campaign = self._campaign_meant(session, tracker)
        if campaign is None:
            named = next(tracker.get_latest_entity_values("campaign"), None)
            # "đi tình nguyện cần mang gì?" about no campaign in particular
            general = "utter_campaign_not_found" if named else "utter_campaigns_general"
            dispatcher.utter_message(response=general)
            return []
        return show_campaign(session, dispatcher, domain, campaign, text_of(tracker))


def show_campaign(
    session: Session, dispatcher, domain: dict[str, Any], campaign: Campaign, text: str
) -> Events:
    """The campaign's card, or only the parts of it the message asks about
    ("có mất phí ko") with a button to the whole card."""
    buttons = []
    if open_for_registration(campaign, today()) and not is_full(session, campaign):
        title = phrase(domain, "utter_campaign_register_button")
        buttons = [{"title": title, "payload": payload("register_volunteer", campaign)}]
    asked = aspects_asked(text)
    if asked:
        title = phrase(domain, "utter_campaign_whole_card_button")
        buttons.append(
            {"title": title, "payload": payload("ask_campaign_detail", campaign)}
        )
        say_parts(session, dispatcher, domain, campaign, asked, buttons)
    else:
        details = campaign_details(session, domain, campaign)
        dispatcher.utter_message(
            response="utter_campaign_detail", buttons=buttons, **details
        )
    return [SlotSet("campaign", campaign.name)]


def say_parts(
    session: Session,
    dispatcher,
    domain: dict[str, Any],
    campaign: Campaign,
    asked: list[str],
    buttons: list[dict[str, str]] | None = None,
) -> None:
    """The lines of the card `asked` (actions.reading.campaign_aspects)."""
    details = campaign_details(session, domain, campaign)
    lines = "\n".join(phrase(domain, line, **details) for line in asked)
    dispatcher.utter_message(
        response="utter_campaign_aspects", buttons=buttons or [], lines=lines, **details
    )


def campaign_details(
    session: Session, domain: dict[str, Any], campaign: Campaign
) -> dict:
    """The values the card's lines are filled with."""
    cost = (
        phrase(domain, "utter_campaign_cost", amount=money(campaign.cost))
        if campaign.cost
        else phrase(domain, "utter_campaign_cost_free")
    )
    return {
        "name": campaign.name,
        "dates": date_range(campaign.start_date, campaign.end_date),
        "district": campaign.district,
        "province": campaign.province,
        "description": campaign.description,
        "requirements": campaign.requirements or "-",
        "logistics": campaign.logistics
        or phrase(domain, "utter_campaign_logistics_unset"),
        "cost": cost,
        "room": room_text(session, domain, campaign),
        "status": status_text(domain, campaign),
    }
