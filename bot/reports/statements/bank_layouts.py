"""One declarative layout per bank export: the words of its title and of its
column headers, and which columns are required.

The header row is found by keywords in the first rows of the file; each role
takes the first column whose folded header holds one of its keywords (roles
are tried in the order written, so "tên tài khoản đối ứng" is claimed by
`counter_name` before `counter_account` sees it). Headers are folded (no
diacritics, lower case), so "Số tiền ghi nợ/Debit" and "SO TIEN GHI NO" match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.reports.statements.statement_cells import Cell, text
from bot.text import strip_diacritics

HEADER_SEARCH_ROWS = 25
BANKS = ("vcb", "tcb", "mb", "bidv")


@dataclass(frozen=True)
class Layout:
    bank: str
    name: str
    title: tuple[str, ...]  # words of the title block (help choosing)
    columns: dict[str, tuple[str, ...]]  # role -> header keywords
    optional: tuple[str, ...] = ()
    date_holds_reference: bool = False  # "Ngày giao dịch / Số CT" in one cell


LAYOUTS = (
    Layout(
        "vcb",
        "Vietcombank: sao kê tài khoản / statement of account",
        title=("sao ke tai khoan", "statement of account"),
        columns={
            "date": ("ngay giao dich", "transaction date"),
            "debit": ("ghi no", "debit"),
            "credit": ("ghi co", "credit"),
            "balance": ("so du", "balance"),
            "description": ("noi dung", "description"),
        },
        date_holds_reference=True,
    ),
    Layout(
        "vcb",
        "Vietcombank: ngày, số tham chiếu, số tiền, mô tả",
        title=("vietcombank",),
        columns={
            "date": ("ngay giao dich",),
            "reference": ("so tham chieu", "reference"),
            "amount": ("so tien", "amount"),
            "balance": ("so du", "balance"),
            "description": ("mo ta", "description"),
        },
        optional=("balance",),
    ),
    Layout(
        "tcb",
        "Techcombank: truy vấn giao dịch / transaction enquiry",
        title=("truy van giao dich", "transaction enquiry", "so phu"),
        columns={
            "date": ("ngay giao dich", "transaction date"),
            "reference": ("so but toan", "reference"),
            "counter_name": ("ten tai khoan doi ung", "ten doi ung"),
            "counter_account": ("tai khoan doi ung",),
            "description": ("dien giai", "description"),
            "debit": ("no/debit", "debit"),
            "credit": ("co/credit", "credit"),
            "balance": ("so du", "balance"),
        },
        optional=("counter_name", "counter_account"),
    ),
    Layout(
        "mb",
        "MB: sao kê chi tiết tài khoản",
        title=("sao ke chi tiet tai khoan", "mb bank", "mbbank"),
        columns={
            "date": ("ngay giao dich",),
            "reference": ("so but toan", "so tham chieu", "ma giao dich"),
            "debit": ("phat sinh no",),
            "credit": ("phat sinh co",),
            "balance": ("so du",),
            "description": ("noi dung",),
        },
        optional=("reference",),
    ),
    Layout(
        "bidv",
        "BIDV: báo cáo chi tiết số dư tài khoản",
        title=("bao cao chi tiet so du tai khoan", "bidv"),
        columns={
            "date": ("ngay hieu luc",),
            "reference": ("so giao dich", "so ct", "so but toan"),
            "debit": ("ghi no",),
            "credit": ("ghi co",),
            "description": ("mo ta",),
            "balance": ("so du",),
        },
        optional=("reference",),
    ),
)


def folded(cell: Cell) -> str:
    """A cell's text folded for keyword matching."""
    return strip_diacritics(text(cell)).lower()


def has_word(haystack: str, keyword: str) -> bool:
    return re.search(rf"(?<![a-z]){re.escape(keyword)}(?![a-z])", haystack) is not None


def map_columns(layout: Layout, headers: list[Cell]) -> dict[str, int] | None:
    """Role -> column index, or None when a required role has no column."""
    names = [folded(cell) for cell in headers]
    found: dict[str, int] = {}
    for role, keywords in layout.columns.items():
        for index, name in enumerate(names):
            taken = index in found.values()
            if not taken and any(has_word(name, word) for word in keywords):
                found[role] = index
                break
    missing = [r for r in layout.columns if r not in found and r not in layout.optional]
    return None if missing else found


@dataclass(frozen=True)
class Header:
    layout: Layout
    index: int  # position of the header row in the rows read
    columns: dict[str, int]


def find_header(rows: list[list[Cell]], bank: str = "auto") -> Header | None:
    """The best layout whose headers appear in the first rows."""
    best: tuple[int, Header] | None = None
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        above = " ".join(folded(c) for row in rows[:index] for c in row)
        for layout in LAYOUTS:
            if bank != "auto" and layout.bank != bank:
                continue
            columns = map_columns(layout, cells)
            if columns is None:
                continue
            score = 10 * len(columns) + sum(has_word(above, t) for t in layout.title)
            if best is None or score > best[0]:
                best = (score, Header(layout, index, columns))
    return best[1] if best else None
