"""Signed webhooks of Messenger and Zalo OA: verify, store, answer at once.

Each accepted event becomes an inbox row (deduplicated by the platform's
message id) and a huey task before the 200, so the platforms never wait for a
dialogue turn and never resend because of it. Bad signature → 403, malformed
JSON → 400, body too large → 413, database down → 503 (nothing stored: the
platform sends again), unknown events → 200 and a log line.

The events (POST) are served by `WebhookEvents`, a WSGI layer in front of
Flask: every user message comes this way, and Flask's request context,
session, routing and response machinery cost about as much CPU as storing the
message did (BENCHMARKS.md, *Scaling table*). Meta's subscription handshake
(GET, once per setup) stays an ordinary Flask route.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from sqlalchemy.exc import SQLAlchemyError

from bot.bridge.worker.turns import inbox_metadata
from bot.logs import log_event
from bot.settings import PlatformSettings
from bot.text import nfc
from connectors import messenger, zalo
from connectors.contract import Ignored, Inbound

logger = logging.getLogger(__name__)

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

Answer = tuple[int, dict[str, Any]]  # HTTP status and JSON body
TOO_LARGE = "Nội dung gửi lên quá lớn."
DATABASE_DOWN = "database unavailable, nothing stored; retry"


def _platforms() -> PlatformSettings:
    return current_app.config["PLATFORMS"]


def _json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return None


def _equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _refuse(platform: str, status: int, reason: str) -> Answer:
    log_event(
        logger,
        logging.WARNING,
        "webhook_refused",
        platform=platform,
        status=status,
        reason=reason,
    )
    return status, {"error": reason}


def accept(queue: Any, events: list[Inbound | Ignored], started: float) -> Answer:
    """Store every event, schedule each conversation once, answer 200."""
    to_schedule: list[str] = []
    accepted = duplicates = ignored = 0
    for event in events:
        if isinstance(event, Ignored):
            ignored += 1
            log_event(
                logger,
                logging.INFO if event.known else logging.WARNING,
                "event_ignored" if event.known else "event_unknown",
                platform=event.platform,
                kind=event.kind,
            )
            continue
        metadata = inbox_metadata({event.platform: event.metadata}, event.kind)
        row = queue.store(
            event.platform,
            event.message_id,
            event.conversation_id,
            nfc(event.text),
            metadata,
        )
        if row is None:
            duplicates += 1
            continue
        accepted += 1
        log_event(
            logger,
            logging.INFO,
            "event_accepted",
            conversation=event.conversation_id,
            message_id=event.message_id,
            kind=event.kind,
        )
        if event.conversation_id not in to_schedule:
            to_schedule.append(event.conversation_id)
    for conversation_id in to_schedule:
        queue.schedule(conversation_id)
    return 200, {
        "accepted": accepted,
        "duplicates": duplicates,
        "ignored": ignored,
        "ms": round((time.perf_counter() - started) * 1000, 2),
    }


@bp.get("/messenger")
def messenger_verify():
    """Meta's subscription handshake: echo hub.challenge for our verify token."""
    settings = _platforms()
    mode = request.args.get("hub.mode", "")
    token = request.args.get("hub.verify_token", "")
    challenge = request.args.get("hub.challenge", "")
    expected = settings.messenger_verify_token
    if mode == "subscribe" and expected and challenge and _equal(token, expected):
        log_event(logger, logging.INFO, "messenger_subscribed")
        return Response(challenge, mimetype="text/plain")
    status, body = _refuse("messenger", 403, "verification failed")
    return Response(json.dumps(body), status, mimetype="application/json")


