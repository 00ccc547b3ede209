"""Retention: old message bodies, transcripts, web trackers and look-up
attempts are forgotten; redelivery keys stay."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta

from huey import MemoryHuey
from sqlalchemy import select

from bot.bridge.store import inbox
from bot.bridge.store.records import ChatMessage, InboxMessage, OutboundMessage
from bot.bridge.store.retention import forget, schedule_nightly
from bot.club.database import session_scope
from bot.club.models import LookupAttempt

NOW = datetime(2026, 12, 4, 3, 17)
OLD = NOW - timedelta(days=91)
RECENT = NOW - timedelta(days=1)


def tracker_file(tmp_path):
    path = tmp_path / "tracker.db"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, "
            "type_name TEXT, timestamp REAL, intent_name TEXT, action_name TEXT, "
            "data TEXT)"
        )
        rows = [
            ("web:old", OLD.timestamp(), "bé NE0101 học ở Na Mèo"),
            ("web:old", (OLD + timedelta(hours=1)).timestamp(), "..."),
            ("web:recent", OLD.timestamp(), "..."),
            ("web:recent", RECENT.timestamp(), "..."),
            ("messenger:old", OLD.timestamp(), "..."),
        ]
        conn.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, data) "
            "VALUES (?, 'bot', ?, ?)",
            rows,
        )
        # What the old tracker look-up left (an empty conversation per retried
        # turn), one that somehow holds a user message, and a real id.
        misnamed = [
            ("zalo%3A123", "action"),
            ("zalo%3A123", "session_started"),
            ("messenger%3A9", "action"),
            ("web%3Aabc", "user"),
            ("zalo:93A1", "action"),
        ]
        conn.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, data) "
            "VALUES (?, ?, 0, '{}')",
            misnamed,
        )
    return path


def test_old_bodies_transcripts_trackers_and_attempts_are_forgotten(db_url, tmp_path):
    meta = {"messenger": {"psid": "p"}}
    inbox.accept(db_url, "messenger", "mid-old", "messenger:p", "0912 345 678", meta)
    inbox.accept(db_url, "messenger", "mid-new", "messenger:p", "chào ad", meta)
    with session_scope(db_url) as session, session.begin():
        for row in session.scalars(select(InboxMessage)):
            row.status = "done"
            row.received_at = OLD if row.message_id == "mid-old" else RECENT
        session.add_all(
            [
                OutboundMessage(
                    platform="messenger",
                    conversation_id="messenger:p",
                    recipient_id="p",
                    body_json=json.dumps({"text": "em học ở Na Mèo"}),
                    status="sent",
                    created_at=OLD,
                ),
                ChatMessage(
                    conversation_id="web:old", sender="bot", text="x", created_at=OLD
                ),
                ChatMessage(
                    conversation_id="web:new", sender="bot", text="y", created_at=RECENT
                ),
                LookupAttempt(conversation_id="web:old", created_at=OLD),
            ]
        )
    done = forget(db_url, f"sqlite:///{tracker_file(tmp_path)}", 90, NOW)
    assert (done.inbox_texts, done.outbox_bodies, done.transcripts) == (1, 1, 1)
    assert (done.web_trackers, done.lookup_attempts) == (1, 1)
    assert done.misnamed_trackers == 2
    with session_scope(db_url) as session:
        rows = session.execute(select(InboxMessage.message_id, InboxMessage.text))
        texts = {message_id: text for message_id, text in rows}
        assert texts == {"mid-old": "", "mid-new": "chào ad"}
        assert session.scalars(select(OutboundMessage.body_json)).one() == "{}"
        assert session.scalars(select(ChatMessage.conversation_id)).all() == ["web:new"]
        assert session.scalars(select(LookupAttempt)).all() == []
    with sqlite3.connect(tmp_path / "tracker.db") as conn:
        senders = {r[0] for r in conn.execute("SELECT sender_id FROM events")}
    assert senders == {"web:recent", "messenger:old", "web%3Aabc", "zalo:93A1"}
    # The redelivery key stays: Meta resending the old message is still dropped.
    assert (
        inbox.accept(db_url, "messenger", "mid-old", "messenger:p", "x", meta) is None
    )
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    assert forget(db_url, tracker_url, 90, NOW).inbox_texts == 0


def test_retention_runs_every_night_in_the_bridge(db_url):
    huey = MemoryHuey()
    runs = []
    schedule_nightly(huey, lambda: runs.append(1) or forget(db_url, None, 90, NOW))
    due = huey.read_periodic(datetime(2026, 12, 5, 3, 17))
    assert [task.name for task in due] == ["retention"]
    assert huey.read_periodic(datetime(2026, 12, 5, 4, 0)) == []
    huey.execute(due[0])
    assert runs == [1]
