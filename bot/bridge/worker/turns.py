"""One user turn: forward to Rasa, then deliver the answer to the platform."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.bridge.http.rate_limit import RateLimiter
from bot.bridge.store import offers
from bot.bridge.store.records import InboxRow
from bot.bridge.worker.rasa_client import MESSAGE_ID_KEY, RasaUnavailable
from bot.bridge.worker.rasa_pool import RasaPool
from bot.bridge.worker.replies import bridge_message, standing_payloads
from bot.logs import log_event

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from bot.bridge.worker.delivery import Delivery

# Events the bridge answers itself, without asking Rasa (texts in domain.yml).
BRIDGE_ANSWERS = {
    "attachment": "utter_attachment_received",
    "info": "utter_info_received",
}


def as_plain_text(text: str) -> str:
    """What the user typed, so that Rasa reads it as words, not as an intent:
    its leading "/" becomes a full-width "／" (Rasa strips spaces first)."""
    stripped = text.lstrip()
    return "／" + stripped[1:] if stripped.startswith("/") else text


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

    def __init__(
        self,
        rasa: RasaPool,
        deliver: Delivery,
        per_minute: int = 30,
        action_wait: float = 30.0,
    ) -> None:
        self.rasa = rasa
        self.action_wait = action_wait  # see `_ask_rasa`
        self.deliver = deliver
        self.platforms = deliver.platforms
        # A conversation sending faster than a person types is not passed to
        # Rasa; it is told once per minute to slow down, then not answered.
        # Only first tries count: a retry while Rasa was down is not the user.
        self.limit = RateLimiter(per_minute, 60)
        self.warned = RateLimiter(1, 60)

    def process(self, row: InboxRow) -> None:
        """Raises RasaUnavailable when Rasa is down, so the queue retries later."""
        metadata = json.loads(row.metadata_json or "{}")
        kind = (metadata.pop("bridge", None) or {}).get("kind", "text")
        platform = self.platforms[row.platform]
        if kind in BRIDGE_ANSWERS:
            replies = [bridge_message(BRIDGE_ANSWERS[kind])]
        elif not row.attempts and not self.limit.allow(row.conversation_id):
            replies = self._too_fast(row)
        else:
            text = platform.rasa_text(row)
            if kind == "text" and not self._may_be_payload(row, text):
                text = as_plain_text(text)
            with platform.thinking(row):
                replies = self._ask_rasa(row, text, metadata)
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

    def _too_fast(self, row: InboxRow) -> list[dict[str, Any]]:
        log_event(
            logger,
            logging.WARNING,
            "turn_rate_limited",
            conversation=row.conversation_id,
            message_id=row.message_id,
        )
        if self.warned.allow(row.conversation_id):
            return [bridge_message("utter_slow_down")]
        return []

    def _ask_rasa(
        self, row: InboxRow, text: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Rasa's answer; a retried message is first looked up in the tracker,
        so a turn Rasa finished after the bridge gave up waiting is not run a
        second time (two look-up failures, two sponsor requests)."""
        if row.attempts:
            earlier = self.rasa.earlier_answer(row.conversation_id, row.message_id)
            if earlier is not None:
                log_event(
                    logger,
                    logging.INFO,
                    "turn_answer_reused",
                    conversation=row.conversation_id,
                    message_id=row.message_id,
                )
                return earlier
        waited = (datetime.utcnow() - row.received_at).total_seconds()
        if waited < self.action_wait and not self.rasa.actions_ready():
            # Rasa would run the turn without its custom action (it logs the
            # failure and carries on) and the user would hear "busy": a turn
            # waits a little for an action server that is restarting.
            raise RasaUnavailable("the action server is down; the turn waits")
        metadata = {**metadata, MESSAGE_ID_KEY: row.message_id}
        return self.rasa.send(row.conversation_id, text, row.platform, metadata)

    def _may_be_payload(self, row: InboxRow, text: str) -> bool:
        """A "/..." text is a payload only when the bot offered it (see
        `bot.bridge.store.offers`); other texts are never payloads."""
        payload = text.strip()
        if not payload.startswith("/") or payload in standing_payloads():
            return True
        if offers.was_offered(self.deliver.database_url, row.conversation_id, payload):
            return True
        log_event(
            logger,
            logging.WARNING,
            "payload_not_offered",
            conversation=row.conversation_id,
            message_id=row.message_id,
        )
        return False

    def _busy(self, row: InboxRow) -> dict[str, Any]:
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

    def give_up(self, row: InboxRow, error: str) -> None:
        """After the last retry: tell the user we are busy instead of staying
        silent, and mark the message dead in the same commit."""
        self.deliver(row, [bridge_message("utter_bot_busy")], error)
