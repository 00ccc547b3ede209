"""What every plain action on the club database shares (the forms' twin is
`actions.forms.SafeFormValidation`).

An action's `answer` gets a short session and a dispatcher of its own; what it
says reaches the user only when it finished. A database error anywhere in it
is logged and answered with the action's polite `failure_response`: never
silence, never half an answer followed by an apology. An action that
`answers_asides` gives an aside's own answer (`actions.reading.asides`)
instead of its `answer`.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.db import club_session
from actions.forms import text_of
from actions.reading.asides import aside_response

logger = logging.getLogger(__name__)

Events = list[dict[str, Any]]


def account_of(tracker: Tracker) -> tuple[str, str]:
    """(platform, user id) from the conversation id `<platform>:<user id>`."""
    platform, _, user_id = tracker.sender_id.partition(":")
    return platform, user_id


def source_of(tracker: Tracker) -> str:
    """Who is trying: the web client's (hashed) address the bridge put in the
    metadata, else the chat user (a Messenger/Zalo user is one person)."""
    metadata = tracker.latest_message.get("metadata") or {}
    client = (metadata.get("web") or {}).get("client")
    if tracker.sender_id.startswith("web:") and isinstance(client, str) and client:
        return f"web-client:{client}"[:200]
    return tracker.sender_id[:200]


class ClubAction(Action):
    """A plain action answered from the club database."""

    failure_response: str  # `utter_..._failed`, said when the database fails
    failure_events: tuple[dict[str, Any], ...] = ()  # events returned then
    # Where the classifier may send an aside ("hủy đăng ký", "có xuất hóa
    # đơn không": actions.reading.asides), its own answer comes instead.
    answers_asides = False

    @abstractmethod
    def name(self) -> str:
        """`action_<verb>_<object>`; abstract so the SDK does not register the base."""

    @abstractmethod
    def answer(
        self,
        session: Session,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> Events:
        """Say what the action says and return its events (one short session;
        open `session.begin()` to write)."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        if self.answers_asides and (aside := aside_response(text_of(tracker))):
            dispatcher.utter_message(response=aside)
            return []
        said = CollectingDispatcher()
        try:
            with club_session() as session:
                events = self.answer(session, said, tracker, domain)
        except SQLAlchemyError:
            logger.exception("%s failed sender=%s", self.name(), tracker.sender_id)
            dispatcher.utter_message(response=self.failure_response)
            return list(self.failure_events)
        dispatcher.messages.extend(said.messages)
        return events
