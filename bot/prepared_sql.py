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
- for an INSERT that leaves a Python-side column default to compute (one
  whose `.values()` name every column it fills runs on the driver, several
  rows in one `execute_values` round trip, as SQLAlchemy does it);
- for `IN` lists of bound values, which SQLAlchemy renders at each call.

Errors are raised as SQLAlchemy's (`DBAPIError` subclasses, parameters
hidden), and a connection the server dropped is invalidated, as SQLAlchemy
would do, so the pool does not hand it out again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, exc, insert
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

    def __init__(self, statement: Executable, names_columns: bool = False) -> None:
        """`names_columns`: an INSERT whose `.values()` name the columns it
        fills (`insert_of`); any other INSERT stays with SQLAlchemy."""
        self.statement = statement
        self.names_columns = names_columns
        self._compiled: dict[str, Compiled | None] = {}

    def compiled(self, dialect: Dialect) -> Compiled | None:
        """The compiled form for the driver path; None where it does not apply."""
        if dialect.name not in self._compiled:
            self._compiled[dialect.name] = _compile(self, dialect)
        return self._compiled[dialect.name]


def insert_of(table: Any, *columns: str) -> Prepared:
    """An INSERT of these columns, each a bind parameter of its name: every
    execution names them all, so no column default is left for SQLAlchemy to
    compute and it runs on the driver."""
    values = {name: bindparam(name) for name in columns}
    return Prepared(insert(table).values(values), names_columns=True)


def _compile(prepared: Prepared, dialect: Dialect) -> Compiled | None:
    statement = prepared.statement
    if dialect.name not in DRIVER_DIALECTS:
        return None
    is_insert = isinstance(statement, Insert)
    if is_insert and not prepared.names_columns:
        return None
    compiled = statement.compile(dialect=dialect)
    if is_insert and compiled.insert_prefetch:
        return None  # SQLAlchemy computes those defaults at each execution
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
        elif compiled.isinsert and compiled.insert_single_values_expr:
            _insert_rows(cursor, compiled, params)
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


def _insert_rows(
    cursor: Any, compiled: Compiled, params: Sequence[Mapping[str, Any]]
) -> None:
    """Several rows in one INSERT … VALUES (…), (…) (psycopg2's
    `execute_values`, as SQLAlchemy's psycopg2 dialect does it)."""
    from psycopg2.extras import execute_values  # the only driver dialect

    row = f"({compiled.insert_single_values_expr})"
    sql = compiled.string.replace(row, "%s", 1)
    rows = [compiled.construct_params(p) for p in params]
    execute_values(cursor, sql, rows, template=row, page_size=max(1, len(rows)))
