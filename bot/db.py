"""One engine and sessionmaker per database URL; migrations through Alembic."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import bindparam, create_engine, event, inspect, select
from sqlalchemy.engine import Engine, Row
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql import Executable, Select

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


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
    cursor.execute("PRAGMA busy_timeout=5000")
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
            connect_args={"timeout": 30, "check_same_thread": False},
            poolclass=QueuePool,
            pool_size=8,
            max_overflow=-1,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


@cache
def get_sessionmaker(url: str) -> sessionmaker:
    return sessionmaker(get_engine(url), future=True, expire_on_commit=False)


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


def pending_queries(model: Any, limit: int) -> tuple[Select, Select]:
    """Prebuilt queries of an inbox or outbox table: a conversation's pending
    rows in id order (at most `limit`), and one id if it has any."""
    pending = (model.conversation_id == bindparam("conversation_id")) & (
        model.status == "pending"
    )
    rows = select(model.__table__).where(pending).order_by(model.id).limit(limit)
    return rows, select(model.id).where(pending).limit(1)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str) -> None:
    """Create or upgrade the schema to the newest migration."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "head")


def has_schema(url: str) -> bool:
    return inspect(get_engine(url)).has_table("campaigns")
