"""Console speed benchmark (issue #12 "Speed"): `make bench-console`.

Generates Rasa's SQL tracker store on a SQLite file under var/bench/ (2,000
conversations, 200,000 events, one conversation of 20,000 by default): Rasa's
own SQLTrackerStore creates the `events` table, then the rows go in with one
executemany in Rasa's format (`data` is `json.dumps(event.as_dict())` of a real
Rasa event, as `SQLTrackerStore.save` writes it), so generation takes seconds.
Then it times the console's first full copy of the store, incremental copies
of 50 new events, and the console's pages served by the real app (a logged-in
Flask test client, no network): median of several loads after a warm-up one.

Targets: every page under a second; a copy of 50 new events under a second
(it keeps up with 50 events a second). Promotion under `make bench-load`'s load
is measured by the retrain work, not here.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
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
STAFF, PASSWORD = "bench.admin", "mat-khau-bench-dai"


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


def _app(workdir: Path, db_url: str):
    os.environ.update(DATABASE_URL=db_url, VAR_DIR=str(workdir))
    os.environ["TRACKER_DB"] = str(workdir / "tracker.db")
    from bot.bridge.app import build_queue, create_app
    from bot.club.staff import create_staff
    from bot.settings import load_settings

    settings = load_settings(workdir / "none.env")
    create_staff(db_url, STAFF, PASSWORD, role="admin")
    app = create_app(settings, build_queue(settings))
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    form = {"username": STAFF, "password": PASSWORD, "csrf_token": token}
    assert client.post("/admin/login", data=form).status_code == 302
    return app, client


def time_page(app, client, path: str, loads: int) -> tuple[float | None, float, int]:
    """Seconds of the first load and the median of `loads` more; None if not built."""
    from werkzeug.exceptions import NotFound

    try:
        app.url_map.bind("localhost").match(path.split("?")[0])
    except NotFound:
        return None, 0.0, 404
    began = time.perf_counter()
    status = client.get(path).status_code
    first = time.perf_counter() - began
    took = []
    for _ in range(loads):
        began = time.perf_counter()
        status = max(status, client.get(path).status_code)
        took.append(time.perf_counter() - began)
    return statistics.median(took), first, status


def run(workdir: Path, conversations: int, events: int, long: int, loads: int):
    """Generate, copy, time the pages; returns the figures as table rows."""
    from bot.console.event_copy import copy_new_events
    from bot.ops.schema import migrate

    tracker, db_url = workdir / "tracker.db", f"sqlite:///{workdir / 'club.db'}"
    began = time.perf_counter()
    long_id = generate(tracker, conversations, events, long)
    figures = [
        ("generate the tracker store", None, time.perf_counter() - began, None, "")
    ]
    migrate(db_url)
    began = time.perf_counter()
    copied = copy_new_events(db_url, f"sqlite:///{tracker}")
    took = time.perf_counter() - began
    rate = f"{copied.read / took:,.0f} events/s read, {copied.copied:,} kept"
    figures.append(("first full copy", None, took, None, rate))
    rng, rounds = random.Random(5), []
    with sqlite3.connect(tracker) as db:
        senders = [s for (s,) in db.execute("SELECT DISTINCT sender_id FROM events")]
    for _ in range(max(loads, 3)):
        add_new_events(tracker, 50, rng, senders)
        began = time.perf_counter()
        new = copy_new_events(db_url, f"sqlite:///{tracker}")
        rounds.append(time.perf_counter() - began)
        assert new.read == 50, new
    figures.append(("copy 50 new events", None, statistics.median(rounds), 1.0, ""))
    app, client = _app(workdir, db_url)
    for name, path in (
        ("dashboard, 30 days", "/admin/"),
        ("dashboard, 90 days", "/admin/?days=90"),
        ("conversation list", "/admin/conversations"),
        (f"conversation of {long:,} events", f"/admin/conversations/{quote(long_id)}"),
        ("NLU inbox", "/admin/inbox"),
    ):
        median, first, status = time_page(app, client, path, loads)
        if median is None:
            figures.append((name, None, None, None, "page not built yet"))
        else:  # an error page is fast and meets nothing
            target = 1.0 if status == 200 else None
            figures.append((name, first, median, target, f"HTTP {status}"))
    return figures


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def table(figures) -> str:
    """Markdown; a target is met when the first load and the median both are."""
    lines = [
        "| step | first load s | median s | target | met | note |",
        "|---|---:|---:|---:|---|---|",
    ]
    for name, first, median, target, note in figures:
        worst = max(first or 0.0, median or 0.0)
        limit = f"< {target:g} s" if target else ""
        met = (
            "" if not target or median is None else ("yes" if worst < target else "NO")
        )
        lines.append(
            f"| {name} | {_seconds(first)} | {_seconds(median)} | {limit} | {met} "
            f"| {note} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[tuple]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--long", type=int, default=20_000, help="the long one's")
    parser.add_argument("--loads", type=int, default=5, help="timed loads per page")
    parser.add_argument("--keep", action="store_true", help="keep var/bench/<dir>")
    args = parser.parse_args(argv)
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="console-", dir=ROOT / "var" / "bench"))
    try:
        figures = run(workdir, args.conversations, args.events, args.long, args.loads)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"{os.cpu_count()} CPU cores; {args.conversations:,} conversations, "
        f"{args.events:,} events, the longest {args.long:,}"
    )
    print(table(figures))
    return figures


if __name__ == "__main__":
    main()
