"""Which statements take the driver path (`bot.prepared_sql`): decided once
per dialect, and only where SQLAlchemy would convert nothing. Its behaviour
on a real server is tested in tests/integration/test_postgres.py."""

from __future__ import annotations

from sqlalchemy import Boolean, Date, bindparam, column, insert, select, table, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.bridge.store.records import InboxMessage, OutboundMessage, pending_queries
from bot.prepared_sql import Prepared, insert_of

PG = postgresql.psycopg2.dialect()
SQLITE = sqlite.pysqlite.dialect()


def test_the_bridges_queries_take_the_driver_path_on_postgresql_only():
    for prepared in pending_queries(InboxMessage, 10):
        compiled = prepared.compiled(PG)
        assert compiled is not None and "%(conversation_id)s" in compiled.string
        assert prepared.compiled(SQLITE) is None  # dates are text SQLAlchemy converts


def test_literals_and_bound_values_are_both_passed():
    compiled = pending_queries(OutboundMessage, 20)[0].compiled(PG)
    params = compiled.construct_params({"conversation_id": "messenger:1"})
    assert "messenger:1" in params.values()
    assert "pending" in params.values() and 20 in params.values()


def test_inserts_that_name_every_column_they_fill_take_the_driver_path():
    columns = ("platform", "conversation_id", "recipient_id", "body_json")
    defaulted = ("status", "attempts", "created_at")  # Python-side defaults
    named = insert_of(OutboundMessage, *columns, *defaulted)
    compiled = named.compiled(PG)
    assert compiled is not None and compiled.returning  # the new id comes back
    assert insert_of(OutboundMessage, *columns).compiled(PG) is None
    assert named.compiled(SQLITE) is None


def test_inserts_and_converting_types_stay_with_sqlalchemy():
    assert Prepared(insert(InboxMessage)).compiled(PG) is None  # Python defaults
    days = table("days", column("day", Date), column("open", Boolean))
    by_day = select(days.c.day).where(days.c.day == bindparam("day"))
    assert Prepared(by_day).compiled(PG) is not None  # psycopg2 converts dates
    by_flag = select(days.c.day).where(days.c.open == bindparam("open"))
    assert Prepared(by_flag).compiled(PG) is None  # SQLAlchemy checks booleans
    amounts = select(column("x", postgresql.NUMERIC(asdecimal=False)))
    assert Prepared(amounts).compiled(PG) is None  # Decimal to float: SQLAlchemy's
    assert Prepared(update(InboxMessage).values(attempts=1)).compiled(PG) is not None
    listed = select(InboxMessage.id).where(
        InboxMessage.id.in_(bindparam("ids", expanding=True))
    )
    assert Prepared(listed).compiled(PG) is None  # the IN list is built per call


def test_compiled_once_per_dialect():
    prepared = pending_queries(InboxMessage, 10)[1]
    assert prepared.compiled(PG) is prepared.compiled(PG)


def test_the_workers_row_copies_have_every_column():
    """`InboxRow` and `OutboundRow` are built from whole table rows."""
    from dataclasses import fields

    from bot.bridge.store.records import InboxRow, OutboundRow

    for model, copy in ((InboxMessage, InboxRow), (OutboundMessage, OutboundRow)):
        assert [f.name for f in fields(copy)] == list(model.__table__.columns.keys())
