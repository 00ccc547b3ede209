"""The same migrations, imports and actions on a real PostgreSQL server.

The server is started by scripts/pg-test-server.sh (installed from Debian's
package when missing), or taken from TEST_POSTGRES_URL when one is running.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from actions.child_lookup import ActionShowChildNews, ValidateChildLookupForm
from actions.statement_answers import ActionShowStatement
from actions.volunteer import ActionSubmitVolunteerRegistration
from bot.club.database import forget_engines, get_engine, session_scope
from bot.club.importer import import_table
from bot.club.models import Sponsorship, VolunteerRegistration
from bot.club.seed import seed_if_empty
from bot.ops.schema import migrate
from tests.actions.actions_kit import responses, run, tracker
from tests.console.test_event_copy import check_summary_upsert
from tests.integration.throwaway import throwaway_server

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def pg_url():
    try:
        yield from throwaway_server(
            "pg-test-server.sh", "TEST_POSTGRES_URL", "vungcao-pg."
        )
    finally:
        forget_engines()


@pytest.fixture
def club_pg(pg_url, monkeypatch):
    """A fresh schema with the demo club for each test."""
    engine = get_engine(pg_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate(pg_url)
    assert seed_if_empty(pg_url) > 30
    monkeypatch.setenv("DATABASE_URL", pg_url)
    return pg_url


def test_migrations_and_demo_data(club_pg):
    with session_scope(club_pg) as session:
        version = session.execute(
            text("SELECT version_num FROM alembic_version")
        ).scalar()
    assert version >= "0002"


def test_one_active_sponsor_per_child_is_enforced(club_pg):
    from datetime import date

    with (
        pytest.raises(IntegrityError),
        session_scope(club_pg) as session,
        session.begin(),
    ):
        session.add(
            Sponsorship(
                child_id=1, sponsor_id=2, monthly_amount=160000, since=date(2026, 1, 1)
            )
        )


def test_bad_import_leaves_nothing_behind(club_pg, tmp_path):
    csv = tmp_path / "sponsors.csv"
    csv.write_text(
        "full_name,phone,email,messenger_id,zalo_id\n"
        "Mới Một,0911000111,,,\nTrùng Số,0912345678,,,\nSai Số,123,,,\n",
        encoding="utf-8",
    )
    result = import_table(club_pg, "sponsors", csv, allow_demo=True)
    assert result.errors == [
        "line 4: column phone: '123' is not a Vietnamese mobile number"
    ]
    with session_scope(club_pg) as session:
        phones = set(session.scalars(text("SELECT phone FROM sponsors")))
    assert "0911000111" not in phones


def test_registration_is_saved(club_pg):
    filled = {
        "campaign": "Áo ấm cho em 2026",
        "full_name": "Ngô Thị Mơ",
        "phone": "0911222333",
        "birth_year": "2001",
        "school_or_work": "ĐH Y",
        "volunteer_confirm": "yes",
    }
    messages, _ = run(ActionSubmitVolunteerRegistration(), tracker(slots=filled))
    assert responses(messages) == ["utter_volunteer_registered"]
    with session_scope(club_pg) as session:
        saved = session.scalars(select(VolunteerRegistration)).one()
    assert saved.phone == "0911222333"


def test_child_lookup_and_statement(club_pg):
    form = ValidateChildLookupForm()
    asked = {"child_code": "NE0101", "requested_slot": "lookup_phone"}
    wrong, _ = run(
        form, tracker("0900000000", slots=asked, set_now={"lookup_phone": "0900000000"})
    )
    assert responses(wrong) == ["utter_lookup_mismatch"]
    _, slots = run(
        form,
        tracker(
            "0912345678",
            slots=asked,
            set_now={"lookup_phone": "0912345678"},
            sender="zalo:u1",
        ),
    )
    news, _ = run(
        ActionShowChildNews(),
        tracker(slots={"child_code": "NE0101", **slots}, sender="zalo:u1"),
    )
    assert responses(news) == ["utter_child_news"]
    statement, _ = run(ActionShowStatement(), tracker("sao kê tháng 10/2026"))
    assert "Quỹ Xây trường: thu 5.000.000 đ" in statement[0]["funds"]


def test_statement_helpers_on_postgres(club_pg):
    """On PostgreSQL single statements run in autocommit mode, on a pool of
    their own; the same guarantees hold as on SQLite."""
    from bot.club.database import statement_engine
    from tests.club.test_database import helpers_behave

    assert statement_engine(club_pg).pool is not get_engine(club_pg).pool
    helpers_behave(club_pg)


def test_prepared_statements_run_on_the_driver(club_pg):
    """The bridge's per-turn statements run on psycopg2's cursor
    (`bot.prepared_sql`): the same rows as through SQLAlchemy, rowcounts,
    errors raised as SQLAlchemy's with the parameters hidden, and a
    connection the server dropped is not handed out again."""
    from datetime import datetime

    from sqlalchemy import bindparam, func
    from sqlalchemy.exc import DBAPIError

    from bot.bridge.store import inbox, outbox
    from bot.bridge.store.records import InboxMessage
    from bot.bridge.worker import transfer_thanks
    from bot.club.database import held_connection, read, transaction
    from bot.prepared_sql import Prepared

    row = inbox.accept(club_pg, "messenger", "m1", "messenger:1", "chào ad", {})
    with held_connection(club_pg):
        assert inbox.claim(club_pg, row, 60) and not inbox.claim(club_pg, row, 60)
        (ours,) = inbox.pending(club_pg, "messenger:1")
    with get_engine(club_pg).connect() as conn:
        theirs = conn.execute(
            select(InboxMessage.__table__).where(InboxMessage.id == row.id)
        ).one()
    assert {k: getattr(ours, k) for k in theirs._mapping} == dict(theirs._mapping)
    assert isinstance(ours.received_at, datetime)
    with transaction(club_pg) as conn:  # a turn's end, as Delivery runs it
        assert transfer_thanks.stage_held(conn, ours, datetime.utcnow()) == 0
        outbox.complete_inbox(conn, ours)
    assert inbox.pending(club_pg, "messenger:1") == []
    dialect = get_engine(club_pg).dialect
    assert outbox._COMPLETE.compiled(dialect) is not None  # on the driver
    assert transfer_thanks._HELD.compiled(dialect) is not None
    assert outbox.pending(club_pg, "messenger:1") == []

    by_id = Prepared(select(InboxMessage.id).where(InboxMessage.id == bindparam("x")))
    with pytest.raises(DBAPIError, match="parameters hidden"):
        read(club_pg, by_id, x="NE0101")  # not an integer

    backend = Prepared(select(func.pg_backend_pid().label("pid")))
    with held_connection(club_pg):
        pid = read(club_pg, backend)[0]["pid"]
        with get_engine(club_pg).begin() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(DBAPIError):
            read(club_pg, backend)
        assert read(club_pg, backend)[0]["pid"] != pid  # reconnected at once
    for _ in range(10):  # the dropped connection is not in the pool any more
        assert read(club_pg, by_id, x=row.id) == [{"id": row.id}]


def test_prepared_inserts_run_on_the_driver(club_pg):
    """INSERTs naming all their columns: the new id through RETURNING, a
    redelivery still refused as SQLAlchemy's IntegrityError, several rows
    in one statement, and every row as SQLAlchemy would have written it."""
    from bot.bridge.store import inbox, offers, outbox
    from bot.bridge.store.records import OfferedPayload, OutboundMessage
    from bot.club.database import transaction

    dialect = get_engine(club_pg).dialect
    assert inbox._INSERT.compiled(dialect) is not None
    assert outbox._STAGE.compiled(dialect) is not None
    first = inbox.accept(club_pg, "zalo", "z1", "zalo:7", "một", {"a": 1})
    second = inbox.accept(club_pg, "zalo", "z2", "zalo:7", "hai", {})
    assert first and second and second.id == first.id + 1
    assert inbox.accept(club_pg, "zalo", "z1", "zalo:7", "một", {}) is None
    (stored, _) = inbox.pending(club_pg, "zalo:7")
    assert (stored.id, stored.text, stored.status, stored.attempts) == (
        first.id, "một", "pending", 0,
    )  # fmt: skip
    assert stored.metadata_json == '{"a": 1}' and stored.received_at is not None

    bodies = [{"text": f"Dạ {n}"} for n in range(3)]
    with transaction(club_pg) as conn:
        outbox.stage(conn, stored, "7", bodies)
        offers.remember_payloads(
            conn, "zalo:7", [{"buttons": [{"payload": "/a"}, {"payload": "/b"}]}]
        )
    rows = outbox.pending(club_pg, "zalo:7")
    assert [json.loads(r.body_json) for r in rows] == bodies
    assert {(r.status, r.attempts, r.inbox_id) for r in rows} == {
        ("pending", 0, first.id)
    }
    assert all(r.created_at is not None for r in rows)
    with get_engine(club_pg).connect() as conn:
        ids = conn.execute(select(OutboundMessage.id)).scalars().all()
        offered = conn.execute(select(OfferedPayload.payload)).scalars().all()
    assert len(ids) == 3 and sorted(offered) == ["/a", "/b"]
    assert offers.was_offered(club_pg, "zalo:7", "/b")
    assert offers._OFFER_PAYLOADS["postgresql"].compiled(dialect) is not None
    with transaction(club_pg) as conn:  # offered again: renewed, not doubled
        offers.remember_payloads(
            conn, "zalo:7", [{"buttons": [{"payload": "/b"}, {"payload": "/c"}]}]
        )
    with get_engine(club_pg).connect() as conn:
        rows = conn.execute(select(OfferedPayload.payload, OfferedPayload.offered_at))
        offered_at = {payload: at for payload, at in rows}
    assert sorted(offered_at) == ["/a", "/b", "/c"]
    assert offered_at["/a"] < offered_at["/b"] == offered_at["/c"]


def test_console_summaries_upsert_on_postgres(club_pg):
    """The copy's one-statement summary update (INSERT … ON CONFLICT)."""
    check_summary_upsert(club_pg)
