"""Per-platform behaviour of the worker: before a turn, storing and sending replies.

`web` replies are stored for the page to poll; `messenger` and `zalo` replies are
rendered for the platform and staged in the outbox (same transaction as marking
the inbox message done), then sent by `bot.bridge.worker.sender`.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from bot.bridge.store import offers, outbox, transcripts
from bot.bridge.store.records import InboxRow
from bot.bridge.worker import transfer_thanks
from bot.bridge.worker.typing_indicator import DelayedTyping
from bot.club.database import held_transaction
from bot.logs import log_event
from connectors import messenger, zalo
from connectors.contract import Sent

logger = logging.getLogger(__name__)


class Platform(Protocol):
    name: str
    sends: bool  # replies go through the outbox and a send client

    def thinking(self, row: InboxRow) -> AbstractContextManager[None]:
        """Wraps the Rasa call (Messenger shows a typing indicator)."""
        ...

    def rasa_text(self, row: InboxRow) -> str: ...

    def stage(
        self, conn: Connection, row: InboxRow, replies: list[dict[str, Any]]
    ) -> None: ...

    def send(self, body: dict[str, Any]) -> Sent: ...


def recipient(row: InboxRow) -> str:
    return row.conversation_id.split(":", 1)[1]


class WebPlatform:
    name, sends = "web", False

    def thinking(self, row: InboxRow) -> AbstractContextManager[None]:
        return nullcontext()

    def rasa_text(self, row: InboxRow) -> str:
        return row.text

    def stage(
        self, conn: Connection, row: InboxRow, replies: list[dict[str, Any]]
    ) -> None:
        transcripts.stage(conn, row, replies)

    def send(self, body: dict[str, Any]) -> Sent:
        raise NotImplementedError("web chat replies are stored, not sent")


class MessengerPlatform:
    name, sends = "messenger", True

    def __init__(
        self, client: messenger.MessengerClient, typing_delay: float = 0.0
    ) -> None:
        self.client = client
        self.typing = DelayedTyping(client.typing_on, typing_delay)

    def thinking(self, row: InboxRow) -> AbstractContextManager[None]:
        return self.typing.during(recipient(row))

    def rasa_text(self, row: InboxRow) -> str:
        return row.text

    def stage(
        self, conn: Connection, row: InboxRow, replies: list[dict[str, Any]]
    ) -> None:
        outbox.stage(
            conn, row, recipient(row), messenger.render(replies, recipient(row))
        )

    def send(self, body: dict[str, Any]) -> Sent:
        return self.client.send(body)


class ZaloPlatform:
    name, sends = "zalo", True

    def __init__(self, client: zalo.ZaloClient, database_url: str) -> None:
        self.client = client
        self.database_url = database_url

    def thinking(self, row: InboxRow) -> AbstractContextManager[None]:
        return nullcontext()  # the OA API has no typing indicator

    def rasa_text(self, row: InboxRow) -> str:
        """A tapped `oa.query.show` button arrives as its title: map it back."""
        key = zalo.fold_title(row.text)
        payload = offers.offered_payload(self.database_url, row.conversation_id, key)
        if payload:
            log_event(
                logger,
                logging.INFO,
                "button_tap",
                conversation=row.conversation_id,
                message_id=row.message_id,
            )
        return payload or row.text

    def stage(
        self, conn: Connection, row: InboxRow, replies: list[dict[str, Any]]
    ) -> None:
        user = recipient(row)
        outbox.stage(conn, row, user, zalo.render(replies, user))
        offers.remember_buttons(conn, row.conversation_id, zalo.offered(replies))

    def send(self, body: dict[str, Any]) -> Sent:
        return self.client.send(body)


class Delivery:
    """The only way a turn ends: the replies are staged for the platform (web
    transcript or outbox) and the inbox row is marked done, in one commit, so a
    crash leaves either both or neither."""

    def __init__(self, database_url: str, platforms: dict[str, Platform]) -> None:
        self.database_url = database_url
        self.platforms = platforms

    def __call__(
        self, row: InboxRow, replies: list[dict[str, Any]], error: str = ""
    ) -> None:
        """`error`: the turn failed for good; the row is marked dead, not done."""
        platform = self.platforms[row.platform]
        with held_transaction(self.database_url) as conn:
            platform.stage(conn, row, replies)
            if platform.sends:  # a sponsor's held thank-you, right after
                transfer_thanks.stage_held(conn, row, datetime.utcnow())
            offers.remember_payloads(conn, row.conversation_id, replies)
            outbox.complete_inbox(conn, row, error)
