"""All-or-nothing import of one table from CSV/XLSX, and export back."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.club.database import session_scope
from bot.club.models import DemoData
from bot.club.tables import (
    EXTRA_CELLS,
    TABLES,
    CellError,
    Table,
    read_rows,
    write_rows,
)


class DemoDataError(RuntimeError):
    """The database holds the demo club: real data must not mix with it."""


DEMO_MESSAGE = (
    "this database holds the demo club (data/seed/); real data must not mix "
    "with it. Remove the demo rows first: add --remove-demo to the import "
    "command (python -m bot import TABLE FILE --remove-demo)"
)


@dataclass
class ImportResult:
    table: str
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _values(table: Table, row: dict[str, str], session: Session) -> dict[str, Any]:
    """Parse one row; raises CellError naming the first bad column."""
    if EXTRA_CELLS in row:
        raise CellError(
            f"more cells than the header has columns: {row[EXTRA_CELLS][:60]}"
        )
    missing = [c.name for c in table.columns if c.name not in row and c.required]
    if missing:
        raise CellError(f"missing column(s): {', '.join(missing)}")
    values: dict[str, Any] = {}
    for column in table.columns:
        raw = (row.get(column.name) or "").strip()
        if not raw:
            if column.required:
                raise CellError(f"column {column.name}: a value is required")
            values[column.target] = _blank(table, column.target)
            continue
        try:
            values[column.target] = column.parse(raw, session)
        except CellError as error:
            raise CellError(f"column {column.name}: {error}") from None
    return values


def _blank(table: Table, attr: str) -> Any:
    """What an empty optional cell stores: the column's default ("" for text)."""
    column = table.model.__table__.c[attr]
    if not column.nullable and column.default is not None and column.default.is_scalar:
        return column.default.arg
    return None


def _existing(table: Table, values: dict[str, Any], session: Session) -> Any:
    if not table.key or values.get(table.key) is None:
        return None
    attr = getattr(table.model, table.key)
    return session.scalars(select(table.model).where(attr == values[table.key])).first()


def _store(table: Table, values: dict[str, Any], session: Session) -> bool:
    """Insert or update one row inside a savepoint; True when it was new."""
    row = _existing(table, values, session)
    with session.begin_nested():
        if row is None:
            # Let model defaults apply to blank optional cells.
            session.add(
                table.model(**{k: v for k, v in values.items() if v is not None})
            )
        else:
            for key, value in values.items():
                setattr(row, key, value)
        session.flush()
    return row is None


def _constraint_reason(error: IntegrityError) -> str:
    message = str(error.orig).splitlines()[0]
    return f"breaks a rule of the database ({message})"


def import_table(
    url: str, name: str, path: Path, allow_demo: bool = False
) -> ImportResult:
    """Import `path` into table `name`; writes nothing unless every row is valid.

    Raises DemoDataError when the database holds the demo club (unless
    `allow_demo`: the demo loader itself)."""
    if not allow_demo and _holds_demo(url):
        raise DemoDataError(DEMO_MESSAGE)
    if name not in TABLES:
        raise CellError(f"unknown table {name!r}; tables: {', '.join(TABLES)}")
    if not path.is_file():
        raise CellError(f"file not found: {path}")
    table, result = TABLES[name], ImportResult(name)
    with session_scope(url) as session:
        session.begin()
        for line, row in read_rows(path):
            try:
                created = _store(table, _values(table, row, session), session)
            except CellError as error:
                result.errors.append(f"line {line}: {error}")
                continue
            except IntegrityError as error:
                result.errors.append(f"line {line}: {_constraint_reason(error)}")
                continue
            result.created += created
            result.updated += not created
        if result.errors:
            session.rollback()
            result.created = result.updated = 0
        else:
            session.commit()
    return result


def _holds_demo(url: str) -> bool:
    with session_scope(url) as session:
        return bool(session.scalar(select(func.count()).select_from(DemoData)))


def export_table(url: str, name: str, path: Path) -> int:
    """Write table `name` to a CSV or XLSX file that `import_table` reads back."""
    if name not in TABLES:
        raise CellError(f"unknown table {name!r}; tables: {', '.join(TABLES)}")
    if path.suffix.lower() not in {".csv", ".xlsx"}:
        raise CellError(f"{path.name}: export to a .csv or .xlsx file")
    table = TABLES[name]
    with session_scope(url) as session:
        records = session.scalars(select(table.model).order_by(table.order)).all()
        rows = [
            [
                c.export(r, session) if c.export else getattr(r, c.target)
                for c in table.columns
            ]
            for r in records
        ]
    return write_rows(path, [c.name for c in table.columns], rows)
