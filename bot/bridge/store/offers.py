"""What the bot offered a conversation: button payloads, and Zalo button titles.

A text starting with "/" is read by Rasa as an intent with entities, so a user
who types `/ask_campaign_detail{...}` could force any intent or send entities
no action expects. The worker passes such a text to Rasa as a payload only when
the bot offered exactly that payload to the conversation (a button it showed, or
a standing one such as the Messenger menu); anything else is plain text.

Zalo's `oa.query.show` buttons arrive as their title, so a Zalo conversation
also keeps its last buttons' titles mapped to their payloads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from bot.bridge.store.records import OfferedButton, OfferedPayload
from bot.club.database import read, session_scope
from bot.prepared_sql import Prepared, execute

PAYLOAD_LIMIT = 1000
_FORGET_BUTTONS = delete(OfferedButton).where(
    OfferedButton.conversation_id == bindparam("conversation_id")
)
_OFFER_BUTTON = insert(OfferedButton)


def _offer_payloads(dialect_insert: Callable[[Any], Any]) -> Prepared:
    """Insert the payloads a turn offers, or renew when one was offered
    before: one statement a turn, on the driver on PostgreSQL."""
    names = ("conversation_id", "payload", "offered_at")
    statement = dialect_insert(OfferedPayload).values({n: bindparam(n) for n in names})
    statement = statement.on_conflict_do_update(
        index_elements=[OfferedPayload.conversation_id, OfferedPayload.payload],
        set_={"offered_at": statement.excluded.offered_at},
    )
    return Prepared(statement, names_columns=True)


_OFFER_PAYLOADS = {  # the two databases the club runs on
    "postgresql": _offer_payloads(postgresql.insert),
    "sqlite": _offer_payloads(sqlite.insert),
}
_WAS_OFFERED = Prepared(
    select(OfferedPayload.payload)
    .where(OfferedPayload.conversation_id == bindparam("conversation_id"))
    .where(OfferedPayload.payload == bindparam("payload"))
)


def payloads_of(replies: Iterable[dict[str, Any]]) -> set[str]:
    """The intent payloads ("/...") of the buttons in a turn's replies."""
    return {
        str(button.get("payload"))
        for reply in replies
        for button in (reply.get("buttons") or [])
        if str(button.get("payload") or "").startswith("/")
        and len(str(button.get("payload"))) <= PAYLOAD_LIMIT
    }


def remember_payloads(
    conn: Connection, conversation_id: str, replies: list[dict[str, Any]]
) -> None:
    """Record the payloads a turn offers (inside the caller's transaction)."""
    payloads = sorted(payloads_of(replies))
    if not payloads:
        return
    now = datetime.utcnow()
    rows = [
        {"conversation_id": conversation_id, "payload": p, "offered_at": now}
        for p in payloads
    ]
    execute(conn, _OFFER_PAYLOADS[conn.dialect.name], rows)


def was_offered(url: str, conversation_id: str, payload: str) -> bool:
    if len(payload) > PAYLOAD_LIMIT:
        return False
    return bool(
        read(url, _WAS_OFFERED, conversation_id=conversation_id, payload=payload)
    )


def remember_buttons(
    conn: Connection, conversation_id: str, mapping: dict[str, str]
) -> None:
    """Replace the buttons a conversation was last shown (Zalo taps are text)."""
    if not mapping:
        return
    conn.execute(_FORGET_BUTTONS, {"conversation_id": conversation_id})
    conn.execute(
        _OFFER_BUTTON,
        [
            {
                "conversation_id": conversation_id,
                "title_key": title_key[:200],
                "payload": payload,
            }
            for title_key, payload in mapping.items()
        ],
    )


def offered_payload(url: str, conversation_id: str, title_key: str) -> str | None:
    """The payload of the Zalo button whose title the user sent, if any."""
    with session_scope(url) as session:
        button = session.get(OfferedButton, (conversation_id, title_key[:200]))
        return button.payload if button else None
