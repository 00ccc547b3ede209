"""The payloads a turn offers are remembered per conversation (SQLite here;
PostgreSQL in tests/integration/test_postgres.py)."""

from __future__ import annotations

from bot.bridge.store import offers
from bot.club.database import transaction


def buttons(*payloads: str) -> list[dict]:
    return [{"text": "Dạ", "buttons": [{"title": p, "payload": p} for p in payloads]}]


def test_offered_payloads_are_remembered_renewed_and_kept_per_conversation(db_url):
    with transaction(db_url) as conn:
        offers.remember_payloads(conn, "messenger:1", buttons("/a", "/b", "no-slash"))
    with transaction(db_url) as conn:  # offered again: renewed, not an error
        offers.remember_payloads(conn, "messenger:1", buttons("/b", "/c"))
    for payload in ("/a", "/b", "/c"):
        assert offers.was_offered(db_url, "messenger:1", payload)
    assert not offers.was_offered(db_url, "messenger:1", "no-slash")
    assert not offers.was_offered(db_url, "messenger:2", "/a")
