"""Volunteer registration: the form's questions, checks and the saved sign-up;
certificates of participation."""

from __future__ import annotations

import logging
import re
import secrets
from datetime import date, datetime
from typing import Any

from rasa_sdk import Action
from rasa_sdk.events import SlotSet
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.base import ClubAction, Events, source_of
from actions.campaigns import say_parts, status_text
from actions.db import club_session, today
from actions.forms import (
    END_FORM,
    SafeFormValidation,
    asked_instead,
    intent_of,
    text_of,
)
from actions.reading.afar_words import helps_from_afar
from actions.reading.asides import aside_response
from actions.reading.campaign_aspects import aspects_asked
from bot.club.campaign_queries import (
    existing_registration,
    find_campaign,
    is_full,
    open_for_registration,
    upcoming_campaigns,
)
from bot.club.limits import too_many_today
from bot.club.models import Campaign, VolunteerRegistration
from bot.text import fold, nfc

logger = logging.getLogger(__name__)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
# "em học ở ĐH Y Hà Nội" → "ĐH Y Hà Nội": the place, as staff will read it
OWN_PLACE = re.compile(
    r"^(?:em|e|mình|minh|mik|tớ|to|tôi|toi)\s+(?:đang\s+|dang\s+)?"
    r"(?:học|hoc|làm việc|lam viec|làm|lam)\s+(?:ở|o|tại|tai)\s+",
    re.IGNORECASE,
)


def birth_year_of(text: str, on: date) -> int | None:
    match = re.search(r"\b(19\d{2}|20\d{2})\b", text)
    if not match or not on.year - 100 <= int(match.group(1)) <= on.year:
        return None
    return int(match.group(1))


def open_now(session: Session) -> list[Campaign]:
    """The campaigns open for registration, in the order the buttons show."""
    on = today()
    return [c for c in upcoming_campaigns(session, on) if open_for_registration(c, on)]


# "2", "số 2", "cái 1 ạ": the campaign at that place among the buttons
BUTTON_NUMBER = re.compile(
    r"^(?:(?:so|thu|cai|chien dich|cd) )?([1-9])(?: (?:a|nhe|nha))?$"
)


def chosen_campaign(session: Session, text: str) -> Campaign | None:
    """The campaign named, or numbered as among the buttons ("1")."""
    number = BUTTON_NUMBER.match(fold(text))
    if number is None:
        return find_campaign(session, text)
    listed = open_now(session)
    place = int(number.group(1))
    return listed[place - 1] if place <= len(listed) else None


class ActionAskVolunteerFormCampaign(ClubAction):
    """Asks which campaign, with a button per campaign open for registration
    (without buttons when the database fails: the user can still type a name)."""

    failure_response = "utter_ask_volunteer_campaign"

    def name(self) -> str:
        return "action_ask_volunteer_form_campaign"

    def answer(self, session, dispatcher, tracker, domain) -> Events:
        buttons = [{"title": c.name, "payload": c.name} for c in open_now(session)]
        dispatcher.utter_message(
            response="utter_ask_volunteer_campaign", buttons=buttons
        )
        return []


