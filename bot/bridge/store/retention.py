"""Forgetting what no longer needs keeping (a child's news, phones, names).

Every night (a huey periodic task of the bridge) and on demand (`python -m bot
retention`), for everything older than RETENTION_DAYS:

- inbox rows keep their (platform, message id) key, so a late redelivery is
  still recognised and dropped, but lose the text and metadata;
- outbox rows that are no longer pending lose their rendered body;
- web chat transcripts are deleted, and so are web chat conversations in
  Rasa's tracker store whose last event is that old;
- child look-up attempts are deleted (their one-hour locks are long over).

Whatever their age, it also deletes the empty conversations that the bridge's
tracker look-up created in Rasa's store before commit d061cff (ids such as
`zalo%3A123`: the look-up percent-encoded the `:`, and Rasa keeps an id as it
comes). Only those without a single user message go; no real id has `%3A`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from huey import crontab
from huey.api import Huey
from sqlalchemy import case, column, delete, func, inspect, or_, select, table, update
from sqlalchemy.sql import Select

from bot.bridge.store.records import ChatMessage, InboxMessage, OutboundMessage
from bot.club.database import get_engine
from bot.club.models import LookupAttempt
from bot.logs import log_event
from bot.settings import Settings

logger = logging.getLogger(__name__)

NIGHTLY = crontab(hour="3", minute="17")  # local time of the bridge


@dataclass(frozen=True)
class Forgotten:
    inbox_texts: int
    outbox_bodies: int
    transcripts: int
    web_trackers: int
    lookup_attempts: int
    misnamed_trackers: int


def forget(
    database_url: str, tracker_url: str | None, days: int, now: datetime
) -> Forgotten:
    cutoff = now - timedelta(days=days)
    with get_engine(database_url).begin() as conn:
        inbox = conn.execute(
            update(InboxMessage)
            .where(InboxMessage.received_at < cutoff, InboxMessage.status != "pending")
            .where((InboxMessage.text != "") | (InboxMessage.metadata_json != "{}"))
            .values(text="", metadata_json="{}")
        ).rowcount
        outbox = conn.execute(
            update(OutboundMessage)
            .where(OutboundMessage.created_at < cutoff)
            .where(OutboundMessage.status != "pending")
            .where(OutboundMessage.body_json != "{}")
            .values(body_json="{}")
        ).rowcount
        transcripts = conn.execute(
            delete(ChatMessage).where(ChatMessage.created_at < cutoff)
        ).rowcount
        attempts = conn.execute(
            delete(LookupAttempt).where(LookupAttempt.created_at < cutoff)
        ).rowcount
    trackers = misnamed = 0
    if tracker_url and _has_events(tracker_url):
        trackers = _forget_web_trackers(tracker_url, cutoff)
        misnamed = _forget_misnamed_trackers(tracker_url)
    return Forgotten(inbox, outbox, transcripts, trackers, attempts, misnamed)


def forget_now(settings: Settings) -> Forgotten:
    """What the nightly task and `python -m bot retention` run."""
    return forget(
        settings.database_url,
        settings.tracker_store_url,
        settings.retention_days,
        datetime.utcnow(),
    )


EVENTS = table("events", column("sender_id"), column("timestamp"), column("type_name"))
# How the old tracker look-up named a conversation (see the module's doc).
MISNAMED_PREFIXES = ("messenger%3A", "zalo%3A", "web%3A")


def _has_events(tracker_url: str) -> bool:
    """Whether Rasa's SQL tracker store (its `events` table) exists yet."""
    if tracker_url.startswith("sqlite:///") and not Path(tracker_url[10:]).exists():
        return False
    return inspect(get_engine(tracker_url)).has_table("events")


def _forget_web_trackers(tracker_url: str, cutoff: datetime) -> int:
    """Web chat conversations of Rasa's tracker store whose last event is
    older than `cutoff`; returns how many."""
    stale = (
        select(EVENTS.c.sender_id)
        .where(EVENTS.c.sender_id.like("web:%"))
        .group_by(EVENTS.c.sender_id)
        .having(func.max(EVENTS.c.timestamp) < cutoff.timestamp())
    )
    return _delete_conversations(tracker_url, stale)


def _forget_misnamed_trackers(tracker_url: str) -> int:
    """The empty conversations the old tracker look-up created; returns how
    many."""
    user_messages = func.sum(case((EVENTS.c.type_name == "user", 1), else_=0))
    misnamed = (
        select(EVENTS.c.sender_id)
        .where(
            or_(
                *(
                    EVENTS.c.sender_id.startswith(prefix, autoescape=True)
                    for prefix in MISNAMED_PREFIXES
                )
            )
        )
        .group_by(EVENTS.c.sender_id)
        .having(user_messages == 0)
    )
    return _delete_conversations(tracker_url, misnamed)


def _delete_conversations(tracker_url: str, senders_query: Select) -> int:
    with get_engine(tracker_url).begin() as conn:
        senders = [row[0] for row in conn.execute(senders_query)]
        if senders:
            conn.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(senders)))
    return len(senders)


def schedule_nightly(huey: Huey, run: Callable[[], Forgotten]) -> None:
    """Register the nightly run with the bridge's huey (its consumer runs it)."""

    def retention() -> None:
        forgotten = run()
        log_event(logger, logging.INFO, "retention_done", **forgotten.__dict__)

    huey.periodic_task(NIGHTLY, name="retention")(retention)
