"""Run Rasa SDK actions the way the action server does, on a real SQLite file."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

DOMAIN = yaml.safe_load((Path(__file__).parents[2] / "domain.yml").read_text("utf-8"))


def tracker(
    text: str = "",
    intent: str = "inform",
    slots: dict[str, Any] | None = None,
    set_now: dict[str, Any] | None = None,
    form: str | None = None,
    sender: str = "web:test-session",
    entities: list | None = None,
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    """A tracker after one user message; `set_now` are the slots that message set
    (what a form validator validates)."""
    values = {**(slots or {}), **(set_now or {})}
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    events = [{"event": "user", "text": text, "parse_data": parse}] + [
        {"event": "slot", "name": k, "value": v} for k, v in (set_now or {}).items()
    ]
    return Tracker(
        sender_id=sender,
        slots=values,
        latest_message=parse,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": form} if form else {},
        latest_action_name="action_listen",
    )


def run(action, tracker_: Tracker) -> tuple[list[dict], dict[str, Any]]:
    """Messages sent and the slots set (last value wins)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker_, DOMAIN))
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return dispatcher.messages, slots


def responses(messages: list[dict]) -> list[str]:
    return [m.get("response") for m in messages]
