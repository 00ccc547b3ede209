"""One user turn: forward to Rasa, then deliver the answer to the platform."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from bot.bridge.store.records import InboxMessage
from bot.bridge.worker.rasa_client import RasaClient
from bot.bridge.worker.replies import bridge_message
from bot.logs import log_event

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from bot.bridge.worker.delivery import Delivery

# Events the bridge answers itself, without asking Rasa (texts in domain.yml).
BRIDGE_ANSWERS = {
    "attachment": "utter_attachment_received",
    "info": "utter_info_received",
}


def inbox_metadata(platform_ids: dict[str, Any], kind: str) -> dict[str, Any]:
    """What an inbox row keeps: the platform ids (sent to Rasa) and its kind."""
    return {**platform_ids, "bridge": {"kind": kind}}


class TurnProcessor:
    """Runs a stored inbox message through Rasa and hands the reply to `deliver`,
    which stores the replies and marks the message done in one commit.

    The platforms (those of `deliver`) add per-platform steps: a typing
    indicator while Rasa thinks and mapping a tapped Zalo button back to its
    payload.
    """

    def __init__(self, rasa: RasaClient, deliver: Delivery) -> None:
        self.rasa = rasa
        self.deliver = deliver
        self.platforms = deliver.platforms

    def process(self, row: InboxMessage) -> None:
        """Raises RasaUnavailable when Rasa is down, so the queue retries later."""
        metadata = json.loads(row.metadata_json or "{}")
        kind = (metadata.pop("bridge", None) or {}).get("kind", "text")
        platform = self.platforms[row.platform]
        if kind in BRIDGE_ANSWERS:
            replies = [bridge_message(BRIDGE_ANSWERS[kind])]
        else:
            text = platform.rasa_text(row)
            with platform.thinking(row):
                replies = self.rasa.send(
                    row.conversation_id, text, row.platform, metadata
                )
            if not replies:
                replies = [self._busy(row)]
        self.deliver(row, replies)
        log_event(
            logger,
            logging.INFO,
            "turn_answered",
            conversation=row.conversation_id,
            message_id=row.message_id,
            kind=kind,
            replies=len(replies),
        )

    def _busy(self, row: InboxMessage) -> dict[str, Any]:
        """Rasa answered nothing: most often the action server is down."""
        actions_up = self.rasa.actions_healthy()
        log_event(
            logger,
            logging.ERROR,
            "turn_without_reply",
            conversation=row.conversation_id,
            message_id=row.message_id,
            action_server="up" if actions_up else "unreachable",
        )
        return bridge_message("utter_bot_busy")

    def give_up(self, row: InboxMessage) -> None:
        """After the last retry: tell the user we are busy instead of staying silent."""
        self.deliver(row, [bridge_message("utter_bot_busy")])
