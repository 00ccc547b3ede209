"""Messages that are not a clear request.

`action_route_inform`: a message that only gives information, outside any form,
is acted on instead of "mình đã nhận thông tin": an aside (asking to cancel or
change a sign-up, for a receipt, to help without going...:
`actions.reading.asides`) gets its own answer, as in the fallback's first
stage; a fund named right after the bot asked which fund gets its VietQR code; a
child code anywhere starts the child look-up (a phone in the same message is
checked in the same turn by the form); a message that is just a campaign's
name or synonym opens that campaign; news of a transfer made ("ck rồi nha ad,
500k") gets thanks and the way to the statement; an amount or another word for
giving ("500k", "ủng hộ") gets thanks and the way to the account or the
statement; nothing usable gets one short question with the main topics.

`action_acknowledge`: "ok", "cảm ơn", "bye", "không", unless they carry news
of a transfer or an aside; a question read as "không" for its last word
("mùa thu có đi đâu không") gets the topics, not "Dạ vâng ạ".

`action_default_ask_affirmation`: the first stage of the two-stage fallback,
"did you mean one of these topics?" (unless it is an aside: see above)

Rasa's own `action_default_ask_affirmation` asks an English yes/no question about
one intent. When the classifier is unsure, the two most likely topics as buttons
serve people better; a third button says neither, and the next unclear message
gets `utter_ask_rephrase`, which offers a person; a third gets `utter_default`.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ClubAction, Events
from actions.campaigns import show_campaign
from actions.donations import answer_fund_asked
from actions.forms import text_of, worded_as_question
from actions.reading.asides import aside_response
from actions.reading.transfer_words import reports_transfer
from actions.reading.typed_words import has_any_phrase, words_of
from actions.responses import phrase
from actions.statement_answers import thank_for_transfer
from bot.club.campaign_queries import find_campaign
from bot.club.vocab import child_code_in
from bot.text import fold

# Intents worth offering as a topic, with the response that names them.
TOPICS = {
    "ask_campaigns": "utter_topic_ask_campaigns",
    "ask_campaign_detail": "utter_topic_ask_campaign_detail",
    "register_volunteer": "utter_topic_register_volunteer",
    "ask_sponsorship": "utter_topic_ask_sponsorship",
    "sponsor_child": "utter_topic_sponsor_child",
    "lookup_child": "utter_topic_lookup_child",
    "donate": "utter_topic_donate",
    "ask_statement": "utter_topic_ask_statement",
    "ask_club_info": "utter_topic_ask_club_info",
    "ask_safety": "utter_topic_ask_safety",
    "ask_certificate": "utter_topic_ask_certificate",
    "human_handoff": "utter_topic_human_handoff",
}
FALLBACK_TOPICS = ["ask_campaigns", "ask_sponsorship"]


def likely_topics(tracker: Tracker, count: int = 2) -> list[str]:
    ranking = tracker.latest_message.get("intent_ranking") or []
    topics = [item["name"] for item in ranking if item.get("name") in TOPICS]
    for fallback in FALLBACK_TOPICS:  # always offer two
        if fallback not in topics:
            topics.append(fallback)
    return topics[:count]


class ActionAskTopic(Action):
    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if aside := aside_response(text_of(tracker)):  # "không đi được nữa"
            dispatcher.utter_message(response=aside)
            return []
        offer_topics(dispatcher, tracker, domain)
        return []


def offer_topics(dispatcher, tracker: Tracker, domain: dict[str, Any]) -> None:
    """ "Did you mean one of these?", with the two likeliest topics."""
    buttons = [
        {"title": phrase(domain, TOPICS[intent]), "payload": f"/{intent}"}
        for intent in likely_topics(tracker)
    ]
    # "/out_of_scope" is how Rasa's fallback loop hears "neither of these":
    # it then asks to rephrase (and offers a person).
    none = {"title": phrase(domain, "utter_topic_none"), "payload": "/out_of_scope"}
    buttons.append(none)
    dispatcher.utter_message(response="utter_ask_topic", buttons=buttons)


# A campaign is meant when the message is (almost) only its name.
MAX_EXTRA_WORDS = 2
# Words for giving money; an amount in the message means the same.
GIVING = ("ck", "chuyển khoản", "chuyển tiền", "chuyển rồi", "donate", "ủng hộ")


class ActionRouteInform(ClubAction):
    failure_response = "utter_inform_ack"
    answers_asides = True  # "cho mình đổi sang chiến dịch khác"

    def name(self) -> str:
        return "action_route_inform"

    def answer(self, session, dispatcher, tracker, domain) -> Events:
        fund_qr = answer_fund_asked(session, dispatcher, tracker)  # "xây trường"
        if fund_qr is not None:
            return fund_qr
        text = text_of(tracker)
        if child_code_in(text):
            return [FollowupAction("child_lookup_form")]
        campaign = find_campaign(session, text)
        if campaign and _names_only(text, campaign):  # answered here: a follow-up
            # action would leave the policies with a turn no rule or story has
            return show_campaign(session, dispatcher, domain, campaign, text)
        if reports_transfer(text):  # "ck rồi nha ad, 500k"
            thank_for_transfer(session, dispatcher, tracker, domain)
            return []
        if _about_giving(tracker, text):
            dispatcher.utter_message(response="utter_inform_giving")
            return []
        dispatcher.utter_message(response="utter_inform_ack")
        return []


def _about_giving(tracker: Tracker, text: str) -> bool:
    """An amount, or a word for giving, without saying it is done."""
    if next(tracker.get_latest_entity_values("amount"), None) is not None:
        return True
    words = words_of(text)
    return has_any_phrase(words, GIVING)


def _names_only(text: str, campaign) -> bool:
    """The message is a campaign name or synonym with at most a word or two more."""
    folded = fold(text)
    extra = len(folded.split())
    names = [fold(campaign.name)] + [fold(s) for s in campaign.synonym_list]
    return any(
        name and name in folded and extra - len(name.split()) <= MAX_EXTRA_WORDS
        for name in names
    )


# What a plain "ok", "cảm ơn" or "bye" gets.
ACKNOWLEDGEMENTS = {
    "affirm": "utter_affirm_ack",
    "thank": "utter_thank",
    "goodbye": "utter_goodbye",
    "deny": "utter_deny_ack",
}


class ActionAcknowledge(ClubAction):
    """ "ok", "cảm ơn", "bye", "không", unless they carry news of a transfer
    ("ok đã ck", "xong rồi nhé ad, mình ck rồi", read as affirm or goodbye):
    thanks and the way to the statement, as for the same news read as inform.
    A question read as "no" or "yes" gets the likely topics."""

    failure_response = "utter_transfer_thanks"  # only the transfer reads the db
    answers_asides = True  # "cảm ơn ad, em không đi được nữa"

    def name(self) -> str:
        return "action_acknowledge"

    def answer(self, session, dispatcher, tracker, domain) -> Events:
        text = text_of(tracker)
        if reports_transfer(text):
            thank_for_transfer(session, dispatcher, tracker, domain)
            return []
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in ("deny", "affirm") and worded_as_question(text):
            # "mùa thu có đi đâu không", "có phải phỏng vấn không ad": a
            # question, read as "no" or "yes" for its end
            offer_topics(dispatcher, tracker, domain)
            return []
        dispatcher.utter_message(
            response=ACKNOWLEDGEMENTS.get(intent, "utter_affirm_ack")
        )
        return []
