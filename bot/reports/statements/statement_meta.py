"""The lines around a statement's table: the account number, the period, the
opening and closing balances ("Số dư đầu kỳ / Opening balance", BIDV's "DƯ
ĐẦU"), and totals rows, recognised by their words wherever they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.reports.statements.bank_layouts import folded, has_word
from bot.reports.statements.statement_cells import (
    Cell,
    CellValueError,
    parse_date,
    parse_money,
    text,
)

OPENING = ("so du dau ky", "opening balance", "du dau", "so du dau")
CLOSING = ("so du cuoi ky", "closing balance", "du cuoi", "so du cuoi")
TOTALS = ("tong cong", "total", "cong phat sinh", "tong so")
ACCOUNT = ("so tai khoan", "account number", "account no", "tai khoan")
PERIOD = ("tu ngay", "from")


@dataclass
class StatementMeta:
    account: str = ""
    period: tuple[date, date] | None = None
    opening: int | None = None
    closing: int | None = None


def _money_after(cells: list[Cell], start: int) -> int | None:
    """The first amount in the cell after `:` or in the cells that follow."""
    candidates = [text(cells[start]).rpartition(":")[2], *cells[start + 1 :]]
    for cell in candidates:
        try:
            if (value := parse_money(cell)) is not None:
                return value
        except CellValueError:
            continue
    return None


def read_meta(statement: StatementMeta, cells: list[Cell]) -> bool:
    """Take the account, period or a balance from a title/footer row."""
    for index, cell in enumerate(cells):
        name = folded(cell)
        if any(has_word(name, w) for w in OPENING):
            statement.opening = _money_after(cells, index)
            return True
        if any(has_word(name, w) for w in CLOSING):
            statement.closing = _money_after(cells, index)
            return True
        if any(has_word(name, w) for w in TOTALS):
            return True
        whole = " ".join(text(c) for c in cells[index:])
        digits = re.search(r"\d{6,19}", whole)
        if digits and not statement.account and any(has_word(name, w) for w in ACCOUNT):
            statement.account = digits.group()
        if any(has_word(name, w) for w in PERIOD) and not statement.period:
            statement.period = _period(whole)
    return False


def _period(words: str) -> tuple[date, date] | None:
    """ "Từ ngày 01/01/2026 đến ngày 31/01/2026" as two dates (None if unsure)."""
    found = re.findall(r"\d{1,2}/\d{1,2}/\d{4}", words)
    try:
        first, last = (parse_date(found[0]), parse_date(found[1]))
    except (IndexError, CellValueError):
        return None
    return (first, last) if first <= last else None
