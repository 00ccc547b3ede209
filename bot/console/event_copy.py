"""An incremental copy of Rasa's SQL tracker store for the console's pages.

Rasa keeps every event of every conversation in one `events` table (`id`,
`sender_id`, `type_name`, `timestamp`, `data` as JSON), indexed only by
sender. The console copies the user messages, bot messages and actions it
shows into `copied_events`, and keeps one `conversation_summaries` row per
conversation, reading Rasa's table strictly after the last id it copied. A
page view first calls `copy_new_events`: when nothing is new that is one
indexed query, so no page ever re-parses the store.

Events written in the last `SETTLE_SECONDS` are left for the next call: on
PostgreSQL ids are handed out before their transaction commits, so a later id
can become visible before an earlier one; waiting a moment keeps the copy from
stepping over one that is still being written.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    MetaData,
    Table,
    case,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import Insert

from bot.club.database import get_engine
from bot.console.rows import ConversationSummary, CopiedEvent, EventCopyState

SOURCE = "rasa"
FALLBACK_INTENT = "nlu_fallback"
LOW_CONFIDENCE = 0.6  # below this a message counts as "low confidence"
SETTLE_SECONDS = 2.0
BATCH = 2000
_ONE_AT_A_TIME = threading.Lock()


@dataclass(frozen=True)
class Copied:
    read: int  # rows of Rasa's table read
    copied: int  # of them, events the console keeps


def platform_of(conversation_id: str) -> str:
    platform, sep, _ = conversation_id.partition(":")
    return platform if sep else "other"


def _top_three(ranking: list[dict]) -> list[list]:
    top = [r for r in ranking if r.get("name") != FALLBACK_INTENT][:3]
    return [[r.get("name"), round(float(r.get("confidence") or 0), 4)] for r in top]


def _user_row(data: dict) -> dict:
    parse = data.get("parse_data") or {}
    intent = parse.get("intent") or {}
    name = intent.get("name")
    return {
        "kind": "user",
        "text": data.get("text") or "",
        "intent": name,
        "confidence": intent.get("confidence"),
        "ranking": json.dumps(_top_three(parse.get("intent_ranking") or [])),
        "fell_back": name == FALLBACK_INTENT,
    }


def _bot_row(data: dict) -> dict:
    text = data.get("text")
    extra = data.get("data") or {}
    if not text and extra.get("image"):
        text = "[hình ảnh]"
    metadata = data.get("metadata") or {}
    return {"kind": "bot", "text": text or "", "action": metadata.get("utter_action")}


_EMPTY = {
    "text": None,
    "intent": None,
    "confidence": None,
    "ranking": None,
    "action": None,
    "fell_back": False,
}


def to_row(event_id: int, sender: str, type_name: str, stamp: float, data: str):
    """The console's row for one of Rasa's events, or None for those it skips."""
    if type_name == "action":
        name = json.loads(data or "{}").get("name")
        if not name or name == "action_listen":
            return None
        row = {"kind": "action", "action": name}
    elif type_name in ("user", "bot"):
        parsed = json.loads(data or "{}")
        row = _user_row(parsed) if type_name == "user" else _bot_row(parsed)
    else:
        return None
    row = {**_EMPTY, **row}
    row.update(
        id=event_id,
        conversation_id=sender,
        at=datetime.utcfromtimestamp(stamp),
    )
    return row


def _events_table(url: str) -> Table | None:
    engine = get_engine(url)
    if not inspect(engine).has_table("events"):
        return None  # Rasa has not started yet
    return Table("events", MetaData(), autoload_with=engine)


def _summarise(rows: list[dict]) -> dict[str, dict]:
    summary: dict[str, dict] = {}
    for row in rows:
        entry = summary.setdefault(
            row["conversation_id"],
            {"first_at": row["at"], "last_at": row["at"], "user": 0, "fb": 0, "low": 0},
        )
        entry["first_at"] = min(entry["first_at"], row["at"])
        entry["last_at"] = max(entry["last_at"], row["at"])
        if row["kind"] == "user":
            entry["user"] += 1
            entry["fb"] += row["fell_back"]
            confidence = row["confidence"]
            low = confidence is not None and confidence < LOW_CONFIDENCE
            entry["low"] += low or row["fell_back"]
    return summary


def _summary_upsert(conn: Connection) -> Insert:
    """One INSERT … ON CONFLICT for every conversation of a batch (PostgreSQL
    and SQLite both have it): new conversations are inserted, known ones get
    the new counts added. Reading each summary before writing it took two
    statements per conversation, most of the copy's time (BENCHMARKS.md)."""
    table = ConversationSummary.__table__
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(table)
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[table.c.conversation_id],
        set_={
            "last_at": case(
                (new.last_at > table.c.last_at, new.last_at), else_=table.c.last_at
            ),
            "user_messages": table.c.user_messages + new.user_messages,
            "fallbacks": table.c.fallbacks + new.fallbacks,
            "low_confidence": table.c.low_confidence + new.low_confidence,
            # something new happened: it needs a look again
            "review_state": case(
                (new.user_messages > 0, "new"), else_=table.c.review_state
            ),
        },
    )


