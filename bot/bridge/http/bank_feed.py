"""The bank feed's webhooks: SePay and Casso post each transaction of the
club's account; check the key, parse, store in the ledger, answer at once.

`POST /webhooks/bank` tells the two apart by their header (SePay's
`Authorization: Apikey <key>`, Casso's `Secure-Token: <token>`);
`/webhooks/bank/sepay` and `/webhooks/bank/casso` take only their own. A feed
whose key is not set (SEPAY_API_KEY, CASSO_SECURE_TOKEN) is off: 404. No key
→ 401, a wrong key → 403, a body that is not the service's format → 400, each
with its reason and one log line; a database that cannot be written → 503, so
the service posts again later. Repeats of a transaction (the services retry
until answered) are answered like the first and add nothing.

Storing and matching are one short transaction (the matcher reads the club's
codes once per post, milliseconds for a club's few thousand rows), well inside
SePay's 5 s: a booked transfer of a sponsor is thanked in the same request
when the sponsor's reply window is open (`bot.bridge.worker.transfer_thanks`).
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.bridge.worker import transfer_thanks
from bot.club.database import session_scope
from bot.logs import log_event
from bot.reports.feed import FeedError, FeedRow, parse_casso, parse_sepay, record
from bot.reports.ledger import write_first
from bot.reports.matching import Directory

logger = logging.getLogger(__name__)

bp = Blueprint("bank_feed", __name__, url_prefix="/webhooks/bank")

SERVICES = {
    "sepay": ("SePay", "SEPAY_API_KEY"),
    "casso": ("Casso", "CASSO_SECURE_TOKEN"),
}


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def _refuse(service: str, status: int, reason: str):
    log_event(
        logger, logging.WARNING, "bank_feed_refused",
        service=service, status=status, reason=reason,
    )  # fmt: skip
    return jsonify({"success": False, "error": reason}), status


def _secret(service: str) -> str:
    settings = current_app.config["SETTINGS"]
    return settings.sepay_api_key if service == "sepay" else settings.casso_secure_token


def _given_key(service: str) -> str | None:
    """The key the request carries, None when it carries none."""
    if service == "casso":
        return request.headers.get("Secure-Token")
    scheme, _, key = (request.headers.get("Authorization") or "").partition(" ")
    return key.strip() if scheme.lower() == "apikey" else None


def _check_key(service: str) -> None:
    name, variable = SERVICES[service]
    expected = _secret(service)
    if not expected:
        raise Refused(404, f"the {name} feed is not configured ({variable} unset)")
    given = _given_key(service)
    if not given:
        header = "Secure-Token" if service == "casso" else "Authorization: Apikey"
        raise Refused(401, f"no {header} header")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Refused(403, f"wrong {name} key")


def _parse(service: str) -> list[FeedRow]:
    try:
        body: Any = json.loads(request.get_data(cache=False))
    except (ValueError, RecursionError):
        raise Refused(400, "malformed JSON") from None
    try:
        if service == "sepay":
            return [parse_sepay(body)]
        return parse_casso(body, current_app.config["SETTINGS"].bank_bin)
    except FeedError as error:
        raise Refused(400, str(error)) from None


def _directory(session) -> Directory | None:
    try:
        return Directory.load(session)
    except SQLAlchemyError:
        raise
    except Exception as error:  # the rows are stored unmatched all the same
        log_event(
            logger, logging.ERROR, "feed_directory_failed", error=type(error).__name__
        )
        return None


def _store(url: str, rows: list[FeedRow]) -> tuple[dict[str, int], list[int]]:
    counts = {"accepted": 0, "duplicates": 0, "matched": 0}
    owed: list[int] = []
    with session_scope(url) as session, session.begin():
        write_first(session)  # reads then writes: "database is locked" else
        book = _directory(session)
        for row in rows:
            done = record(session, row, book)
            tx = done.transaction
            if done.status != "new" or tx is None:
                counts["duplicates"] += 1
                log_event(
                    logger, logging.INFO, "bank_feed_duplicate",
                    feed_id=row.feed_id, already=done.status,
                )  # fmt: skip
                continue
            counts["accepted"] += 1
            counts["matched"] += tx.state == "booked"
            owed += transfer_thanks.hold(session, tx)
            log_event(
                logger, logging.INFO, "bank_feed_accepted",
                feed_id=row.feed_id, transaction=tx.id, state=tx.state,
                confidence=tx.confidence, kind="credit" if tx.amount > 0 else "debit",
            )  # fmt: skip
    return counts, owed


def _feed(service: str):
    started = time.perf_counter()
    try:
        _check_key(service)
        rows = _parse(service)
    except Refused as refused:
        return _refuse(service, refused.status, refused.reason)
    url = current_app.config["DATABASE_URL"]
    try:
        try:
            counts, owed = _store(url, rows)
        except IntegrityError:  # the same post stored meanwhile by a retry
            counts, owed = _store(url, rows)
    except FeedError as error:  # e.g. too many rows under one reference
        return _refuse(service, 400, str(error))
    except SQLAlchemyError as error:
        log_event(
            logger, logging.ERROR, "bank_feed_not_stored",
            service=service, error=type(error).__name__,
        )  # fmt: skip
        return jsonify({"success": False, "error": "not stored, post again"}), 503
    _thank(url, owed)
    ms = round((time.perf_counter() - started) * 1000, 2)
    return jsonify({"success": True, **counts, "ms": ms})


def _thank(url: str, owed: list[int]) -> None:
    """Send the thank-yous whose window is open now; the rest stay held. A
    failure here loses nothing: they are held and go with the next message."""
    if not owed:
        return
    try:
        staged = transfer_thanks.release(url, owed, datetime.utcnow())
        queue = current_app.config["QUEUE"]
        for conversation_id in dict.fromkeys(staged):
            queue.sender.schedule(conversation_id)
    except Exception as error:
        log_event(logger, logging.ERROR, "thanks_failed", error=type(error).__name__)


@bp.post("")
def either():
    """SePay or Casso, by the header each sends."""
    if "Secure-Token" in request.headers:
        return _feed("casso")
    if "Authorization" in request.headers:
        return _feed("sepay")
    return _refuse(
        "unknown", 401, "no 'Authorization: Apikey' (SePay) or 'Secure-Token' (Casso)"
    )


@bp.post("/sepay")
def sepay():
    return _feed("sepay")


@bp.post("/casso")
def casso():
    return _feed("casso")
