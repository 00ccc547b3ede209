"""The first stage of the two-stage fallback: "did you mean one of these topics?"

Rasa's own `action_default_ask_affirmation` asks an English yes/no question about
one intent. When the classifier is unsure, the two most likely topics as buttons
serve people better; a third button says neither, and the next unclear message
gets `utter_ask_rephrase`, which offers a person; a third gets `utter_default`.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.responses import phrase

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
        buttons = [
            {"title": phrase(domain, TOPICS[intent]), "payload": f"/{intent}"}
            for intent in likely_topics(tracker)
        ]
        # "/out_of_scope" is how Rasa's fallback loop hears "neither of these":
        # it then asks to rephrase (and offers a person).
        none = {"title": phrase(domain, "utter_topic_none"), "payload": "/out_of_scope"}
        buttons.append(none)
        dispatcher.utter_message(response="utter_ask_topic", buttons=buttons)
        return []
