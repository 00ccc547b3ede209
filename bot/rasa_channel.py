"""The bridge's way into Rasa: Rasa's REST channel behind a shared secret.

Rasa's own `rest` channel answers anyone who reaches its port, and its HTTP
API's token does not cover channels. This channel (named in `credentials.yml`,
loaded by Rasa) refuses every request without the `RASA_CHANNEL_SECRET` the
bridge sends (`bot.bridge.worker.rasa_client`), so only the bridge can talk
to the bot as a user.

Rasa's REST channel answers 200 with no messages when handling a message
raised (its lock store unreachable, the tracker store down: see
`bot.rasa_stores`); the turn did not happen, so this channel answers 503
instead and the bridge asks again later, rather than telling the user
"busy".

Loading this module also applies `bot.rasa_patches` (Rasa loads it at start).
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot import rasa_patches
from bot.bridge.worker.rasa_client import CHANNEL_NAME, SECRET_HEADER
from bot.rasa_stores import TrackerStoreDown

rasa_patches.apply()


class BridgeInput(RestInput):
    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError(
                "RASA_CHANNEL_SECRET is empty: start Rasa with `python -m bot run`, "
                "or export the variable (see README, Environment variables)"
            )
        self.secret = secret.encode()

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> BridgeInput:
        return cls(os.environ.get("RASA_CHANNEL_SECRET", ""))

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> Blueprint:
        async def handle(message: UserMessage) -> None:
            try:
                await on_new_message(message)
            except (Exception, TrackerStoreDown) as error:
                failure = _turn.get()
                if failure is not None:
                    failure.append(f"{type(error).__name__}: {error}")
                raise RuntimeError("the turn failed") from error

        channel = super().blueprint(handle)

        @channel.middleware("request")
        async def only_the_bridge(request: Request):
            given = request.headers.get(SECRET_HEADER, "").encode()
            if not hmac.compare_digest(given, self.secret):
                return response.json({"error": "forbidden"}, status=403)
            request.ctx.failure = []
            _turn.set(request.ctx.failure)
            return None

        @channel.middleware("response")
        async def failed_turn(request: Request, _response):
            failure = getattr(request.ctx, "failure", None)
            if failure:
                return response.json(
                    {"error": "the turn failed in Rasa; retry", "reason": failure[0]},
                    status=503,
                )
            return None

        return channel


# The failures of the request being handled (set per request, read by `handle`).
_turn: ContextVar[list[str] | None] = ContextVar("bridge_turn", default=None)
