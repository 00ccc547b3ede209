"""The platforms' APIs as the bridge's send clients see them.

(The other side, signed webhook events posted to the bridge, is
`bot.simulator.webhook_events`.) Towards the send clients this is the
Graph API (`/graph/<version>/me/messages`, `/me/messenger_profile`), the OA API
(`/zalo/v3.0/oa/message/cs`) and Zalo's OAuth server
(`/zalo-oauth/v4/oa/access_token`, single-use refresh tokens), recording every
call. Tests script failures (`fail_next`), switch a platform into a fault mode
for a while (`set_fault`: 5xx, rate limits with Retry-After, answers held past
the client's timeout, connections reset after reading the request) and expire
Zalo tokens.

It runs inside the bridge under `/simulator` when `PLATFORM_API_BASE=simulator`
(`make run`; the web chat's Messenger/Zalo channels then go through it), or as
its own loopback server (`wsgi.SimulatorServer`) in tests and `make bench-load`.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from flask import Blueprint, jsonify, request

# The setting (environment variable) behind each field of `Secrets`, in order.
SECRET_NAMES = (
    "MESSENGER_APP_SECRET",
    "MESSENGER_PAGE_TOKEN",
    "ZALO_APP_ID",
    "ZALO_APP_SECRET",
    "ZALO_OA_SECRET_KEY",
    "ZALO_ACCESS_TOKEN",
    "ZALO_REFRESH_TOKEN",
)


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
    def from_names(cls, values: Mapping[str, str]) -> Secrets:
        """From values keyed by their setting's name (`SECRET_NAMES`)."""
        return cls(*(values[name] for name in SECRET_NAMES))

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


@dataclass(frozen=True)
class Fault:
    """How a simulated platform API misbehaves while the fault is switched on.

    `kind` is "status" (answer `status` with `body` and `headers`), "hold"
    (keep the request `seconds`, longer than the client waits, then close the
    connection without an answer) or "reset" (read the request, then reset the
    connection). `delivered`: the platform took the message before failing, so
    the user sees it although the sender was never told (a resend shows it
    twice; at-least-once allows that).
    """

    kind: str
    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    delivered: bool = False

    @classmethod
    def server_error(cls, platform: str) -> Fault:
        if platform == "messenger":
            error = {
                "message": "An unexpected error has occurred. Please retry later.",
                "type": "OAuthException",
                "is_transient": True,
                "code": 2,
            }
            return cls("status", 500, {"error": error})
        return cls("status", 503, "Service Unavailable")

    @classmethod
    def rate_limited(cls, platform: str, retry_after: int) -> Fault:
        """HTTP 429 with the platform's rate-limit error and a Retry-After."""
        if platform == "messenger":
            body: Any = {
                "error": {
                    "message": "(#613) Calls to this api have exceeded the rate limit.",
                    "type": "OAuthException",
                    "code": 613,
                }
            }
        else:
            body = {"error": -32, "message": "Exceeded call rate limit"}
        return cls("status", 429, body, {"Retry-After": str(retry_after)})

    @classmethod
    def timeout(cls, seconds: float, delivered: bool = True) -> Fault:
        return cls("hold", seconds=seconds, delivered=delivered)

    @classmethod
    def reset(cls, delivered: bool) -> Fault:
        return cls("reset", delivered=delivered)


# The WSGI environ key of the callable that resets the request's connection
# (set by `bot.simulator.wsgi.http_server`).
DROP_CONNECTION = "simulator.drop_connection"


@dataclass
class Call:
    """One API call the bridge made to the simulated platform.

    `acknowledged` is False for a message the platform took while failing
    (see `Fault.delivered`): the sender never learned it was delivered.
    """

    platform: str
    user: str
    body: dict[str, Any]
    at: float = field(default_factory=time.time)
    acknowledged: bool = True

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
            "acknowledged": self.acknowledged,
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
        self.faults: dict[str, Fault | None] = {"messenger": None, "zalo": None}
        self.fault_hits: dict[str, int] = {"messenger": 0, "zalo": 0}
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

    def set_fault(self, platform: str, fault: Fault | None) -> None:
        """Every later call to this platform's send API fails so (None: heal)."""
        with self.lock:
            self.faults[platform] = fault

    def clear_faults(self) -> None:
        with self.lock:
            for platform in self.faults:
                self.faults[platform] = None

    def active_fault(self, platform: str) -> Fault | None:
        with self.lock:
            fault = self.faults.get(platform)
            if fault:
                self.fault_hits[platform] += 1
            return fault

    def expire_zalo_tokens(self) -> None:
        """Every access token issued so far stops working (error -216)."""
        with self.lock:
            self.zalo_access = set()


def _recipient(body: dict[str, Any]) -> str:
    return str((body.get("recipient") or {}).get("id") or "")


def messenger_send(state: SimulatorState, body: dict[str, Any]) -> tuple[int, Any]:
    """The Send API's answer (status, JSON) to an authorised call while no
    fault is switched on: a typing indicator is noted, a message recorded,
    unless a scripted failure (`SimulatorState.fail`) is due. Kept free of
    Flask for the benchmark's leaner server (bench/sim_server.py)."""
    user = _recipient(body)
    if body.get("sender_action"):
        with state.lock:
            state.typing.append(user)
        return 200, {"recipient_id": user}
    failure = state.take_failure("messenger")
    if failure:
        return failure
    state.record(Call("messenger", user, body))
    return 200, {"recipient_id": user, "message_id": state.next_id("m_")}


def messenger_error(code: int) -> dict[str, Any]:
    """The Graph API's error body (code 190: the access token is not valid)."""
    return {"error": {"message": "simulated", "type": "OAuthException", "code": code}}


def _messenger_error(code: int):
    return jsonify(messenger_error(code)), 400


def _misbehave(fault: Fault, taken: Callable[[], None]):
    """Answer as `fault` says; `taken` records the message when it was delivered."""
    if fault.delivered:
        taken()
    if fault.kind == "status":
        body = fault.body if fault.body is not None else ""
        payload = jsonify(body) if isinstance(body, dict) else body
        return payload, fault.status, fault.headers
    if fault.kind == "hold":
        time.sleep(fault.seconds)
    drop = request.environ.get(DROP_CONNECTION)
    if drop is None:
        raise RuntimeError("this fault needs the simulator's server (wsgi.py)")
    drop()
    return "", 204  # never reaches the client


def blueprint(state: SimulatorState, url_prefix: str = "") -> Blueprint:
    bp = Blueprint("simulator", __name__, url_prefix=url_prefix or None)

    @bp.post("/graph/<version>/me/messages")
    def graph_messages(version: str):
        if request.args.get("access_token") != state.secrets.messenger_page_token:
            return _messenger_error(190)
        body = request.get_json(silent=True) or {}
        fault = state.active_fault("messenger")
        if fault and body.get("sender_action"):  # fails too; nothing to record
            return _misbehave(replace(fault, delivered=False), lambda: None)
        if fault:
            taken = Call("messenger", _recipient(body), body, acknowledged=False)
            return _misbehave(fault, lambda: state.record(taken))
        status, answer = messenger_send(state, body)
        return jsonify(answer), status

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
        body = json.loads(request.get_data() or b"{}")
        user = str((body.get("recipient") or {}).get("user_id") or "")
        fault = state.active_fault("zalo")
        if fault:
            taken = Call("zalo", user, body, acknowledged=False)
            return _misbehave(fault, lambda: state.record(taken))
        failure = state.take_failure("zalo")
        if failure:
            status, error = failure
            return jsonify(error), status
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
