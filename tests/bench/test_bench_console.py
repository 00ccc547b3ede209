"""bench/console.py on a tiny store, so the benchmark cannot rot: its rows are
the ones Rasa's own SQLTrackerStore writes, and the whole run works."""

from __future__ import annotations

import asyncio
import json
import sqlite3

from bench import console as bench
from bench import tracker_fill
from tests.console.conftest import RasaTracker, bot, user

COLUMNS = "sender_id, type_name, intent_name, action_name, data"


def rows(path, sender: str = "%") -> list[tuple]:
    with sqlite3.connect(path) as db:
        query = f"SELECT {COLUMNS} FROM events WHERE sender_id LIKE ? ORDER BY id"
        return db.execute(query, (sender,)).fetchall()


def comparable(row: tuple) -> tuple:
    """A row without what differs between any two writes: time and message id."""
    data = json.loads(row[-1])
    data.pop("timestamp"), data.pop("message_id", None)
    return (*row[1:-1], data)


def test_generated_rows_are_the_ones_rasa_writes(tmp_path):
    path = tmp_path / "tracker.db"
    long_id = tracker_fill.generate(path, conversations=5, events=200, long=60)
    assert len(rows(path, long_id)) == 60
    generated = rows(path)
    assert len(generated) == 200
    rasa = RasaTracker(tmp_path / "rasa.db")
    text, intent, confidence, answer = tracker_fill.TURNS[1]
    rasa.add(
        "messenger:by-rasa",
        [
            user(text, intent, confidence, 1.0, greet=round(1 - confidence, 2)),
            bot(answer, 2.0, response=f"utter_{intent}"),
        ],
    )
    by_rasa = [comparable(r) for r in rows(rasa.path, "messenger:by-rasa")]
    ours = [comparable(r) for r in generated]
    user_row = next(r for r in ours if r[0] == "user" and r[1] == intent)
    bot_row = next(r for r in ours if r[0] == "bot" and r[-1]["text"] == answer)
    user_row[-1]["input_channel"] = None  # the fixture's messages come from no channel
    assert [user_row, bot_row] == by_rasa[-2:]

    async def read_back():
        return await rasa.store.retrieve(long_id)

    rasa.store = type(rasa.store)(rasa.domain, dialect="sqlite", db=str(path))
    tracker = asyncio.run(read_back())  # Rasa reads the generated rows back
    assert len(tracker.events) == 59  # the session, from `session_started` on
    assert tracker.latest_message.intent["name"] in {t[1] for t in tracker_fill.TURNS}


def test_the_bench_runs_on_a_tiny_store(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "VAR_DIR", "TRACKER_DB"):  # run() sets them
        monkeypatch.setenv(name, "")
    figures = bench.run(tmp_path, conversations=20, events=400, long=100, loads=1)
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        total, kept = db.execute(
            "SELECT count(*), sum(type_name IN ('user', 'bot')"
            " OR (type_name = 'action' AND action_name != 'action_listen'))"
            " FROM events"
        ).fetchone()
    assert total == 400 + 3 * 50  # three rounds of 50 new events
    with sqlite3.connect(tmp_path / "club.db") as db:
        copied = db.execute("SELECT count(*) FROM copied_events").fetchone()[0]
        conversations = db.execute("SELECT count(*) FROM conversation_summaries")
        assert conversations.fetchone() == (20,)
    assert copied == kept
    by_name = {f[0]: f for f in figures}
    for page in (
        "dashboard, 30 days",
        "conversation list",
        "conversation of 100 events",
    ):
        assert by_name[page][-1] == "HTTP 200"
        assert by_name[page][2] < 5.0
    table = bench.table(figures)
    assert "| copy and collect 50 new events |" in table and "| yes |" in table
