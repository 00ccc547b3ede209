"""Statements built once and run on the driver's own cursor (PostgreSQL).

The bridge runs about ten small statements a turn. On PostgreSQL,
SQLAlchemy's work around each one (execution context, result object, row
objects) cost about twice the driver's own call (BENCHMARKS.md, *Bridge CPU
per turn*). A `Prepared` statement is compiled once per dialect and, where
nothing needs converting, run with the driver's cursor (`execute`); `read`
and `write` in `bot.club.database` and a turn's end in the bridge use it.

Where it does not apply, the statement simply runs through SQLAlchemy:
- on SQLite, whose dates are text that SQLAlchemy's types convert;
- when a bound or selected column's type converts values for this dialect;
- for INSERTs, whose Python-side column defaults SQLAlchemy computes;
- for `IN` lists of bound values, which SQLAlchemy renders at each call.

Errors are raised as SQLAlchemy's (`DBAPIError` subclasses, parameters
hidden), and a connection the server dropped is invalidated, as SQLAlchemy
would do, so the pool does not hand it out again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import Compiled
from sqlalchemy.sql.dml import Insert

DRIVER_DIALECTS = {"postgresql"}


@dataclass(frozen=True)
class Outcome:
    """What a statement gave: its rows (mappings, for a SELECT) and how many
    rows it changed."""

    rows: list[Mapping[str, Any]]
    rowcount: int


class Prepared:
    """A Core statement compiled once per dialect (see the module's doc)."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[str, Compiled | None] = {}

    def compiled(self, dialect: Dialect) -> Compiled | None:
        """The compiled form for the driver path; None where it does not apply."""
        if dialect.name not in self._compiled:
            self._compiled[dialect.name] = _compile(self.statement, dialect)
        return self._compiled[dialect.name]


def _compile(statement: Executable, dialect: Dialect) -> Compiled | None:
    if dialect.name not in DRIVER_DIALECTS or isinstance(statement, Insert):
        return None
    compiled = statement.compile(dialect=dialect)
    if any(bind.expanding for bind in compiled.binds.values()):
        return None  # an IN list is rendered at each execution
    types = [bind.type for bind in compiled.binds.values()]
    types += [column.type for column in getattr(statement, "selected_columns", [])]
    if any(_converts(type_, dialect) for type_ in types):
        return None
    return compiled


def _converts(type_: Any, dialect: Dialect) -> bool:
    """Whether SQLAlchemy converts this type's values on their way in or out
    (a type that cannot say without the column's server type counts too)."""
    impl = type_.dialect_impl(dialect)
    try:
        return bool(
            impl.bind_processor(dialect) or impl.result_processor(dialect, None)
        )
    except Exception:
        return True


def execute(
    conn: Connection,
    statement: Executable | Prepared,
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> Outcome:
    """Run a statement on `conn`: a `Prepared` one on the driver where it
    can, anything else through SQLAlchemy."""
    if isinstance(statement, Prepared):
        compiled = statement.compiled(conn.dialect)
        if compiled is not None:
            return run_on_driver(conn, compiled, params)
        statement = statement.statement
    result = conn.execute(statement, params)
    rows = list(result.mappings()) if result.returns_rows else []
    return Outcome(rows, result.rowcount)


def run_on_driver(
    conn: Connection,
    compiled: Compiled,
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> Outcome:
    """Run on `conn`'s driver connection (its transaction mode is the
    connection's: autocommit for `bot.club.database.statement_engine`)."""
    sql = compiled.string
    driver = conn.connection.dbapi_connection
    cursor = driver.cursor()
    try:
        if isinstance(params, Mapping):
            cursor.execute(sql, compiled.construct_params(params))
        else:
            cursor.executemany(sql, [compiled.construct_params(p) for p in params])
        rows: list[Mapping[str, Any]] = []
        if cursor.description:
            names = [column[0] for column in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        return Outcome(rows, cursor.rowcount)
    except conn.dialect.dbapi.Error as error:
        if conn.dialect.is_disconnect(error, driver, cursor):
            conn.invalidate(error)
        raise exc.DBAPIError.instance(
            sql,
            params,  # shown as "hidden" (hide_parameters)
            error,
            conn.dialect.dbapi.Error,
            hide_parameters=True,
            dialect=conn.dialect,
        ) from error
    finally:
        cursor.close()
