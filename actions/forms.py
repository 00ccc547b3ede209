"""What every form validator shares: reading answers and handling corrections.

Answers are read from the text as typed (from_text slots), so the forms work
whatever the entity extractors catch. A user can correct an earlier answer at
any step ("sửa số điện thoại"): the validator empties that slot and the form
asks for it again. A form ends early (full campaign, too young, locked look-up)
by setting `requested_slot` to None; the submit action then sees that the
confirmation slot is empty and saves nothing.
"""

from __future__ import annotations

import logging
import re
from abc import abstractmethod
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.reading.typed_words import (
    find_phrase,
    has_any_word,
    is_one_of,
    same_word,
    words_of,
)
from actions.reading.undo_words import asks_to_undo
from bot.club.values import phone_in
from bot.text import fold, nfc

logger = logging.getLogger(__name__)

# Written with diacritics: see actions.reading.typed_words for how answers match them.
YES_WORDS = {
    "có",
    "đúng",
    "đúng rồi",
    "đúng vậy",
    "ok",
    "oke",
    "okay",
    "ừ",
    "ừm",
    "vâng",
    "dạ vâng",
    "dạ đúng",
    "chuẩn",
    "xác nhận",
    "đồng ý",
}
END_FORM = {"requested_slot": None}

# Words that name a field, longest first, with the slot they correct.
FIELD_WORDS = [
    ("số điện thoại", "phone"),
    ("điện thoại", "phone"),
    ("sđt", "phone"),
    ("số em", "children_count"),
    ("năm sinh", "birth_year"),
    ("họ tên", "full_name"),
    ("tên", "full_name"),
    ("nơi làm", "school_or_work"),
    ("trường", "school_or_work"),
    ("chiến dịch", "campaign"),
    ("huyện", "district_preference"),
    ("mã", "child_code"),
]
CORRECTION_WORDS = {"sửa", "đổi", "nhầm", "sai"}
STOP_PHRASES = {
    "deny",
    "thôi",
    "hủy",
    "huỷ",
    "dừng",
    "dừng lại",
    "dừng lại đi",
    "khỏi",
    "thôi khỏi",
    "không",
    "thôi không",
    "không cần",
    "không cần nữa",
    "không muốn nữa",
    "thôi không cần",
    "hủy đăng ký",
    "huỷ đăng ký",
    "hủy đăng kí",
    "huỷ đăng kí",
    "không đăng ký nữa",
    "không đăng kí nữa",
    "thôi không đăng ký nữa",
    "thôi không đăng kí nữa",
}
STOP_WORDS = {"không", "thôi", "hủy", "huỷ", "dừng", "khỏi", "nữa"}


def text_of(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "").strip()


def said_last_turn(tracker: Tracker) -> set[str]:
    """The responses the bot gave to the user's previous message (Rasa keeps
    each one's name as `utter_action` in the bot event's metadata)."""
    said: set[str] = set()
    users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users == 2:
                break
        elif event.get("event") == "bot" and users == 1:
            said.add((event.get("metadata") or {}).get("utter_action") or "")
    return said


