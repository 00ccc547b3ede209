"""The scale profile as the fault suite runs it: PostgreSQL and Redis
(scripts/pg-server.sh, redis-server.sh), the action server, two real Rasa
servers on the trained model and two bridge processes, on free loopback ports,
sending to the platform simulator.

`ScaleTarget.report` judges a run from what the platforms received, the
bridge's inbox and outbox and Rasa's tracker store in PostgreSQL: real Rasa
answers do not echo the message, so each platform call is matched to the
bridge's outbox row it sends, in order.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, select, text

from bot.bridge.store.records import InboxMessage, OutboundMessage
from bot.club.database import session_scope
from bot.ops.local_scale import START_TIMEOUT, local_scale
from bot.ops.processes import Service
from bot.ops.scale import Stores
from bot.settings import Settings
from bot.simulator import SimulatorState
from tests.bridge.platform_kit import SECRETS
from tests.faults.load_kit import FaultReport, FaultWindow, Sent, seq_of


@dataclass
class ScaleTarget:
    """`load_kit.Target` over the whole scale profile."""

    settings: Settings
    stores: Stores
    state: SimulatorState
    services: dict[str, Service]
    killed_at: dict[str, float] = field(default_factory=dict)  # time.time()

    @property
    def bridge_urls(self) -> list[str]:
        return [
            s.health_url.removesuffix("/health")
            for name, s in self.services.items()
            if name.startswith("bridge")
        ]

    @property
    def database_url(self) -> str:
        return self.settings.database_url

    def rasa_processed(self) -> list[tuple[str, str]]:
        """(sender, text) of every user event in Rasa's tracker store."""
        engine = create_engine(self.settings.tracker_store_url)
        query = text("SELECT sender_id, data FROM events WHERE type_name = 'user'")
        try:
            with engine.connect() as conn:
                rows = conn.execute(query).all()
        finally:
            engine.dispose()
        return [(s, json.loads(d).get("text") or "") for s, d in rows]

    def rasa_turns(self, load_name: str) -> list[tuple[float, list[str]]]:
        """(when Rasa took the message, the texts its bot events said) of
        each user turn of one load, from Rasa's tracker store."""
        engine = create_engine(self.settings.tracker_store_url)
        query = text(
            "SELECT sender_id, type_name, timestamp, data FROM events"
            " WHERE type_name IN ('user', 'bot') ORDER BY id"
        )
        try:
            with engine.connect() as conn:
                rows = conn.execute(query).all()
        finally:
            engine.dispose()
        turns: dict[str, list[tuple[float, list[str]]]] = defaultdict(list)
        for sender, kind, at, data in rows:
            if not sender.split(":", 1)[-1].startswith(f"{load_name}-"):
                continue
            if kind == "user":
                turns[sender].append((at, []))
            elif turns[sender]:
                turns[sender][-1][1].append(json.loads(data).get("text") or "")
        return [turn for per_sender in turns.values() for turn in per_sender]

    def report(self, sent: list[Sent]) -> FaultReport:
        with self.state.lock:
            calls = [c for c in self.state.calls if c.text]
        return judge(sent, calls, self.database_url, self.rasa_processed())

    def received(self, load_name: str) -> list[str]:
        """The texts the users of one load received."""
        with self.state.lock:
            return [
                c.text
                for c in self.state.calls
                if c.text and c.user.startswith(f"{load_name}-")
            ]

    # --- faults -------------------------------------------------------------

    def kill_service(self, name: str, lasting: float = 2.0) -> FaultWindow:
        """SIGKILL a service's process group; start it again after `lasting`."""
        service = self.services[name]

        def kill() -> None:
            self.killed_at[name] = time.time()
            os.killpg(service.process.pid, signal.SIGKILL)
            service.process.wait()

        def restart() -> None:
            service.start()
            service.wait_healthy(START_TIMEOUT)

        return FaultWindow(f"{name} killed (SIGKILL)", kill, restart, 3.0, lasting)

    def kill_store(self, name: str, lasting: float = 2.0) -> FaultWindow:
        if name == "redis":
            kill, start = self.stores.kill_redis, self.stores.start_redis
            label = "Redis killed (SIGKILL, restarts empty)"
        else:
            kill, start = self.stores.kill_postgres, self.stores.start_postgres
            label = "PostgreSQL crashed (immediate shutdown)"
        return FaultWindow(label, kill, start, 3.0, lasting)


