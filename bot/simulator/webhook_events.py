"""The platform side of the simulator: signed Messenger and Zalo webhook events
posted to the bridge, and `Simulator`, which says something as a user and waits
for what the bot sent back (recorded by `bot.simulator.fake_api`)."""

from __future__ import annotations

import json
import time
from typing import Any

import requests

from bot.simulator.fake_api import Call, Secrets, SimulatorState
from connectors import messenger, zalo


def messenger_event(
    psid: str,
    text: str | None = None,
    quick_reply: str | None = None,
    postback: str | None = None,
    attachment: str | None = None,
    mid: str | None = None,
    page_id: str = "simulated-page",
) -> dict[str, Any]:
    """One `messaging` event as Messenger sends it."""
    event: dict[str, Any] = {
        "sender": {"id": psid},
        "recipient": {"id": page_id},
        "timestamp": int(time.time() * 1000),
    }
    mid = mid or f"m-{psid}-{time.time_ns()}"
    if postback is not None:
        event["postback"] = {"title": text or postback, "payload": postback, "mid": mid}
    elif attachment is not None:
        event["message"] = {
            "mid": mid,
            "attachments": [{"type": attachment, "payload": {"url": "https://x/y"}}],
        }
    else:
        event["message"] = {"mid": mid, "text": text or ""}
        if quick_reply is not None:
            event["message"]["quick_reply"] = {"payload": quick_reply}
    return event


def messenger_batch(*events: dict[str, Any], page_id: str = "simulated-page"):
    return {
        "object": "page",
        "entry": [
            {"id": page_id, "time": int(time.time() * 1000), "messaging": [event]}
            for event in events
        ],
    }


def zalo_event(
    user: str,
    text: str | None = None,
    event_name: str = "user_send_text",
    msg_id: str | None = None,
    app_id: str = "",
    timestamp: int | None = None,
    oa_id: str = "simulated-oa",
) -> dict[str, Any]:
    timestamp = timestamp if timestamp is not None else int(time.time() * 1000)
    body: dict[str, Any] = {
        "app_id": app_id,
        "event_name": event_name,
        "timestamp": str(timestamp),
        "user_id_by_app": f"app-{user}",
    }
    if event_name == "follow":
        body.update(oa_id=oa_id, follower={"id": user}, source="simulator")
        return body
    body.update(sender={"id": user}, recipient={"id": oa_id})
    msg_id = msg_id or f"z-{user}-{time.time_ns()}"
    if event_name == "user_send_text":
        body["message"] = {"text": text or "", "msg_id": msg_id}
    elif event_name == "user_submit_info":
        body["info"] = {"name": "Người thử", "phone": "0912345678"}
    else:
        body["message"] = {
            "msg_id": msg_id,
            "attachments": [{"type": "image", "payload": {"url": "https://x/y"}}],
        }
    return body


def sign_messenger(secret: str, raw: bytes) -> dict[str, str]:
    return {
        "X-Hub-Signature-256": messenger.signature(secret, raw),
        "Content-Type": "application/json",
    }


def sign_zalo(app_id: str, oa_secret: str, raw: bytes, timestamp: str):
    return {
        "X-ZEvent-Signature": zalo.mac(app_id, raw, timestamp, oa_secret),
        "Content-Type": "application/json",
    }


def post_messenger(
    bridge_url: str, secret: str, body: dict[str, Any], http=requests
) -> requests.Response:
    raw = json.dumps(body, ensure_ascii=False).encode()
    return http.post(
        f"{bridge_url}/webhooks/messenger",
        data=raw,
        headers=sign_messenger(secret, raw),
        timeout=10,
    )


def post_zalo(
    bridge_url: str, secrets: Secrets, body: dict[str, Any], http=requests
) -> requests.Response:
    body = {**body, "app_id": body.get("app_id") or secrets.zalo_app_id}
    raw = json.dumps(body, ensure_ascii=False).encode()
    headers = sign_zalo(
        secrets.zalo_app_id, secrets.zalo_oa_secret, raw, str(body["timestamp"])
    )
    return http.post(
        f"{bridge_url}/webhooks/zalo", data=raw, headers=headers, timeout=10
    )


class Simulator:
    """Both sides together: send user events, read what the bot sent back."""

    def __init__(self, state: SimulatorState, bridge_url: str) -> None:
        self.state = state
        self.bridge_url = bridge_url.rstrip("/")
        self.http = requests.Session()

    def say(
        self,
        platform: str,
        user: str,
        text: str,
        payload: str | None = None,
    ) -> requests.Response:
        """The user types `text` (or taps a button whose payload is `payload`)."""
        if platform == "messenger":
            event = messenger_event(user, text=text, quick_reply=payload)
            return post_messenger(
                self.bridge_url,
                self.state.secrets.messenger_app_secret,
                messenger_batch(event),
                self.http,
            )
        # Zalo: a tapped oa.query.show button sends its payload as text.
        body = zalo_event(user, text=payload or text)
        return post_zalo(self.bridge_url, self.state.secrets, body, self.http)

    def wait_for(
        self, platform: str, user: str, count: int, timeout: float = 30
    ) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.state.sent_to(platform, user)
            if len(calls) >= count:
                return calls
            time.sleep(0.02)
        raise TimeoutError(f"{platform}:{user} got {len(calls)} of {count} messages")
