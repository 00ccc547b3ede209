"""Property-based fuzzing (hypothesis) of what a bank file can hold: any cell
is a value or a reason, any memo is scanned, any CSV is read or refused with a
sentence, never a crash."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reports.memo_scan import scan
from bot.reports.statements.sheets import SheetError
from bot.reports.statements.statement_cells import (
    CellValueError,
    parse_date,
    parse_money,
)
from bot.reports.statements.statement_parser import parse_statement

FUZZ = settings(max_examples=300, deadline=None)
texts = st.text(st.characters(codec="utf-8"), max_size=120)
cells = st.none() | st.integers() | st.floats(allow_nan=True) | texts


@FUZZ
@given(cells)
def test_a_money_cell_is_whole_dong_or_a_reason(cell):
    try:
        assert isinstance(parse_money(cell), int | None)
    except CellValueError as error:
        assert str(error)


@FUZZ
@given(cells)
def test_a_date_cell_is_a_day_or_a_reason(cell):
    try:
        assert isinstance(parse_date(cell), date)
    except CellValueError as error:
        assert str(error)


@FUZZ
@given(texts)
def test_any_memo_is_scanned_into_known_codes_and_valid_phones(memo):
    found = scan(memo, ("NUOIEM", "XAYTRUONG"))
    assert {f.value for f in found.funds} <= {"NUOIEM", "XAYTRUONG"}
    assert all(c.value[:2] == "NE" and len(c.value) == 6 for c in found.children)
    assert all(len(p) == 10 and p[0] == "0" for p in found.phones)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(st.lists(st.lists(texts, max_size=7), max_size=12))
def test_any_csv_is_read_or_refused_with_a_sentence(folder, rows):
    path = folder / "x.csv"
    header = ["NGÀY GIAO DỊCH", "PHÁT SINH NỢ", "PHÁT SINH CÓ", "SỐ DƯ", "NỘI DUNG"]
    lines = [header, *rows]
    path.write_text("\n".join(",".join(f'"{c}"' for c in r) for r in lines))
    try:
        statement = parse_statement(path)
    except SheetError as error:
        assert str(error)
        return
    assert all(e.startswith("line ") for e in statement.errors)
