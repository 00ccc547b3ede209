"""A made-up Rasa SQL tracker store for `bench/console.py`, written in seconds.

Rasa's own SQLTrackerStore creates the `events` table; the rows then go in with
one executemany in the format its `save` writes them (`data` is
`json.dumps(event.as_dict())` of a real Rasa event, `intent_name` and
`action_name` taken from it), so Rasa reads them back like its own
(tests/bench/test_bench_console.py checks both).
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
import uuid
from pathlib import Path

PLATFORMS = ("messenger", "messenger", "zalo", "zalo", "web")
TURNS = [  # what a user says, the intent, its confidence, the bot's answer
    ("xin chào", "greet", 0.98, "Dạ, CLB chào bạn ạ!"),
    ("mình muốn ủng hộ các em", "donate", 0.91, "Bạn có thể chuyển khoản ạ."),
    ("đăng ký tình nguyện viên thế nào", "register_volunteer", 0.88, "Bạn điền đơn ạ."),
    ("tra cứu em NE0101 sđt 0912 345 678", "lookup_child", 0.83, "Dạ, em Lan ạ."),
    ("sao kê tháng này đâu", "ask_statement", 0.74, "Sao kê ở trang web ạ."),
    ("ủng hộ sao", "donate", 0.45, "Bạn muốn ủng hộ chiến dịch nào ạ?"),
    ("cảm ơn nhiều", "thank", 0.97, "Dạ, CLB cảm ơn bạn ạ."),
    ("asdf ko hiểu gì", "nlu_fallback", 0.3, "Xin lỗi, mình chưa hiểu ạ."),
]
INSERT = (
    "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name,"
    " data) VALUES (?, ?, ?, ?, ?, ?)"
)


def _templates() -> dict:
    """One `as_dict()` of a real Rasa event per kind of row the bench writes."""
    from rasa.shared.core.events import (
        ActionExecuted,
        BotUttered,
        SessionStarted,
        UserUttered,
    )

    def user(text, intent, confidence):
        top = {"name": intent, "confidence": confidence}
        other = {"name": "greet", "confidence": round(1 - confidence, 2)}
        parse = {"text": text, "intent": top, "intent_ranking": [top, other]}
        return UserUttered(text, top, parse_data=parse, input_channel="rest")

    return {
        "start": [ActionExecuted("action_session_start").as_dict()]
        + [SessionStarted().as_dict(), ActionExecuted("action_listen").as_dict()],
        "turns": [
            [
                user(text, intent, confidence).as_dict(),
                ActionExecuted(f"utter_{intent}").as_dict(),
                BotUttered(
                    answer, metadata={"utter_action": f"utter_{intent}"}
                ).as_dict(),
                ActionExecuted("action_listen").as_dict(),
            ]
            for text, intent, confidence, answer in TURNS
        ],
    }


def _row(sender: str, data: dict, stamp: float) -> tuple:
    data = {**data, "timestamp": stamp}
    if data["event"] == "user":
        data["message_id"] = uuid.uuid4().hex
    intent = data.get("parse_data", {}).get("intent", {}).get("name")
    return (sender, data["event"], stamp, intent, data.get("name"), json.dumps(data))


def conversation_rows(sender, count, start, spacing, rng, templates) -> list[tuple]:
    """`count` events of one conversation: a session start, then turns."""
    found = list(templates["start"])
    while len(found) < count:
        turn = rng.choice(templates["turns"])
        found += turn
    return [_row(sender, d, start + i * spacing) for i, d in enumerate(found[:count])]


def generate(path: Path, conversations: int, events: int, long: int, days=30):
    """Write Rasa's tracker store; returns the long conversation's id."""
    from rasa.core.tracker_store import SQLTrackerStore

    SQLTrackerStore(None, dialect="sqlite", db=str(path)).engine.dispose()
    rng, templates, now = random.Random(12), _templates(), time.time() - 120
    span = days * 86400.0
    long_id = "messenger:bench-long"
    rows = conversation_rows(long_id, long, now - span, span / long, rng, templates)
    each, extra = divmod(events - long, conversations - 1)
    for i in range(conversations - 1):
        sender = f"{PLATFORMS[i % len(PLATFORMS)]}:bench-{i}"
        count = each + (i < extra)
        start = now - count * 60 - rng.uniform(0, span - count * 60)
        rows += conversation_rows(sender, count, start, 60.0, rng, templates)
    rows.sort(key=lambda r: r[2])  # Rasa's ids follow the time events came
    with sqlite3.connect(path) as db:
        db.executemany(INSERT, rows)
    return long_id


def add_new_events(path: Path, count: int, rng: random.Random, senders) -> None:
    """`count` events of whole turns just arrived in existing conversations."""
    templates, stamp = _templates(), time.time() - 3  # past the copy's settle time
    rows = []
    while len(rows) < count:
        sender = rng.choice(senders)
        turn = rng.choice(templates["turns"])
        rows += [_row(sender, e, stamp + len(rows) / 1000) for e in turn]
    with sqlite3.connect(path) as db:
        db.executemany(INSERT, rows[:count])