class ValidateVolunteerForm(SafeFormValidation):
    failure_response = "utter_registration_failed"
    form_slots = ("campaign", "full_name", "phone", "birth_year", "school_or_work")
    confirmation_slots = frozenset({"volunteer_confirm"})
    undo_reply = "utter_registration_undo"

    def name(self) -> str:
        return "validate_volunteer_form"

    def not_a_sign_up(self, text: str) -> str:
        """ "mình không đi được nhưng muốn góp sức online": the other ways."""
        afar = "utter_help_from_afar" if helps_from_afar(text) else ""
        return super().not_a_sign_up(text) or afar

    def digression(self, dispatcher, tracker, domain) -> bool:
        """ "à mà chi phí bao nhiêu vậy ạ": the part of the chosen campaign."""
        chosen = tracker.get_slot("campaign")
        requested = tracker.get_slot("requested_slot")
        asked = aspects_asked(text_of(tracker))
        if not (chosen and asked and requested != "campaign"):
            return False
        if intent_of(tracker) != "ask_campaign_detail":
            return False
        with club_session() as session:
            campaign = find_campaign(session, chosen)
            if campaign is not None:
                say_parts(session, dispatcher, domain, campaign, asked)
            return campaign is not None

    async def extract_campaign(self, dispatcher, tracker, domain) -> dict[str, Any]:
        """On the opening message ("đăng ký áo ấm"), find the campaign it names."""
        if tracker.get_slot("requested_slot") is not None:
            return {}
        with club_session() as session:
            campaign = find_campaign(session, text_of(tracker))
            return {"campaign": campaign.name} if campaign else {}

    def validate_campaign(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        with club_session() as session:
            campaign = chosen_campaign(session, str(value or ""))
            if campaign is None or campaign.end_date < today():
                dispatcher.utter_message(response="utter_campaign_not_open_in_form")
                return {"campaign": None}
            if not open_for_registration(campaign, today()):
                status = status_text(domain, campaign)
                dispatcher.utter_message(
                    response="utter_campaign_closed",
                    campaign=campaign.name,
                    status=status,
                )
                return {"campaign": None, **END_FORM}
            if is_full(session, campaign):
                dispatcher.utter_message(
                    response="utter_campaign_full", campaign=campaign.name
                )
                return {"campaign": None, **END_FORM}
            return {"campaign": campaign.name}

    def validate_phone(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        phone = self.phone_answer(value, dispatcher)
        if phone is None:
            return {"phone": None}
        with club_session() as session:
            campaign = find_campaign(session, tracker.get_slot("campaign") or "")
            found = campaign and existing_registration(session, campaign, phone)
            if found:
                dispatcher.utter_message(
                    response="utter_already_registered",
                    phone=phone,
                    campaign=campaign.name,
                    code=found.code,
                )
                return {"phone": None, **END_FORM}
        return {"phone": phone}

    def validate_birth_year(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        year = birth_year_of(str(value or ""), today())
        if year is None:
            dispatcher.utter_message(response="utter_birth_year_invalid")
            return {"birth_year": None}
        with club_session() as session:
            campaign = find_campaign(session, tracker.get_slot("campaign") or "")
            if campaign is not None:
                age = campaign.start_date.year - year
                if age < campaign.min_age:
                    dispatcher.utter_message(
                        response="utter_too_young",
                        campaign=campaign.name,
                        min_age=campaign.min_age,
                    )
                    return {"birth_year": None, **END_FORM}
                if campaign.max_age and age > campaign.max_age:
                    dispatcher.utter_message(
                        response="utter_too_old",
                        campaign=campaign.name,
                        max_age=campaign.max_age,
                    )
                    return {"birth_year": None, **END_FORM}
        return {"birth_year": str(year)}

    def validate_school_or_work(self, value, dispatcher, tracker, domain) -> dict:
        if asked_instead(tracker):
            return {"school_or_work": None}  # see SafeFormValidation
        place = OWN_PLACE.sub("", " ".join(nfc(str(value or "")).split()))
        if not 2 <= len(place) <= 200 or not fold(place):
            dispatcher.utter_message(response="utter_school_invalid")
            return {"school_or_work": None}
        return {"school_or_work": place}

    def validate_volunteer_confirm(self, value, dispatcher, tracker, domain) -> dict:
        return self.confirmation("volunteer_confirm", dispatcher, tracker)


def new_code(session: Session) -> str:
    while True:
        code = "TN" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        taken = session.scalars(
            select(VolunteerRegistration.id).where(VolunteerRegistration.code == code)
        ).first()
        if not taken:
            return code


# Name and phone stay for the next form; the campaign is asked again next time.
RESET = [
    SlotSet("campaign", None),
    SlotSet("volunteer_confirm", None),
    SlotSet("birth_year", None),
    SlotSet("school_or_work", None),
]


class ActionSubmitVolunteerRegistration(ClubAction):
    """Saves the confirmed registration and answers with its code."""

    failure_response = "utter_registration_failed"
    failure_events = tuple(RESET)

    def name(self) -> str:
        return "action_submit_volunteer_registration"

    def answer(self, session, dispatcher, tracker, domain) -> Events:
        if tracker.get_slot("volunteer_confirm") != "yes":
            return RESET  # the form ended early and has already said why
        with session.begin():
            campaign = find_campaign(session, tracker.get_slot("campaign"))
            phone = tracker.get_slot("phone")
            if is_full(session, campaign):
                dispatcher.utter_message(
                    response="utter_campaign_full", campaign=campaign.name
                )
                return RESET
            if too_many_today(
                session, VolunteerRegistration, source_of(tracker), datetime.utcnow()
            ):
                dispatcher.utter_message(response="utter_daily_limit")
                return RESET
            if found := existing_registration(session, campaign, phone):
                dispatcher.utter_message(
                    response="utter_already_registered",
                    phone=phone,
                    campaign=campaign.name,
                    code=found.code,
                )
                return RESET
            registration = VolunteerRegistration(
                code=new_code(session),
                campaign_id=campaign.id,
                full_name=tracker.get_slot("full_name"),
                phone=phone,
                birth_year=int(tracker.get_slot("birth_year")),
                school_or_work=tracker.get_slot("school_or_work"),
                conversation_id=tracker.sender_id,
                source=source_of(tracker),
            )
            session.add(registration)
        dispatcher.utter_message(
            response="utter_volunteer_registered",
            campaign=campaign.name,
            code=registration.code,
            phone=phone,
        )
        return RESET


class ActionAnswerCertificate(Action):
    """Volunteers' certificates; an aside read as `ask_certificate` gets its
    own answer instead: a donor asking for a letter confirming a gift ("công
    ty mình ủng hộ thì có giấy xác nhận không"), help offered without going."""

    def name(self) -> str:
        return "action_answer_certificate"

    async def run(self, dispatcher, tracker, domain) -> Events:
        aside = aside_response(text_of(tracker))
        dispatcher.utter_message(response=aside or "utter_certificate")
        return []
