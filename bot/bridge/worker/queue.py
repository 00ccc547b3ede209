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
marks the message done, then sent by `bot.bridge.worker.sender` (its own retries).

A drain that finds the conversation locked knocks and returns: the lock
holder, learning of the knock as it releases the lock (`Locks.release`), looks
for pending messages again. A message is committed before its drain tries the
lock, so nothing is left behind, no task waits for huey's scheduler (whose
clock ticks once a second), and a drain that nobody knocked on ends without
another query.

Locks live in huey's storage and name the process that holds them; every
process keeps a heartbeat there (`Locks`), so the locks of a process that died
are cleared at startup and by the keeper thread, on SQLite and on Redis alike.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from huey import RedisHuey, SqliteHuey
from huey.api import Huey, Task
from huey.exceptions import RetryTask
from huey.storage import SqliteStorage

from bot.bridge.store import inbox, outbox
from bot.bridge.store.records import InboxRow
from bot.bridge.worker.locks import Locks
from bot.bridge.worker.rasa_client import RasaUnavailable
from bot.bridge.worker.sender import OutboundSender
from bot.bridge.worker.turns import TurnProcessor
from bot.club import tickets
from bot.club.database import held_connection
from bot.logs import log_event

logger = logging.getLogger(__name__)

RETRIES = 8  # 1+2+4+...+128 s: about four minutes of Rasa downtime before giving up
RETRY_DELAY = 1
MAX_RETRY_DELAY = 300
TASK_RETRIES = 50  # huey-level retries of a drain task (lost-connection safety)
MAX_PASSES = 20  # a drain that keeps finding new messages re-queues itself after this
HEARTBEAT_EVERY = (
    5.0  # seconds between a process's heartbeats (see bot.bridge.worker.locks)
)
RETRY_OWNER_GRACE = 120.0  # a retry owner this late is presumed lost (crash)
# How long a worker holds a message it runs (inbox.claim): longer than any
# turn, which Rasa's timeout bounds (the app passes 2 x RASA_TIMEOUT + 60 s).
CLAIM_LEASE = 120.0
STALL_AFTER = 10.0  # seconds pending work waits before the keeper schedules it again
# The same while tasks wait in the queue: the work is in line behind them, not
# lost, so a second task for it would only lengthen the line.
BACKLOG_STALL_AFTER = 120.0
WEB_PREFIX = "web:"
WEB_WAIT = 0.2  # a web drain finding no free web slot tries again this much later