def intent_of(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def is_yes(tracker: Tracker) -> bool:
    return intent_of(tracker) == "affirm" or is_one_of(text_of(tracker), YES_WORDS)


def wants_to_stop(tracker: Tracker) -> bool:
    """ "thôi", "hủy", "không đăng ký nữa"... but not an answer that merely looks
    negative to the classifier (a school called "ĐH Hồng Đức")."""
    text = text_of(tracker)
    if is_one_of(text, STOP_PHRASES):
        return True
    return intent_of(tracker) == "deny" and has_any_word(text, STOP_WORDS)


def correction(tracker: Tracker, slots: list[str]) -> dict[str, Any] | None:
    """Slots to empty when the user asks to change an answer ("sửa tên"), else
    None."""
    words = words_of(text_of(tracker))
    if not words or not any(same_word(words[0], w) for w in CORRECTION_WORDS):
        return None
    for field, slot in FIELD_WORDS:
        if slot in slots and find_phrase(words[1:], field) >= 0:
            requested = tracker.get_slot("requested_slot")
            emptied = {slot: None}
            if requested and requested != slot:
                emptied[requested] = None
            return emptied
    return None


# Intents a name is never read as: "mỗi tháng bao nhiêu tiền vậy ạ" is no name.
QUESTIONS = frozenset(
    {
        "ask_club_info", "ask_campaigns", "ask_campaign_detail", "ask_sponsorship",
        "ask_statement", "ask_safety", "ask_certificate", "donate", "lookup_child",
        "out_of_scope", "bot_challenge",
    }
)  # fmt: skip


def is_question(tracker: Tracker) -> bool:
    """A question, not a garbled answer ("out_of_scope") nor a bare "?"
    (what the form asks is not clear: its "invalid" message explains)."""
    text, intent = text_of(tracker), intent_of(tracker)
    if "?" in text and len(words_of(text)) >= 2:
        return True
    return intent in QUESTIONS and intent != "out_of_scope"


# What makes a free answer (a school, a district) a question: "cần mang gì",
# "ở đâu vậy", "có giấy chứng nhận ko". Not "mấy" or "đâu" alone, which a
# garment company ("công ty may") or "Đầu tư" fold to; nor a final "ạ".
_ASKING = re.compile(
    r"\b(?:gi|bao nhieu|bao gio|bao lau|the nao|nhu nao|o dau|khi nao|tai sao)\b"
    r"|\b(?:khong|chua|hong|ha)(?: (?:a|vay|nhi|nhe|ad|admin))*$"
)


def worded_as_question(text: str) -> bool:
    """Three words or more with "?", a question word or a closing "không" /
    "chưa": "có nhận sữa không ạ", not a bare "không ạ"."""
    worded = "?" in text or _ASKING.search(fold(text)) is not None
    return worded and len(words_of(text)) >= 3


def asked_instead(tracker: Tracker) -> bool:
    """A free-text answer that is a question instead (`is_question`, and
    worded as one: the classifier alone may read a school's name as one)."""
    text = text_of(tracker)
    worded = "?" in text or _ASKING.search(fold(text)) is not None
    return worded and is_question(tracker)


def refused(events: list[dict[str, Any]], slot: str) -> bool:
    """Whether validation emptied `slot` and the form goes on (asks again)."""
    emptied = {
        e.get("name")
        for e in events
        if e.get("event") == "slot" and e.get("value") is None
    }
    return slot in emptied and "requested_slot" not in emptied


_PRONOUN = r"(?:mình|minh|mik|em|e|tôi|toi|tớ|anh|a|chị|chi|c|cháu|chau|con)"
# "mình tên là Lê Văn Hùng", "em là Mai", "tên e là ...": the name after them
_INTRODUCTION = re.compile(
    rf"^(?:(?:tên|ten)\s+{_PRONOUN}\s+(?:là|la)|{_PRONOUN}\s+(?:tên|ten)(?:\s+(?:là|la))?"
    rf"|{_PRONOUN}\s+(?:là|la))\s+",
    re.IGNORECASE,
)
# "Lê Văn Hùng ạ"
_CLOSING = re.compile(r"(?:\s+(?:ạ|a|nhé|nhe|nha|ah|ak))+$", re.IGNORECASE)


def clean_name(text: str) -> str | None:
    """A plausible full name (two or more words, no digits), title-cased,
    without "mình tên là" before it or "ạ" after it."""
    if "?" in text:
        return None
    name = " ".join(nfc(text).split())
    name = _CLOSING.sub("", _INTRODUCTION.sub("", name))
    words = name.split()
    if not 2 <= len(words) <= 7 or len(name) > 100 or re.search(r"[\d@/]", name):
        return None
    return " ".join(w[:1].upper() + w[1:].lower() for w in words)


class SafeFormValidation(FormValidationAction):
    """Shared by the forms: stop words, corrections, name, phone, confirmation;
    and a polite end when the database fails."""

    failure_response = "utter_registration_failed"
    form_slots: tuple[str, ...] = ()  # the slots a correction may empty
    no_is_an_answer: frozenset[str] = frozenset()  # slots where "không" answers
    confirmation_slots: frozenset[str] = frozenset()  # "Thông tin đã đúng chưa?"
    # Said instead of opening the form to "hủy đăng ký", "dừng nuôi em"...
    undo_reply = ""
    # Said when a question the form cannot answer comes instead of an answer.
    question_later = "utter_form_question_later"

    @abstractmethod
    def name(self) -> str:
        """`validate_<form name>`; abstract so the SDK does not register the base."""

    async def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        requested = tracker.get_slot("requested_slot")
        if requested is None and (reply := self.not_a_sign_up(text_of(tracker))):
            # The opening message asks for what a member does ("hủy đăng
            # ký"): the form ends before its first question.
            dispatcher.utter_message(response=reply)
            return [SlotSet("requested_slot", None)]
        if (
            requested
            and requested not in self.no_is_an_answer
            and not (requested in self.confirmation_slots and is_yes(tracker))
            and wants_to_stop(tracker)
        ):
            dispatcher.utter_message(response="utter_form_stopped")
            return [SlotSet(requested, None), SlotSet("requested_slot", None)]
        if fix := correction(tracker, list(self.form_slots)):
            return [SlotSet(slot, value) for slot, value in fix.items()]
        try:
            if requested and self.digression(dispatcher, tracker, domain):
                # Rasa has set the question as the answer: unset, it is asked again
                return [SlotSet(requested, None)]
            return await self._validated(dispatcher, tracker, domain, requested)
        except SQLAlchemyError:
            logger.exception("%s failed sender=%s", self.name(), tracker.sender_id)
            dispatcher.utter_message(response=self.failure_response)
            return [SlotSet("requested_slot", None)]

    def not_a_sign_up(self, text: str) -> str:
        """The response for an opening message that names the sign-up but
        asks for something else (to cancel or change it), or ""."""
        return self.undo_reply if self.undo_reply and asks_to_undo(text) else ""

    def digression(self, dispatcher, tracker: Tracker, domain) -> bool:
        """Answer a question asked instead of the form's ("à mà chi phí bao
        nhiêu vậy ạ"); whether it was one. The forms' own questions differ."""
        return False

    async def _validated(
        self, dispatcher, tracker: Tracker, domain, requested: str | None
    ) -> list[dict[str, Any]]:
        """The SDK's validation, except that an answer refused because it was
        a question that `digression` does not answer ("sao kê tháng 5 thế
        nào") gets word that the question must wait, not "invalid"; the
        form then asks its own question again."""
        said = CollectingDispatcher()
        events = await super().run(said, tracker, domain)
        if requested and is_question(tracker) and refused(events, requested):
            dispatcher.utter_message(response=self.question_later)
        else:
            dispatcher.messages.extend(said.messages)
        return events

    def validate_full_name(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        name = None if intent_of(tracker) in QUESTIONS else clean_name(str(value or ""))
        if name is None:
            dispatcher.utter_message(response="utter_name_invalid")
        return {"full_name": name}

    @staticmethod
    def phone_answer(value: Any, dispatcher) -> str | None:
        phone = phone_in(str(value or ""))
        if phone is None:
            dispatcher.utter_message(response="utter_phone_invalid")
        return phone

    @staticmethod
    def confirmation(slot: str, dispatcher, tracker: Tracker) -> dict[str, Any]:
        """ "yes" when confirmed; a "no" ends the form; anything else asks again."""
        if is_yes(tracker):
            return {slot: "yes"}
        if intent_of(tracker) == "deny":
            dispatcher.utter_message(response="utter_form_stopped")
            return {slot: None, **END_FORM}
        return {slot: None}