def _update_summaries(conn: Connection, rows: list[dict]) -> None:
    values = [
        {
            "conversation_id": cid,
            "platform": platform_of(cid),
            "first_at": new["first_at"],
            "last_at": new["last_at"],
            "user_messages": new["user"],
            "fallbacks": new["fb"],
            "low_confidence": new["low"],
            "review_state": "new",
        }
        for cid, new in _summarise(rows).items()
    ]
    conn.execute(_summary_upsert(conn), values)


def _last_id(conn: Connection) -> int | None:
    state = EventCopyState.__table__
    return conn.execute(
        select(state.c.last_id).where(state.c.source == SOURCE)
    ).scalar()


def _save_last_id(conn: Connection, old: int | None, new: int) -> None:
    state = EventCopyState.__table__
    if old is None:
        conn.execute(insert(state).values(source=SOURCE, last_id=new))
    else:
        conn.execute(update(state).where(state.c.source == SOURCE).values(last_id=new))


def _settled(found: list, before: float) -> list:
    """The rows up to the first one still too new to trust (see the docstring)."""
    for index, row in enumerate(found):
        if row.timestamp >= before:
            return found[:index]
    return found


def _copy_batch(db_url: str, tracker: Engine, events: Table, before: float) -> Copied:
    with get_engine(db_url).begin() as conn:
        last = _last_id(conn)
        query = (
            select(
                events.c.id,
                events.c.sender_id,
                events.c.type_name,
                events.c.timestamp,
                events.c.data,
            )
            .where(events.c.id > (last or 0))
            .order_by(events.c.id)
            .limit(BATCH)
        )
        with tracker.connect() as source:
            found = _settled(source.execute(query).all(), before)
        if not found:
            return Copied(0, 0)
        rows = [r for r in (to_row(*f) for f in found) if r is not None]
        if rows:
            conn.execute(insert(CopiedEvent.__table__), rows)
            _update_summaries(conn, rows)
        _save_last_id(conn, last, found[-1].id)
    return Copied(len(found), len(rows))


def copy_new_events(
    db_url: str,
    tracker_db_url: str,
    now: float | None = None,
    max_batches: int | None = None,
    wait: bool = True,
) -> Copied:
    """Copy what Rasa stored since the last call; safe to call on every page view.

    At most `max_batches` batches (all when None). One caller at a time per
    process: with `wait=False` a caller finding another one busy returns at
    once. A second process copying the same rows at once fails on the primary
    key, rolls back, and leaves it to the first.
    """
    events = _events_table(tracker_db_url)
    if events is None or not _ONE_AT_A_TIME.acquire(blocking=wait):
        return Copied(0, 0)
    before = (time.time() if now is None else now) - SETTLE_SECONDS
    tracker = get_engine(tracker_db_url)
    total, batches = Copied(0, 0), 0
    try:
        while max_batches is None or batches < max_batches:
            batches += 1
            try:
                done = _copy_batch(db_url, tracker, events, before)
            except IntegrityError:
                break  # another process is copying the same rows
            total = Copied(total.read + done.read, total.copied + done.copied)
            if done.read < BATCH:
                break
    finally:
        _ONE_AT_A_TIME.release()
    return total
