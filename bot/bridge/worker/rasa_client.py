"""Talks to Rasa through the bridge channel (`bot.rasa_channel`, Rasa's REST
channel behind a shared secret) and checks the action server's health."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from connectors.http_session import HttpFailure, JsonClient

CHANNEL_NAME = "bridge"
CHANNEL_PATH = f"/webhooks/{CHANNEL_NAME}/webhook"
SECRET_HEADER = "X-Bridge-Secret"
MESSAGE_ID_KEY = "bridge_message_id"  # in the metadata of every user message


class RasaUnavailable(RuntimeError):
    """Rasa could not be reached or failed; the turn should be retried later."""


class RasaClient:
    def __init__(
        self,
        rasa_url: str,
        action_url: str,
        secret: str,
        timeout: float = 30.0,
        api_token: str = "",
    ) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.action_url = action_url.rstrip("/")
        self.timeout = timeout
        self.api_token = api_token
        self.http = JsonClient(self.rasa_url, {SECRET_HEADER: secret})
        self.health_http = JsonClient(self.action_url)  # no secret: not Rasa

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
            response = self.http.request(
                "POST", CHANNEL_PATH, self.timeout, json_body=payload
            )
        except HttpFailure as error:
            raise RasaUnavailable(f"rasa unreachable: {error}") from error
        if response.status != 200:
            raise RasaUnavailable(f"rasa answered HTTP {response.status}")
        try:
            messages = response.json()
        except ValueError as error:
            raise RasaUnavailable("rasa answered with invalid JSON") from error
        return messages if isinstance(messages, list) else []

    def earlier_answer(
        self, sender: str, message_id: str
    ) -> list[dict[str, Any]] | None:
        """What Rasa already answered to this message, if an earlier try reached
        it (the bridge timed out, Rasa did not): then the turn is not run twice.

        None when Rasa never saw the message; raises RasaUnavailable while that
        earlier turn is still running (retry later)."""
        try:
            response = self.http.request(
                "GET",
                f"/conversations/{tracker_path(sender)}/tracker",
                self.timeout,
                params={"token": self.api_token},
            )
            tracker = response.json() if response.ok else {}
            sender_id, events = tracker.get("sender_id"), tracker.get("events") or []
        except (HttpFailure, ValueError, AttributeError) as error:
            raise RasaUnavailable(f"rasa tracker unreadable: {error}") from error
        if not response.ok:
            raise RasaUnavailable(f"rasa tracker: HTTP {response.status}")
        if sender_id != sender:  # see `tracker_path`
            raise RasaUnavailable(f"rasa answered for {sender_id!r}")
        return answer_in(events, message_id)

    def rasa_healthy(self) -> bool:
        return _healthy(self.http, "/")

    def actions_healthy(self) -> bool:
        return _healthy(self.health_http, "/health")


def tracker_path(sender: str) -> str:
    """The conversation id as a path segment of Rasa's tracker endpoint.

    Rasa's web server (Sanic 21) does not percent-decode path parameters, so
    "messenger%3A123" would name another, empty conversation (and Rasa would
    store it): a ':' goes as it is. Ids are `platform:` and the platform's
    own id (digits, a UUID), which need no other escaping; any character that
    would is escaped, and the caller refuses the tracker that comes back for
    the wrong id."""
    return quote(sender, safe=":@")


def answer_in(events: list[dict[str, Any]], message_id: str) -> list[dict] | None:
    """The bot messages after the user event that carried `message_id`."""
    start = next(
        (
            i
            for i, e in enumerate(events)
            if e.get("event") == "user"
            and (e.get("metadata") or {}).get(MESSAGE_ID_KEY) == message_id
        ),
        None,
    )
    if start is None:
        return None
    replies: list[dict[str, Any]] = []
    for event in events[start + 1 :]:
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            data = {k: v for k, v in (event.get("data") or {}).items() if v}
            replies.append({"text": event.get("text"), **data})
        if event.get("event") == "action" and event.get("name") == "action_listen":
            return replies
    raise RasaUnavailable("the earlier try of this turn is still running in rasa")


def _healthy(http: JsonClient, path: str) -> bool:
    try:
        return http.request("GET", path, 3).status == 200
    except HttpFailure:
        return False
