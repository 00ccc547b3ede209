"""Handing a conversation to a club member (the bridge then stays silent)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

from actions.base import ClubAction, Events, account_of, source_of
from actions.db import database_url
from actions.forms import text_of
from actions.responses import phrase
from bot.club.tickets import open_ticket

logger = logging.getLogger(__name__)

VIETNAM = timezone(timedelta(hours=7))
OPENS, CLOSES = 8, 21  # members answer the page from 8:00 to 21:00


def when_answered(domain: dict[str, Any], now: datetime) -> str:
    """ "trong khoảng 2 giờ tới" during office hours, else "từ 8 giờ sáng mai"."""
    local = now.astimezone(VIETNAM)
    if OPENS <= local.hour < CLOSES - 2:
        return phrase(domain, "utter_handoff_when_soon")
    day = "mai" if local.hour >= OPENS else "nay"
    return phrase(domain, "utter_handoff_when_morning", day=day)


class ActionHandoff(ClubAction):
    """Opens a ticket for a person to answer; the bridge pauses the bot meanwhile."""

    failure_response = "utter_handoff_failed"

    def name(self) -> str:
        return "action_handoff"

    def answer(self, session, dispatcher, tracker, domain) -> Events:
        platform, _ = account_of(tracker)
        ticket = open_ticket(
            database_url(),
            tracker.sender_id,
            platform,
            text_of(tracker),
            source_of(tracker),
        )
        if ticket is None:
            dispatcher.utter_message(response="utter_daily_limit")
            return []
        logger.info(
            "handoff_opened conversation=%s ticket=%s", tracker.sender_id, ticket
        )
        when = when_answered(domain, datetime.now(timezone.utc))
        dispatcher.utter_message(
            response="utter_handoff_created", ticket=ticket, when=when
        )
        return []
