"""Several Rasa servers behind one bridge (the scale profile, `RASA_URLS`).

Each conversation goes to the server that ranks first for it by rendezvous
(highest-random-weight) hashing, so every bridge process picks the same one
without talking to the others, and losing a server moves only its own
conversations. A server that fails a turn and then its health check is left
out for `RETRY_AFTER` seconds; after that it is asked again (health check
first). With every server down, the first one is tried and the queue retries.

The servers share the tracker store (PostgreSQL) and the lock store (Redis),
so a retried turn may land on another server: the tracker look-up of
`TurnProcessor._ask_rasa` still sees what the first one answered.
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
        self._actions_up_until = 0.0

    def client_for(self, conversation_id: str) -> RasaClient:
        order = rank(conversation_id, list(self.clients))
        for url in order:
            if self._usable(url):
                return self.clients[url]
        return self.clients[order[0]]

    def send(
        self, sender: str, text: str, input_channel: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        client = self.client_for(sender)
        try:
            return client.send(sender, text, input_channel, metadata)
        except RasaUnavailable:
            self._check(client)
            raise

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
