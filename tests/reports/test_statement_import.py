"""Importing exports into the ledger: once, all or nothing, balances checked."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bot.club.database import session_scope
from bot.club.models import Child, Donation
from bot.reports.balance_checks import BalanceError
from bot.reports.ledger import BankStatement, BankTransaction
from bot.reports.statement_import import StatementRefused, import_statement
from tests.fixtures.statements import make_statement_fixtures as made
from tests.fixtures.statements.make_statement_fixtures import JANUARY, Tx

FEBRUARY = [
    Tx(date(2026, 2, 2), "FT26033009", 160_000, "NUOIEM NE0101 0912345678"),
    Tx(date(2026, 2, 4), "FT26035010", -90_000, "Phi SMS banking"),
    Tx(date(2026, 2, 9), "FT26040011", 250_000, "IBFT XAYTRUONG",
       "0123456789012", "PHAM VAN KHOA"),
]  # fmt: skip


def counts(url: str) -> tuple[int, int, int]:
    with session_scope(url) as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (BankTransaction, Donation, BankStatement)
        )


def test_an_import_books_high_matches_and_leaves_the_rest_for_review(books):
    before = counts(books)[1]
    summary = import_statement(books, made.HERE / "tcb_enquiry.xlsx")
    assert (summary.rows, summary.new, summary.duplicates) == (8, 8, 0)
    assert (summary.matched, summary.review, summary.debits) == (4, 4, 2)
    assert summary.line() == (
        "tcb_enquiry.xlsx (tcb): 8 rows read, 8 new, 0 duplicates, 4 matched, "
        "4 to review (2 debits), 0 errors"
    )
    assert counts(books) == (8, before + 4, 1)
    with session_scope(books) as session:
        first = session.scalars(select(BankTransaction).order_by("id")).first()
        donation = first.donation
        child = session.get(Child, donation.child_id)
        assert (first.state, first.confidence, first.matched_by) == (
            "booked", "high", "memo"
        )  # fmt: skip
        assert (donation.amount, donation.date, child.code) == (
            160_000, date(2026, 1, 2), "NE0101"
        )  # fmt: skip
        assert donation.reference == first.key == "tcb:0071000999888:FT26002001"
        assert donation.donor_name == "NGUYEN THU TRANG"


def test_importing_again_or_the_same_month_in_another_format_adds_nothing(books):
    import_statement(books, made.HERE / "vcb_statement.xlsx")
    after_first = counts(books)
    again = import_statement(books, made.HERE / "vcb_statement.xlsx")
    html = import_statement(books, made.HERE / "vcb_statement.xls")
    assert (again.new, again.duplicates) == (0, 8)
    assert (html.new, html.duplicates, html.gap) == (0, 8, "")
    assert counts(books)[:2] == after_first[:2]


def test_without_references_the_key_is_date_amount_memo_and_balance(books):
    import_statement(books, made.HERE / "bidv_statement.xlsx")
    again = import_statement(books, made.HERE / "bidv_statement.xlsx")
    assert (again.new, again.duplicates) == (0, 8)


def test_an_overlapping_file_adds_only_its_new_rows(books, tmp_path):
    made.write_mb_csv(tmp_path / "jan.csv", JANUARY)
    import_statement(books, tmp_path / "jan.csv")
    opening = made.balances(made.OPENING, JANUARY)[-3]  # before 20 January
    overlap = made.write_mb_csv(tmp_path / "late.csv", JANUARY[-2:] + FEBRUARY, opening)
    summary = import_statement(books, overlap)
    assert (summary.rows, summary.new, summary.duplicates) == (5, 3, 2)
    assert summary.gap == ""
    assert counts(books)[0] == 11


def test_a_file_that_does_not_add_up_is_refused_with_the_figures(books, tmp_path):
    path = made.write_mb_csv(tmp_path / "mb.csv", JANUARY)
    path.write_text(
        path.read_text("utf-8-sig").replace('"5,790,000.00"\n', '"5,800,000.00"\n'),
        encoding="utf-8",
    )
    with pytest.raises(BalanceError) as refused:
        import_statement(books, path)
    assert str(refused.value) == (
        "opening balance 5.000.000 đ + credits 2.340.000 đ − debits 1.550.000 đ "
        "= 5.790.000 đ, but the closing balance is 5.800.000 đ"
    )
    assert counts(books)[0] == 0


def test_a_row_whose_balance_does_not_follow_is_refused(books, tmp_path):
    path = made.write_mb_csv(tmp_path / "mb.csv", JANUARY)
    text = path.read_text("utf-8-sig").replace('"4,780,000.00"', '"4,790,000.00"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BalanceError) as refused:
        import_statement(books, path)
    assert str(refused.value) == (
        "line 8: the balance 4.790.000 đ does not follow from 4.280.000 đ and 500.000 đ"
    )
    assert counts(books)[0] == 0


def test_malformed_rows_write_nothing_and_name_each_line(books, tmp_path):
    path = made.write_mb_csv(tmp_path / "mb.csv", JANUARY)
    text = path.read_text("utf-8-sig").replace("15/01/2026", "15/13/2026")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StatementRefused) as refused:
        import_statement(books, path)
    assert (
        str(refused.value) == "1 row(s) cannot be read; nothing of mb.csv was imported"
    )
    assert refused.value.errors == [
        "line 10: '15/13/2026 10:15:00' is not a date (dd/mm/yyyy)"
    ]
    assert counts(books) == (0, counts(books)[1], 0)


def test_a_gap_between_two_files_of_the_account_is_flagged(books, tmp_path):
    import_statement(books, made.write_mb_csv(tmp_path / "jan.csv", JANUARY))
    march = [Tx(date(2026, 3, 2), "FT26061001", 160_000, "NUOIEM NE0106")]
    summary = import_statement(
        books, made.write_mb_csv(tmp_path / "mar.csv", march, 6_100_000)
    )
    assert summary.new == 1
    assert summary.gap == (
        "the file to 25/01/2026 closed at 5.790.000 đ but this one opens at 6.100.000 đ"
    )
    assert summary.line().endswith(f"; GAP: {summary.gap}")
    with session_scope(books) as session:
        stored = session.scalars(select(BankStatement.gap).order_by("id")).all()
    assert stored == ["", summary.gap]


def test_a_file_that_continues_the_last_one_has_no_gap(books, tmp_path):
    import_statement(books, made.write_mb_csv(tmp_path / "jan.csv", JANUARY))
    feb = made.write_mb_csv(tmp_path / "feb.csv", FEBRUARY, 5_790_000)
    assert import_statement(books, feb).gap == ""


def test_a_file_listing_the_newest_row_first_is_checked_oldest_first(books, tmp_path):
    path = made.write_mb_csv(tmp_path / "mb.csv", JANUARY)
    lines = path.read_text("utf-8-sig").splitlines()
    lines[4:12] = reversed(lines[4:12])
    path.write_text("\n".join(lines), encoding="utf-8")
    summary = import_statement(books, path)
    assert (summary.new, summary.matched, summary.checked) == (8, 4, True)


def test_equal_gifts_on_one_day_without_references_are_both_kept(books, tmp_path):
    gift = Tx(date(2026, 1, 10), "", 100_000, "ung ho")
    txs = [gift, gift, JANUARY[3]]
    path = made.write_vcb_simple_csv(tmp_path / "vcb.csv", txs, refs=False)
    first = import_statement(books, path)
    again = import_statement(books, path)
    assert (first.new, again.new, again.duplicates) == (3, 0, 3)
    assert first.checked and "not checked" not in first.line()


def test_a_transfer_and_its_fee_under_one_reference_are_both_kept(books, tmp_path):
    txs = [JANUARY[0], Tx(date(2026, 1, 2), JANUARY[0].ref, -1_100, "Phi CK")]
    path = made.write_mb_csv(tmp_path / "mb.csv", txs)
    assert import_statement(books, path).new == 2
    assert import_statement(books, path).duplicates == 2


def test_a_file_without_any_balance_is_imported_and_says_so(books, tmp_path):
    path = made.write_vcb_simple_csv(tmp_path / "vcb.csv", JANUARY[:2])
    lines = [ln for ln in path.read_text("utf-8").splitlines() if "Số dư" not in ln]
    path.write_text("\n".join(lines), encoding="utf-8")
    summary = import_statement(books, path)
    assert summary.new == 2 and not summary.checked
    assert summary.line().endswith("0 errors; balances not given, not checked")


def test_without_balances_a_gap_in_the_dates_is_flagged(books, tmp_path):
    def without_balances(name: str, txs: list[Tx]):
        path = made.write_vcb_simple_csv(tmp_path / name, txs)
        lines = path.read_text("utf-8").splitlines()
        kept = [ln for ln in lines if "Số dư" not in ln]
        path.write_text("\n".join(kept), encoding="utf-8")
        return path

    import_statement(books, without_balances("jan.csv", JANUARY))
    march = [Tx(date(2026, 3, 2), "FT26061001", 160_000, "NUOIEM NE0106")]
    summary = import_statement(books, without_balances("mar.csv", march))
    assert summary.gap == "no file covers 25/01/2026–02/03/2026"
