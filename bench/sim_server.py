"""The Messenger simulator of `make bench-load`, in a process of its own.

Run by bench/load.py: `python bench/sim_server.py PORT`, secrets from the
environment (MESSENGER_APP_SECRET, MESSENGER_PAGE_TOKEN). It answers the
Send API as the simulator does (`bot.simulator.fake_api.messenger_send`, the
same token check, typing indicators and recorded calls), keeps HTTP/1.1
connections alive like the real Graph API (the bridge's send client reuses
its session), and records when each Send API call arrived (`time.time()`,
comparable with the bench's clock). The bench sends Messenger events only,
without faults, so only that route is served.

It runs on Sanic (Rasa's own server: uvloop and a C HTTP parser) rather than
Flask on waitress: it shares the cores with the services being measured, and
on waitress it cost about 1.5-2.2 ms of CPU a turn, 6-8% of the machine's
turn, which the real Graph API does not take from a club's server.

Extra routes for the bench: `GET /health`, `GET /api/counts` (Send API calls
that carry an answer, per user so far) and `GET /api/arrivals` (arrival times per user).
"""

from __future__ import annotations

import os
import sys
import threading
from collections import defaultdict
from json import loads
from pathlib import Path

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.simulator import Call, Secrets, SimulatorState  # noqa: E402
from bot.simulator.fake_api import messenger_error, messenger_send  # noqa: E402


class Answers:
    """Arrival times of the answers per user, tallied as the calls arrive.

    The bench asks for the counts every 50 ms while it waits; counting them
    from every call of the run at each request cost this process more CPU per
    turn than grew with the run (4-5 ms a turn by the last row), and that CPU
    was taken from the services being measured on the same cores."""

    def __init__(self, state: SimulatorState) -> None:
        self._lock = threading.Lock()
        self._times: dict[str, list[float]] = defaultdict(list)
        state.listeners.append(self.add)

    def add(self, call: Call) -> None:
        # Answers only: a typing indicator goes out for slow turns alone
        # (TYPING_DELAY), so counting it would mix it up with answers.
        if call.platform == "messenger" and "sender_action" not in call.body:
            with self._lock:
                self._times[call.user].append(call.at)

    def counts(self, prefix: str) -> dict[str, int]:
        with self._lock:
            return {
                user: len(times)
                for user, times in self._times.items()
                if user.startswith(prefix)
            }

    def arrivals(self) -> dict[str, list[float]]:
        with self._lock:
            return {user: list(times) for user, times in self._times.items()}


def app(state: SimulatorState) -> Sanic:
    """The Send API route and the bench's own routes on Sanic."""
    answers = Answers(state)
    sanic_app = Sanic("bench-simulator")
    token = state.secrets.messenger_page_token

    @sanic_app.post("/graph/<version>/me/messages")
    async def graph_messages(request: Request, version: str) -> HTTPResponse:
        if request.args.get("access_token") != token:
            return json(messenger_error(190), status=400)
        try:
            body = loads(request.body or b"{}")
        except ValueError:
            body = None
        status, answer = messenger_send(state, body if isinstance(body, dict) else {})
        return json(answer, status=status)

    @sanic_app.get("/health")
    async def health(_request: Request) -> HTTPResponse:
        return text("ok")

    @sanic_app.get("/api/counts")
    async def counts(request: Request) -> HTTPResponse:
        return json(answers.counts(request.args.get("prefix", "")))

    @sanic_app.get("/api/arrivals")
    async def arrivals(_request: Request) -> HTTPResponse:
        return json(answers.arrivals())

    return sanic_app


def main() -> None:
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: python bench/sim_server.py PORT (run by bench/load.py)")
    port = int(sys.argv[1])
    secrets = Secrets(
        os.environ["MESSENGER_APP_SECRET"],
        os.environ["MESSENGER_PAGE_TOKEN"],
        *[""] * 5,
    )
    app(SimulatorState(secrets)).run(
        host="127.0.0.1", port=port, access_log=False, motd=False
    )


if __name__ == "__main__":
    main()
