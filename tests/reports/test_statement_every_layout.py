"""Issue #13's Tests, for every bank layout (not one of them): an export with a
malformed row is refused naming that row's line and nothing is written; one
whose closing balance does not add up is refused with the figures; a second
file overlapping the first adds only its new rows; and the same file twice
adds nothing. The files are the fixture writers' January (made up, shaped
like each bank's export), changed here the way a broken download or a
hand-edited file would be."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.club.database import session_scope
from bot.reports.balance_checks import BalanceError
from bot.reports.ledger import BankStatement, BankTransaction
from bot.reports.statement_import import StatementRefused, import_statement
from tests.fixtures.statements import make_statement_fixtures as made
from tests.fixtures.statements.make_statement_fixtures import JANUARY, Tx

# file name -> (writer, how its closing balance of 5.790.000 đ is written)
LAYOUTS = {
    "vcb_statement.xlsx": (made.write_vcb_xlsx, "5,790,000"),
    "vcb_statement.xls": (made.write_vcb_html, "5,790,000"),
    "vcb_history.csv": (made.write_vcb_simple_csv, "5,790,000 VND"),
    "tcb_enquiry.xlsx": (made.write_tcb_xlsx, 5_790_000),
    "mb_statement.csv": (made.write_mb_csv, "5,790,000.00"),
    "bidv_statement.xlsx": (made.write_bidv_xlsx, "5.790.000"),
}
FEBRUARY = [
    Tx(date(2026, 2, 2), "FT26033009", 160_000, "NUOIEM NE0101 0912345678"),
    Tx(date(2026, 2, 4), "FT26035010", -90_000, "Phi SMS banking"),
    Tx(date(2026, 2, 9), "FT26040011", 250_000, "IBFT XAYTRUONG"),
]
SERIAL_15_JAN = (date(2026, 1, 15) - date(1899, 12, 30)).days  # Techcombank's


def stored(url: str) -> tuple[int, int]:
    with session_scope(url) as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (BankTransaction, BankStatement)
        )


def write(name: str, folder: Path, txs: list[Tx], opening: int = made.OPENING):
    writer, _ = LAYOUTS[name]
    return writer(folder / name, txs, opening)


def edit_text(path: Path, old: str, new: str, last: bool = False) -> int:
    """Replace the first (or last) `old`; the line of the change as staff
    see it: the CSV's line, or the HTML table's row."""
    text = path.read_text("utf-8-sig")
    at = text.rindex(old) if last else text.index(old)
    path.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")
    if path.suffix == ".xls":
        return text[:at].count("<tr>")
    return text[:at].count("\n") + 1


def edit_cell(path: Path, old, new, last: bool = False, nth: int = 0) -> int:
    """Replace the value of the first (nth, or last) cell holding `old`; its row."""
    book = load_workbook(path)
    cells = [
        cell
        for row in book.active.iter_rows()
        for cell in row
        if cell.value == old or (isinstance(old, str) and old in str(cell.value))
    ]
    cell = cells[-1] if last else cells[nth]
    cell.value = new if not isinstance(old, str) else str(cell.value).replace(old, new)
    book.save(path)
    return cell.row


def edit(path: Path, old, new, last: bool = False, nth: int = 0) -> int:
    if path.suffix == ".xlsx":
        return edit_cell(path, old, new, last, nth)
    return edit_text(path, old, new, last)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_a_malformed_row_names_its_line_and_nothing_is_written(books, tmp_path, name):
    path = write(name, tmp_path, JANUARY)
    if name.startswith("tcb"):  # the transaction date, after the request date
        line = edit(path, SERIAL_15_JAN, "15/13/2026", nth=1)
    else:
        line = edit(path, "15/01/2026", "15/13/2026")
    with pytest.raises(StatementRefused) as refused:
        import_statement(books, path)
    assert str(refused.value) == (
        f"1 row(s) cannot be read; nothing of {name} was imported"
    )
    [error] = refused.value.errors
    assert error.startswith(f"line {line}: '15/13/2026"), error
    assert error.endswith("is not a date (dd/mm/yyyy)")
    assert stored(books) == (0, 0)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_a_closing_balance_that_does_not_add_up_is_refused(books, tmp_path, name):
    path = write(name, tmp_path, JANUARY)
    _, closing = LAYOUTS[name]
    wrong = 5_800_000 if isinstance(closing, int) else closing.replace("79", "80")
    edit(path, closing, wrong, last=True)
    with pytest.raises(BalanceError) as refused:
        import_statement(books, path)
    assert str(refused.value) == (
        "opening balance 5.000.000 đ + credits 2.340.000 đ − debits 1.550.000 đ "
        "= 5.790.000 đ, but the closing balance is 5.800.000 đ"
    )
    assert stored(books) == (0, 0)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_an_overlapping_second_file_adds_only_its_new_rows(books, tmp_path, name):
    january = write(name, tmp_path, JANUARY)
    first = import_statement(books, january)
    assert (first.new, first.duplicates, first.errors) == (8, 0, [])
    later = tmp_path / "later"
    later.mkdir()
    opening = made.balances(made.OPENING, JANUARY)[-4]  # before 15 January
    second = import_statement(
        books, write(name, later, JANUARY[-3:] + FEBRUARY, opening)
    )
    assert (second.rows, second.new, second.duplicates) == (6, 3, 3)
    assert second.gap == ""
    again = import_statement(books, later / name)
    assert (again.new, again.duplicates) == (0, 6)
    assert stored(books) == (11, 3)
