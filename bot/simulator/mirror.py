"""Web chat sessions shown "as Messenger/Zalo": what the simulated platform
receives for a session's user appears on that session's page."""

from __future__ import annotations

from bot.bridge.http.webchat import WEB_USER_PREFIX
from bot.bridge.store.transcripts import add_bot_message
from bot.simulator.fake_api import Call


def show_in_webchat(database_url: str, call: Call) -> None:
    """A message sent to a web chat session's simulated user appears on its page."""
    if not call.user.startswith(WEB_USER_PREFIX):
        return
    session_id = call.user.removeprefix(WEB_USER_PREFIX)
    reply = {"text": call.text, "buttons": call.buttons, "image": call.image}
    add_bot_message(database_url, f"web:{session_id}", reply)
