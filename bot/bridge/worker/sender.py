"""Sends staged outbound messages per conversation, in order, with retries.

Separate from the Rasa retry on purpose: a turn already answered by Rasa is in
the outbox, so a platform failure retries only the send. Temporary failures
(5xx, network, Messenger 1200, rate limits) back off and retry; users who cannot
be reached (Messenger 551 / outside the 24-hour window, Zalo not a follower)
are given up and recorded; refused requests and exhausted retries are dead
letters staff can replay.

A flush that finds the conversation being sent knocks and returns at once:
the sender holding the lock looks for staged rows again when it finds the
knock on releasing the lock (the rows are committed before any flush), so
nothing waits for huey's 1-second scheduler.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from huey.api import Huey, Task

from bot.bridge.store import outbox
from bot.bridge.store.records import OutboundRow
from bot.bridge.worker.locks import Locks
from bot.club.database import held_connection
from bot.logs import log_event
from connectors.contract import SendGiveUp, SendRefused, SendRetry

logger = logging.getLogger(__name__)

MAX_PASSES = 20
WAIT_GRACE = 120.0  # a send backoff this overdue was lost with its task (crash)


class OutboundSender:
    def __init__(
        self,
        database_url: str,
        huey: Huey,
        platforms: dict[str, Any],
        retries: int = 6,
        retry_delay: float = 2.0,
        max_delay: float = 600.0,
        locks: Locks | None = None,
    ) -> None:
        self.url = database_url
        self.huey = huey
        self.locks = locks or Locks(huey)
        self.platforms = platforms
        self.retries = retries
        self.retry_delay = retry_delay
        self.max_delay = max_delay
        self._task = huey.task(
            retries=3, retry_delay=1, context=True, name="send_conversation"
        )(self._run)
        self._nudge_task = huey.task(retries=3, retry_delay=1, name="send_nudge")(
            self.flush
        )

    def schedule(self, conversation_id: str, delay: float = 0) -> None:
        if delay > 0:
            self._task.schedule(args=(conversation_id,), delay=delay)
        else:
            self._task(conversation_id)

    def nudge(self, conversation_id: str) -> None:
        """Send what waits, unless a scheduled retry owns its backoff (the
        keeper's sweep, for a send task lost with the queue's storage)."""
        try:
            self._nudge_task(conversation_id)
        except Exception as error:
            log_event(
                logger,
                logging.ERROR,
                "schedule_failed",
                conversation=conversation_id,
                error=f"{type(error).__name__}: {error}",
            )

    def resume(self) -> int:
        conversations = outbox.pending_conversations(self.url)
        for conversation_id in conversations:
            self.schedule(conversation_id)
        return len(conversations)

    def _run(self, conversation_id: str, task: Task | None = None) -> None:
        self.flush(conversation_id, scheduled=True)

    @staticmethod
    def _backing_off(due: float | None) -> bool:
        """A scheduled retry owns the backoff (unless it is long overdue)."""
        return bool(due) and time.time() <= due + WAIT_GRACE

    def flush(self, conversation_id: str, scheduled: bool = False) -> None:
        """Send what is pending now, unless a scheduled retry owns the backoff."""
        with held_connection(self.url):
            self._flush(conversation_id, scheduled)

    def _flush(self, conversation_id: str, scheduled: bool) -> None:
        wait_key = f"send-wait:{conversation_id}"
        lock = f"send:{conversation_id}"
        for _ in range(MAX_PASSES):
            if not self._take(conversation_id, lock, wait_key, scheduled):
                return
            try:
                if scheduled:
                    self.huey.delete(wait_key)
                    scheduled = False
                backing_off, more = self._send_all(conversation_id, wait_key)
            finally:
                knocked = self.locks.release(lock)
            if backing_off or not (knocked or more):
                return
        self.schedule(conversation_id)

    def _take(
        self, conversation_id: str, lock: str, wait_key: str, scheduled: bool
    ) -> bool:
        """The send lock, unless a retry owns the backoff (the scheduled retry
        itself ignores it) or another sender holds it (then it was knocked:
        it looks again after releasing).

        The backoff is read with the lock taken (one round trip); a flush that
        must step aside lets the lock go at once. During a backoff only the
        scheduled retry knocks (other flushes read the backoff first), so a
        knock heard then hands its work to a send task at the backoff's end."""
        if scheduled:
            return self.locks.acquire_or_knock(lock)
        due, taken = self.locks.peek_and_acquire(wait_key, lock)
        if not self._backing_off(due):
            return taken or self.locks.knock(lock)
        if taken and self.locks.release(lock):
            self.schedule(conversation_id, max(0.0, due - time.time()))
        return False

    def _send_all(self, conversation_id: str, wait_key: str) -> tuple[bool, bool]:
        """Send a page in order. Returns (backing off: a retry was scheduled,
        more: the page was full, more may wait).

        The messages sent in one pass are marked sent together at its end (also
        when it stops early), not one commit between two sends: a crash in
        between re-sends those few messages, as at-least-once allows.
        """
        rows = outbox.pending(self.url, conversation_id)
        sent_rows: list[tuple[OutboundRow, str]] = []
        try:
            backing_off = self._send_rows(conversation_id, rows, wait_key, sent_rows)
        finally:
            outbox.mark_sent(self.url, sent_rows)
        return backing_off, len(rows) >= outbox.PAGE

    def _send_rows(
        self,
        conversation_id: str,
        rows: list[OutboundRow],
        wait_key: str,
        sent_rows: list[tuple[OutboundRow, str]],
    ) -> bool:
        for row in rows:
            fields = dict(
                conversation=conversation_id,
                outbound_id=row.id,
                inbox_id=row.inbox_id,
                attempts=row.attempts + 1,
            )
            try:
                sent = self.platforms[row.platform].send(json.loads(row.body_json))
            except SendRetry as error:
                if row.attempts + 1 > self.retries:
                    outbox.record_failure(self.url, row, str(error), "dead")
                    log_event(logger, logging.ERROR, "send_dead", error=error, **fields)
                    continue
                outbox.record_failure(self.url, row, str(error), "pending")
                delay = error.delay or self.retry_delay * 2**row.attempts
                delay = min(delay, self.max_delay)
                self.huey.put(wait_key, time.time() + delay)
                self.schedule(conversation_id, delay)
                log_event(
                    logger,
                    logging.WARNING,
                    "send_retry",
                    delay=delay,
                    error=error,
                    **fields,
                )
                return True
            except SendGiveUp as error:
                outbox.record_failure(self.url, row, str(error), "given_up")
                log_event(
                    logger, logging.WARNING, "send_given_up", error=error, **fields
                )
                continue
            except SendRefused as error:
                outbox.record_failure(self.url, row, str(error), "dead")
                log_event(logger, logging.ERROR, "send_refused", error=error, **fields)
                continue
            except Exception as error:  # a bug or an unknown failure: never pending
                reason = f"unexpected {type(error).__name__}: {error}"[:500]
                outbox.record_failure(self.url, row, reason, "dead")
                logger.exception("send_failed_unexpectedly outbound_id=%s", row.id)
                continue
            sent_rows.append((row, sent.platform_message_id))
            log_event(
                logger,
                logging.INFO,
                "message_sent",
                platform_message_id=sent.platform_message_id,
                **fields,
            )
        return False
