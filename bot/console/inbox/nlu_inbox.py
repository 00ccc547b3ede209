"""The NLU inbox: user messages the bot may have misunderstood, one row per
normalised text, for staff to label (`nlu_labels.py` saves the labels).

`collect` reads `copied_events` after its own cursor and keeps a user message
when it
- fell back (`nlu_fallback`), or the bot answered with a fallback response
  (`utter_ask_topic`, `utter_ask_rephrase`, `utter_default`): "fallback";
- was predicted with confidence below `LOW_CONFIDENCE`: "low";
- was classified `out_of_scope` or answered with `utter_out_of_scope`;
- was followed in its turn by `action_handoff`, or the user's next message
  within `FOLLOW_WINDOW` asked for a person (`human_handoff`): "handoff"
  (not when the message itself asked for a person);
- fell back, was low or out of scope and the user wrote again within
  `FOLLOW_WINDOW`: "rephrased" (the next message is most likely the same
  question in other words).
A message is looked at once `FOLLOW_WINDOW` has passed, so what followed it is
known; the inbox runs that much behind the chat. Button payloads ("/intent")
are skipped. The key is `bot.text.fold` (case, diacritics, teencode,
punctuation, spacing): two spellings of one text make one row with a count. A
text already in the training data (`data/nlu/*.yml`, entity annotations
removed, also after `nlu_placeholders` replaced its codes and phones) never
becomes a row; a row that exists keeps its state and counts on.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from itertools import takewhile
from pathlib import Path

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bot.bridge.worker.replies import responses
from bot.club.database import get_engine
from bot.console.event_copy import LOW_CONFIDENCE
from bot.console.inbox.nlu_placeholders import plain, training_text
from bot.console.inbox.nlu_training import DATA_DIR, key_of, training_keys
from bot.console.rows import CopiedEvent, EventCopyState, InboxItem
from bot.text import nfc

SOURCE = "inbox"
FOLLOW_WINDOW = timedelta(minutes=2)
BATCH = 2000
FALLBACK_RESPONSES = ("utter_ask_topic", "utter_ask_rephrase", "utter_default")
REASONS = ("fallback", "low", "out_of_scope", "handoff", "rephrased")
_ONE_AT_A_TIME = threading.Lock()


class Raced(Exception):
    """Another process moved the cursor first; this batch is rolled back."""


events = CopiedEvent.__table__
items = InboxItem.__table__


def known(text: str, data_dir: Path) -> bool:
    """Already in the training data, as typed or with its codes and phones
    replaced as `nlu_placeholders` would."""
    keys = training_keys(data_dir)
    patterns = data_dir / "nlu" / "patterns.yml"
    return key_of(text) in keys or key_of(plain(training_text(text, patterns))) in keys


@cache
def _response_texts(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(nfc(v.get("text") or "") for n in names for v in responses()[n])


def _answered_with(event, names: tuple[str, ...]) -> bool:
    said = event.kind == "bot" and (event.action in names)
    return said or (event.kind == "bot" and nfc(event.text) in _response_texts(names))


def reasons_of(message, after: list) -> list[str]:
    """Why a message belongs in the inbox; `after` = the events that followed it
    in its conversation, up to and including the next user message."""
    found = set()
    turn = [e for e in after if e.kind != "user"]
    following = next((e for e in after if e.kind == "user"), None)
    if following and following.at - message.at > FOLLOW_WINDOW:
        following = None
    if message.fell_back or any(_answered_with(e, FALLBACK_RESPONSES) for e in turn):
        found.add("fallback")
    low = message.confidence is not None and message.confidence < LOW_CONFIDENCE
    if low and not message.fell_back:
        found.add("low")
    oos = any(_answered_with(e, ("utter_out_of_scope",)) for e in turn)
    if message.intent == "out_of_scope" or oos:
        found.add("out_of_scope")
    if message.intent != "human_handoff" and (
        any(e.kind == "action" and e.action == "action_handoff" for e in turn)
        or (following is not None and following.intent == "human_handoff")
    ):
        found.add("handoff")
    if following is not None and found & {"fallback", "low", "out_of_scope"}:
        found.add("rephrased")
    return [r for r in REASONS if r in found]


@dataclass
class Context:
    """What surrounds each message of a batch, read in one pass over its ids."""

    following: dict[int, list] = field(default_factory=dict)
    previous_bot: dict[int, str | None] = field(default_factory=dict)


def _context(conn: Connection, messages: list) -> Context:
    """For each message: the events after it in its conversation up to and
    including the next user message, and the bot's line before it. One query
    over the batch's id range; a conversation's last message of the batch asks
    `_after` (what follows lies beyond the range), its first `_previous_bot`."""
    found = Context()
    if not messages:
        return found
    query = (
        select(events)
        .where(events.c.id >= messages[0].id, events.c.id <= messages[-1].id)
        .order_by(events.c.id)
    )
    waiting: dict[str, int] = {}  # conversation → its message still open
    last_bot: dict[str, str | None] = {}
    for event in conn.execute(query):
        cid = event.conversation_id
        if (owner := waiting.get(cid)) is not None:
            found.following[owner].append(event)
            if event.kind == "user":
                del waiting[cid]
        if event.kind == "bot":
            last_bot[cid] = event.text
        elif event.kind == "user":
            found.following[event.id] = []
            waiting[cid] = event.id
            found.previous_bot[event.id] = (
                last_bot[cid] if cid in last_bot else _previous_bot(conn, event)
            )
            last_bot.setdefault(cid, found.previous_bot[event.id])
    by_id = {m.id: m for m in messages}
    for message_id in waiting.values():
        found.following[message_id] = _after(conn, by_id[message_id])
    return found


def _after(conn: Connection, message) -> list:
    query = (
        select(events)
        .where(events.c.conversation_id == message.conversation_id)
        .where(events.c.id > message.id)
        .order_by(events.c.id)
        .limit(50)
    )
    found = []
    for event in conn.execute(query):
        found.append(event)
        if event.kind == "user":
            break
    return found


def _previous_bot(conn: Connection, message) -> str | None:
    query = (
        select(events.c.text)
        .where(events.c.conversation_id == message.conversation_id)
        .where(events.c.id < message.id, events.c.kind == "bot")
        .order_by(events.c.id.desc())
        .limit(1)
    )
    return conn.execute(query).scalar()


def _existing(conn: Connection, keys: list[str]) -> dict[str, object]:
    found = {}
    for at in range(0, len(keys), 500):  # SQLite's limit on bound values
        query = select(items).where(items.c.key.in_(keys[at : at + 500]))
        found.update({row.key: row for row in conn.execute(query)})
    return found


def _keep_all(conn: Connection, kept: list, context: Context, data_dir: Path) -> int:
    """Store the batch's kept messages, `kept` = [(message, reasons)], one row
    per key: new keys inserted, known ones counted on; the number stored."""
    groups: dict[str, list] = {}
    for message, reasons in kept:
        groups.setdefault(key_of(message.text), []).append((message, reasons))
    old_rows = _existing(conn, list(groups))
    inserts, updates, stored = [], [], 0
    for key, group in groups.items():
        old, (latest, _) = old_rows.get(key), group[-1]
        if old is None and known(latest.text, data_dir):
            continue
        seen = set(old.reasons.split(",")) if old else set()
        seen.update(r for _, reasons in group for r in reasons)
        values = dict(
            text=latest.text,
            reasons=",".join(r for r in REASONS if r in seen),
            ranking=latest.ranking,
            previous_bot=context.previous_bot.get(latest.id),
            conversation_id=latest.conversation_id,
            event_id=latest.id,
            last_at=latest.at,
        )
        stored += len(group)
        if old is None:
            inserts.append(
                dict(key=key, count=len(group), first_at=group[0][0].at, **values)
            )
        else:
            updates.append(dict(row_id=old.id, count=old.count + len(group), **values))
    if inserts:
        conn.execute(insert(items), inserts)
    if updates:
        columns = {name: bindparam(name) for name in updates[0] if name != "row_id"}
        statement = update(items).where(items.c.id == bindparam("row_id"))
        conn.execute(statement.values(**columns), updates)
    return stored


def _cursor(conn: Connection) -> int | None:
    state = EventCopyState.__table__
    query = select(state.c.last_id).where(state.c.source == SOURCE)
    return conn.execute(query).scalar()


def _move_cursor(conn: Connection, old: int | None, new: int) -> None:
    """Only from where this call started: a second process that got there
    first makes this one roll back (rowcount 0) instead of counting twice."""
    state = EventCopyState.__table__
    if old is None:
        conn.execute(insert(state).values(source=SOURCE, last_id=new))
        return
    moved = conn.execute(
        update(state)
        .where(state.c.source == SOURCE, state.c.last_id == old)
        .values(last_id=new)
    )
    if moved.rowcount != 1:
        raise Raced()


def _collect_batch(db_url: str, data_dir: Path, before: datetime) -> tuple[int, int]:
    """(user messages read, kept) of one batch."""
    with get_engine(db_url).begin() as conn:
        start = _cursor(conn)
        query = (
            select(events)
            .where(events.c.id > (start or 0), events.c.kind == "user")
            .order_by(events.c.id)
            .limit(BATCH)
        )
        read = kept = 0
        last = start
        # a message later than `before`: what follows it may not have happened yet
        batch = conn.execute(query).all()
        settled = list(takewhile(lambda m: m.at <= before, batch))
        context = _context(conn, settled)
        found = []
        for message in settled:
            read, last = read + 1, message.id
            text = message.text or ""
            if text.startswith("/") or not key_of(text):
                continue
            reasons = reasons_of(message, context.following[message.id])
            if reasons:
                found.append((message, reasons))
        kept = _keep_all(conn, found, context, data_dir)
        if last is not None and last != start:
            _move_cursor(conn, start, last)
    return read, kept


def collect(
    db_url: str,
    data_dir: Path = DATA_DIR,
    now: datetime | None = None,
    max_batches: int | None = None,
    wait: bool = True,
) -> int:
    """Look at the user messages copied since the last call; the number kept.
    At most `max_batches` batches; with `wait=False`, nothing when another
    thread of this process is collecting."""
    before = (now or datetime.utcnow()) - FOLLOW_WINDOW
    if not _ONE_AT_A_TIME.acquire(blocking=wait):
        return 0
    total, batches = 0, 0
    try:
        while max_batches is None or batches < max_batches:
            batches += 1
            try:
                read, kept = _collect_batch(db_url, data_dir, before)
            except (IntegrityError, Raced):
                break  # another process is collecting the same messages
            total += kept
            if read < BATCH:
                break
    finally:
        _ONE_AT_A_TIME.release()
    return total
