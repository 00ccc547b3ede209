"""Test kit for the Messenger/Zalo bridge: a scripted Rasa, the simulator, a bridge.

Everything is real HTTP on loopback: the bridge's send clients talk to the
simulator's Graph/OA/OAuth endpoints, the worker talks to a scripted Rasa REST
channel, and a real huey consumer runs the queue in threads.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from bot.bridge.app import build_queue, create_app
from bot.bridge.store import inbox, outbox
from bot.bridge.store.records import OutboundMessage
from bot.bridge.worker.locks import Locks
from bot.bridge.worker.queue import ConversationQueue
from bot.club.database import session_scope
from bot.settings import Settings, load_settings
from bot.simulator import Secrets, Simulator, SimulatorServer, SimulatorState

Replies = Callable[[dict[str, Any]], list[dict[str, Any]]]


def echo(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "recipient_id": payload["sender"],
            "text": f"echo: {payload['message']}",
            "buttons": [{"title": "Chiến dịch", "payload": "/ask_campaigns"}],
        }
    ]


class ScriptedRasa:
    """Rasa's REST channel on loopback, and the action server's health.

    `replies` decides the answer; `down` answers 503 to every turn and
    `fail_next` to the next N; `sick` fails every request, health checks
    too; `actions_up` is what `/health` says. Each turn
    is kept as tracker events (`/conversations/<id>/tracker`), written like
    Rasa writes them: the user event first, the answer after `delay`.
    """

    def __init__(self, replies: Replies = echo) -> None:
        self.replies = replies
        self.down = False
        self.sick = False
        self.fail_next = 0
        self.actions_up = True
        self.delay = 0.0
        self.received: list[dict[str, Any]] = []
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:
                pass

            def _json(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if fake.sick:
                    self._json(503, {"status": "sick"})
                    return
                if self.path.startswith("/conversations/"):
                    # as Rasa's Sanic 21: the path parameter is not decoded
                    sender = self.path.split("/")[2]
                    with fake.lock:
                        events = list(fake.events.get(sender, []))
                    self._json(200, {"sender_id": sender, "events": events})
                    return
                up = fake.actions_up or self.path != "/health"
                self._json(200 if up else 503, {"status": "ok" if up else "down"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length))
                with fake.lock:
                    failing = fake.down or fake.sick or fake.fail_next > 0
                    fake.fail_next = max(0, fake.fail_next - 1)
                if failing:
                    self._json(503, {"error": "down"})
                    return
                user = {
                    "event": "user",
                    "text": payload["message"],
                    "metadata": payload.get("metadata") or {},
                }
                with fake.lock:
                    fake.received.append(payload)
                    fake.events.setdefault(payload["sender"], []).append(user)
                time.sleep(fake.delay)
                answer = fake.replies(payload)
                bot = [
                    {
                        "event": "bot",
                        "text": r.get("text"),
                        "data": {"buttons": r.get("buttons")},
                    }
                    for r in answer
                ]
                listen = {"event": "action", "name": "action_listen"}
                with fake.lock:
                    fake.events[payload["sender"]] += [*bot, listen]
                self._json(200, answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def texts(self, sender: str | None = None) -> list[str]:
        with self.lock:
            return [
                p["message"]
                for p in self.received
                if sender is None or p["sender"] == sender
            ]


SECRETS = {
    "MESSENGER_APP_SECRET": "test-app-secret",
    "MESSENGER_VERIFY_TOKEN": "test-verify",
    "MESSENGER_PAGE_TOKEN": "test-page-token",
    "ZALO_APP_ID": "test-zalo-app",
    "ZALO_APP_SECRET": "test-zalo-app-secret",
    "ZALO_OA_SECRET_KEY": "test-oa-secret",
    "ZALO_ACCESS_TOKEN": "test-access-0",
    "ZALO_REFRESH_TOKEN": "test-refresh-0",
}


@dataclass
class PlatformBridge:
    settings: Settings
    client: FlaskClient
    queue: ConversationQueue
    rasa: ScriptedRasa
    state: SimulatorState
    sim: Simulator

    @property
    def secrets(self) -> Secrets:
        return self.state.secrets


def platform_settings(
    tmp_path: Path, db_url: str, monkeypatch, rasa_url: str, sim_url: str, **env
) -> Settings:
    values = {
        "DATABASE_URL": db_url,
        "VAR_DIR": str(tmp_path),
        "RASA_URL": rasa_url,
        "ACTION_SERVER_URL": rasa_url,
        "PLATFORM_API_BASE": sim_url,
        "QUEUE_RETRY_DELAY": "0.2",
        "SEND_RETRY_DELAY": "0.2",
        "SEND_TIMEOUT": "5",
        "TYPING_DELAY": "0",
        **SECRETS,
        **env,
    }
    for key, value in values.items():
        monkeypatch.setenv(key, str(value))
    return load_settings(tmp_path / "none.env")


@contextmanager
def running_bridge(
    tmp_path: Path, db_url: str, monkeypatch, replies: Replies = echo, **env
) -> Iterator[PlatformBridge]:
    """Scripted Rasa + simulator server + bridge app + huey consumer (2 threads)."""
    rasa = ScriptedRasa(replies)
    state = SimulatorState(Secrets.from_names(SECRETS))
    with SimulatorServer(state) as server:
        settings = platform_settings(
            tmp_path, db_url, monkeypatch, rasa.url, server.url, **env
        )
        queue = build_queue(settings)
        app = create_app(settings, queue)
        client = app.test_client()
        sim = _TestClientSimulator(state, client)
        saved = {
            s: signal.getsignal(s)
            for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        }
        consumer = queue.consumer(workers=2)
        consumer.scheduler_interval = 1
        consumer.start()
        try:
            yield PlatformBridge(settings, client, queue, rasa, state, sim)
        finally:
            consumer.stop(graceful=True)
            for sig, handler in saved.items():
                signal.signal(sig, handler)
            rasa.close()


class _Response:
    def __init__(self, response) -> None:
        self.status_code = response.status_code
        self.text = response.get_data(as_text=True)

    def json(self) -> Any:
        return json.loads(self.text)


class _FlaskHttp:
    """`requests.post`-shaped adapter over the Flask test client."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def post(self, url: str, data: bytes, headers: dict[str, str], timeout: float):
        path = "/" + url.split("/", 3)[3]
        return _Response(self.client.post(path, data=data, headers=headers))


