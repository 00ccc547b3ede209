"""The bridge's work queue: huey schedules, retries and locks; the inbox keeps order.

A webhook stores the message in the inbox, then enqueues `drain(conversation)`.
`drain` holds a per-conversation lock and processes that conversation's pending
messages oldest first, so one user's messages are answered in order while
different users are served in parallel.

When Rasa is down the message stays first in line and the task that failed
becomes the conversation's *retry owner*: it reschedules itself with
exponential backoff (1 s, 2 s, 4 s … by default) while other drain tasks of
that conversation step aside, so each message is tried a bounded number of
times however many arrive meanwhile. After the last try the message is marked
dead (a dead letter staff can replay) and the user gets `utter_bot_busy`.

Replies for Messenger and Zalo are staged in the outbox in the same commit that
marks the message done, then sent by `bot.sender` (its own retries).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from huey import RedisHuey, SqliteHuey
from huey.api import Huey, Task
from huey.exceptions import RetryTask

from bot import handoff, inbox
from bot.logs import log_event
from bot.models import InboxMessage
from bot.rasa_client import RasaUnavailable
from bot.sender import OutboundSender
from bot.turns import TurnProcessor

logger = logging.getLogger("bot.queue")

RETRIES = 8  # 1+2+4+...+128 s: about four minutes of Rasa downtime before giving up
RETRY_DELAY = 1
MAX_RETRY_DELAY = 300
LOCK_RETRIES = 50  # a drain that finds the conversation locked looks again
LOCK_RETRY_DELAY = 0.2


def make_huey(queue_file: Path, queue_url: str = "") -> Huey:
    """SQLite file by default; Redis (same tasks, same locks) for scale-out."""
    if queue_url:
        return RedisHuey(name="bridge", url=queue_url, results=False)
    queue_file.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name="bridge", filename=str(queue_file), results=False)


class ConversationQueue:
    def __init__(
        self,
        database_url: str,
        queue_file: Path,
        turns: TurnProcessor,
        retries: int = RETRIES,
        retry_delay: float = RETRY_DELAY,
        platforms: dict[str, Any] | None = None,
        send_retries: int = 6,
        send_retry_delay: float = 2.0,
        queue_url: str = "",
        poll_interval: float = 0.01,
        huey: Huey | None = None,
    ) -> None:
        self.database_url = database_url
        self.turns = turns
        self.retries = retries
        self.retry_delay = retry_delay
        self.poll_interval = poll_interval
        self.single_process = not queue_url
        self.huey = huey or make_huey(queue_file, queue_url)
        self._drain_task = self.huey.task(
            retries=LOCK_RETRIES,
            retry_delay=LOCK_RETRY_DELAY,
            context=True,
            name="drain_conversation",
        )(self._drain)
        senders = {k: p for k, p in (platforms or {}).items() if p.sends}
        self.sender = OutboundSender(
            database_url, self.huey, senders, send_retries, send_retry_delay
        )

    def submit(
        self,
        platform: str,
        message_id: str,
        conversation_id: str,
        text: str,
        metadata: dict[str, Any],
    ) -> InboxMessage | None:
        """Store and schedule a message; None when it is a redelivery."""
        row = self.store(platform, message_id, conversation_id, text, metadata)
        if row is not None:
            self.schedule(conversation_id)
        return row

    def store(
        self,
        platform: str,
        message_id: str,
        conversation_id: str,
        text: str,
        metadata: dict[str, Any],
    ) -> InboxMessage | None:
        """Only the durable part of `submit` (a webhook batch schedules once)."""
        row = inbox.accept(
            self.database_url, platform, message_id, conversation_id, text, metadata
        )
        if row is None:
            log_event(
                logger,
                logging.INFO,
                "duplicate_dropped",
                conversation=conversation_id,
                message_id=message_id,
            )
        return row

    def schedule(self, conversation_id: str) -> None:
        self._drain_task(conversation_id)

    def resume(self) -> int:
        """Re-schedule work left by a crash or restart (inbox and outbox)."""
        if self.single_process:
            # Only this process uses the SQLite queue: locks and retry owners
            # left by a crash are stale. (Redis deployments share them.)
            self.huey.storage.flush_results()
        conversations = inbox.pending_conversations(self.database_url)
        for conversation_id in conversations:
            self.schedule(conversation_id)
        return len(conversations) + self.sender.resume()

    def _drain(self, conversation_id: str, task: Task | None = None) -> None:
        # A TaskLockedException means another worker is draining this
        # conversation; huey retries this task shortly to catch up.
        me = task.id if task is not None else "direct"
        owner_key = f"retry-owner:{conversation_id}"
        owner = self.huey.get(owner_key, peek=True)
        if owner and owner != me:
            return  # the task that met the failure retries the whole line
        with self.huey.lock_task(f"conversation:{conversation_id}"):
            while row := inbox.next_pending(self.database_url, conversation_id):
                delay = self._process(row)
                if delay is not None:
                    self.huey.put(owner_key, me)
                    raise RetryTask(delay=delay)
            if owner:
                self.huey.delete(owner_key)

    def _process(self, row: InboxMessage) -> float | None:
        """Answer one message; returns a retry delay when Rasa must be retried."""
        if handoff.is_paused(self.database_url, row.conversation_id):
            inbox.mark_done(self.database_url, row)
            log_event(
                logger,
                logging.INFO,
                "turn_paused_for_handoff",
                conversation=row.conversation_id,
                message_id=row.message_id,
            )
            return None
        try:
            self.turns.process(row)
        except RasaUnavailable as error:
            attempts = row.attempts + 1
            dead = attempts > self.retries
            log_event(
                logger,
                logging.ERROR,
                "turn_dead" if dead else "turn_retry",
                conversation=row.conversation_id,
                message_id=row.message_id,
                attempts=attempts,
                error=str(error),
            )
            if not dead:
                inbox.record_failure(self.database_url, row, str(error), dead=False)
                return min(self.retry_delay * 2 ** (attempts - 1), MAX_RETRY_DELAY)
            self.turns.give_up(row)
            inbox.record_failure(self.database_url, row, str(error), dead=True)
            self._flush(row)
            return None
        if not getattr(self.turns.deliver, "completes_inbox", False):
            inbox.mark_done(self.database_url, row)
        self._flush(row)
        return None

    def _flush(self, row: InboxMessage) -> None:
        if row.platform in self.sender.platforms:
            self.sender.flush(row.conversation_id)

    def replay(self, kind: str, row_id: int) -> str | None:
        """Put a dead letter back in line (staff); returns its conversation."""
        from bot import outbox

        conversation_id = outbox.reopen(self.database_url, kind, row_id)
        if conversation_id is None:
            return None
        if kind == "inbox":
            self.schedule(conversation_id)
        else:
            self.sender.schedule(conversation_id)
        return conversation_id

    def consumer(self, workers: int):
        return self.huey.create_consumer(
            workers=workers,
            worker_type="thread",
            periodic=False,
            check_worker_health=True,
            initial_delay=self.poll_interval,
            max_delay=self.poll_interval,
            backoff=1.0,
        )
