"""The statement helpers the bridge's hot path uses (`bot.club.database`):
a held connection keeps no snapshot or lock between statements, a write is
committed at once, and a transaction is all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from bot.bridge.store.records import InboxMessage
from bot.club.database import (
    get_engine,
    held_connection,
    held_transaction,
    read,
    transaction,
    write,
)
from bot.ops.schema import migrate
from bot.prepared_sql import Prepared, execute

ALL = select(InboxMessage.message_id).order_by(InboxMessage.id)


def row(message_id: str) -> dict[str, str]:
    return {
        "platform": "messenger",
        "message_id": message_id,
        "conversation_id": "messenger:1",
        "text": "chào ad",
        "metadata_json": "{}",
    }


def ids(url: str) -> list[str]:
    """What another connection sees."""
    with get_engine(url).connect() as conn:
        return list(conn.execute(ALL).scalars())


@pytest.fixture()
def db_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'club.db'}"
    migrate(url)
    return url


def helpers_behave(url: str) -> None:
    """Shared by the SQLite test here and the PostgreSQL one
    (tests/integration/test_postgres.py)."""
    with held_connection(url):
        assert read(url, ALL) == []
        write(url, insert(InboxMessage), row("m1"))
        assert ids(url) == ["m1"]  # committed while the connection is held
        with get_engine(url).begin() as other:  # another writer goes through
            other.execute(insert(InboxMessage), row("m2"))
        assert [r["message_id"] for r in read(url, ALL)] == ["m1", "m2"]  # no snap
        with held_connection(url):  # nested: the same connection, no deadlock
            write(url, insert(InboxMessage), row("m3"))
    with pytest.raises(RuntimeError), transaction(url) as conn:
        conn.execute(insert(InboxMessage), row("m4"))
        raise RuntimeError("the turn failed half-way")
    assert ids(url) == ["m1", "m2", "m3"]  # m4 rolled back
    deleted = text("DELETE FROM inbox_messages WHERE message_id = 'm1'")
    assert write(url, deleted, {}) == 1
    held_transactions_behave(url)


def held_transactions_behave(url: str) -> None:
    """A turn's end (`held_transaction`) runs on the held connection and is
    all or nothing, through SQLAlchemy and on the driver alike; after a
    failed one the held connection goes on working."""
    delete_m2 = Prepared(text("DELETE FROM inbox_messages WHERE message_id = 'm2'"))
    with held_connection(url):
        with held_transaction(url) as first:
            first.execute(insert(InboxMessage), row("m5"))
            execute(first, delete_m2, {})
            assert ids(url) == ["m2", "m3"]  # others see nothing before the end
        assert ids(url) == ["m3", "m5"]
        with pytest.raises(IntegrityError), held_transaction(url) as second:
            execute(second, Prepared(text("DELETE FROM inbox_messages")), {})
            second.execute(insert(InboxMessage), row("m9"))
            second.execute(insert(InboxMessage), row("m9"))  # a second time
        assert second is first  # the held connection, not a second one
        assert [r["message_id"] for r in read(url, ALL)] == ["m3", "m5"]
        with pytest.raises(RuntimeError), held_transaction(url) as third:
            third.execute(insert(InboxMessage), row("m6"))
            raise RuntimeError("the turn failed half-way")
        write(url, insert(InboxMessage), row("m7"))  # usable after a failure
    assert ids(url) == ["m3", "m5", "m7"]
    with held_transaction(url) as alone:  # nothing held: a pooled transaction
        alone.execute(insert(InboxMessage), row("m8"))
    assert ids(url) == ["m3", "m5", "m7", "m8"]


def test_statement_helpers_on_sqlite(db_url):
    helpers_behave(db_url)