def judge(
    sent: list[Sent],
    calls: list,
    database_url: str,
    processed: list[tuple[str, str]],
) -> FaultReport:
    """The fault table's columns for a real stack.

    answered: the accepted message's inbox row is done, its replies are sent
    and the platform received at least as many calls as the bridge sent;
    duplicated: platform calls beyond the replies the bridge sent; out of
    order: a user's calls whose text differs from the bridge's replies in
    order (replies are staged in the order the user wrote)."""
    conversations = {s.conversation_id for s in sent}
    accepted = {s.message_id: s for s in sent if s.accepted}
    rows = _bridge_rows(database_url, conversations)
    received: dict[str, list[str]] = defaultdict(list)
    for call in calls:
        received[f"{call.platform}:{call.user}"].append(call.text)
    duplicated = out_of_order = 0
    details: list[str] = []
    for conversation in conversations:
        replies = [
            reply
            for r in rows
            if r["conversation"] == conversation
            for reply, was_sent in r["text"]
            if was_sent
        ]
        got = received.get(conversation, [])
        duplicated += max(0, len(got) - len(replies))
        wrong = sum(a != b for a, b in zip(got, replies, strict=False))
        out_of_order += wrong
        if wrong or len(got) != len(replies):
            details.append(f"{conversation}: received {len(got)}, sent {len(replies)}")
    done = {r["message_id"] for r in rows if r["done"]}
    answered = [m for m in accepted if m in done]
    left = sum(1 for r in rows if r["pending"])
    at_rasa = Counter(
        (c, seq_of(t)) for c, t in processed if c in conversations and seq_of(t)
    )
    rasa_twice = sum(n - 1 for n in at_rasa.values() if n > 1)
    details += [f"Rasa twice: {k} ×{n}" for k, n in at_rasa.items() if n > 1][:10]
    details += [f"not answered: {m}" for m in sorted(set(accepted) - done)][:10]
    waits = [r["wait"] for r in rows if r["done"] and r["message_id"] in accepted]
    return FaultReport(
        "",
        sent=len(sent),
        accepted=len(accepted),
        answered=len(answered),
        duplicated=duplicated,
        resent=0,
        out_of_order=out_of_order,
        rasa_twice=rasa_twice,
        pending=left,
        slowest=max(waits, default=0.0),
        details=details,
    )


def _bridge_rows(database_url: str, conversations: set[str]) -> list[dict]:
    """One dict per inbox message: done, its replies (text, sent) in staging
    order, whether anything is left, and its wait for an answer."""
    out: list[dict] = []
    with session_scope(database_url) as session:
        inbox = session.scalars(
            select(InboxMessage)
            .where(InboxMessage.conversation_id.in_(conversations))
            .order_by(InboxMessage.id)
        ).all()
        replies = session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.conversation_id.in_(conversations))
            .order_by(OutboundMessage.id)
        ).all()
    by_inbox: dict[int, list] = defaultdict(list)
    for reply in replies:
        by_inbox[reply.inbox_id].append(reply)
    for row in inbox:
        own = by_inbox.get(row.id, [])
        wait = 0.0
        if row.processed_at:
            wait = (row.processed_at - row.received_at).total_seconds()
        out.append(
            {
                "conversation": row.conversation_id,
                "message_id": row.message_id,
                "done": row.status == "done" and all(r.status == "sent" for r in own),
                "pending": row.status != "done" or any(r.status != "sent" for r in own),
                "text": [(_text(r.body_json), r.status == "sent") for r in own],
                "wait": wait,
            }
        )
    return out


def _text(body_json: str) -> str:
    body = json.loads(body_json)
    message = body.get("message") or {}
    if isinstance(message, dict) and "text" in message:
        return str(message["text"])
    payload = ((message or {}).get("attachment") or {}).get("payload") or {}
    return str(payload.get("text") or "")


@contextmanager
def scale_target(var_dir: Path, state: SimulatorState, sim_url: str, extra: dict):
    """Start the whole scale profile; stop it (and its stores) afterwards."""
    env = {**SECRETS, **extra, "PLATFORM_API_BASE": sim_url}
    with local_scale(var_dir, env) as stack:
        yield ScaleTarget(stack.settings, stack.stores, state, stack.services)
