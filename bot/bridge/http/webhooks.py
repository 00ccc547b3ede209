"""Signed webhooks of Messenger and Zalo OA: verify, store, answer at once.

Each accepted event becomes an inbox row (deduplicated by the platform's
message id) and a huey task before the 200, so the platforms never wait for a
dialogue turn and never resend because of it. Bad signature → 403, malformed
JSON → 400, body too large → 413 (Flask's MAX_CONTENT_LENGTH), unknown events →
200 and a log line.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from typing import Any

from flask import Blueprint, Flask, Request, Response, current_app, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from bot.bridge.worker.turns import inbox_metadata
from bot.logs import log_event
from bot.settings import PlatformSettings
from bot.text import nfc
from connectors import messenger, zalo
from connectors.contract import Ignored, Inbound

logger = logging.getLogger(__name__)

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


class SessionlessWebhooks(SecureCookieSessionInterface):
    """The app's sessions (the console's signed cookie), except that a webhook
    gets an empty one at once: Flask opens the session of every request, and
    building the cookie's signing serializer for each platform event took
    about 5% of the bridge's CPU per turn. A webhook never reads or writes the
    session, so an empty, unmodified one sets no cookie."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(bp.url_prefix + "/"):
            return self.session_class()
        return super().open_session(app, request)


def _json(body: dict[str, Any], status: int = 200) -> Response:
    """A small JSON answer, without jsonify's provider machinery (the webhooks
    answer every platform event; their bodies are plain ASCII dicts)."""
    return Response(json.dumps(body), status, mimetype="application/json")


def _platforms() -> PlatformSettings:
    return current_app.config["PLATFORMS"]


def _json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return None


def _equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _refuse(platform: str, status: int, reason: str):
    log_event(
        logger,
        logging.WARNING,
        "webhook_refused",
        platform=platform,
        status=status,
        reason=reason,
    )
    return _json({"error": reason}, status)


def accept(events: list[Inbound | Ignored], started: float) -> Response:
    """Store every event, schedule each conversation once, answer 200."""
    queue = current_app.config["QUEUE"]
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
    return _json(
        {
            "accepted": accepted,
            "duplicates": duplicates,
            "ignored": ignored,
            "ms": round((time.perf_counter() - started) * 1000, 2),
        }
    )


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
    return _refuse("messenger", 403, "verification failed")


@bp.post("/messenger")
def messenger_events():
    started = time.perf_counter()
    settings = _platforms()
    if not settings.messenger_enabled:
        return _refuse("messenger", 404, "messenger is not configured")
    raw = request.get_data(cache=False)
    header = request.headers.get("X-Hub-Signature-256")
    if not messenger.verify_signature(settings.messenger_app_secret, raw, header):
        return _refuse("messenger", 403, "bad signature")
    body = _json_body(raw)
    if not isinstance(body, dict):
        return _refuse("messenger", 400, "malformed JSON")
    return accept(messenger.parse_webhook(body), started)


@bp.post("/zalo")
def zalo_events():
    started = time.perf_counter()
    settings = _platforms()
    if not settings.zalo_enabled:
        return _refuse("zalo", 404, "zalo is not configured")
    raw = request.get_data(cache=False)
    body = _json_body(raw)
    if not isinstance(body, dict):
        return _refuse("zalo", 400, "malformed JSON")
    timestamp = str(body.get("timestamp") or "")
    header = request.headers.get("X-ZEvent-Signature")
    if not zalo.verify_signature(
        settings.zalo_app_id, settings.zalo_oa_secret, raw, timestamp, header
    ):
        return _refuse("zalo", 403, "bad signature")
    if not zalo.is_fresh(timestamp, settings.zalo_replay_window):
        # Signed, but outside the replay window: Zalo redelivering after an
        # outage, or a replay. A 403 would make Zalo retry for nothing; message
        # ids are deduplicated anyway, so answer 200 and drop it.
        log_event(logger, logging.WARNING, "event_stale_dropped", platform="zalo")
        return _json({"accepted": 0, "duplicates": 0, "ignored": 1, "stale": 1})
    return accept([zalo.parse_event(body)], started)
