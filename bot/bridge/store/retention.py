"""Forgetting what no longer needs keeping (a child's news, phones, names).

Every night (a huey periodic task of the bridge) and on demand (`python -m bot
retention`), for everything older than RETENTION_DAYS:

- inbox rows keep their (platform, message id) key, so a late redelivery is
  still recognised and dropped, but lose the text and metadata;
- outbox rows that are no longer pending lose their rendered body;
- web chat transcripts are deleted, and so are web chat conversations in
  Rasa's tracker store whose last event is that old;
- child look-up attempts are deleted (their one-hour locks are long over).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from huey import crontab
from huey.api import Huey
from sqlalchemy import column, delete, func, inspect, select, table, update

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
    trackers = _forget_web_trackers(tracker_url, cutoff) if tracker_url else 0
    return Forgotten(inbox, outbox, transcripts, trackers, attempts)


def forget_now(settings: Settings) -> Forgotten:
    """What the nightly task and `python -m bot retention` run."""
    return forget(
        settings.database_url,
        settings.tracker_store_url,
        settings.retention_days,
        datetime.utcnow(),
    )


def _forget_web_trackers(tracker_url: str, cutoff: datetime) -> int:
    """Web chat conversations of Rasa's SQL tracker store (its `events` table)
    whose last event is older than `cutoff`; returns how many."""
    if tracker_url.startswith("sqlite:///") and not Path(tracker_url[10:]).exists():
        return 0
    engine = get_engine(tracker_url)
    if not inspect(engine).has_table("events"):
        return 0
    events = table("events", column("sender_id"), column("timestamp"))
    stale = (
        select(events.c.sender_id)
        .where(events.c.sender_id.like("web:%"))
        .group_by(events.c.sender_id)
        .having(func.max(events.c.timestamp) < cutoff.timestamp())
    )
    with engine.begin() as conn:
        senders = [row[0] for row in conn.execute(stale)]
        if senders:
            conn.execute(delete(events).where(events.c.sender_id.in_(senders)))
    return len(senders)


def schedule_nightly(huey: Huey, run: Callable[[], Forgotten]) -> None:
    """Register the nightly run with the bridge's huey (its consumer runs it)."""

    def retention() -> None:
        forgotten = run()
        log_event(logger, logging.INFO, "retention_done", **forgotten.__dict__)

    huey.periodic_task(NIGHTLY, name="retention")(retention)
