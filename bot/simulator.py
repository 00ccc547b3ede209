"""A local stand-in for Messenger and Zalo OA that speaks both wire formats.

Towards the bridge it behaves like the platforms: it signs webhook events
(`X-Hub-Signature-256`, `X-ZEvent-Signature`) and posts them to
`/webhooks/messenger` and `/webhooks/zalo`. Towards the send clients it is the
Graph API (`/graph/<version>/me/messages`, `/me/messenger_profile`), the OA API
(`/zalo/v3.0/oa/message/cs`) and Zalo's OAuth server
(`/zalo-oauth/v4/oa/access_token`, single-use refresh tokens), recording every
call. Tests script failures (`fail_next`) and expire Zalo tokens.

It runs inside the bridge under `/simulator` when `PLATFORM_API_BASE=simulator`
(`make run`; the web chat's Messenger/Zalo channels then go through it), or as
its own loopback server (`SimulatorServer`) in tests and `make bench-load`.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import requests
from flask import Blueprint, Flask, jsonify, request

from connectors import messenger, zalo


@dataclass
class Secrets:
    """What the simulated platforms share with the bridge (from its settings)."""

    messenger_app_secret: str
    messenger_page_token: str
    zalo_app_id: str
    zalo_app_secret: str
    zalo_oa_secret: str
    zalo_access_token: str
    zalo_refresh_token: str

    @classmethod
    def from_settings(cls, platforms) -> Secrets:
        return cls(
            platforms.messenger_app_secret,
            platforms.messenger_page_token,
            platforms.zalo_app_id,
            platforms.zalo_app_secret,
            platforms.zalo_oa_secret,
            platforms.zalo_access_token,
            platforms.zalo_refresh_token,
        )


@dataclass
class Call:
    """One API call the bridge made to the simulated platform."""

    platform: str
    user: str
    body: dict[str, Any]
    at: float = field(default_factory=time.time)

    @property
    def text(self) -> str:
        message = self.body.get("message") or {}
        if "text" in message:
            return str(message["text"])
        payload = (message.get("attachment") or {}).get("payload") or {}
        return str(payload.get("text") or "")

    @property
    def buttons(self) -> list[dict[str, str]]:
        """Buttons as the user sees them: title, and what a tap sends back."""
        message = self.body.get("message") or {}
        if message.get("quick_replies"):
            return [
                {"title": q["title"], "payload": q["payload"], "type": "quick_reply"}
                for q in message["quick_replies"]
            ]
        payload = (message.get("attachment") or {}).get("payload") or {}
        return [
            {
                "title": b.get("title", ""),
                "payload": b.get("payload")
                if isinstance(b.get("payload"), str)
                else "",
                "type": b.get("type", ""),
            }
            for b in payload.get("buttons") or []
        ]

    @property
    def image(self) -> str | None:
        attachment = (self.body.get("message") or {}).get("attachment") or {}
        payload = attachment.get("payload") or {}
        if attachment.get("type") == "image":
            return payload.get("url")
        for element in payload.get("elements") or []:
            if element.get("media_type") == "image":
                return element.get("url")
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "user": self.user,
            "text": self.text,
            "buttons": self.buttons,
            "image": self.image,
            "at": self.at,
            "body": self.body,
        }


class SimulatorState:
    """Everything the simulated platforms saw and the failures they will fake."""

    def __init__(self, secrets: Secrets) -> None:
        self.secrets = secrets
        self.lock = threading.Lock()
        self.calls: list[Call] = []
        self.typing: list[str] = []
        self.profiles: list[dict[str, Any]] = []
        self.fail_next: dict[str, list[tuple[int, dict[str, Any]]]] = {
            "messenger": [],
            "zalo": [],
        }
        self.zalo_access = {secrets.zalo_access_token}
        self.zalo_refresh = secrets.zalo_refresh_token
        self.refresh_calls = 0
        self.refresh_delay = 0.0
        self.listeners: list[Callable[[Call], None]] = []
        self._ids = itertools.count(1)

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}"

    def record(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)
        for listener in list(self.listeners):
            listener(call)

    def sent_to(self, platform: str, user: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.platform == platform and c.user == user]

    def fail(self, platform: str, status: int, body: dict[str, Any], times: int = 1):
        with self.lock:
            self.fail_next[platform].extend([(status, body)] * times)

    def take_failure(self, platform: str) -> tuple[int, dict[str, Any]] | None:
        with self.lock:
            queue = self.fail_next[platform]
            return queue.pop(0) if queue else None

    def expire_zalo_tokens(self) -> None:
        """Every access token issued so far stops working (error -216)."""
        with self.lock:
            self.zalo_access = set()


def _messenger_error(code: int, subcode: int | None = None, status: int = 400):
    error = {"message": "simulated", "type": "OAuthException", "code": code}
    if subcode:
        error["error_subcode"] = subcode
    return jsonify({"error": error}), status


def blueprint(state: SimulatorState, url_prefix: str = "") -> Blueprint:
    bp = Blueprint("simulator", __name__, url_prefix=url_prefix or None)

    @bp.post("/graph/<version>/me/messages")
    def graph_messages(version: str):
        if request.args.get("access_token") != state.secrets.messenger_page_token:
            return _messenger_error(190)
        body = request.get_json(silent=True) or {}
        user = str((body.get("recipient") or {}).get("id") or "")
        if body.get("sender_action"):
            with state.lock:
                state.typing.append(user)
            return jsonify({"recipient_id": user})
        failure = state.take_failure("messenger")
        if failure:
            status, error = failure
            return jsonify(error), status
        state.record(Call("messenger", user, body))
        return jsonify({"recipient_id": user, "message_id": state.next_id("m_")})

    @bp.post("/graph/<version>/me/messenger_profile")
    def graph_profile(version: str):
        if request.args.get("access_token") != state.secrets.messenger_page_token:
            return _messenger_error(190)
        with state.lock:
            state.profiles.append(request.get_json(silent=True) or {})
        return jsonify({"result": "success"})

    @bp.post("/zalo/v3.0/oa/message/cs")
    def zalo_message():
        token = request.headers.get("access_token", "")
        with state.lock:
            valid = token in state.zalo_access
        if not valid:
            return jsonify({"error": -216, "message": "Access token is invalid"})
        failure = state.take_failure("zalo")
        if failure:
            status, error = failure
            return jsonify(error), status
        body = json.loads(request.get_data() or b"{}")
        user = str((body.get("recipient") or {}).get("user_id") or "")
        state.record(Call("zalo", user, body))
        message_id = state.next_id("z")
        return jsonify(
            {"error": 0, "message": "Success", "data": {"message_id": message_id}}
        )

    @bp.post("/zalo-oauth/v4/oa/access_token")
    def zalo_refresh():
        if request.headers.get("secret_key") != state.secrets.zalo_app_secret:
            return jsonify({"error": -14002, "error_name": "Invalid app secret"})
        form = request.form
        time.sleep(state.refresh_delay)  # lets tests widen a race on purpose
        with state.lock:
            state.refresh_calls += 1
            if (
                form.get("grant_type") != "refresh_token"
                or form.get("app_id") != state.secrets.zalo_app_id
                or form.get("refresh_token") != state.zalo_refresh
            ):
                return jsonify({"error": -14014, "error_name": "Invalid refresh token"})
            access = f"sim-access-{state.refresh_calls}"
            state.zalo_refresh = f"sim-refresh-{state.refresh_calls}"
            state.zalo_access.add(access)
            refresh = state.zalo_refresh
        return jsonify(
            {"access_token": access, "refresh_token": refresh, "expires_in": "90000"}
        )

    @bp.get("/api/sent")
    def sent():
        platform = request.args.get("platform", "")
        user = request.args.get("user", "")
        return jsonify({"calls": [c.as_dict() for c in state.sent_to(platform, user)]})

    return bp


# --- the platform side: signed webhook events --------------------------------


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


WEB_USER_PREFIX = "web-"


def web_user(session_id: str) -> str:
    """The simulated platform user behind a web chat session shown "as" a platform."""
    return f"{WEB_USER_PREFIX}{session_id}"


def show_in_webchat(database_url: str, call: Call) -> None:
    """A message sent to a web chat session's simulated user appears on its page."""
    if not call.user.startswith(WEB_USER_PREFIX):
        return
    from bot.db import session_scope
    from bot.models import ChatMessage

    session_id = call.user.removeprefix(WEB_USER_PREFIX)
    with session_scope(database_url) as session, session.begin():
        session.add(
            ChatMessage(
                conversation_id=f"web:{session_id}",
                sender="bot",
                text=call.text,
                buttons_json=json.dumps(call.buttons, ensure_ascii=False),
                image=call.image,
            )
        )


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *_args) -> None:
        pass


def http_server(app, host: str, port: int) -> WSGIServer:
    """A threaded WSGI server that keeps header names with underscores.

    Zalo's APIs take `access_token` and `secret_key` headers; waitress (the
    bridge's production server) and werkzeug's server drop such headers, so the
    simulator (and the bridge in simulator mode) run on the standard library's
    wsgiref server, with a thread per request.
    """
    return make_server(
        host, port, app, server_class=_ThreadingWSGIServer, handler_class=_Quiet
    )


class SimulatorServer:
    """The simulator on its own loopback port (tests, `make bench-load`)."""

    def __init__(self, state: SimulatorState, host: str = "127.0.0.1") -> None:
        app = Flask("simulator")
        app.register_blueprint(blueprint(state))
        self.server = http_server(app, host, 0)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> SimulatorServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()
