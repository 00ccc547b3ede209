"""The Messenger simulator of `make bench-load`, in a process of its own.

Run by bench/load.py: `python bench/sim_server.py PORT`, secrets from the
environment (MESSENGER_APP_SECRET, MESSENGER_PAGE_TOKEN). It serves the
simulator's Graph API routes on waitress, which keeps HTTP/1.1 connections
alive like the real Graph API (the bridge's send client reuses its session),
and records when each Send API call arrived (`time.time()`, comparable with
the bench's clock). waitress drops header names with underscores, which only
Zalo's API uses; the bench sends Messenger events only.

Extra routes for the bench: `GET /health`, `GET /api/counts` (Send API calls
that carry an answer, per user so far) and `GET /api/arrivals` (arrival times per user).
"""

from __future__ import annotations

import os
import sys
import threading
from collections import defaultdict
from pathlib import Path

from flask import Flask, jsonify, request
from waitress import serve

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.simulator import Call, Secrets, SimulatorState, blueprint  # noqa: E402


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


def app(state: SimulatorState) -> Flask:
    answers = Answers(state)
    flask_app = Flask("bench-simulator")
    flask_app.register_blueprint(blueprint(state))
    flask_app.add_url_rule("/health", "health", lambda: "ok")
    flask_app.add_url_rule(
        "/api/counts",
        "counts",
        lambda: jsonify(answers.counts(request.args.get("prefix", ""))),
    )
    flask_app.add_url_rule(
        "/api/arrivals", "arrivals", lambda: jsonify(answers.arrivals())
    )
    return flask_app


def main() -> None:
    port = int(sys.argv[1])
    secrets = Secrets(
        os.environ["MESSENGER_APP_SECRET"],
        os.environ["MESSENGER_PAGE_TOKEN"],
        *[""] * 5,
    )
    serve(app(SimulatorState(secrets)), host="127.0.0.1", port=port, threads=8)


if __name__ == "__main__":
    main()