class QueueStorage(SqliteStorage):
    """huey's SQLite storage, tuned for the bridge.

    `synchronous=NORMAL` (WAL): the queue file holds only derived state. The
    inbox and outbox tables are the truth and `ConversationQueue.resume`
    re-schedules their pending work at every start, so a task lost with the
    last commits before a power cut is re-created; the queue need not pay an
    fsync per commit (SQLite's default, FULL). NORMAL never corrupts the file.

    Waking idle workers: huey's consumer polls a non-blocking storage and
    sleeps in between, so a task waited up to a whole poll interval. Here an
    idle worker waits on a condition that `enqueue` signals (webhooks and
    huey's scheduler run in this process), and looks at the file anyway after
    `wait` seconds for work enqueued by another process (the staff CLI).
    """

    blocking = True  # dequeue waits by itself; the consumer does not sleep

    def __init__(self, *args: Any, wait: float = 0.01, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wait = wait
        self._work = threading.Condition()
        self._generation = 0

    def _create_connection(self):
        conn = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn

    def enqueue(self, data, priority=None) -> None:
        super().enqueue(data, priority)
        with self._work:
            self._generation += 1
            self._work.notify()

    def dequeue(self):
        with self._work:
            seen = self._generation
        data = super().dequeue()
        if data is None:
            with self._work:
                if self._generation == seen:  # nothing enqueued meanwhile
                    self._work.wait(self._wait)
        return data


class NoRevokes:
    """The bridge never revokes a task, so huey's revocation lookup before
    each task and its clean-up after (a storage round trip each, a turn's
    drain included) are skipped; revoking raises instead of being silently
    ignored."""

    def is_revoked(self, task: Any, timestamp: Any = None, peek: bool = True) -> bool:
        return False

    def revoke(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("the bridge's tasks cannot be revoked")

    def delete(self, key: str) -> Any:
        """huey clears a task's revocation flag ("r:<task id>") after every
        task it runs: a storage round trip per turn for a flag never set."""
        return False if key.startswith("r:") else super().delete(key)

    revoke_all = revoke_by_id = revoke


class BridgeRedisHuey(NoRevokes, RedisHuey):
    pass


class BridgeSqliteHuey(NoRevokes, SqliteHuey):
    pass


def make_huey(
    queue_file: Path, queue_url: str = "", poll_interval: float = 0.01
) -> Huey:
    """SQLite file by default; Redis (same tasks, same locks) for scale-out.

    Redis workers block on the list (BRPOP); SQLite workers are woken by
    `QueueStorage.enqueue` and look at the file every `poll_interval`."""
    if queue_url:
        return BridgeRedisHuey(name="bridge", url=queue_url, results=False)
    queue_file.parent.mkdir(parents=True, exist_ok=True)
    return BridgeSqliteHuey(
        name="bridge",
        filename=str(queue_file),
        results=False,
        storage_class=QueueStorage,
        wait=poll_interval,
    )


class ConversationQueue:
    def __init__(
        self,
        database_url: str,
        queue_file: Path,
        turns: TurnProcessor,
        retries: int = RETRIES,
        retry_delay: float = RETRY_DELAY,
        send_retries: int = 6,
        send_retry_delay: float = 2.0,
        queue_url: str = "",
        poll_interval: float = 0.01,
        huey: Huey | None = None,
        locks: Locks | None = None,
        claim_lease: float = CLAIM_LEASE,
    ) -> None:
        self.database_url = database_url
        self.claim_lease = claim_lease
        # Claims (row id: token) whose turn failed here before they were let go.
        self._stranded: dict[int, datetime] = {}
        self.turns = turns
        self.retries = retries
        self.retry_delay = retry_delay
        self.poll_interval = poll_interval
        self.single_process = not queue_url
        self.huey = huey or make_huey(queue_file, queue_url, poll_interval)
        self.locks = locks or Locks(self.huey)
        self._drain_task = self.huey.task(
            retries=TASK_RETRIES,
            retry_delay=1,
            context=True,
            name="drain_conversation",
        )(self._drain)
        senders = {k: p for k, p in turns.platforms.items() if p.sends}
        self.sender = OutboundSender(
            database_url,
            self.huey,
            senders,
            send_retries,
            send_retry_delay,
            locks=self.locks,
        )
        self._keeper: threading.Thread | None = None
        self._stop = threading.Event()
        self._web_slots = threading.BoundedSemaphore(1)  # set by `consumer`

    def submit(
        self,
        platform: str,
        message_id: str,
        conversation_id: str,
        text: str,
        metadata: dict[str, Any],
    ) -> InboxRow | None:
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
    ) -> InboxRow | None:
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
        """Enqueue a drain. The message is already in the inbox, so if the
        queue's storage is unreachable (Redis restarting) the keeper's sweep
        schedules it once that storage is back (`_sweep`)."""
        try:
            self._drain_task(conversation_id)
        except Exception as error:
            log_event(
                logger,
                logging.ERROR,
                "schedule_failed",
                conversation=conversation_id,
                error=f"{type(error).__name__}: {error}",
            )

    def resume(self) -> int:
        """Re-schedule work left by a crash or restart (inbox and outbox).

        Also clears what a dead process left in the queue's storage: on SQLite
        only this process uses the queue, so every lock and retry owner is
        stale; on Redis other live processes share it, so only the locks of
        processes whose heartbeat stopped are cleared (`Locks.reap`), and a
        retry owner overdue by `RETRY_OWNER_GRACE` is ignored by `_drain`.
        A conversation whose lock a dead process held was cut off mid-turn
        (`inbox.mark_interrupted`: its message is not run at Rasa twice).
        """
        stale: list[str] = []
        if self.single_process:
            stale = self.locks.held()
            self.huey.storage.flush_results()
        self.locks.beat()
        self._interrupted(stale + self.locks.reap())
        conversations = inbox.pending_conversations(self.database_url)
        for conversation_id in conversations:
            self.schedule(conversation_id)
        return len(conversations) + self.sender.resume()

    def start_keeper(self, every: float = HEARTBEAT_EVERY) -> None:
        """Heartbeat, and re-schedule what a dead process's locks held up."""
        if self._keeper is not None:
            return
        self._stop.clear()
        self._keeper = threading.Thread(
            target=self._keep, args=(every,), name="queue-keeper", daemon=True
        )
        self._keeper.start()

    def stop_keeper(self) -> None:
        self._stop.set()
        if self._keeper is not None:
            self._keeper.join(timeout=10)
        self._keeper = None

    def _keep(self, every: float) -> None:
        while not self._stop.wait(every):
            try:
                self.locks.beat()
                self._sweep()
                freed = self.locks.reap()
                self._interrupted(freed)
                for name in freed:
                    kind, _, conversation_id = name.partition(":")
                    log_event(
                        logger,
                        logging.WARNING,
                        "stale_lock_cleared",
                        lock=kind,
                        conversation=conversation_id,
                    )
                    if kind == "conversation":
                        self.schedule(conversation_id)
                    elif kind == "send":
                        self.sender.schedule(conversation_id)
            except Exception as error:  # storage briefly unreachable: next beat
                log_event(logger, logging.ERROR, "keeper_failed", error=str(error))

    def _sweep(self) -> None:
        """Schedule again the work that has waited `STALL_AFTER`: its task was
        lost if the queue's Redis restarted empty. A drain or send finding the
        work taken or owned by a pending retry returns at once, but a spare
        task still costs a worker round trips, so while tasks wait in the
        queue (a burst the workers have not caught up with) only work older
        than `BACKLOG_STALL_AFTER` is scheduled again."""
        stall = BACKLOG_STALL_AFTER if self.huey.pending_count() else STALL_AFTER
        since = datetime.utcnow() - timedelta(seconds=stall)
        for conversation_id in inbox.stalled_conversations(self.database_url, since):
            self.schedule(conversation_id)
        for conversation_id in outbox.stalled_conversations(self.database_url, since):
            self.sender.nudge(conversation_id)

    def _interrupted(self, freed_locks: list[str]) -> None:
        for name in freed_locks:
            kind, _, conversation_id = name.partition(":")
            if kind == "conversation":
                inbox.mark_interrupted(self.database_url, conversation_id)

    @staticmethod
    def _retry_owner(value: Any) -> str | None:
        """The task retrying this conversation (the value of its owner key),
        unless it is long overdue (lost in a crash while running: huey had
        already dequeued it)."""
        if not value:
            return None
        task_id, due = value if isinstance(value, (list, tuple)) else (value, None)
        if due is not None and time.time() > due + RETRY_OWNER_GRACE:
            return None
        return task_id

    def _drain(self, conversation_id: str, task: Task | None = None) -> None:
        """Answer a conversation's pending messages. Web chat conversations
        use at most `web_share` workers at once, so Messenger and Zalo users
        are never all waiting behind web chat load (see `consumer`)."""
        if not conversation_id.startswith(WEB_PREFIX):
            return self._drain_line(conversation_id, task)
        if not self._web_slots.acquire(blocking=False):
            self._drain_task.schedule(args=(conversation_id,), delay=WEB_WAIT)
            return None
        try:
            return self._drain_line(conversation_id, task)
        finally:
            self._web_slots.release()

    def _drain_line(self, conversation_id: str, task: Task | None = None) -> None:
        """One pooled database connection serves the whole drain, its turns
        and their sends (`held_connection`)."""
        with held_connection(self.database_url):
            self._drain_held(conversation_id, task)

    def _drain_held(self, conversation_id: str, task: Task | None) -> None:
        me = task.id if task is not None else "direct"
        owner_key = f"retry-owner:{conversation_id}"
        lock = f"conversation:{conversation_id}"
        for _ in range(MAX_PASSES):
            took, owner = self._take(conversation_id, lock, owner_key, me)
            if not took:
                return
            try:
                taken, more = self._answer_pending(conversation_id, me, owner_key)
                if owner and not taken:
                    self.huey.delete(owner_key)
            finally:
                knocked = self.locks.release(lock)
            if taken and knocked:
                self.schedule(conversation_id)  # the knock was for the other worker
            # Look again after a full page, when a message stored while we
            # held the lock, whose own drain found it taken, knocked, or when
            # we owned the line: drains stepped aside for us without knocking.
            if taken or not (knocked or more or owner):
                return
        self.schedule(conversation_id)  # others have waited long enough

    def _take(
        self, conversation_id: str, lock: str, owner_key: str, me: str
    ) -> tuple[bool, str | None]:
        """(took, owner): whether this drain holds the conversation's lock,
        and the line's retry owner if it is this drain. It steps aside when a
        retry owns the line (the task that met the failure retries it whole)
        or another drain holds the lock (then it was knocked: it looks again
        after releasing).

        The owner is read with the lock taken (one round trip); a drain that
        must step aside lets the lock go at once. While a retry owns the line
        only its own task knocks (other drains read the owner first): a knock
        heard then means the retry came due and found the lock taken here,
        so the line is given to a new drain."""
        value, taken = self.locks.peek_and_acquire(owner_key, lock)
        owner = self._retry_owner(value)
        if not owner or owner == me:
            return taken or self.locks.knock(lock), owner
        if taken and self.locks.release(lock):
            self.huey.delete(owner_key)
            self.schedule(conversation_id)
        return False, None

    def _answer_pending(
        self, conversation_id: str, me: str, owner_key: str
    ) -> tuple[bool, bool]:
        """Answer a page of pending messages in order (lock held). Returns
        (taken: another worker holds one of them and looks again after,
        more: the page was full, more may wait)."""
        rows = inbox.pending(self.database_url, conversation_id)
        for row in rows:
            claim, token = self._claim(row)
            if claim == "taken":
                return True, False
            delay = self._process_claimed(row, claim == "paused", token)
            if delay is not None:
                self.huey.put(owner_key, (me, time.time() + delay))
                raise RetryTask(delay=delay)
        return False, len(rows) >= inbox.PAGE

    def _claim(self, row: InboxRow) -> tuple[str, datetime | None]:
        """Hold the message in the database while its turn runs (inbox.claim):
        "run" with the claim's token; "paused" while staff handle the
        conversation (not claimed: the bot stays silent); "taken" when another
        worker holds it."""
        held = self._stranded.get(row.id)
        token = inbox.claim(self.database_url, row, self.claim_lease, held)
        self._stranded.pop(row.id, None)
        if token is None:
            if tickets.is_paused(self.database_url, row.conversation_id):
                return "paused", None
            return "taken", None
        if held is not None or row.claimed_until is not None:
            # An earlier try (ours that failed, or a lapsed claim) may have
            # reached Rasa: look in its tracker before asking again.
            row.attempts = max(row.attempts, 1)
        return "run", token

    def _process_claimed(
        self, row: InboxRow, paused: bool, token: datetime | None
    ) -> float | None:
        """`_process`; a turn that fails unexpectedly (the database went away)
        leaves the claim in place: this process takes it again on the retry
        instead of waiting for the lease to run out (if it is still its own:
        `inbox.claim`)."""
        try:
            return self._process(row, paused)
        except BaseException:
            if token is not None:
                self._stranded[row.id] = token
            raise

    def _process(self, row: InboxRow, paused: bool) -> float | None:
        """Answer one message; returns a retry delay when Rasa must be retried."""
        if paused:
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
            self.turns.give_up(row, str(error))
            self._flush(row)
            return None
        self._flush(row)
        return None

    def _flush(self, row: InboxRow) -> None:
        if row.platform in self.sender.platforms:
            self.sender.flush(row.conversation_id)

    def replay(self, kind: str, row_id: int) -> str | None:
        """Put a dead letter back in line (staff); returns its conversation."""

        conversation_id = outbox.reopen(self.database_url, kind, row_id)
        if conversation_id is None:
            return None
        if kind == "inbox":
            self.schedule(conversation_id)
        else:
            self.sender.schedule(conversation_id)
        return conversation_id

    def consumer(self, workers: int):
        """huey's consumer (its polling delays matter only for a storage
        that does not block; both of ours do, see `make_huey`)."""
        self._web_slots = threading.BoundedSemaphore(max(1, workers - 1))
        return self.huey.create_consumer(
            workers=workers,
            worker_type="thread",
            periodic=True,  # the nightly retention (bot.bridge.store.retention)
            check_worker_health=True,
            initial_delay=self.poll_interval,
            max_delay=self.poll_interval,
            backoff=1.0,
        )
