"""One engine and sessionmaker per database URL (migrations: `bot.ops.schema`)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, suppress
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, exc, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql import Executable

from bot.prepared_sql import DRIVER_DIALECTS, Prepared, execute, run_on_driver

# How long a writer waits for another one on SQLite (the PRAGMA overrides the
# driver's `timeout`, so both say the same).
BUSY_TIMEOUT_MS = 30_000
# A PostgreSQL connection idle longer than this is pinged when checked out.
PING_IDLE_AFTER = 2.0


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets the bridge, the worker and the action server share the file.

    pysqlite's own transaction handling breaks SAVEPOINTs (an import's per-row
    savepoint would commit on release), so SQLAlchemy emits BEGIN itself, as the
    SQLAlchemy docs recommend for pysqlite.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


@cache
def get_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # SQLAlchemy 1.4 opens a new SQLite file connection per session
        # (NullPool), paying connect + three PRAGMAs each time; a small pool of
        # kept connections (what SQLAlchemy 2.0 does by default) avoids that.
        # pysqlite connections may move between threads once returned.
        engine = create_engine(
            url,
            future=True,
            connect_args={
                "timeout": BUSY_TIMEOUT_MS / 1000,
                "check_same_thread": False,
            },
            poolclass=QueuePool,
            pool_size=8,
            max_overflow=-1,
            hide_parameters=True,  # no phones or names in error messages and logs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
        return engine
    return _server_engine(url)


def _server_engine(url: str, **options: Any) -> Engine:
    """PostgreSQL (or another server database): a pool whose connections are
    pinged when they were idle a while (`_ping_if_idle`)."""
    engine = create_engine(
        url, future=True, max_overflow=20, hide_parameters=True, **options
    )
    event.listen(engine, "checkin", _note_idle)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


def _note_idle(_dbapi_connection, record) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
    """`pool_pre_ping` for connections that were idle a while.

    `pool_pre_ping` costs a round trip on every checkout, and the bridge
    checked out a connection for nearly every statement. A server restart
    or a dropped idle connection is found just as well by pinging only
    those idle for `PING_IDLE_AFTER`; a connection that dies while in use
    fails its statement, whose caller retries (the queue's tasks do)."""
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_IDLE_AFTER:
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
    except Exception as error:  # the pool then opens a new connection
        raise exc.DisconnectionError(str(error)) from error


@cache
def get_sessionmaker(url: str) -> sessionmaker:
    return sessionmaker(get_engine(url), future=True, expire_on_commit=False)


def shown_url(url: str) -> str:
    """The URL as it may be printed or logged: without its password."""
    return make_url(url).render_as_string(hide_password=True)


def session_scope(url: str) -> Session:
    """A short-lived session; use as `with session_scope(url) as s, s.begin():`."""
    return get_sessionmaker(url)()


@cache
def statement_engine(url: str) -> Engine:
    """The engine for single statements (`read`, `write`): on PostgreSQL in
    autocommit mode, which spares each of them a BEGIN and a COMMIT or
    ROLLBACK round trip; the bridge runs about ten a turn. Its own pool:
    switching a pooled connection's mode at each checkout cost more than the
    round trips. SQLite's BEGIN costs no round trip, so it shares the engine."""
    if url.startswith("sqlite"):
        return get_engine(url)
    return _server_engine(url, isolation_level="AUTOCOMMIT")


def forget_engines() -> None:
    """Drop every cached engine (a test or the scale profile stopped the
    database server those engines pointed at)."""
    get_engine.cache_clear()
    statement_engine.cache_clear()
    get_sessionmaker.cache_clear()


_held: ContextVar[dict[str, Connection] | None] = ContextVar("held", default=None)


@contextmanager
def held_connection(url: str) -> Iterator[None]:
    """Keep one pooled connection for this thread's `read`s and `write`s until
    the block ends: a queue worker holds one for a whole drain instead of
    checking one out per statement. Nested blocks share the outer one."""
    held = _held.get() or {}
    if url in held:
        yield
        return
    with statement_engine(url).connect() as conn:
        token = _held.set({**held, url: conn})
        try:
            yield
        finally:
            _held.reset(token)


@contextmanager
def _statement_connection(url: str) -> Iterator[Connection]:
    conn = (_held.get() or {}).get(url)
    if conn is not None:
        yield conn
        return
    with statement_engine(url).connect() as conn:
        yield conn


def read(
    url: str, statement: Executable | Prepared, **params: Any
) -> list[Mapping[str, Any]]:
    """The rows of a prebuilt statement, on a pooled connection (no ORM session).

    For the bridge's per-turn queries: building the statement and an ORM
    session on every call cost ~300 µs on SQLite, against ~80 µs for a
    statement built once with bind parameters (BENCHMARKS.md, *Load*); a
    `Prepared` one runs on the driver's cursor where it can (`bot.prepared_sql`).
    The read's transaction ends at once, so a held connection keeps no
    snapshot (and, on SQLite, no read lock) between statements.
    """
    with _statement_connection(url) as conn:
        try:
            return execute(conn, statement, params).rows
        finally:
            conn.rollback()


def write(url: str, statement: Executable | Prepared, params: Any) -> int:
    """One statement (a dict of parameters, or a list for executemany),
    committed on its own; returns how many rows it changed."""
    with _statement_connection(url) as conn, conn.begin():
        return execute(conn, statement, params).rowcount


def add(url: str, statement: Prepared, values: dict[str, Any]) -> int:
    """One INSERT of one row, committed on its own; returns its primary key
    (on the driver, from the RETURNING clause SQLAlchemy compiled in)."""
    with _statement_connection(url) as conn, conn.begin():
        compiled = statement.compiled(conn.dialect)
        if compiled is not None and compiled.returning:
            (row,) = run_on_driver(conn, compiled, values).rows
            return row[compiled.returning[0].name]
        return conn.execute(statement.statement, values).inserted_primary_key[0]


def transaction(url: str) -> AbstractContextManager[Connection]:
    """A connection in a transaction, committed when the block ends without
    error, for work that needs more than one statement at once."""
    return get_engine(url).begin()


_BEGIN, _COMMIT, _ROLLBACK = (
    Prepared(text(s)) for s in ("BEGIN", "COMMIT", "ROLLBACK")
)


@contextmanager
def held_transaction(url: str) -> Iterator[Connection]:
    """`transaction`, on the connection this thread holds (`held_connection`)
    if it holds one: a worker's turn then checks out no second connection.

    On PostgreSQL the held connection is in autocommit mode
    (`statement_engine`), so the transaction is opened and ended on the
    driver: BEGIN, the block's statements, COMMIT (ROLLBACK on an error)."""
    conn = (_held.get() or {}).get(url)
    if conn is None:
        with transaction(url) as conn:
            yield conn
        return
    if conn.dialect.name not in DRIVER_DIALECTS:
        with conn.begin():
            yield conn
        return
    execute(conn, _BEGIN, {})
    try:
        yield conn
    except BaseException:
        with suppress(exc.SQLAlchemyError):  # the block's error is the one to see
            _end(conn, _ROLLBACK)
        raise
    _end(conn, _COMMIT)


def _end(conn: Connection, statement: Prepared) -> None:
    """COMMIT or ROLLBACK on the driver; then SQLAlchemy forgets the
    transaction it began for any statement of the block it ran itself (on
    an autocommit connection that sends nothing to the server)."""
    try:
        if not conn.invalidated:
            execute(conn, statement, {})
    finally:
        if conn.in_transaction():
            conn.rollback()
