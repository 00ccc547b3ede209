"""Talks to Rasa's REST channel and checks the action server's health."""

from __future__ import annotations

from typing import Any

import requests

from connectors.http_session import session_for


class RasaUnavailable(RuntimeError):
    """Rasa could not be reached or failed; the turn should be retried later."""


class RasaClient:
    def __init__(self, rasa_url: str, action_url: str, timeout: float = 30.0) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.action_url = action_url.rstrip("/")
        self.timeout = timeout
        self.http = session_for(self.rasa_url)

    def send(
        self, sender: str, text: str, input_channel: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """One user turn; returns the bot's messages (text, buttons, image...)."""
        payload = {
            "sender": sender,
            "message": text,
            "input_channel": input_channel,
            "metadata": metadata,
        }
        try:
            response = self.http.post(
                f"{self.rasa_url}/webhooks/rest/webhook",
                json=payload,
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise RasaUnavailable(
                f"rasa unreachable: {type(error).__name__}"
            ) from error
        if response.status_code != 200:
            raise RasaUnavailable(f"rasa answered HTTP {response.status_code}")
        try:
            messages = response.json()
        except ValueError as error:
            raise RasaUnavailable("rasa answered with invalid JSON") from error
        return messages if isinstance(messages, list) else []

    def _healthy(self, url: str) -> bool:
        try:
            return self.http.get(url, timeout=3).status_code == 200
        except requests.RequestException:
            return False

    def rasa_healthy(self) -> bool:
        return self._healthy(f"{self.rasa_url}/")

    def actions_healthy(self) -> bool:
        return self._healthy(f"{self.action_url}/health")
