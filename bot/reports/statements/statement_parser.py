"""A bank export read into a `Statement`: its account, period, opening and
closing balances, and one `StatementRow` per transaction, or the reasons,
line by line, why rows cannot be read.

Rows between the header and the end are transactions when their date cell
holds a date; opening/closing balance lines and totals rows are recognised by
their words; a row with no date and no money continues the description above
(wrapped lines); anything else is an error naming its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.reports.statements.bank_layouts import Header, find_header
from bot.reports.statements.sheets import SheetError, read_rows
from bot.reports.statements.statement_cells import (
    Cell,
    CellValueError,
    is_blank,
    parse_date,
    parse_money,
    text,
)
from bot.reports.statements.statement_meta import StatementMeta, read_meta


@dataclass(frozen=True)
class StatementRow:
    line: int
    date: date
    amount: int  # đồng; > 0 credit, < 0 debit
    description: str
    reference: str = ""
    counter_account: str = ""
    counter_name: str = ""
    balance: int | None = None


@dataclass
class Statement(StatementMeta):
    bank: str = ""
    layout: str = ""
    rows: list[StatementRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _cell(cells: list[Cell], header: Header, role: str) -> Cell:
    index = header.columns.get(role)
    return cells[index] if index is not None and index < len(cells) else None


def _amount(cells: list[Cell], header: Header) -> int:
    if "amount" in header.columns:
        value = parse_money(_cell(cells, header, "amount"))
        if not value:
            raise CellValueError("the amount is empty")
        return value
    debit = parse_money(_cell(cells, header, "debit")) or 0
    credit = parse_money(_cell(cells, header, "credit")) or 0
    if bool(debit) == bool(credit):
        raise CellValueError("a row needs a debit or a credit, not both or neither")
    return abs(credit) if credit else -abs(debit)


def _row(line: int, cells: list[Cell], header: Header) -> StatementRow:
    date_cell = _cell(cells, header, "date")
    reference = text(_cell(cells, header, "reference"))
    if header.layout.date_holds_reference and isinstance(date_cell, str):
        date_cell, _, rest = date_cell.strip().partition("\n")
        date_cell, _, inline = date_cell.partition(" ")
        reference = reference or text(rest or inline)
    balance = _cell(cells, header, "balance")
    return StatementRow(
        line=line,
        date=parse_date(date_cell),
        amount=_amount(cells, header),
        description=text(_cell(cells, header, "description")),
        reference=reference,
        counter_account=text(_cell(cells, header, "counter_account")),
        counter_name=text(_cell(cells, header, "counter_name")),
        balance=parse_money(balance) if balance is not None else None,
    )


def _continues(statement: Statement, cells: list[Cell], header: Header) -> bool:
    """A wrapped description line: no date, no money, some text."""
    money = [_cell(cells, header, r) for r in ("debit", "credit", "amount")]
    if not is_blank(_cell(cells, header, "date")) or any(map(text, money)):
        return False
    extra = text(_cell(cells, header, "description"))
    if extra and statement.rows:
        last = statement.rows[-1]
        statement.rows[-1] = StatementRow(
            **{**last.__dict__, "description": f"{last.description} {extra}"}
        )
    return True


def parse_statement(path: Path, bank: str = "auto") -> Statement:
    """Read `path`; raises SheetError when no known layout is found."""
    numbered = read_rows(path)
    header = find_header([cells for _, cells in numbered], bank)
    if header is None:
        which = "a known bank's" if bank == "auto" else f"the {bank} export"
        raise SheetError(f"no header row of {which} layout in its first rows")
    statement = Statement(bank=header.layout.bank, layout=header.layout.name)
    for _line, cells in numbered[: header.index]:
        read_meta(statement, cells)
    for line, cells in numbered[header.index + 1 :]:
        if all(is_blank(c) for c in cells):
            continue
        if not _dated(cells, header) and (
            read_meta(statement, cells) or _continues(statement, cells, header)
        ):
            continue
        try:
            statement.rows.append(_row(line, cells, header))
        except CellValueError as error:
            statement.errors.append(f"line {line}: {error}")
    return statement


def _dated(cells: list[Cell], header: Header) -> bool:
    try:
        parse_date(_cell(cells, header, "date"))
    except CellValueError:
        return False
    return True
