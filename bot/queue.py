"""The bridge's work queue: huey schedules, retries and locks; the inbox keeps order.

A webhook stores the message in the inbox, then enqueues `drain(conversation)`.
`drain` holds a per-conversation lock and processes that conversation's pending
messages oldest first, so one user's messages are answered in order while
different users are served in parallel. When Rasa is down the task fails and
huey retries it with exponential backoff; after the last try the message is
marked dead (visible to staff) and the queue moves on.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from huey import SqliteHuey
from huey.api import Task

from bot import inbox
from bot.logs import log_event
from bot.models import InboxMessage
from bot.rasa_client import RasaUnavailable
from bot.turns import TurnProcessor

logger = logging.getLogger("bot.queue")

RETRIES = 8  # 1+2+4+...+128 s: about four minutes of Rasa downtime before giving up
RETRY_DELAY = 1
RETRY_BACKOFF = 2


class ConversationQueue:
    def __init__(
        self,
        database_url: str,
        queue_file: Path,
        turns: TurnProcessor,
        retries: int = RETRIES,
        retry_delay: float = RETRY_DELAY,
    ) -> None:
        queue_file.parent.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url
        self.turns = turns
        self.huey = SqliteHuey(name="bridge", filename=str(queue_file), results=False)
        self._drain_task = self.huey.task(
            retries=retries,
            retry_delay=retry_delay,
            retry_backoff=RETRY_BACKOFF,
            context=True,
            name="drain_conversation",
        )(self._drain)

    def submit(
        self,
        platform: str,
        message_id: str,
        conversation_id: str,
        text: str,
        metadata: dict[str, Any],
    ) -> InboxMessage | None:
        """Store and schedule a message; None when it is a redelivery."""
        row = inbox.accept(
            self.database_url, platform, message_id, conversation_id, text, metadata
        )
        if row is None:
            log_event(logger, logging.INFO, "duplicate_dropped", message_id=message_id)
            return None
        self._drain_task(conversation_id)
        return row

    def resume(self) -> int:
        """Re-schedule conversations left pending by a crash or restart."""
        conversations = inbox.pending_conversations(self.database_url)
        for conversation_id in conversations:
            self._drain_task(conversation_id)
        return len(conversations)

    def _drain(self, conversation_id: str, task: Task | None = None) -> None:
        # A TaskLockedException means another worker is draining this
        # conversation; huey retries this task later to catch up.
        with self.huey.lock_task(f"conversation:{conversation_id}"):
            while row := inbox.next_pending(self.database_url, conversation_id):
                self._process(row, last_try=task is None or task.retries == 0)

    def _process(self, row: InboxMessage, last_try: bool) -> None:
        try:
            self.turns.process(row)
        except RasaUnavailable as error:
            inbox.record_failure(self.database_url, row, str(error), dead=last_try)
            log_event(
                logger,
                logging.ERROR,
                "turn_dead" if last_try else "turn_retry",
                conversation=row.conversation_id,
                message_id=row.message_id,
                attempts=row.attempts + 1,
                error=str(error),
            )
            if not last_try:
                raise
            self.turns.give_up(row)
            return
        inbox.mark_done(self.database_url, row)

    def consumer(self, workers: int):
        return self.huey.create_consumer(
            workers=workers,
            worker_type="thread",
            periodic=False,
            check_worker_health=True,
        )
