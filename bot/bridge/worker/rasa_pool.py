"""Several Rasa servers behind one bridge (the scale profile, `RASA_URLS`).

Each turn goes to the server with the fewest turns in flight from this
bridge process ("least outstanding requests"); among equally busy servers, to
the one that ranks first for the conversation by rendezvous (highest-random-
weight) hashing, so at light load a conversation stays on one server. Hashing
alone left a server idle whenever the turns in flight happened to hash to the
other one (with 4 workers and 2 servers, a 3-1 or 4-0 split half the time):
BENCHMARKS.md, session 14.

Any server may answer any turn: the servers share the tracker store
(PostgreSQL) and the lock store (Redis), and the bridge sends a conversation's
turns one at a time. So a retried turn may also land on another server; the
tracker look-up of `TurnProcessor._ask_rasa` still sees what the first one
answered. A server that fails a turn and then its health check is left out
for `RETRY_AFTER` seconds; after that it is asked again (health check first).
With every server down, the first one is tried and the queue retries.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from typing import Any

from bot.bridge.worker.rasa_client import RasaClient, RasaUnavailable
from bot.logs import log_event

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0  # seconds a server that failed its health check is left out
ACTIONS_CHECK_EVERY = 1.0  # seconds a healthy action server is not asked again


def rank(conversation_id: str, urls: list[str]) -> list[str]:
    """The servers in this conversation's order of preference."""

    def weight(url: str) -> bytes:
        return hashlib.blake2b(f"{url}|{conversation_id}".encode()).digest()

    return sorted(urls, key=weight, reverse=True)


class RasaPool:
    """The `RasaClient` interface over several servers."""

    def __init__(self, clients: list[RasaClient], retry_after: float = RETRY_AFTER):
        self.clients = {client.rasa_url: client for client in clients}
        self.retry_after = retry_after
        self._down_until: dict[str, float] = {}
        self._lock = threading.Lock()
        self._in_flight = dict.fromkeys(self.clients, 0)
        self._actions_up_until = 0.0

    def client_for(self, conversation_id: str) -> RasaClient:
        return self.clients[self._pick(conversation_id)]

    def send(
        self, sender: str, text: str, input_channel: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        client = self.clients[self._pick(sender, take=True)]
        try:
            return client.send(sender, text, input_channel, metadata)
        except RasaUnavailable:
            self._check(client)
            raise
        finally:
            with self._lock:
                self._in_flight[client.rasa_url] -= 1

    def _pick(self, conversation_id: str, take: bool = False) -> str:
        """The least busy usable server (the rank decides between equals:
        min() keeps the first); `take` counts a turn in flight on it."""
        order = rank(conversation_id, list(self.clients))
        usable = [url for url in order if self._usable(url)] or order[:1]
        with self._lock:
            url = min(usable, key=self._in_flight.__getitem__)
            if take:
                self._in_flight[url] += 1
        return url

    def earlier_answer(
        self, sender: str, message_id: str
    ) -> list[dict[str, Any]] | None:
        client = self.client_for(sender)
        try:
            return client.earlier_answer(sender, message_id)
        except RasaUnavailable:
            self._check(client)
            raise

    def rasa_healthy(self) -> bool:
        return any(client.rasa_healthy() for client in self.clients.values())

    def actions_healthy(self) -> bool:
        return next(iter(self.clients.values())).actions_healthy()

    def actions_ready(self) -> bool:
        """The action server answers its health check (a success is trusted
        for ACTIONS_CHECK_EVERY seconds, so most turns cost no extra call)."""
        if time.monotonic() < self._actions_up_until:
            return True
        if not self.actions_healthy():
            return False
        self._actions_up_until = time.monotonic() + ACTIONS_CHECK_EVERY
        return True

    def _usable(self, url: str) -> bool:
        with self._lock:
            until = self._down_until.get(url)
        if until is None:
            return True
        if time.monotonic() < until:
            return False
        return self._check(self.clients[url])  # its time out is over: ask again

    def _check(self, client: RasaClient) -> bool:
        """Health-check a server after a failure; leave it out while it fails."""
        healthy = client.rasa_healthy()
        with self._lock:
            was_down = client.rasa_url in self._down_until
            if healthy:
                self._down_until.pop(client.rasa_url, None)
            else:
                self._down_until[client.rasa_url] = time.monotonic() + self.retry_after
        if healthy == was_down:
            log_event(
                logger,
                logging.INFO if healthy else logging.WARNING,
                "rasa_server_back" if healthy else "rasa_server_left_out",
                rasa=client.rasa_url,
            )
        return healthy
