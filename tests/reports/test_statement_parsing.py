"""Each bank's export read into the same January, and the cells banks write."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.reports.statements.sheets import SheetError
from bot.reports.statements.statement_cells import (
    CellValueError,
    parse_date,
    parse_money,
)
from bot.reports.statements.statement_parser import parse_statement
from tests.fixtures.statements import make_statement_fixtures as made

FIXTURES = made.HERE

EXPECTED = {  # file: (bank, first row's reference, counter account of row 1)
    "vcb_statement.xlsx": ("vcb", "56002.02001", ""),
    "vcb_statement.xls": ("vcb", "56002.02001", ""),
    "tcb_enquiry.xlsx": ("tcb", "FT26002001", "0351000646393"),
    "mb_statement.csv": ("mb", "FT26002001", ""),
    "bidv_statement.xlsx": ("bidv", "", ""),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_banks_fixture_reads_as_the_same_month(name):
    bank, reference, counter = EXPECTED[name]
    statement = parse_statement(FIXTURES / name)
    assert statement.errors == []
    assert (statement.bank, statement.account) == (bank, made.ACCOUNT)
    assert (statement.opening, statement.closing) == (5_000_000, 5_790_000)
    assert [r.amount for r in statement.rows] == [t.amount for t in made.JANUARY]
    assert [r.date for r in statement.rows] == [t.day for t in made.JANUARY]
    assert [r.description for r in statement.rows] == [t.memo for t in made.JANUARY]
    assert statement.rows[-1].balance == 5_790_000
    first = statement.rows[0]
    assert (first.reference, first.counter_account) == (reference, counter)


def test_the_vietcombank_xls_is_an_html_table_and_the_bank_is_forced_or_found():
    assert (FIXTURES / "vcb_statement.xls").read_text("utf-8").startswith("<html")
    statement = parse_statement(FIXTURES / "vcb_statement.xls", bank="vcb")
    assert statement.period == (date(2026, 1, 2), date(2026, 1, 25))
    with pytest.raises(SheetError, match="no header row of the tcb export"):
        parse_statement(FIXTURES / "vcb_statement.xls", bank="tcb")


def test_malformed_rows_are_reported_with_their_line_and_reason(tmp_path):
    path = made.write_mb_csv(tmp_path / "mb.csv", made.JANUARY)
    lines = path.read_text("utf-8-sig").splitlines()
    lines[5] = lines[5].replace("03/01/2026", "32/01/2026")  # line 6
    lines[7] = lines[7].replace('"500,000.00"', "năm trăm")  # line 8
    lines[8] = lines[8].replace("FT26010005,,", 'FT26010005,"1,000.00",')
    path.write_text("\n".join(lines), encoding="utf-8")
    errors = parse_statement(path).errors
    assert errors[0] == "line 6: '32/01/2026 10:15:00' is not a date (dd/mm/yyyy)"
    assert errors[1] == "line 8: 'năm trăm' is not an amount of money"
    assert errors[2] == ("line 9: a row needs a debit or a credit, not both or neither")
    assert len(errors) == 3


def test_a_binary_xls_and_an_unknown_layout_are_refused_with_a_reason(tmp_path):
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(SheetError, match="save it as .xlsx"):
        parse_statement(old)
    other = tmp_path / "other.csv"
    other.write_text("Ngày,Tiền,Ghi chú\n01/01/2026,100,x\n", encoding="utf-8")
    with pytest.raises(SheetError, match="no header row of a known bank"):
        parse_statement(other)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1,234,000.00", 1_234_000),
        ("1.234.000", 1_234_000),
        ("1.234.000 VND", 1_234_000),
        ("160,000", 160_000),
        ("-500,000", -500_000),
        ("(500.000)", -500_000),
        ("+160.000 đ", 160_000),
        ("1.234.000,00", 1_234_000),
        (160000.0, 160_000),
        (-350000, -350_000),
        ("", None),
        ("-", None),
        (None, None),
    ],
)
def test_money_cells(cell, expected):
    assert parse_money(cell) == expected


@pytest.mark.parametrize("cell", ["abc", "1.234,5", "12 tr"])
def test_money_cells_that_are_not_whole_dong(cell):
    with pytest.raises(CellValueError):
        parse_money(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("02/01/2026", date(2026, 1, 2)),
        ("2/1/2026 10:15:00", date(2026, 1, 2)),
        ("02-01-2026", date(2026, 1, 2)),
        (46024, date(2026, 1, 2)),  # an Excel serial number
        ("46024", date(2026, 1, 2)),
        (datetime(2026, 1, 2, 9, 30), date(2026, 1, 2)),
        ("2026-01-02", date(2026, 1, 2)),
    ],
)
def test_date_cells(cell, expected):
    assert parse_date(cell) == expected


@pytest.mark.parametrize("cell", ["31/02/2026", "", "Tổng cộng", 12])
def test_cells_that_are_not_dates(cell):
    with pytest.raises(CellValueError):
        parse_date(cell)


def test_the_short_vietcombank_layout_has_signed_amounts_and_no_balance_column():
    statement = parse_statement(FIXTURES / "vcb_history.csv")
    assert statement.layout.startswith("Vietcombank: ngày, số tham chiếu")
    assert (statement.opening, statement.closing) == (5_000_000, 5_790_000)
    assert [r.amount for r in statement.rows] == [t.amount for t in made.JANUARY]
    assert {r.balance for r in statement.rows} == {None}
    assert statement.rows[2].reference == "FT26005003"


def test_a_wrapped_memo_line_continues_the_row_above(tmp_path):
    path = made.write_mb_csv(tmp_path / "mb.csv", made.JANUARY)
    lines = path.read_text("utf-8-sig").splitlines()
    lines.insert(6, ',,,,,"NE0102 0987654321"')  # after the row of line 6
    path.write_text("\n".join(lines), encoding="utf-8")
    statement = parse_statement(path)
    assert statement.errors == [] and len(statement.rows) == 8
    assert statement.rows[1].description == "IBFT NUOIEMNE0102 NE0102 0987654321"
    assert statement.rows[2].line == 8
