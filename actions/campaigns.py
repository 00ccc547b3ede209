"""Campaign actions: the upcoming list and one campaign in detail."""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.db import club_session, today
from actions.responses import date_range, money, phrase
from bot.club import find_campaign, upcoming_campaigns
from bot.models import Campaign

logger = logging.getLogger(__name__)


def status_text(domain: dict[str, Any], campaign: Campaign) -> str:
    if campaign.status == "open" and campaign.registration_deadline:
        if campaign.registration_deadline < today():
            return phrase(domain, "utter_campaign_status_closed")
        deadline = campaign.registration_deadline.strftime("%d/%m/%Y")
        return phrase(domain, "utter_campaign_status_open", deadline=deadline)
    if campaign.status == "open":
        return phrase(domain, "utter_campaign_status_open_no_deadline")
    if campaign.status == "planned":
        return phrase(domain, "utter_campaign_status_planned")
    return phrase(domain, "utter_campaign_status_closed")


def detail_button(campaign: Campaign) -> dict[str, str]:
    entities = json.dumps({"campaign": campaign.name}, ensure_ascii=False)
    return {"title": campaign.name, "payload": f"/ask_campaign_detail{entities}"}


class ActionListCampaigns(Action):
    """Upcoming campaigns from the database, each with a details button."""

    def name(self) -> str:
        return "action_list_campaigns"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            with club_session() as session:
                campaigns = upcoming_campaigns(session, today())
                lines = [
                    phrase(
                        domain,
                        "utter_campaign_line",
                        name=c.name,
                        dates=date_range(c.start_date, c.end_date),
                        district=c.district,
                        province=c.province,
                        status=status_text(domain, c),
                    )
                    for c in campaigns
                ]
                buttons = [detail_button(c) for c in campaigns]
        except SQLAlchemyError:
            logger.exception(
                "campaign list failed", extra={"sender": tracker.sender_id}
            )
            dispatcher.utter_message(response="utter_campaigns_failed")
            return []
        if not campaigns:
            dispatcher.utter_message(response="utter_campaigns_none")
            return []
        dispatcher.utter_message(
            response="utter_campaigns_list", campaigns="\n".join(lines), buttons=buttons
        )
        return []


class ActionShowCampaignDetail(Action):
    """Dates, place, requirements, cost and registration status of one campaign."""

    def name(self) -> str:
        return "action_show_campaign_detail"

    @staticmethod
    def _campaign_meant(session, tracker: Tracker) -> Campaign | None:
        """The entity if any, else a name or synonym in the message itself (the
        synonyms live in the database), else the campaign talked about before."""
        entity = next(tracker.get_latest_entity_values("campaign"), None)
        text = tracker.latest_message.get("text") or ""
        for wanted in (entity, text, tracker.get_slot("campaign")):
            if wanted and (campaign := find_campaign(session, wanted)):
                return campaign
        return None

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            with club_session() as session:
                campaign = self._campaign_meant(session, tracker)
                if campaign is None:
                    dispatcher.utter_message(response="utter_campaign_not_found")
                    return []
                cost = (
                    phrase(domain, "utter_campaign_cost", amount=money(campaign.cost))
                    if campaign.cost
                    else phrase(domain, "utter_campaign_cost_free")
                )
                dispatcher.utter_message(
                    response="utter_campaign_detail",
                    name=campaign.name,
                    dates=date_range(campaign.start_date, campaign.end_date),
                    district=campaign.district,
                    province=campaign.province,
                    description=campaign.description,
                    requirements=campaign.requirements or "-",
                    cost=cost,
                    status=status_text(domain, campaign),
                )
                return [SlotSet("campaign", campaign.name)]
        except SQLAlchemyError:
            logger.exception(
                "campaign detail failed", extra={"sender": tracker.sender_id}
            )
            dispatcher.utter_message(response="utter_campaigns_failed")
            return []