class _TestClientSimulator(Simulator):
    """The simulator's user side, posting through the Flask test client."""

    def __init__(self, state: SimulatorState, client: FlaskClient) -> None:
        super().__init__(state, "http://bridge.test")
        self.http = _FlaskHttp(client)


def wait_until(predicate: Callable[[], Any], timeout: float = 15.0, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def wait_settled(database_url: str, conversation_id: str, timeout: float = 15.0):
    """Until the conversation has nothing pending in the inbox or the outbox:
    every stored message answered and every answer sent (or given up)."""
    wait_until(
        lambda: (
            not inbox.has_pending(database_url, conversation_id)
            and not outbox.has_pending(database_url, conversation_id)
        ),
        timeout,
        f"{conversation_id} to settle",
    )


def check_knocks(huey) -> None:
    """`Locks.acquire_or_knock` / `release`, on any huey storage."""
    holder, other = Locks(huey), Locks(huey)
    assert holder.acquire_or_knock("send:x")
    assert not holder.release("send:x")  # nobody knocked
    assert holder.acquire_or_knock("send:x")
    assert not other.acquire_or_knock("send:x")  # held: knocks
    assert holder.release("send:x")  # word of the knock, once
    assert other.acquire_or_knock("send:x")  # free again
    assert not other.release("send:x")
    # A value read and the lock taken at once (one round trip on Redis).
    assert holder.peek_and_acquire("send-wait:x", "send:x") == (None, True)
    huey.put("send-wait:x", 12.5)
    assert other.peek_and_acquire("send-wait:x", "send:x") == (12.5, False)
    assert not other.knock("send:x")
    assert holder.release("send:x")
    assert other.peek_and_acquire("send-wait:x", "send:x") == (12.5, True)
    assert huey.get("send-wait:x", peek=True) == 12.5  # peeked, not taken
    assert not other.release("send:x")


def stage_texts(url: str, user: str, *texts: str) -> None:
    """Messenger text replies to `user`, staged in the outbox as a turn
    leaves them and not yet sent."""
    with session_scope(url) as session, session.begin():
        session.add_all(
            OutboundMessage(
                platform="messenger",
                conversation_id=f"messenger:{user}",
                recipient_id=user,
                body_json=json.dumps(
                    {"recipient": {"id": user}, "message": {"text": text}},
                    ensure_ascii=False,
                ),
            )
            for text in texts
        )
