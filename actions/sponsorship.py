"""Nuôi em: explaining the programme from data, and the sponsor sign-up form."""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from actions.db import club_session, today
from actions.forms import SafeFormValidation, intent_of
from actions.responses import money, phrase
from bot.club.models import SponsorRequest, Sponsorship
from bot.club.sponsors import programme_figures, waiting_children
from bot.text import fold, nfc

logger = logging.getLogger(__name__)

ANY_DISTRICT = {
    "khong",
    "bat ky",
    "huyen nao cung duoc",
    "dau cung duoc",
    "sao cung duoc",
}
DEFAULT_MONTHLY = 160_000


def typical_monthly(session) -> int:
    """The amount most active sponsorships use (the programme's standard)."""
    amounts = list(session.scalars(select(Sponsorship.monthly_amount)))
    return max(set(amounts), key=amounts.count) if amounts else DEFAULT_MONTHLY


class ActionExplainSponsorship(Action):
    """How Nuôi em works, with live figures and children waiting for a sponsor."""

    def name(self) -> str:
        return "action_explain_sponsorship"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            with club_session() as session:
                figures = programme_figures(session, today())
                monthly = typical_monthly(session)
                lines = [
                    phrase(
                        domain,
                        "utter_child_public_line",
                        code=c.code,
                        given_name=c.given_name,
                        grade=c.grade,
                        district=c.district,
                    )
                    for c in waiting_children(session)
                ]
        except SQLAlchemyError:
            logger.exception(
                "explaining sponsorship failed sender=%s", tracker.sender_id
            )
            dispatcher.utter_message(response="utter_sponsorship_failed")
            return []
        dispatcher.utter_message(
            response="utter_sponsorship_explain", monthly=money(monthly), **figures
        )
        if lines:
            dispatcher.utter_message(
                response="utter_sponsorship_waiting", children="\n".join(lines)
            )
        return []


class ValidateSponsorForm(SafeFormValidation):
    failure_response = "utter_sponsor_request_failed"
    form_slots = ("full_name", "phone", "children_count", "district_preference")
    no_is_an_answer = frozenset({"district_preference"})

    def name(self) -> str:
        return "validate_sponsor_form"

    def validate_phone(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return {"phone": self.phone_answer(value, dispatcher)}

    def validate_children_count(self, value, dispatcher, tracker, domain) -> dict:
        match = re.search(r"\d+", str(value or ""))
        words = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "nam": 5}
        count = (
            int(match.group())
            if match
            else words.get(fold(str(value or "")).split(" ")[0])
        )
        if not count or not 1 <= count <= 20:
            dispatcher.utter_message(response="utter_children_count_invalid")
            return {"children_count": None}
        return {"children_count": str(count)}

    def validate_district_preference(self, value, dispatcher, tracker, domain) -> dict:
        text = " ".join(nfc(str(value or "")).split())[:100]
        if intent_of(tracker) == "deny" or fold(text) in ANY_DISTRICT or not fold(text):
            return {"district_preference": phrase(domain, "utter_any_district")}
        return {"district_preference": text}

    def validate_sponsor_confirm(self, value, dispatcher, tracker, domain) -> dict:
        return self.confirmation("sponsor_confirm", dispatcher, tracker)


RESET = [
    SlotSet("sponsor_confirm", None),
    SlotSet("children_count", None),
    SlotSet("district_preference", None),
]


class ActionSubmitSponsorRequest(Action):
    """Creates a pending sponsor request for the Nuôi em team to call back."""

    def name(self) -> str:
        return "action_submit_sponsor_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if tracker.get_slot("sponsor_confirm") != "yes":
            return RESET
        district = tracker.get_slot("district_preference") or ""
        if district == phrase(domain, "utter_any_district"):
            district = ""
        request = SponsorRequest(
            full_name=tracker.get_slot("full_name"),
            phone=tracker.get_slot("phone"),
            children_count=int(tracker.get_slot("children_count")),
            district_preference=district,
            conversation_id=tracker.sender_id,
        )
        try:
            with club_session() as session, session.begin():
                session.add(request)
        except SQLAlchemyError:
            logger.exception(
                "saving a sponsor request failed sender=%s", tracker.sender_id
            )
            dispatcher.utter_message(response="utter_sponsor_request_failed")
            return RESET
        dispatcher.utter_message(
            response="utter_sponsor_request_saved",
            full_name=request.full_name,
            children_count=request.children_count,
            phone=request.phone,
            code=f"NN{request.id:05d}",
        )
        return RESET
