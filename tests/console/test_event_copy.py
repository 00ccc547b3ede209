"""The incremental copy of Rasa's tracker store (real SQLTrackerStore file)."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.club.database import get_engine, session_scope
from bot.console import event_copy
from bot.console.rows import ConversationSummary, CopiedEvent
from tests.console.conftest import action, bot, user

T0 = time.time() - 3600


def copied(db_url) -> list[CopiedEvent]:
    with session_scope(db_url) as session:
        return list(session.scalars(select(CopiedEvent).order_by(CopiedEvent.id)))


def summary(db_url, cid) -> ConversationSummary:
    with session_scope(db_url) as session:
        return session.get(ConversationSummary, cid)


def test_copies_messages_and_actions_not_listens_or_slots(db_url, rasa_tracker):
    from rasa.shared.core.events import SlotSet

    rasa_tracker.add(
        "messenger:42",
        [
            action("action_listen", T0),
            user("tra cứu bé NE0101", "lookup_child", 0.91, T0 + 1, donate=0.05),
            SlotSet("child_code", "NE0101", timestamp=T0 + 2),
            action("action_lookup_child", T0 + 2),
            bot("Dạ, bạn cho mình số điện thoại nhé.", T0 + 3, "utter_ask_phone"),
            action("action_listen", T0 + 4),
        ],
    )
    result = event_copy.copy_new_events(db_url, rasa_tracker.url)
    rows = copied(db_url)
    assert [r.kind for r in rows] == ["user", "action", "bot"]
    said, did, answered = rows
    assert (said.text, said.intent, said.confidence) == (
        "tra cứu bé NE0101",
        "lookup_child",
        0.91,
    )
    assert json.loads(said.ranking) == [["lookup_child", 0.91], ["donate", 0.05]]
    assert did.action == "action_lookup_child"
    assert (answered.text, answered.action) == (
        "Dạ, bạn cho mình số điện thoại nhé.",
        "utter_ask_phone",
    )
    assert result.copied == 3 and result.read > 3  # slots and listens were read
    found = summary(db_url, "messenger:42")
    assert (found.platform, found.user_messages, found.fallbacks) == ("messenger", 1, 0)
    assert found.low_confidence == 0 and found.review_state == "new"


def test_fallbacks_and_low_confidence_are_counted(db_url, rasa_tracker):
    rasa_tracker.add(
        "zalo:7",
        [
            user("asdf qwer", "nlu_fallback", 0.3, T0, greet=0.2, donate=0.1),
            user("ủng hộ sao ạ", "donate", 0.55, T0 + 5),
            user("chào ad", "greet", 0.97, T0 + 9),
        ],
    )
    event_copy.copy_new_events(db_url, rasa_tracker.url)
    first = copied(db_url)[0]
    assert first.fell_back and json.loads(first.ranking)[0] == ["greet", 0.2]
    found = summary(db_url, "zalo:7")
    assert (found.user_messages, found.fallbacks, found.low_confidence) == (3, 1, 2)


def test_each_event_is_copied_once_and_new_ones_reopen_the_review(db_url, rasa_tracker):
    rasa_tracker.add("web:abc", [user("xin chào", "greet", 0.9, T0)])
    event_copy.copy_new_events(db_url, rasa_tracker.url)
    with session_scope(db_url) as session, session.begin():
        session.get(ConversationSummary, "web:abc").review_state = "reviewed"
    assert event_copy.copy_new_events(db_url, rasa_tracker.url).read == 0
    assert summary(db_url, "web:abc").review_state == "reviewed"

    rasa_tracker.add("web:abc", [user("cảm ơn", "thank", 0.9, T0 + 60)])
    assert event_copy.copy_new_events(db_url, rasa_tracker.url).copied == 1
    assert [r.text for r in copied(db_url)] == ["xin chào", "cảm ơn"]
    found = summary(db_url, "web:abc")
    assert found.user_messages == 2 and found.review_state == "new"
    assert (found.last_at - found.first_at).total_seconds() == 60


def test_events_still_settling_wait_for_the_next_call(db_url, rasa_tracker):
    now = time.time()
    rasa_tracker.add(
        "messenger:1",
        [user("một", "greet", 0.9, now - 10), user("hai", "greet", 0.9, now - 0.5)],
    )
    event_copy.copy_new_events(db_url, rasa_tracker.url, now=now)
    assert [r.text for r in copied(db_url)] == ["một"]
    event_copy.copy_new_events(db_url, rasa_tracker.url, now=now + 5)
    assert [r.text for r in copied(db_url)] == ["một", "hai"]


def test_reads_in_batches(db_url, rasa_tracker, monkeypatch):
    monkeypatch.setattr(event_copy, "BATCH", 3)
    rasa_tracker.add(
        "zalo:9", [user(f"tin {i}", "greet", 0.9, T0 + i) for i in range(10)]
    )
    assert event_copy.copy_new_events(db_url, rasa_tracker.url).copied == 10
    assert summary(db_url, "zalo:9").user_messages == 10


def test_no_tracker_store_yet_copies_nothing(db_url, tmp_path):
    missing = f"sqlite:///{tmp_path / 'rasa-not-started.db'}"
    assert event_copy.copy_new_events(db_url, missing) == event_copy.Copied(0, 0)


def _row(cid: str, kind: str, at: datetime, fell_back: bool = False) -> dict:
    confidence = 0.3 if fell_back else 0.9 if kind == "user" else None
    return {
        "conversation_id": cid,
        "kind": kind,
        "at": at,
        "fell_back": fell_back,
        "confidence": confidence,
    }


def check_summary_upsert(db_url: str) -> None:
    """One statement per batch adds to known conversations and inserts new
    ones (also run on PostgreSQL by tests/integration/test_postgres.py)."""
    t0 = datetime(2026, 12, 1, 8, 0)
    engine = get_engine(db_url)
    with engine.begin() as conn:
        event_copy._update_summaries(conn, [_row("zalo:1", "user", t0)])
    with session_scope(db_url) as session, session.begin():
        session.get(ConversationSummary, "zalo:1").review_state = "reviewed"
    later, earlier = t0 + timedelta(minutes=5), t0 - timedelta(minutes=5)
    with engine.begin() as conn:
        event_copy._update_summaries(
            conn,
            [
                _row("zalo:1", "bot", later),
                _row("messenger:2", "user", t0, fell_back=True),
                _row("messenger:2", "user", later),
            ],
        )
    known, new = summary(db_url, "zalo:1"), summary(db_url, "messenger:2")
    assert (known.user_messages, known.last_at, known.review_state) == (
        1,
        later,
        "reviewed",  # only a bot message: nothing for staff to look at again
    )
    assert (new.platform, new.first_at, new.last_at) == ("messenger", t0, later)
    assert (new.user_messages, new.fallbacks, new.low_confidence) == (2, 1, 1)
    with engine.begin() as conn:
        event_copy._update_summaries(conn, [_row("zalo:1", "user", earlier)])
    known = summary(db_url, "zalo:1")
    assert (known.user_messages, known.first_at, known.last_at) == (2, t0, later)
    assert known.review_state == "new"


def test_one_batch_adds_to_known_conversations_and_inserts_new(db_url):
    check_summary_upsert(db_url)