def messenger_events(
    settings: PlatformSettings, queue: Any, raw: bytes, environ: dict[str, Any]
) -> Answer:
    started = time.perf_counter()
    if not settings.messenger_enabled:
        return _refuse("messenger", 404, "messenger is not configured")
    header = environ.get("HTTP_X_HUB_SIGNATURE_256")
    if not messenger.verify_signature(settings.messenger_app_secret, raw, header):
        return _refuse("messenger", 403, "bad signature")
    body = _json_body(raw)
    if not isinstance(body, dict):
        return _refuse("messenger", 400, "malformed JSON")
    return accept(queue, messenger.parse_webhook(body), started)


def zalo_events(
    settings: PlatformSettings, queue: Any, raw: bytes, environ: dict[str, Any]
) -> Answer:
    started = time.perf_counter()
    if not settings.zalo_enabled:
        return _refuse("zalo", 404, "zalo is not configured")
    body = _json_body(raw)
    if not isinstance(body, dict):
        return _refuse("zalo", 400, "malformed JSON")
    timestamp = str(body.get("timestamp") or "")
    header = environ.get("HTTP_X_ZEVENT_SIGNATURE")
    if not zalo.verify_signature(
        settings.zalo_app_id, settings.zalo_oa_secret, raw, timestamp, header
    ):
        return _refuse("zalo", 403, "bad signature")
    if not zalo.is_fresh(timestamp, settings.zalo_replay_window):
        # Signed, but outside the replay window: Zalo redelivering after an
        # outage, or a replay. A 403 would make Zalo retry for nothing; message
        # ids are deduplicated anyway, so answer 200 and drop it.
        log_event(logger, logging.WARNING, "event_stale_dropped", platform="zalo")
        return 200, {"accepted": 0, "duplicates": 0, "ignored": 1, "stale": 1}
    return accept(queue, [zalo.parse_event(body)], started)


# (settings, queue, body, WSGI environ) -> answer
Handler = Callable[[PlatformSettings, Any, bytes, dict[str, Any]], Answer]
EVENTS: dict[str, Handler] = {
    f"{bp.url_prefix}/messenger": messenger_events,
    f"{bp.url_prefix}/zalo": zalo_events,
}


class WebhookEvents:
    """WSGI layer in front of the Flask app (`app.wsgi_app`): a POST to a
    webhook is answered here; every other request goes on to Flask.

    It reads the app's config at each request (PLATFORMS, QUEUE,
    MAX_CONTENT_LENGTH), as the Flask routes did, and adds `headers` (the
    bridge's security headers) to its answers."""

    def __init__(self, app: Flask, headers: dict[str, str]) -> None:
        self.config = app.config
        self.next = app.wsgi_app
        self.headers = list(headers.items())

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Any:
        handler = EVENTS.get(environ.get("PATH_INFO", ""))
        if handler is None or environ.get("REQUEST_METHOD") != "POST":
            return self.next(environ, start_response)
        status, body = self._answer(handler, environ)
        data = json.dumps(body, ensure_ascii=False).encode()  # as the app's JSON
        start_response(
            f"{status} {HTTPStatus(status).phrase}",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(data))),
                *self.headers,
            ],
        )
        return [data]

    def _answer(self, handler: Handler, environ: dict[str, Any]) -> Answer:
        raw = _read_body(environ, self.config["MAX_CONTENT_LENGTH"])
        if isinstance(raw, int):
            return raw, {"error": TOO_LARGE if raw == 413 else "bad Content-Length"}
        try:
            return handler(self.config["PLATFORMS"], self.config["QUEUE"], raw, environ)
        except SQLAlchemyError as error:
            log_event(
                logger,
                logging.ERROR,
                "database_unavailable",
                error=type(error).__name__,
            )
            return 503, {"error": DATABASE_DOWN}


def _read_body(environ: dict[str, Any], limit: int | None) -> bytes | int:
    """The request's body, or the status that refuses it: 413 over `limit`
    (waitress has already refused one over its own, larger limit), 400 for a
    Content-Length that is not a number."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 400
    if length < 0:
        return 400
    if limit is not None and length > limit:
        return 413
    stream: Any = environ["wsgi.input"]
    return stream.read(length) if length else b""
