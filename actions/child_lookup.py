"""Child look-up by code, with sponsor verification (see bot/club/sponsors.py).

A child waiting for a sponsor is public: anyone gets the summary (given name,
grade, district). For any other code, existing or not, the answer is the same
question (the sponsor's phone) until the phone is checked, so the register
cannot be enumerated; every wrong code-and-phone counts as a failure of that
code, of that source and overall, and past a limit look-ups are locked for
unverified chats. The news goes only to the child's verified sponsor.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from sqlalchemy.orm import Session

from actions.base import ClubAction, Events, account_of, source_of
from actions.db import club_session, settings, today
from actions.forms import END_FORM, SafeFormValidation, text_of
from actions.responses import money
from bot.club.limits import lock_reason, record_attempt
from bot.club.models import Sponsor
from bot.club.sponsors import (
    child_news,
    children_of,
    find_child,
    is_waiting,
    link_account,
    session_verification_holds,
    sponsor_for_account,
    sponsors_child,
    verify_sponsor,
)
from bot.club.values import PHONE_IN_TEXT, phone_in
from bot.club.vocab import child_code_in

logger = logging.getLogger(__name__)

VERIFIED = "verified"


def known_sponsor(session: Session, tracker: Tracker) -> Sponsor | None:
    """The sponsor this chat has proved to be, re-checked on every call: the
    account's link (if verified within LOOKUP_VERIFY_DAYS), else a phone check
    made in this conversation within that time and still standing."""
    now = datetime.utcnow()
    days = settings().lookup_verify_days
    platform, user_id = account_of(tracker)
    if linked := sponsor_for_account(session, platform, user_id, now, days):
        return linked
    sponsor_id, checked_at = (
        tracker.get_slot("verified_sponsor_id"),
        tracker.get_slot("verified_at"),
    )
    if not sponsor_id or not isinstance(checked_at, (int, float)):
        return None
    if now.timestamp() - checked_at > days * 86400:
        return None
    if not session_verification_holds(session, int(sponsor_id), platform, user_id):
        return None
    return session.get(Sponsor, int(sponsor_id))


def own_children(session: Session, tracker: Tracker) -> list[str]:
    """The codes of the children this chat's verified sponsor sponsors."""
    sponsor = known_sponsor(session, tracker)
    return children_of(session, sponsor, today()) if sponsor else []


def _locked(dispatcher, slot: str) -> dict[str, Any]:
    dispatcher.utter_message(response="utter_lookup_locked")
    return {slot: None, **END_FORM}


class ValidateChildLookupForm(SafeFormValidation):
    failure_response = "utter_lookup_failed"
    question_later = "utter_lookup_question_later"  # nothing is being signed up

    def name(self) -> str:
        return "validate_child_lookup_form"

    async def extract_child_code(self, dispatcher, tracker, domain) -> dict[str, Any]:
        """The code in the message; at the start, for a verified sponsor of
        one child who names none ("bé dạo này thế nào rồi"), that child's."""
        requested = tracker.get_slot("requested_slot")
        if requested not in (None, "child_code"):
            return {}
        if code := child_code_in(text_of(tracker)):
            return {"child_code": code}
        if requested is None:
            with club_session() as session:
                codes = own_children(session, tracker)
            if len(codes) == 1:
                return {"child_code": codes[0]}
        return {}

    async def extract_lookup_phone(self, dispatcher, tracker, domain) -> dict:
        """A code and a phone in one message ("NE0101 0912 345 678"): the phone
        is checked in the same turn."""
        if tracker.get_slot("requested_slot") not in (None, "child_code"):
            return {}
        text = text_of(tracker)
        if child_code_in(text) and (phone := PHONE_IN_TEXT.search(text)):
            return {"lookup_phone": phone.group()}
        return {}

    def validate_child_code(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        code = child_code_in(str(value or ""))
        if code is None:
            dispatcher.utter_message(response="utter_child_code_invalid")
            return {"child_code": None}
        with club_session() as session:
            child = find_child(session, code)
            sponsor = known_sponsor(session, tracker)
            if child and sponsor and sponsors_child(session, sponsor, child, today()):
                return {"child_code": code, "lookup_phone": VERIFIED}
            if child and is_waiting(session, child, today()):
                dispatcher.utter_message(
                    response="utter_child_waiting",
                    code=child.code,
                    given_name=child.given_name,
                    grade=child.grade,
                    district=child.district,
                )
                return {"child_code": None, **END_FORM}
            if lock_reason(session, code, source_of(tracker), datetime.utcnow()):
                return _locked(dispatcher, "child_code")
        return {"child_code": code}  # existing or not: the phone is asked next

    def validate_lookup_phone(self, value, dispatcher, tracker, domain) -> dict:
        if value == VERIFIED:
            return {"lookup_phone": VERIFIED}
        phone = phone_in(str(value or ""))
        if phone is None:
            # A code instead ("tra cứu em NE0102"): that child, the same question.
            if not child_code_in(text_of(tracker)):
                dispatcher.utter_message(response="utter_phone_invalid")
            return {"lookup_phone": None}
        # In a one-turn "code and phone" message the code is not a slot yet.
        code = tracker.get_slot("child_code") or child_code_in(text_of(tracker)) or ""
        source, now = source_of(tracker), datetime.utcnow()
        with club_session() as session, session.begin():
            child = find_child(session, code)
            if child and is_waiting(session, child, today()):
                return {"lookup_phone": None}  # public: already answered
            if lock_reason(session, code, source, now):
                return _locked(dispatcher, "lookup_phone")
            sponsor = verify_sponsor(session, child, phone, today())
            if sponsor is None:
                record_attempt(session, tracker.sender_id, False, code, source)
                session.flush()
                if lock_reason(session, code, source, now):
                    return _locked(dispatcher, "lookup_phone")
                dispatcher.utter_message(response="utter_lookup_mismatch")
                return {"lookup_phone": None}
            record_attempt(session, tracker.sender_id, True, code, source)
            link = link_account(session, sponsor, *account_of(tracker), now)
            logger.info("lookup_verified sender=%s link=%s", tracker.sender_id, link)
            return {
                "lookup_phone": VERIFIED,
                "verified_sponsor_id": sponsor.id,
                "verified_at": now.timestamp(),
            }


RESET = [SlotSet("child_code", None), SlotSet("lookup_phone", None)]
MAX_BUTTONS = 3  # quick replies a sponsor can read at a glance


class ActionAskChildCode(ClubAction):
    """The form's question for the code; a verified sponsor of several
    children gets a button for each of theirs."""

    failure_response = "utter_ask_child_code"  # the plain question serves

    def name(self) -> str:
        return "action_ask_child_code"

    def answer(self, session, dispatcher, tracker, domain) -> Events:
        codes = own_children(session, tracker)
        if not codes or len(codes) > MAX_BUTTONS:
            dispatcher.utter_message(response="utter_ask_child_code")
            return []
        buttons = [{"title": code, "payload": code} for code in codes]
        dispatcher.utter_message(response="utter_ask_child_code_own", buttons=buttons)
        return []


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
