"""A transfer the bank feed posted and the month's export both hold is counted
once, even when the bank writes its reference differently in the export."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.club.database import session_scope
from bot.club.models import Donation
from bot.club.seed import seed_if_empty
from bot.ops.schema import migrate
from bot.reports.feed import FeedRow, record
from bot.reports.ledger import BankTransaction
from bot.reports.matching import Directory
from bot.reports.monthly.month_figures import month_report
from bot.reports.statement_import import import_statement
from tests.fixtures.statements import make_statement_fixtures as made
from tests.fixtures.statements.make_statement_fixtures import JANUARY, Tx

TRANG = JANUARY[0]  # 160,000 đ on 2 January, NUOIEM NE0101 0912345678: booked
TRANG_MEMO = "NUOIEM NE0101 0912345678"
HONG_MEMO = "NUOIEM NE0106 0356789012"


def fed(url: str, service_id: str, tx: Tx, memo: str, reference: str) -> str:
    """SePay posts `tx` under its own reference; returns the record's status."""
    row = FeedRow(
        "sepay", service_id, "tcb", made.ACCOUNT, tx.day, tx.amount, memo,
        reference=reference,
    )  # fmt: skip
    with session_scope(url) as session, session.begin():
        return record(session, row, Directory.load(session)).status


def totals(url: str) -> tuple[int, int, int, int]:
    """Ledger rows, donations, the sum donated, and January's received."""
    with session_scope(url) as session:
        rows = session.scalar(select(func.count()).select_from(BankTransaction))
        gifts = session.scalar(select(func.count()).select_from(Donation))
        money = session.scalar(select(func.sum(Donation.amount)))
        report = month_report(session, date(2026, 1, 1), datetime(2026, 2, 1))
        return rows, gifts, money, report.received


def fund_figures(url: str) -> tuple:
    with session_scope(url) as session:
        return month_report(session, date(2026, 1, 1), datetime(2026, 2, 1)).funds


def export(url: str, folder: Path, txs: list[Tx], name: str = "jan.xlsx"):
    return import_statement(url, made.write_tcb_xlsx(folder / name, txs))


def other_books(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'export-only.db'}"
    migrate(url)
    seed_if_empty(url)
    return url


def test_a_fed_transfer_under_another_reference_is_counted_once(books, tmp_path):
    assert fed(books, "5001", TRANG, TRANG_MEMO, "MBVCB.3278907687") == "new"
    summary = export(books, tmp_path, JANUARY)
    assert (summary.rows, summary.new, summary.duplicates) == (8, 7, 1)
    again = export(books, tmp_path, JANUARY, "again.xlsx")
    assert (again.new, again.duplicates) == (0, 8)
    alone = other_books(tmp_path)
    export(alone, tmp_path, JANUARY, "alone.xlsx")
    assert totals(books) == totals(alone)
    assert fund_figures(books) == fund_figures(alone)
    with session_scope(books) as session:
        linked = session.scalars(
            select(BankTransaction).where(BankTransaction.feed_id == "sepay:5001")
        ).one()
        assert linked.statement_id is not None
        assert (
            linked.key
            == linked.donation.reference
            == (f"tcb:{made.ACCOUNT}:{TRANG.ref}")
        )
        assert linked.counter_name == "NGUYEN THU TRANG"  # filled from the export


def test_a_late_fed_transfer_under_another_reference_joins_the_exports_row(
    books, tmp_path
):
    export(books, tmp_path, JANUARY)
    before = totals(books)
    assert fed(books, "5002", TRANG, TRANG_MEMO, "") == "known"
    assert fed(books, "5002", TRANG, TRANG_MEMO, "") == "duplicate"
    assert totals(books) == before


def test_two_equal_transfers_on_one_day_are_both_kept(books, tmp_path):
    hong = replace(TRANG, ref="FT26002099", memo="IBFT " + HONG_MEMO)
    month = [TRANG, hong, *JANUARY[1:]]
    fed(books, "5003", TRANG, TRANG_MEMO, "REF-A")  # only one of them was fed
    summary = export(books, tmp_path, month)
    assert (summary.new, summary.duplicates) == (8, 1)
    alone = other_books(tmp_path)
    export(alone, tmp_path, month, "alone.xlsx")
    assert totals(books) == totals(alone)
    assert totals(books)[0] == 9


def test_each_fed_row_is_paired_with_the_export_row_whose_memo_is_closest(
    books, tmp_path
):
    hong = replace(TRANG, ref="FT26002099", memo="IBFT " + HONG_MEMO)
    fed(books, "6001", TRANG, HONG_MEMO, "X1")  # Hồng's, fed first
    fed(books, "6002", TRANG, TRANG_MEMO, "X2")
    summary = export(books, tmp_path, [TRANG, hong, *JANUARY[1:]])
    assert (summary.new, summary.duplicates) == (7, 2)
    with session_scope(books) as session:
        keys = dict(
            session.execute(
                select(BankTransaction.feed_id, BankTransaction.key).where(
                    BankTransaction.feed_id.is_not(None)
                )
            ).all()
        )
    assert keys == {
        "sepay:6001": f"tcb:{made.ACCOUNT}:FT26002099",
        "sepay:6002": f"tcb:{made.ACCOUNT}:{TRANG.ref}",
    }


def test_another_account_or_amount_or_day_is_not_linked(books, tmp_path):
    other_day = replace(TRANG, day=date(2026, 1, 3))
    other_amount = replace(TRANG, amount=150_000)
    fed(books, "7001", other_day, TRANG_MEMO, "Y1")
    fed(books, "7002", other_amount, TRANG_MEMO, "Y2")
    row = FeedRow("sepay", "7003", "tcb", "999", TRANG.day, TRANG.amount, TRANG_MEMO)
    with session_scope(books) as session, session.begin():
        record(session, row, Directory.load(session))
    summary = export(books, tmp_path, JANUARY)
    assert (summary.new, summary.duplicates) == (8, 0)
