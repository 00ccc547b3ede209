"""Nuôi em: explaining the programme from data, and the sponsor sign-up form."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from rasa_sdk import Action
from rasa_sdk.events import SlotSet
from sqlalchemy import select

from actions.base import ClubAction, Events, source_of
from actions.db import club_session, today
from actions.donations import answer_fund_asked
from actions.forms import (
    QUESTIONS,
    SafeFormValidation,
    asked_instead,
    intent_of,
    is_question,
    said_last_turn,
    text_of,
)
from actions.reading.campaign_aspects import aspects_asked
from actions.reading.trust_words import asks_anonymity
from actions.reading.typed_words import (
    has_any_phrase,
    is_one_of,
    number_word,
    same_word,
    words_of,
)
from actions.reading.undo_words import asks_to_visit
from actions.responses import money, phrase
from actions.statement_answers import months_url
from bot.club.limits import too_many_today
from bot.club.models import Child, SponsorRequest, Sponsorship
from bot.club.sponsors import programme_figures, waiting_children
from bot.text import fold, nfc

logger = logging.getLogger(__name__)

ANY_DISTRICT = {  # with diacritics: see actions.reading.typed_words
    "không",
    "bất kỳ",
    "bất kì",
    "huyện nào cũng được",
    "đâu cũng được",
    "sao cũng được",
}
# A statement asked for, not the monthly cost ("mỗi tháng bao nhiêu tiền")
STATEMENT_WORDS = ("sao kê", "minh bạch", "thu chi", "công khai", "báo cáo")
NUMBERS = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5}
CHILD_WORDS = ("bé", "em", "cháu")
COUNTS = range(1, 21)  # children one sponsor may ask for at once
DEFAULT_MONTHLY = 160_000


def typical_monthly(session) -> int:
    """The amount most active sponsorships use (the programme's standard)."""
    amounts = list(session.scalars(select(Sponsorship.monthly_amount)))
    return max(set(amounts), key=amounts.count) if amounts else DEFAULT_MONTHLY


class ActionExplainSponsorship(ClubAction):
    """How Nuôi em works, with live figures and children waiting for a sponsor."""

    failure_response = "utter_sponsorship_failed"
    answers_asides = True

    def name(self) -> str:
        return "action_explain_sponsorship"

    def answer(self, session, dispatcher, tracker, domain) -> Events:
        fund_qr = answer_fund_asked(session, dispatcher, tracker)  # "nuôi em"
        if fund_qr is not None:
            return fund_qr
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
        dispatcher.utter_message(
            response="utter_sponsorship_explain", monthly=money(monthly), **figures
        )
        if lines:
            dispatcher.utter_message(
                response="utter_sponsorship_waiting", children="\n".join(lines)
            )
        return []


class ActionAskSponsorFormFullName(Action):
    """The form's first question thanks and says what happens next; asked
    again (after a question or a name that was not one), only the question."""

    def name(self) -> str:
        return "action_ask_sponsor_form_full_name"

    async def run(self, dispatcher, tracker, domain) -> Events:
        first = "utter_ask_sponsor_form_full_name"
        again = "utter_ask_sponsor_form_full_name_again"
        asked = {first, again} & said_last_turn(tracker)
        dispatcher.utter_message(response=again if asked else first)
        return []


def children_named(text: str) -> int | None:
    """A number said before a word for a child ("2 bé", "hai em"), or None."""
    words = words_of(text)
    for number, child in zip(words, words[1:], strict=False):
        if not any(same_word(child, w) for w in CHILD_WORDS):
            continue
        if number.isdigit() and len(number) <= 2:
            return int(number)
        if (named := number_word(number, NUMBERS)) is not None:
            return named
    return None


def opening_without(tracker, slot: str) -> bool:
    """The form's opening message, with `slot` not yet filled."""
    return not (tracker.get_slot("requested_slot") or tracker.get_slot(slot))


class ValidateSponsorForm(SafeFormValidation):
    failure_response = "utter_sponsor_request_failed"
    form_slots = ("full_name", "phone", "children_count", "district_preference")
    no_is_an_answer = frozenset({"district_preference"})
    confirmation_slots = frozenset({"sponsor_confirm"})
    undo_reply = "utter_sponsorship_undo"

    def name(self) -> str:
        return "validate_sponsor_form"

    def not_a_sign_up(self, text: str) -> str:
        """ "mình muốn đến thăm bé được không": a member arranges visits;
        "có thể nhận nuôi ẩn danh không": what the public sees of a sponsor."""
        if asks_to_visit(text):
            return "utter_sponsorship_visit"
        if asks_anonymity(text):
            return "utter_anonymous"
        return super().not_a_sign_up(text)

    def digression(self, dispatcher, tracker, domain) -> bool:
        """ "mỗi tháng bao nhiêu tiền vậy ạ": how Nuôi em works, with its
        figures. Out of context the NLU may read a question of money as one
        about statements or campaigns; in this form it is about Nuôi em.
        Statements asked otherwise ("có sao kê không"): where they are."""
        intent, text = intent_of(tracker), text_of(tracker)
        money_asked = "utter_campaign_aspect_cost" in aspects_asked(text)
        words = words_of(text)
        if intent == "ask_statement" and has_any_phrase(words, STATEMENT_WORDS):
            dispatcher.utter_message(
                response="utter_statement_in_form", url=months_url()
            )
            return True
        asked = intent in QUESTIONS or is_question(tracker)
        if intent != "ask_sponsorship" and not (asked and money_asked):
            return False
        with club_session() as session:
            figures = programme_figures(session, today())
            monthly = money(typical_monthly(session))
        dispatcher.utter_message(
            response="utter_sponsorship_in_form", monthly=monthly, **figures
        )
        return True

    def validate_phone(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return {"phone": self.phone_answer(value, dispatcher)}

    async def extract_children_count(self, dispatcher, tracker, domain) -> dict:
        """ "mình muốn nhận nuôi 2 bé": the count, from the opening message,
        so that the form does not ask it again."""
        if not opening_without(tracker, "children_count"):
            return {}
        count = children_named(text_of(tracker))
        # one out of range is asked later, with the form's own question
        return {"children_count": str(count)} if count in COUNTS else {}

    async def extract_district_preference(self, dispatcher, tracker, domain) -> dict:
        """ "nhận nuôi một em ở Quan Sơn": a district where the club has
        children, from the opening message."""
        if not opening_without(tracker, "district_preference"):
            return {}
        folded = f" {fold(text_of(tracker))} "
        with club_session() as session:
            districts = session.scalars(select(Child.district).distinct()).all()
        named = [d for d in districts if d and f" {fold(d)} " in folded]
        return {"district_preference": named[0]} if len(named) == 1 else {}

    def validate_children_count(self, value, dispatcher, tracker, domain) -> dict:
        match = re.search(r"\d+", str(value or ""))
        count = int(match.group()) if match else number_word(str(value or ""), NUMBERS)
        if count not in COUNTS:
            dispatcher.utter_message(response="utter_children_count_invalid")
            return {"children_count": None}
        return {"children_count": str(count)}

    def validate_district_preference(self, value, dispatcher, tracker, domain) -> dict:
        text = " ".join(nfc(str(value or "")).split())[:100]
        if text != " ".join(nfc(text_of(tracker)).split())[:100]:
            return {"district_preference": text}  # a district the message named
        if asked_instead(tracker):
            return {"district_preference": None}  # see SafeFormValidation
        if (
            intent_of(tracker) == "deny"
            or is_one_of(text, ANY_DISTRICT)
            or not fold(text)
        ):
            return {"district_preference": phrase(domain, "utter_any_district")}
        return {"district_preference": text}

    def validate_sponsor_confirm(self, value, dispatcher, tracker, domain) -> dict:
        return self.confirmation("sponsor_confirm", dispatcher, tracker)


RESET = [
    SlotSet("sponsor_confirm", None),
    SlotSet("children_count", None),
    SlotSet("district_preference", None),
]


class ActionSubmitSponsorRequest(ClubAction):
    """Creates a pending sponsor request for the Nuôi em team to call back."""

    failure_response = "utter_sponsor_request_failed"
    failure_events = tuple(RESET)

    def name(self) -> str:
        return "action_submit_sponsor_request"

    def answer(self, session, dispatcher, tracker, domain) -> Events:
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
            source=source_of(tracker),
        )
        with session.begin():
            if too_many_today(
                session, SponsorRequest, request.source, datetime.utcnow()
            ):
                dispatcher.utter_message(response="utter_daily_limit")
                return RESET
            session.add(request)
        dispatcher.utter_message(
            response="utter_sponsor_request_saved",
            full_name=request.full_name,
            children_count=request.children_count,
            phone=request.phone,
            code=f"NN{request.id:05d}",
        )
        return RESET
