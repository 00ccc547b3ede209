"""A stand-in Rasa REST channel and action server health on loopback (real HTTP)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeRasa:
    """Answers POST /webhooks/rest/webhook like Rasa; `mode` sets how it behaves.

    Modes: "echo" (one reply with a button), "empty" (no reply, as when an action
    fails), "down" (HTTP 503). `fail_next` makes the next N calls answer 503.
    """

    def __init__(self) -> None:
        self.mode = "echo"
        self.fail_next = 0
        self.actions_up = True
        self.received: list[dict] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:
                pass

            def _json(self, status: int, body) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                up = fake.actions_up if self.path == "/health" else True
                self._json(200 if up else 503, {"status": "ok" if up else "down"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length))
                with fake.lock:
                    if fake.mode == "down" or fake.fail_next > 0:
                        fake.fail_next = max(0, fake.fail_next - 1)
                        self._json(503, {"error": "unavailable"})
                        return
                    fake.received.append(payload)
                if fake.mode == "empty":
                    self._json(200, [])
                    return
                reply = {
                    "recipient_id": payload["sender"],
                    "text": f"echo: {payload['message']}",
                    "buttons": [{"title": "Chiến dịch", "payload": "/ask_campaigns"}],
                }
                self._json(200, [reply])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeRasa:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def texts(self) -> list[str]:
        with self.lock:
            return [p["message"] for p in self.received]
