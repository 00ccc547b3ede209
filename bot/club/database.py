"""One engine and sessionmaker per database URL (migrations: `bot.ops.schema`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, Row, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql import Executable

# How long a writer waits for another one on SQLite (the PRAGMA overrides the
# driver's `timeout`, so both say the same).
BUSY_TIMEOUT_MS = 30_000


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
    return create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True)


@cache
def get_sessionmaker(url: str) -> sessionmaker:
    return sessionmaker(get_engine(url), future=True, expire_on_commit=False)


def shown_url(url: str) -> str:
    """The URL as it may be printed or logged: without its password."""
    return make_url(url).render_as_string(hide_password=True)


def session_scope(url: str) -> Session:
    """A short-lived session; use as `with session_scope(url) as s, s.begin():`."""
    return get_sessionmaker(url)()


def read(url: str, statement: Executable, **params: Any) -> list[Row]:
    """The rows of a prebuilt statement, on a pooled connection (no ORM session).

    For the bridge's per-turn queries: building the statement and an ORM
    session on every call cost ~300 µs on SQLite, against ~80 µs for a
    statement built once with bind parameters (BENCHMARKS.md, *Load*).
    """
    with get_engine(url).connect() as conn:
        return conn.execute(statement, params).all()
