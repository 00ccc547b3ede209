"""Run Rasa SDK actions the way the action server does, on a real SQLite file."""

from __future__ import annotations

import asyncio
import string
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
    before: list[dict[str, Any]] | None = None,
) -> Tracker:
    """A tracker after one user message; `set_now` are the slots that message set
    (what a form validator validates); `before`, the events of earlier turns."""
    values = {**(slots or {}), **(set_now or {})}
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    events = [*(before or []), {"event": "user", "text": text, "parse_data": parse}] + [
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


class _Kept(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def rasa_output(message: dict, recipient: str) -> dict[str, Any]:
    """What Rasa's REST channel sends for one message an action dispatched:
    its response's first variant from domain.yml with the action's values
    filled in (text, image, buttons), for tests whose scripted Rasa runs the
    real actions."""
    out: dict[str, Any] = {"recipient_id": recipient}
    name = message.get("response")
    if not name:
        out.update({k: message[k] for k in ("text", "image") if message.get(k)})
        return out
    [variant, *_] = DOMAIN["responses"][name]
    values = _Kept({k: v for k, v in message.items() if v is not None})
    fill = string.Formatter().vformat
    out["text"] = fill(variant["text"], (), values)
    if variant.get("image"):
        out["image"] = fill(variant["image"], (), values)
    if variant.get("buttons"):
        out["buttons"] = variant["buttons"]
    return out
