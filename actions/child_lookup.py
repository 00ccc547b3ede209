"""Child look-up by code, with sponsor verification (see bot/sponsors.py).

Anyone gets the public summary (given name, grade, district). The full news goes
only to the child's sponsor, verified by the registered phone or by a chat
account linked at an earlier verification. A code that does not exist and a
wrong phone get the same answer and both count as failed tries; five failures in
an hour lock look-ups for that chat user.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from sqlalchemy.orm import Session

from actions.base import ClubAction, Events
from actions.db import club_session, today
from actions.forms import END_FORM, SafeFormValidation, text_of
from actions.responses import money
from bot.club.models import Sponsor
from bot.club.sponsors import (
    child_news,
    find_child,
    is_locked,
    link_account,
    record_attempt,
    sponsor_for_account,
    sponsors_child,
    verify_sponsor,
)
from bot.club.values import normalize_phone
from bot.club.vocab import child_code_in

logger = logging.getLogger(__name__)

VERIFIED = "verified"


def account_of(tracker: Tracker) -> tuple[str, str]:
    """(platform, user id) from the conversation id `<platform>:<user id>`."""
    platform, _, user_id = tracker.sender_id.partition(":")
    return platform, user_id


def known_sponsor(session: Session, tracker: Tracker) -> Sponsor | None:
    """The sponsor verified earlier in this conversation or linked to the account."""
    sponsor_id = tracker.get_slot("verified_sponsor_id")
    if sponsor_id:
        sponsor = session.get(Sponsor, int(sponsor_id))
        if sponsor:
            return sponsor
    return sponsor_for_account(session, *account_of(tracker))


def _fail(session: Session, tracker: Tracker, dispatcher, slot: str) -> dict[str, Any]:
    """Count a failed try and answer the same way whatever failed."""
    record_attempt(session, tracker.sender_id, succeeded=False)
    session.flush()
    if is_locked(session, tracker.sender_id, datetime.utcnow()):
        dispatcher.utter_message(response="utter_lookup_locked")
        return {slot: None, **END_FORM}
    dispatcher.utter_message(response="utter_lookup_mismatch")
    return {slot: None}


class ValidateChildLookupForm(SafeFormValidation):
    failure_response = "utter_lookup_failed"

    def name(self) -> str:
        return "validate_child_lookup_form"

    async def extract_child_code(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") not in (None, "child_code"):
            return {}
        code = child_code_in(text_of(tracker))
        return {"child_code": code} if code else {}

    def validate_child_code(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        code = child_code_in(str(value or ""))
        with club_session() as session, session.begin():
            if is_locked(session, tracker.sender_id, datetime.utcnow()):
                dispatcher.utter_message(response="utter_lookup_locked")
                return {"child_code": None, **END_FORM}
            if code is None:
                dispatcher.utter_message(response="utter_child_code_invalid")
                return {"child_code": None}
            child = find_child(session, code)
            if child is None:
                return _fail(session, tracker, dispatcher, "child_code")
            sponsor = known_sponsor(session, tracker)
            if sponsor and sponsors_child(session, sponsor, child, today()):
                return {"child_code": code, "lookup_phone": VERIFIED}
            dispatcher.utter_message(
                response="utter_child_public",
                code=child.code,
                given_name=child.given_name,
                grade=child.grade,
                district=child.district,
            )
            return {"child_code": code}

    def validate_lookup_phone(self, value, dispatcher, tracker, domain) -> dict:
        if value == VERIFIED:
            return {"lookup_phone": VERIFIED}
        if normalize_phone(str(value or "")) is None:
            dispatcher.utter_message(response="utter_phone_invalid")
            return {"lookup_phone": None}
        with club_session() as session, session.begin():
            if is_locked(session, tracker.sender_id, datetime.utcnow()):
                dispatcher.utter_message(response="utter_lookup_locked")
                return {"lookup_phone": None, **END_FORM}
            child = find_child(session, tracker.get_slot("child_code") or "")
            sponsor = verify_sponsor(session, child, str(value), today())
            if sponsor is None:
                return _fail(session, tracker, dispatcher, "lookup_phone")
            record_attempt(session, tracker.sender_id, succeeded=True)
            link_account(session, sponsor, *account_of(tracker))
            return {"lookup_phone": VERIFIED, "verified_sponsor_id": sponsor.id}


RESET = [SlotSet("child_code", None), SlotSet("lookup_phone", None)]


class ActionShowChildNews(ClubAction):
    """The full news, only when the form ended with a verified sponsor."""

    failure_response = "utter_lookup_failed"
    failure_events = tuple(RESET)

    def name(self) -> str:
        return "action_show_child_news"

    def answer(self, session, dispatcher, tracker, domain) -> Events:
        if tracker.get_slot("lookup_phone") != VERIFIED:
            return RESET  # the form ended early and has already said why
        child = find_child(session, tracker.get_slot("child_code") or "")
        sponsor = known_sponsor(session, tracker)
        if not (child and sponsor and sponsors_child(session, sponsor, child, today())):
            dispatcher.utter_message(response="utter_lookup_mismatch")
            return RESET
        news = child_news(session, child, sponsor, today())
        dispatcher.utter_message(
            response="utter_child_news",
            code=news.code,
            given_name=news.given_name,
            school=news.school,
            grade=news.grade,
            district=news.district,
            note=news.note,
            months_paid=news.months_paid,
            monthly=money(news.monthly_amount),
        )
        return RESET
